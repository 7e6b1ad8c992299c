#include "engine/verifier.h"

#include <algorithm>
#include <cstring>

#include "engine/base64url/base64url.h"
#include "engine/header.h"
#include "engine/json_rules.h"
#include "engine/key_set.h"
#include "engine/revocation.h"
#include "engine/signature.h"
#include "engine/token_view.h"

namespace jwtx {

// A grow-only byte buffer with simdjson's padding after the used bytes. Grows only when a larger
// token arrives, so a warm result never allocates.
class padded_buffer {
 public:
  std::uint8_t* reserve(std::size_t n) {
    if (n + simdjson::SIMDJSON_PADDING > capacity_) {
      capacity_ = (n + simdjson::SIMDJSON_PADDING) * 2;
      data_ = std::make_unique<std::uint8_t[]>(capacity_);
    }
    return data_.get();
  }
  const std::uint8_t* data() const { return data_.get(); }

 private:
  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t capacity_ = 0;
};

struct verify_result::scratch {
  simdjson::dom::parser header_parser;
  simdjson::dom::parser claims_parser;
  padded_buffer header, payload, signature;
  std::size_t payload_len = 0;
  bool payload_verified = false;
  bool claims_parsed = false;
  simdjson::dom::element claims_root;
  std::vector<std::string_view> names;
  std::string token;  // kept for the fingerprint and for a cache hit's deferred payload parse

  // A cache hit: the entry (its strings back out.claims_) and, until claim()/payload() ask for
  // it, the payload left undecoded. |hit_max_depth| is the verifier's JSON depth limit.
  cached_claims cached;
  bool payload_deferred = false;
  std::size_t hit_max_depth = 0;
  // Decodes and parses the (already verified) payload of |token| after a cache hit.
  void load_deferred_payload() noexcept;

  // The last header that passed every header check, keyed by its exact base64url text (and the
  // depth limit it was checked under). Tokens from one issuer repeat their header byte for byte,
  // so a hit skips decoding, parsing and reading it; exact bytes make the answer identical.
  struct header_memo {
    bool valid = false;
    std::string encoded;
    std::size_t max_depth = 0;
    jose_header header;  // kid/typ view into the strings below
    std::string kid, typ;
  } memo;
};

verify_result::verify_result() : scratch_(std::make_unique<scratch>()) {}
verify_result::~verify_result() = default;
verify_result::verify_result(verify_result&&) noexcept = default;
verify_result& verify_result::operator=(verify_result&&) noexcept = default;

void verify_result::reset() noexcept {
  status_ = jwtx::status::internal_error;
  alg_.reset();
  kid_.clear();
  has_kid_ = false;
  claims_.clear();
  from_cache_ = false;
  scratch_->payload_len = 0;
  scratch_->payload_verified = false;
  scratch_->claims_parsed = false;
  scratch_->payload_deferred = false;
}

fingerprint_text verify_result::fingerprint() const noexcept {
  return jwtx::fingerprint(scratch_ ? std::string_view(scratch_->token) : std::string_view());
}

simdjson::simdjson_result<simdjson::dom::element> verify_result::claim(
    std::string_view json_pointer) const {
  if (scratch_ && scratch_->payload_deferred) scratch_->load_deferred_payload();
  if (!scratch_ || !scratch_->claims_parsed) return simdjson::INCORRECT_TYPE;
  return scratch_->claims_root.at_pointer(json_pointer);
}

std::optional<std::string_view> verify_result::claim_string(std::string_view json_pointer) const {
  std::string_view s;
  if (claim(json_pointer).get_string().get(s)) return std::nullopt;
  return s;
}

std::string_view verify_result::payload() const noexcept {
  if (scratch_ && scratch_->payload_deferred) scratch_->load_deferred_payload();
  if (!scratch_ || !scratch_->payload_verified) return {};
  return {reinterpret_cast<const char*>(scratch_->payload.data()), scratch_->payload_len};
}

namespace {

std::shared_ptr<token_cache> make_cache(const verifier_options& o) {
  if (o.cache_entries == 0 || !o.payload_is_jwt) return nullptr;
  token_cache_options c;
  c.capacity = o.cache_entries;
  return std::make_shared<token_cache>(c);
}

double current_time(const policy& p) { return p.clock ? p.clock() : system_now(); }

// A token verifies until exp + leeway, so its revocation must be kept at least that long.
void retain_revocations(const policy& p) noexcept {
  if (p.revoked) p.revoked->retain_at_least(p.leeway_seconds);
}

}  // namespace

verifier::verifier(std::shared_ptr<key_store> keys, verifier_options options)
    : keys_(std::move(keys)), options_(std::move(options)), cache_(make_cache(options_)) {
  retain_revocations(options_.claims);
}

verifier::verifier(std::shared_ptr<const key_set> keys, verifier_options options)
    : keys_(std::make_shared<key_store>(std::move(keys))),
      options_(std::move(options)),
      cache_(make_cache(options_)) {
  retain_revocations(options_.claims);
}

verify_result verifier::verify(std::string_view token) const noexcept {
  verify_result r;
  verify(token, r);
  return r;
}

namespace {

// Decodes one base64url segment into |buf| (padded for simdjson); returns the decoded length.
bool decode_segment(std::string_view seg, padded_buffer& buf, std::size_t* len) {
  std::uint8_t* out = buf.reserve(base64url::decoded_size(seg.size()));
  auto r = base64url::decode(seg, out);
  if (!r.ok) return false;
  std::memset(out + r.size, 0, simdjson::SIMDJSON_PADDING);
  *len = r.size;
  return true;
}

// Key selection and signature check, bounded by verifier_options::max_keys_tried (its comment is
// the contract). With a kid: the keys with that kid; without: every key, in load order.
status check_signature(const key_set& keys, const jose_header& h, const verifier_options& o,
                       std::string_view signing_input, const std::uint8_t* sig, std::size_t sig_len,
                       std::atomic<std::uint64_t>& capped) {
  auto size_ok = [&](const key& k) {
    if (k.type() == key_type::rsa) return k.bits() >= o.min_rsa_bits;
    if (k.type() == key_type::oct) return k.hmac_secret().size() >= hash_size(h.alg);
    return true;
  };
  // Kid present but no candidate fits the alg: alg_key_mismatch; no kid and none fits:
  // key_not_found; fitting keys all too small: key_too_small; else the last check's status.
  const status none_fit = h.has_kid ? status::alg_key_mismatch : status::key_not_found;
  status result = none_fit;
  const std::size_t limit = std::max<std::size_t>(o.max_keys_tried, 1);
  std::size_t tried = 0;
  auto attempt = [&](const key& k) {  // true: stop searching
    if (!k.compatible_with(h.alg)) return false;
    if (!size_ok(k)) {
      if (result == none_fit) result = status::key_too_small;
      return false;
    }
    if (tried == limit) {
      capped.fetch_add(1, std::memory_order_relaxed);
      result = status::key_not_found;
      return true;
    }
    ++tried;
    result = verify_signature(h.alg, k, signing_input, sig, sig_len);
    return result == status::ok;
  };
  if (h.has_kid) {
    const std::span<const key> candidates = keys.find_all(h.kid);
    if (candidates.empty()) return status::key_not_found;
    for (const key& k : candidates)
      if (attempt(k)) break;
  } else {
    for (const key* k : keys.in_load_order())
      if (attempt(*k)) break;
  }
  return result;
}

}  // namespace

void verify_result::scratch::load_deferred_payload() noexcept {
  payload_deferred = false;
  token_view parts;
  // The token verified when it was cached, so none of these can fail; checked anyway.
  if (split_token(token, &parts) != status::ok ||
      !decode_segment(parts.payload, payload, &payload_len))
    return;
  payload_verified = true;
  simdjson::dom::element root;
  if (parse_json_object(claims_parser, payload.data(), payload_len, hit_max_depth, names, &root) !=
      status::ok)
    return;
  claims_root = root;
  claims_parsed = true;
}

bool verifier::verify_from_cache(std::string_view token, const cache_key& key, double now,
                                 verify_result& out) const noexcept {
  verify_result::scratch& s = *out.scratch_;
  cache_validity v;
  v.now = now;
  v.leeway_seconds = options_.claims.leeway_seconds;
  v.max_age_seconds = options_.claims.max_age_seconds;
  // Held to the end: the revocation check below then nests inside this RCU read section, which
  // costs a counter instead of a second announcement (engine/rcu.h).
  const key_store::snapshot keys = keys_->read();
  v.generation = keys->generation();
  if (!cache_->lookup(key, v, &s.cached)) return false;
  const cached_claims& c = s.cached;
  s.token.assign(token);
  s.payload_deferred = true;
  s.hit_max_depth = options_.max_json_depth;
  out.from_cache_ = true;
  out.alg_ = c.alg();
  out.has_kid_ = c.kid().has_value();
  out.kid_.assign(c.kid().value_or(std::string_view()));
  registered_claims& r = out.claims_;
  r.exp = c.exp(), r.nbf = c.nbf(), r.iat = c.iat();
  r.iss = c.iss(), r.sub = c.sub(), r.jti = c.jti();
  if (const auto aud = c.aud()) {
    r.has_aud = true;
    r.aud.push_back(*aud);  // capacity kept across reuse: no allocation once warm
  }
  // What can change for a verified token besides the clock: revocation.
  out.status_ = check_revocation(options_.claims, r.jti, now);
  return true;
}

void verifier::remember(const cache_key& key, std::uint64_t generation, double now,
                        const verify_result& out) const noexcept {
  const registered_claims& r = out.claims_;
  // Entries hold one audience: "aud" as a string or a one-element array, or no "aud" at all.
  if (r.has_aud && r.aud.size() != 1) return;
  claims_to_cache c;
  c.alg = *out.alg_;
  c.generation = generation;
  c.exp = r.exp, c.nbf = r.nbf, c.iat = r.iat;
  if (out.has_kid_) c.kid = out.kid_;
  c.iss = r.iss, c.sub = r.sub, c.jti = r.jti;
  if (r.has_aud) c.aud = r.aud.front();
  cache_->insert(key, c, now);
}

void verifier::verify(std::string_view token, verify_result& out) const noexcept {
  if (!out.scratch_) out.scratch_ = std::make_unique<verify_result::scratch>();
  out.reset();
  verify_result::scratch& s = *out.scratch_;
  // 1. Size, before any other work. 2. Split, once: the cache below and the pipeline share it.
  const bool fits = token.size() <= options_.max_token_bytes;
  token_view parts;
  const status split = fits ? split_token(token, &parts) : status::too_large;

  // With a cache: one clock read and one keyed digest serve the lookup, the policy and the insert.
  // Malformed tokens are never cached, so they are not hashed either.
  cache_key key;
  double now = 0;
  std::uint64_t generation = 0;
  bool use_cache = cache_ && split == status::ok;
  // The remembered header names the alg without parsing: skip algorithms not worth caching.
  if (use_cache && s.memo.valid && s.memo.encoded == parts.header &&
      !options_.cache_algorithms.contains(s.memo.header.alg))
    use_cache = false;
  if (use_cache) {
    now = current_time(options_.claims);
    key = cache_->key_for(token);
    if (verify_from_cache(token, key, now, out)) return;
  }
  out.status_ = [&]() -> status {
    if (!fits) return status::too_large;
    s.token.assign(token);  // even a malformed token is named by its fingerprint
    if (split != status::ok) return split;

    // 3. Decode payload and signature (payload bytes are not interpreted yet).
    std::size_t sig_len = 0;
    if (!decode_segment(parts.payload, s.payload, &s.payload_len) ||
        !decode_segment(parts.signature, s.signature, &sig_len))
      return status::bad_base64;

    // 4. Header: decode, JSON rules, registered members — unless it is the remembered one.
    jose_header h;
    auto& memo = s.memo;
    if (memo.valid && memo.max_depth == options_.max_json_depth && memo.encoded == parts.header) {
      h = memo.header;
    } else {
      std::size_t header_len = 0;
      if (!decode_segment(parts.header, s.header, &header_len)) return status::bad_base64;
      simdjson::dom::element header_root;
      if (status st = parse_json_object(s.header_parser, s.header.data(), header_len,
                                        options_.max_json_depth, s.names, &header_root);
          st != status::ok)
        return st;
      if (status st = read_header(header_root.get_object().value_unsafe(), &h); st != status::ok)
        return st;
      memo.encoded.assign(parts.header);  // grow-only buffers: no allocation once warm
      memo.max_depth = options_.max_json_depth;
      memo.kid.assign(h.kid);
      memo.typ.assign(h.typ);
      memo.header = h;
      memo.header.kid = memo.kid;
      memo.header.typ = memo.typ;
      memo.valid = true;
    }
    out.alg_ = h.alg;
    out.has_kid_ = h.has_kid;
    out.kid_.assign(h.kid);

    // 5. Algorithm allow-list and typ.
    if (!options_.algorithms.contains(h.alg)) return status::alg_not_allowed;
    if (!options_.claims.typ.empty() && (!h.has_typ || !typ_matches(h.typ, options_.claims.typ)))
      return status::typ_mismatch;

    // 6. Key selection and signature, on a lock-free snapshot of the current key set.
    {
      key_store::snapshot keys = keys_->read();
      generation = keys->generation();
      if (status st = check_signature(*keys.get(), h, options_, parts.signing_input,
                                      s.signature.data(), sig_len, *search_capped_);
          st != status::ok)
        return st;
    }
    s.payload_verified = true;
    if (!options_.payload_is_jwt) return status::ok;

    // 7. Claims: only now is the payload read.
    simdjson::dom::element claims_root;
    if (status st = parse_json_object(s.claims_parser, s.payload.data(), s.payload_len,
                                      options_.max_json_depth, s.names, &claims_root);
        st != status::ok)
      return st;
    s.claims_root = claims_root;
    s.claims_parsed = true;
    simdjson::dom::object claims = claims_root.get_object().value_unsafe();
    if (status st = read_claims(claims, &out.claims_); st != status::ok) return st;

    // 8. Policy (time, iss, aud, required claims, revocation).
    if (!use_cache) now = current_time(options_.claims);
    return check_policy(options_.claims, out.claims_, claims, now);
  }();
  // 9. Cache: only tokens that passed everything.
  if (use_cache && out.status_ == status::ok && options_.cache_algorithms.contains(*out.alg_))
    remember(key, generation, now, out);
}

}  // namespace jwtx
