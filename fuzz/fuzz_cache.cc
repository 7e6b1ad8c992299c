// Fuzz target: sequences of token_cache and revocation_set operations checked against a reference
// model (std::map), single-threaded so every answer is deterministic.
//
// token_cache: may forget (eviction) but never lie. A hit must return exactly the claims last
// inserted for that exact token, under the lookup's generation, and only while the model says the
// entry is still valid at the lookup's time; a lookup right after a successful insert, with its
// generation and a valid time, must hit. The bucket hash is forced to a few values (test-only
// hash_override) so most tokens collide and only the exact digest tells them apart.
// revocation_set: exact, with two sources (the default one and "b") modelled separately:
// contains(), remove(), size() and purge_expired() must equal the union of the models, and a reload
// of one source must leave the other's entries alone.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/revocation/revocation.h"
#include "engine/runtime/token_cache.h"

namespace {

using jwtx::cache_validity;
using jwtx::cached_claims;
using jwtx::claims_to_cache;
using jwtx::revocation_entry;
using jwtx::revocation_set;
using jwtx::token_cache;

class reader {
 public:
  reader(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  bool empty() const { return i_ >= n_; }
  std::uint8_t byte() { return i_ < n_ ? d_[i_++] : 0; }
  std::string bytes(std::size_t max) {
    const std::size_t len = std::min<std::size_t>(byte() % (max + 1), n_ - std::min(i_, n_));
    std::string s(reinterpret_cast<const char*>(d_ + i_), len);
    i_ += len;
    return s;
  }

 private:
  const std::uint8_t* d_;
  std::size_t n_, i_ = 0;
};

std::uint64_t few_buckets(std::string_view token) { return token.empty() ? 0 : token[0] % 3; }

struct model_entry {
  std::optional<double> exp, nbf, iat;
  std::uint64_t generation = 0;
  jwtx::algorithm alg = jwtx::algorithm::HS256;
  std::optional<std::string> kid, iss, sub, jti, aud;
};

std::optional<std::string> maybe_string(reader& r, std::size_t max) {
  if (r.byte() % 4 == 0) return std::nullopt;
  return r.bytes(max);
}

std::optional<double> maybe_time(reader& r, double base) {
  const std::uint8_t b = r.byte();
  if (b % 4 == 0) return std::nullopt;
  return base + (static_cast<int>(b) - 128);
}

bool valid_at(const model_entry& e, const cache_validity& v) {
  const double l = v.leeway_seconds;
  if (e.exp && !(v.now < *e.exp + l)) return false;
  if (e.nbf && !(v.now + l >= *e.nbf)) return false;
  if (e.iat && !(*e.iat <= v.now + l)) return false;
  if (v.max_age_seconds && (!e.iat || !(v.now - *e.iat <= *v.max_age_seconds + l))) return false;
  return true;
}

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  return std::string_view(*s);
}

void check_same(const cached_claims& got, const model_entry& want) {
  if (got.alg() != want.alg || got.generation() != want.generation) __builtin_trap();
  if (got.exp() != want.exp || got.nbf() != want.nbf || got.iat() != want.iat) __builtin_trap();
  if (got.kid() != view(want.kid) || got.iss() != view(want.iss) || got.sub() != view(want.sub) ||
      got.jti() != view(want.jti) || got.aud() != view(want.aud))
    __builtin_trap();
}

constexpr double kBase = 1'700'000'000;
constexpr double kGrace = 10;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  reader r(data, size);
  jwtx::token_cache_options co;
  co.capacity = 8 + r.byte() % 64;
  co.shards = 1 + r.byte() % 4;
  if (r.byte() & 1) co.hash_override = few_buckets;
  token_cache cache(co);
  jwtx::revocation_options ro;
  ro.retention_seconds = kGrace;
  revocation_set revoked(ro);
  jwtx::revocation_source other_source = revoked.source("b");

  std::map<std::string, model_entry> cached;  // what was last inserted per token
  std::map<std::string, double> jtis;         // the default source's model: jti -> exp
  std::map<std::string, double> other;        // source "b"
  auto in_union = [&](const std::string& jti) { return jtis.count(jti) + other.count(jti) != 0; };
  auto union_size = [&] {
    std::size_t n = jtis.size();
    for (const auto& [jti, exp] : other) n += jtis.count(jti) == 0;
    return n;
  };
  auto add_to = [](std::map<std::string, double>& model, const std::string& jti, double exp) {
    auto [it, inserted] = model.emplace(jti, exp);
    if (!inserted) it->second = std::max(it->second, exp);
  };

  int steps = 0;
  while (!r.empty() && ++steps < 512) {
    switch (r.byte() % 9) {
      case 0: {  // insert
        const std::string token = r.bytes(12);
        model_entry e;
        e.alg = static_cast<jwtx::algorithm>(r.byte() % 13);
        e.generation = r.byte() % 3;
        e.exp = maybe_time(r, kBase);
        e.nbf = maybe_time(r, kBase);
        e.iat = maybe_time(r, kBase);
        e.kid = maybe_string(r, 40);
        e.iss = maybe_string(r, 40);
        e.sub = maybe_string(r, 40);
        e.jti = maybe_string(r, 40);
        e.aud = maybe_string(r, 40);
        claims_to_cache c;
        c.alg = e.alg;
        c.generation = e.generation;
        c.exp = e.exp, c.nbf = e.nbf, c.iat = e.iat;
        c.kid = view(e.kid), c.iss = view(e.iss), c.sub = view(e.sub), c.jti = view(e.jti);
        c.aud = view(e.aud);
        std::size_t total = 0;
        for (const auto* s : {&e.kid, &e.iss, &e.sub, &e.jti, &e.aud})
          total += *s ? (*s)->size() : 0;
        const bool fits = total <= token_cache::kMaxClaimBytes;
        const double now = kBase + static_cast<int>(r.byte()) - 128;
        if (cache.insert(token, c, now) != fits) __builtin_trap();
        if (!fits) break;
        cached[token] = e;
        // Read-your-write: found at once when valid under its own generation.
        cache_validity v;
        v.now = now;
        v.generation = e.generation;
        cached_claims got;
        const bool hit = cache.lookup(token, v, &got);
        if (hit != valid_at(e, v)) __builtin_trap();
        if (hit) check_same(got, e);
        break;
      }
      case 1: {  // lookup
        const std::string token = r.bytes(12);
        cache_validity v;
        v.now = kBase + static_cast<int>(r.byte()) - 128;
        v.leeway_seconds = r.byte() % 8;
        if (r.byte() % 4 == 0) v.max_age_seconds = r.byte() % 64;
        v.generation = r.byte() % 3;
        cached_claims got;
        if (!cache.lookup(token, v, &got)) break;
        auto it = cached.find(token);
        if (it == cached.end()) __builtin_trap();  // a token never inserted hit
        if (it->second.generation != v.generation || !valid_at(it->second, v)) __builtin_trap();
        check_same(got, it->second);
        break;
      }
      case 2: {  // revoke
        const std::string jti = r.bytes(16);
        const double exp = (r.byte() % 8 == 0) ? std::numeric_limits<double>::infinity()
                                               : kBase + static_cast<int>(r.byte()) - 128;
        if (r.byte() & 1) {
          other_source.add(jti, exp);
          add_to(other, jti, exp);
        } else {
          revoked.add(jti, exp);
          add_to(jtis, jti, exp);
        }
        break;
      }
      case 3: {  // unrevoke
        const std::string jti = r.bytes(16);
        if (revoked.remove(jti) != (jtis.erase(jti) == 1)) __builtin_trap();
        if (revoked.contains(jti) != in_union(jti)) __builtin_trap();
        break;
      }
      case 4: {  // is it revoked?
        const std::string jti = r.bytes(16);
        if (revoked.contains(jti) != in_union(jti)) __builtin_trap();
        break;
      }
      case 5: {  // purge
        const double now = kBase + static_cast<int>(r.byte()) - 128;
        const std::size_t before = union_size();
        for (auto* model : {&jtis, &other}) {
          std::erase_if(*model, [&](const auto& kv) { return now > kv.second + kGrace; });
        }
        if (revoked.purge_expired(now) != before - union_size()) __builtin_trap();
        break;
      }
      case 6: {  // full reload
        std::vector<revocation_entry> list(r.byte() % 6);
        for (auto& e : list) {
          e.jti = r.bytes(16);
          e.exp = kBase + static_cast<int>(r.byte()) - 128;
        }
        const double now = kBase + static_cast<int>(r.byte()) - 128;
        const bool to_other = r.byte() & 1;
        if (to_other) {
          other_source.replace_all(list, now);
        } else {
          revoked.replace_all(list, now);
        }
        std::map<std::string, double>& model = to_other ? other : jtis;
        model.clear();
        for (const auto& e : list) {
          if (now <= e.exp + kGrace) add_to(model, e.jti, e.exp);
        }
        break;
      }
      case 7: {  // sizes
        if (revoked.size() != union_size()) __builtin_trap();
        if (cache.size() > cache.capacity()) __builtin_trap();
        break;
      }
      default: {  // counters stay consistent
        const jwtx::token_cache_stats s = cache.stats();
        if (s.invalidations > s.misses) __builtin_trap();
        break;
      }
    }
  }
  for (const auto* model : {&jtis, &other}) {
    for (const auto& [jti, exp] : *model) {
      if (!revoked.contains(jti)) __builtin_trap();
    }
  }
  return 0;
}
