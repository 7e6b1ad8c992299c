#include "engine/runtime/token_cache.h"

#include <openssl/mem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <type_traits>

#include "engine/runtime/rcu.h"
#include "engine/time_rules.h"

namespace jwtx {

using detail::cache_payload;
using detail::cache_slot;
using detail::kCachePayloadWords;

static_assert(std::is_trivially_copyable_v<cache_payload>);
static_assert(token_cache::kWays <= 8, "bucket::hand and the sweep assume at most 8 ways");

namespace {

constexpr int kStringCount = 5;  // kid, iss, sub, jti, aud
constexpr int kReadAttempts = 4;

// The hint is a filter only (the payload is authoritative); 0 marks an empty way.
std::uint32_t hint_of(std::uint64_t h) noexcept { return static_cast<std::uint32_t>(h >> 32) | 1u; }

// Seqlock read: copies the payload if no writer was inside during the copy. Returns false after a
// few attempts that all overlapped a writer (the caller treats that as "not this way").
bool read_slot(const cache_slot& s, cache_payload* out) noexcept {
  std::uint64_t w[kCachePayloadWords];
  for (int attempt = 0; attempt < kReadAttempts; ++attempt) {
    const std::uint64_t before = s.seq.load(std::memory_order_acquire);
    if (before & 1) continue;
    // Acquire loads keep the second sequence load after them, and a load that saw a writer's
    // word makes that writer's odd sequence store visible to the second sequence load.
    for (std::size_t i = 0; i < kCachePayloadWords; ++i) {
      w[i] = s.words[i].load(std::memory_order_acquire);
    }
    if (s.seq.load(std::memory_order_relaxed) == before) {
      std::memcpy(out, w, sizeof(w));
      return true;
    }
  }
  return false;
}

// Payload as the (only) writer sees it: must hold the shard mutex.
void load_slot_as_writer(const cache_slot& s, cache_payload* out) noexcept {
  std::uint64_t w[kCachePayloadWords];
  for (std::size_t i = 0; i < kCachePayloadWords; ++i) {
    w[i] = s.words[i].load(std::memory_order_relaxed);
  }
  std::memcpy(out, w, sizeof(w));
}

// Seqlock write: must hold the shard mutex.
void write_slot(cache_slot& s, const cache_payload& p) noexcept {
  std::uint64_t w[kCachePayloadWords];
  std::memcpy(w, &p, sizeof(w));
  const std::uint64_t seq = s.seq.load(std::memory_order_relaxed);
  s.seq.store(seq + 1, std::memory_order_relaxed);
  // Release stores: a reader that sees any new word also sees the odd sequence written above.
  for (std::size_t i = 0; i < kCachePayloadWords; ++i) {
    s.words[i].store(w[i], std::memory_order_release);
  }
  s.seq.store(seq + 2, std::memory_order_release);
}

// The time rules are check_times() itself (engine/time_rules.h), the function check_policy() runs:
// one definition, so a hit can never be judged by other arithmetic, and any NaN, infinity or
// out-of-range clock or leeway is a miss (the full path then reports why).
bool still_valid(const cache_payload& p, const cache_validity& v) noexcept {
  time_claims c;
  if (p.flags & cache_payload::kHasExp) c.exp = p.exp;
  if (p.flags & cache_payload::kHasNbf) c.nbf = p.nbf;
  if (p.flags & cache_payload::kHasIat) c.iat = p.iat;
  return check_times(c, {v.leeway_seconds, v.max_age_seconds}, v.now) == status::ok;
}

bool same_digest(const cache_payload& p, const std::uint8_t* digest) noexcept {
  return CRYPTO_memcmp(p.digest, digest, sizeof(p.digest)) == 0;
}

void bump(std::atomic<std::uint64_t>& counter) noexcept {
  counter.fetch_add(1, std::memory_order_relaxed);
}

// Reader-side counters (every lookup bumps one) are striped by thread, like revocation_set's:
// two cores hitting the cache would otherwise bounce one counter line between them on every
// lookup. The stripe is the thread's RCU slot (engine/runtime/rcu.h), unique among live threads.
constexpr std::size_t kStripes = 64;
std::size_t my_stripe() noexcept { return rcu_thread_index() % kStripes; }

}  // namespace

std::optional<double> cached_claims::exp() const noexcept {
  if (!(p_.flags & cache_payload::kHasExp)) return std::nullopt;
  return p_.exp;
}
std::optional<double> cached_claims::nbf() const noexcept {
  if (!(p_.flags & cache_payload::kHasNbf)) return std::nullopt;
  return p_.nbf;
}
std::optional<double> cached_claims::iat() const noexcept {
  if (!(p_.flags & cache_payload::kHasIat)) return std::nullopt;
  return p_.iat;
}

std::optional<std::string_view> cached_claims::string(int i) const noexcept {
  if (!(p_.present & (1u << i))) return std::nullopt;
  std::size_t offset = 0;
  for (int j = 0; j < i; ++j) offset += p_.len[j];
  return std::string_view(p_.bytes + offset, p_.len[i]);
}

struct token_cache::bucket {
  // Read by lookups to skip ways without touching their cache lines.
  std::array<std::atomic<std::uint32_t>, kWays> hint;
  // CLOCK reference bits: set by hits (only when clear), cleared by the eviction sweep.
  std::array<std::atomic<std::uint8_t>, kWays> referenced;
  std::uint8_t hand = 0;  // next way the sweep looks at; guarded by the shard mutex
  std::array<cache_slot, kWays> slots;
};

struct token_cache::shard {
  // Writer-side counters, changed only under |writer|.
  struct counters {
    std::atomic<std::uint64_t> inserts, evictions, not_cached_too_big, size;
  } n;
  std::mutex writer;
};

struct alignas(64) token_cache::reader_counters {
  std::atomic<std::uint64_t> hits{0}, misses{0}, invalidations{0}, collisions_rejected{0};
};

struct token_cache::keyed_sha256 {
  SHA256_CTX after_key;  // SHA-256 state after absorbing the random 64-byte key block
};

token_cache::token_cache(token_cache_options options)
    : keyed_(std::make_unique<keyed_sha256>()),
      hash_override_(options.hash_override),
      readers_(std::make_unique<reader_counters[]>(kStripes)) {
  // One full block of key: the per-token work is then exactly SHA-256 over the token's bytes.
  std::uint8_t key[SHA256_CBLOCK];
  if (RAND_bytes(key, sizeof(key)) != 1) std::abort();
  SHA256_Init(&keyed_->after_key);
  SHA256_Update(&keyed_->after_key, key, sizeof(key));
  OPENSSL_cleanse(key, sizeof(key));
  std::size_t shards = options.shards;
  if (shards == 0) {
    const std::size_t threads = std::max<std::size_t>(1, std::thread::hardware_concurrency());
    shards = std::max<std::size_t>(8, 4 * threads);
  }
  shard_count_ = std::bit_ceil(shards);
  shard_bits_ = static_cast<std::size_t>(std::countr_zero(shard_count_));
  const std::size_t per_shard = options.capacity / (shard_count_ * kWays);
  buckets_per_shard_ = per_shard == 0 ? 1 : std::bit_floor(per_shard);
  shards_.reset(new shard[shard_count_]());
  buckets_.reset(new bucket[shard_count_ * buckets_per_shard_]());
}

token_cache::~token_cache() = default;

cache_key token_cache::key_for(std::string_view token) const noexcept {
  cache_key k;
  SHA256_CTX ctx = keyed_->after_key;
  SHA256_Update(&ctx, token.data(), token.size());
  SHA256_Final(k.digest, &ctx);
  OPENSSL_cleanse(&ctx, sizeof(ctx));
  if (hash_override_) {
    k.tag = hash_override_(token);
  } else {
    std::memcpy(&k.tag, k.digest, sizeof(k.tag));
  }
  return k;
}

token_cache::bucket& token_cache::bucket_for(std::uint64_t h, shard** s) const noexcept {
  const std::size_t shard_index = static_cast<std::size_t>(h) & (shard_count_ - 1);
  const std::size_t bucket_index =
      static_cast<std::size_t>(h >> shard_bits_) & (buckets_per_shard_ - 1);
  *s = &shards_[shard_index];
  return buckets_[shard_index * buckets_per_shard_ + bucket_index];
}

bool token_cache::lookup(const cache_key& key, const cache_validity& v,
                         cached_claims* out) noexcept {
  const std::uint64_t h = key.tag;
  shard* s = nullptr;
  bucket& b = bucket_for(h, &s);
  reader_counters& n = readers_[my_stripe()];
  const std::uint32_t hint = hint_of(h);
  for (std::size_t w = 0; w < kWays; ++w) {
    if (b.hint[w].load(std::memory_order_acquire) != hint) continue;
    cache_payload& p = out->p_;
    if (!read_slot(b.slots[w], &p)) continue;
    if (!(p.flags & cache_payload::kValid) || p.tag != h) continue;
    if (!same_digest(p, key.digest)) {
      bump(n.collisions_rejected);
      continue;
    }
    if (p.generation != v.generation) {
      bump(n.invalidations);
      break;
    }
    if (!still_valid(p, v)) break;
    if (b.referenced[w].load(std::memory_order_relaxed) == 0) {
      b.referenced[w].store(1, std::memory_order_relaxed);
    }
    bump(n.hits);
    return true;
  }
  bump(n.misses);
  return false;
}

// CLOCK: clears reference bits from the hand on until an unreferenced way comes up. Bounded even
// if concurrent hits keep setting bits: after two turns the way under the hand is taken anyway.
std::size_t token_cache::clock_victim(bucket& b) noexcept {
  for (std::size_t step = 0;; ++step) {
    const std::size_t w = b.hand;
    b.hand = static_cast<std::uint8_t>((w + 1) % kWays);
    if (step >= 2 * kWays || b.referenced[w].load(std::memory_order_relaxed) == 0) return w;
    b.referenced[w].store(0, std::memory_order_relaxed);
  }
}

bool token_cache::insert(const cache_key& key, const claims_to_cache& c, double now) noexcept {
  const std::uint64_t h = key.tag;
  shard* s = nullptr;
  bucket& b = bucket_for(h, &s);

  const std::optional<std::string_view>* strings[kStringCount] = {&c.kid, &c.iss, &c.sub, &c.jti,
                                                                  &c.aud};
  std::size_t total = 0;
  for (const auto* str : strings) total += *str ? (*str)->size() : 0;
  if (total > kMaxClaimBytes) {
    bump(s->n.not_cached_too_big);
    return false;
  }

  cache_payload p{};
  p.tag = h;
  std::memcpy(p.digest, key.digest, sizeof(p.digest));
  p.flags = cache_payload::kValid;
  if (c.exp) {
    p.exp = *c.exp;
    p.flags |= cache_payload::kHasExp;
  }
  if (c.nbf) {
    p.nbf = *c.nbf;
    p.flags |= cache_payload::kHasNbf;
  }
  if (c.iat) {
    p.iat = *c.iat;
    p.flags |= cache_payload::kHasIat;
  }
  p.generation = c.generation;
  p.alg = static_cast<std::uint8_t>(c.alg);
  std::size_t offset = 0;
  for (int i = 0; i < kStringCount; ++i) {
    if (!*strings[i]) continue;
    const std::string_view str = **strings[i];
    p.present = static_cast<std::uint8_t>(p.present | (1u << i));
    p.len[i] = static_cast<std::uint8_t>(str.size());  // <= kMaxClaimBytes < 256
    if (!str.empty()) std::memcpy(p.bytes + offset, str.data(), str.size());
    offset += str.size();
  }

  std::lock_guard lock(s->writer);
  // The way to write: the same token's (refresh in place), else an empty one, else a stale one
  // (verified under an older key_set, or past its exp), else the CLOCK victim.
  const std::uint32_t hint = hint_of(h);
  // Entries are only read where the bucket's hint row points (same token) or when the bucket is
  // full (stale search): each read is three cold cache lines in a large table.
  std::size_t same = kWays, empty = kWays, stale = kWays;
  cache_payload old;
  for (std::size_t w = 0; w < kWays; ++w) {
    const std::uint32_t way_hint = b.hint[w].load(std::memory_order_relaxed);
    if (way_hint == 0) {
      if (empty == kWays) empty = w;
      continue;
    }
    if (way_hint != hint) continue;
    load_slot_as_writer(b.slots[w], &old);
    if (old.tag == h && same_digest(old, p.digest)) {
      same = w;
      break;
    }
  }
  for (std::size_t w = 0; same == kWays && empty == kWays && w < kWays; ++w) {
    load_slot_as_writer(b.slots[w], &old);
    const bool expired = (old.flags & cache_payload::kHasExp) && now >= old.exp;
    if (old.generation != c.generation || expired) {
      stale = w;
      break;
    }
  }
  std::size_t target = same;
  if (target == kWays && empty != kWays) {
    target = empty;
    s->n.size.fetch_add(1, std::memory_order_relaxed);
  } else if (target == kWays) {
    target = stale;
    if (target == kWays) target = clock_victim(b);
    bump(s->n.evictions);
  }
  if (target != same) b.referenced[target].store(0, std::memory_order_relaxed);
  write_slot(b.slots[target], p);
  b.hint[target].store(hint, std::memory_order_release);
  bump(s->n.inserts);
  return true;
}

std::size_t token_cache::memory_bytes() const noexcept {
  return sizeof(*this) + sizeof(keyed_sha256) + shard_count_ * sizeof(shard) +
         shard_count_ * buckets_per_shard_ * sizeof(bucket) + kStripes * sizeof(reader_counters);
}

std::size_t token_cache::size() const noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    n += shards_[i].n.size.load(std::memory_order_relaxed);
  }
  return n;
}

token_cache_stats token_cache::stats() const noexcept {
  token_cache_stats t;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    const shard::counters& n = shards_[i].n;
    t.inserts += n.inserts.load(std::memory_order_relaxed);
    t.evictions += n.evictions.load(std::memory_order_relaxed);
    t.not_cached_too_big += n.not_cached_too_big.load(std::memory_order_relaxed);
  }
  for (std::size_t i = 0; i < kStripes; ++i) {
    const reader_counters& n = readers_[i];
    t.hits += n.hits.load(std::memory_order_relaxed);
    t.misses += n.misses.load(std::memory_order_relaxed);
    t.invalidations += n.invalidations.load(std::memory_order_relaxed);
    t.collisions_rejected += n.collisions_rejected.load(std::memory_order_relaxed);
  }
  return t;
}

}  // namespace jwtx
