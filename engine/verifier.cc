#include "engine/verifier.h"

#include <algorithm>
#include <cstring>

#include "engine/jws/base64url/base64url.h"
#include "engine/jws/header.h"
#include "engine/jws/json_rules.h"
#include "engine/jws/signature.h"
#include "engine/jws/token_view.h"
#include "engine/keys/key_set.h"
#include "engine/revocation/revocation.h"
#include "engine/time_rules.h"

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

namespace {
// The token segment a structure or JSON failure is in (for detail()).
enum class token_part : std::uint8_t { none, header, payload, signature };
}  // namespace

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

  // How fingerprint() names the token of the last verify(): by the copy in |token| (hashed only if
  // asked), by |token_fingerprint| (too_large and options_invalid tokens are hashed once instead of
  // copied: their length is not bounded by max_token_bytes), or not at all (nothing verified yet).
  // Set before anything can fail, so no outcome can name a previous token.
  enum class naming : std::uint8_t { none, copy, digest } named = naming::none;
  fingerprint_text token_fingerprint{};

  // What detail() needs beyond the status, filled on the way (plain values: no allocation). The
  // rest it reads back from the result (alg, kid presence, claims) or re-derives from the buffers
  // that are still there (header/payload bytes, the parsed claims).
  using part = token_part;
  struct failure_record {
    part where = part::none;      // the segment a structure/JSON failure is in
    bool header_has_typ = false;  // typ_mismatch: absent or different
    std::size_t size = 0;  // too_large: token bytes; bad_base64: offset in the token; JSON: length
    double now = 0;        // the clock reading the policy used
    double list_age = 0;   // revocation_unavailable: now - synced_at
  } failure;
  bool header_parsed = false;  // header_root is this token's header (kept for header_invalid)
  simdjson::dom::element header_root;
  // The options of the verifier that last filled this result (shared, immutable; see verifier.h).
  std::shared_ptr<const verifier_options> options;

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
  scratch_->named = scratch::naming::none;
  scratch_->failure = {};
  scratch_->header_parsed = false;
}

fingerprint_text verify_result::fingerprint() const noexcept {
  if (scratch_ && scratch_->named == scratch::naming::digest) return scratch_->token_fingerprint;
  if (scratch_ && scratch_->named == scratch::naming::copy)
    return jwtx::fingerprint(scratch_->token);
  return jwtx::fingerprint({});
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

status validate_options(const verifier_options& o, std::string* why) {
  auto refuse = [why](const char* field, std::size_t value, std::size_t lo, std::size_t hi) {
    if (why) {
      *why = std::string(field) + " is " + std::to_string(value) + "; it must be in [" +
             std::to_string(lo) + ", " + std::to_string(hi) + "]";
    }
    return status::options_invalid;
  };
  if (o.max_token_bytes < 1 || o.max_token_bytes > kMaxTokenBytesLimit)
    return refuse("max_token_bytes", o.max_token_bytes, 1, kMaxTokenBytesLimit);
  if (o.max_json_depth < 1 || o.max_json_depth > kMaxJsonDepthLimit)
    return refuse("max_json_depth", o.max_json_depth, 1, kMaxJsonDepthLimit);
  if (o.cache_entries > kMaxCacheEntries)
    return refuse("cache_entries", o.cache_entries, 0, kMaxCacheEntries);
  return validate_policy(o.claims, why);
}

verifier::verifier(std::shared_ptr<key_store> keys, verifier_options options)
    : keys_(std::move(keys)),
      options_(std::move(options)),
      options_status_(validate_options(options_)),
      shared_options_(std::make_shared<const verifier_options>(options_)),
      cache_(options_status_ == status::ok ? make_cache(options_) : nullptr) {
  // A verifier with refused options verifies nothing, so it needs no retention either.
  if (options_status_ == status::ok) retain_revocations(options_.claims);
}

verifier::verifier(std::shared_ptr<const key_set> keys, verifier_options options)
    : verifier(std::make_shared<key_store>(std::move(keys)), std::move(options)) {}

verify_result verifier::verify(std::string_view token) const noexcept {
  verify_result r;
  verify(token, r);
  return r;
}

namespace {

// Decodes one base64url segment into |buf| (padded for simdjson); returns the decoded length, or
// false with *error_offset (if not null) = offset of the first offending byte within |seg|.
bool decode_segment(std::string_view seg, padded_buffer& buf, std::size_t* len,
                    std::size_t* error_offset = nullptr) {
  std::uint8_t* out = buf.reserve(base64url::decoded_size(seg.size()));
  auto r = base64url::decode(seg, out);
  if (!r.ok) {
    if (error_offset) *error_offset = r.error_offset;
    return false;
  }
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

bool verifier::verify_from_cache(const cache_key& key, double now,
                                 verify_result& out) const noexcept {
  verify_result::scratch& s = *out.scratch_;
  cache_validity v;
  v.now = now;
  v.leeway_seconds = options_.claims.leeway_seconds;
  v.max_age_seconds = options_.claims.max_age_seconds;
  // Held to the end: the revocation check below then nests inside this RCU read section, which
  // costs a counter instead of a second announcement (engine/runtime/rcu.h).
  const key_store::snapshot keys = keys_->read();
  v.generation = keys->generation();
  if (!cache_->lookup(key, v, &s.cached)) return false;
  const cached_claims& c = s.cached;
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
  s.failure.now = now;
  out.status_ = check_revocation(options_.claims, r.jti, now, &s.failure.list_age);
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
  run(token, out, cache_step::lookup_and_insert);
}

void verifier::verify_after_miss(std::string_view token, verify_result& out) const noexcept {
  run(token, out, cache_step::insert_only);
}

bool verifier::verify_cached(std::string_view token, verify_result& out) const noexcept {
  return run(token, out, cache_step::lookup_only);
}

bool verifier::run(std::string_view token, verify_result& out, cache_step step) const noexcept {
  if (!out.scratch_) out.scratch_ = std::make_unique<verify_result::scratch>();
  out.reset();
  verify_result::scratch& s = *out.scratch_;
  verify_result::scratch::failure_record& f = s.failure;
  using part = verify_result::scratch::part;
  // Equal after the first token: no reference counting on the hot path.
  if (s.options != shared_options_) s.options = shared_options_;

  // 0. Name the token before anything can fail: copied when it fits the size limit, hashed once
  //    when it does not (never copied: its length is the sender's choice).
  const bool fits = options_status_ == status::ok && token.size() <= options_.max_token_bytes;
  if (fits) {
    s.token.assign(token);  // grow-only: no allocation once warm
    s.named = verify_result::scratch::naming::copy;
  } else {
    s.token_fingerprint = jwtx::fingerprint(token);
    s.named = verify_result::scratch::naming::digest;
  }
  // Refused options (decided at construction) fail every token.
  if (options_status_ != status::ok) {
    out.status_ = status::options_invalid;
    return true;
  }
  // 1. Size, before any other work. 2. Split, once: the cache below and the pipeline share it.
  token_view parts;
  const status split = fits ? split_token(token, &parts) : status::too_large;

  // With a cache: one clock read and one keyed digest serve the lookup, the policy and the insert.
  // Malformed tokens are never cached, so they are not hashed either.
  cache_key key;
  double now = 0;
  bool have_now = false;
  std::uint64_t generation = 0;
  bool use_cache = cache_ && split == status::ok;
  // The remembered header names the alg without parsing: skip algorithms not worth caching.
  if (use_cache && s.memo.valid && s.memo.encoded == parts.header &&
      !options_.cache_algorithms.contains(s.memo.header.alg))
    use_cache = false;
  if (use_cache) {
    now = current_time(options_.claims);
    have_now = true;
    // A broken clock reading never consults the cache: the full path then fails the token with
    // clock_invalid at the policy step, exactly as it would without a cache.
    if (valid_clock(now)) {
      key = cache_->key_for(token);
      if (step != cache_step::insert_only && verify_from_cache(key, now, out)) return true;
    } else {
      use_cache = false;
    }
  }
  if (step == cache_step::lookup_only) return false;
  out.status_ = [&]() -> status {
    if (!fits) {
      f.size = token.size();
      return status::too_large;
    }
    if (split != status::ok) return split;

    // Where base64url decoding stopped, as an offset into the whole token.
    auto bad_base64 = [&](std::string_view segment, part where, std::size_t at) {
      f.where = where;
      f.size = static_cast<std::size_t>(segment.data() - token.data()) + at;
      return status::bad_base64;
    };

    // 3. Decode payload and signature (payload bytes are not interpreted yet).
    std::size_t sig_len = 0, at = 0;
    if (!decode_segment(parts.payload, s.payload, &s.payload_len, &at))
      return bad_base64(parts.payload, part::payload, at);
    if (!decode_segment(parts.signature, s.signature, &sig_len, &at))
      return bad_base64(parts.signature, part::signature, at);

    // 4. Header: decode, JSON rules, registered members — unless it is the remembered one.
    jose_header h;
    auto& memo = s.memo;
    if (memo.valid && memo.max_depth == options_.max_json_depth && memo.encoded == parts.header) {
      h = memo.header;
    } else {
      std::size_t header_len = 0;
      if (!decode_segment(parts.header, s.header, &header_len, &at))
        return bad_base64(parts.header, part::header, at);
      f.where = part::header;
      f.size = header_len;
      simdjson::dom::element header_root;
      if (status st = parse_json_object(s.header_parser, s.header.data(), header_len,
                                        options_.max_json_depth, s.names, &header_root);
          st != status::ok)
        return st;
      s.header_root = header_root;
      s.header_parsed = true;
      if (status st = read_header(header_root.get_object().value_unsafe(), &h); st != status::ok)
        return st;
      f.where = part::none;
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
    f.header_has_typ = h.has_typ;
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
    f.where = part::payload;
    f.size = s.payload_len;
    if (status st = parse_json_object(s.claims_parser, s.payload.data(), s.payload_len,
                                      options_.max_json_depth, s.names, &claims_root);
        st != status::ok)
      return st;
    f.where = part::none;
    s.claims_root = claims_root;
    s.claims_parsed = true;
    simdjson::dom::object claims = claims_root.get_object().value_unsafe();
    if (status st = read_claims(claims, &out.claims_); st != status::ok) return st;

    // 8. Policy (time, iss, aud, required claims, revocation).
    if (!have_now) now = current_time(options_.claims);
    f.now = now;
    return check_policy(options_.claims, out.claims_, claims, now, &f.list_age);
  }();
  // 9. Cache: only tokens that passed everything.
  if (use_cache && out.status_ == status::ok && options_.cache_algorithms.contains(*out.alg_))
    remember(key, generation, now, out);
  return true;
}

// --- detail() ---------------------------------------------------------------------------------
// Everything below runs only when a caller asks for the detail of a result: it may allocate.

namespace {

// Configuration values are printed, never token content. Even so they are capped (4 values of at
// most 64 bytes each) and anything but printable ASCII (and '"', '\') is shown as '?', so a
// detail stays one short, log-safe line.
constexpr std::size_t kMaxListedValues = 4;
constexpr std::size_t kMaxValueBytes = 64;

std::string config_text(std::string_view v) {
  std::string out = "\"";
  for (std::size_t i = 0; i < v.size() && i < kMaxValueBytes; ++i) {
    const char c = v[i];
    out.push_back(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?');
  }
  if (v.size() > kMaxValueBytes) out += "...";
  return out + "\"";
}

std::string quoted_list(const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size() && i < kMaxListedValues; ++i) {
    if (i != 0) out += ", ";
    out += config_text(values[i]);
  }
  if (values.size() > kMaxListedValues)
    out += " and " + std::to_string(values.size() - kMaxListedValues) + " more";
  return out;
}

std::string algorithm_list(const algorithm_set& algs) {
  std::string out;
  for (int i = 0; i < kAlgorithmCount; ++i) {
    const auto a = static_cast<algorithm>(i);
    if (!algs.contains(a)) continue;
    if (!out.empty()) out += ", ";
    out += algorithm_name(a);
  }
  return out.empty() ? "none (the allow-list is empty)" : out;
}

std::string_view part_name(token_part p) {
  switch (p) {
    case token_part::header:
      return "header";
    case token_part::payload:
      return "payload";
    case token_part::signature:
      return "signature";
    default:
      return "token";
  }
}

// What kind of JSON error simdjson found, in words (never the offending bytes).
std::string_view json_error_kind(simdjson::error_code e) {
  switch (e) {
    case simdjson::EMPTY:
      return "it is empty";
    case simdjson::TAPE_ERROR:
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "its structure is broken (brackets, commas, colons, a missing or stray value)";
    case simdjson::TRAILING_CONTENT:
      return "there is content after the top-level value";
    case simdjson::STRING_ERROR:
    case simdjson::UNESCAPED_CHARS:
    case simdjson::UNCLOSED_STRING:
      return "a string is invalid (bad escape, raw control character or no closing quote)";
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return "a number is malformed or out of range (integers beyond 64 bits, 1e400, ...)";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return "a literal is misspelled (true, false or null)";
    case simdjson::CAPACITY:
      return "it is too large for the parser";
    default:
      return "the parser rejected it";
  }
}

std::string_view expected_type(std::string_view claim) {
  if (claim == "exp" || claim == "nbf" || claim == "iat") return "a number (NumericDate)";
  if (claim == "aud") return "a string or an array of strings";
  return "a string";
}

}  // namespace

std::string verify_result::detail() const {
  using part = scratch::part;
  if (status_ == jwtx::status::ok) return {};
  if (!scratch_) return std::string(status_name(status_));
  scratch& s = *scratch_;
  if (s.named == scratch::naming::none) return "nothing has been verified into this result";
  const scratch::failure_record& f = s.failure;
  const verifier_options* o = s.options.get();
  const std::string where(part_name(f.where));
  const std::string alg = alg_ ? std::string(algorithm_name(*alg_)) : std::string("?");
  auto num = [](double v) { return seconds_text(v); };
  auto leeway = [&] { return o ? num(o->claims.leeway_seconds) : std::string("?"); };

  switch (status_) {
    case jwtx::status::malformed: {
      if (s.named != scratch::naming::copy) break;
      if (s.token.empty()) return "the token is empty; a JWS is header.payload.signature";
      std::size_t dots = 0;
      for (char c : s.token) dots += c == '.';
      if (dots != 2) {
        return "the token has " + std::to_string(dots + 1) +
               (dots == 0 ? " segment" : " segments") +
               "; a JWS has exactly 3 (header.payload.signature)";
      }
      return "the header segment (before the first dot) is empty";
    }
    case jwtx::status::too_large:
      return "the token is " + std::to_string(f.size) + " bytes, over max_token_bytes (" +
             (o ? std::to_string(o->max_token_bytes) : std::string("?")) + ")";
    case jwtx::status::unsupported_jwe:
      return "the token has 5 segments: a JWE (an encrypted token), which jwtx never decrypts";
    case jwtx::status::bad_base64:
      return "the " + where +
             " segment is not strict base64url: the first bad character is at "
             "byte " +
             std::to_string(f.size) +
             " of the token (accepted: A-Z a-z 0-9 - _, no '=' "
             "padding, no whitespace, zero unused trailing bits)";
    case jwtx::status::bad_json: {
      // Parse the same bytes again to learn the kind: the buffer is still this token's.
      simdjson::dom::parser& parser = f.where == part::header ? s.header_parser : s.claims_parser;
      const padded_buffer& buf = f.where == part::header ? s.header : s.payload;
      simdjson::error_code e = simdjson::UNINITIALIZED;
      if (f.where == part::header || f.where == part::payload)
        e = parser.parse(buf.data(), f.size, /*realloc_if_needed=*/false).error();
      return "the " + where + " is not valid JSON: " + std::string(json_error_kind(e));
    }
    case jwtx::status::bad_utf8:
      return "the " + where + " is not valid UTF-8";
    case jwtx::status::not_object:
      return "the " + where + " is valid JSON but not an object";
    case jwtx::status::duplicate_member:
      return "an object in the " + where + " has the same member name twice (after unescaping)";
    case jwtx::status::too_deep:
      return "the " + where + " nests deeper than max_json_depth (" +
             (o ? std::to_string(o->max_json_depth) : std::string("?")) + ")";
    case jwtx::status::header_invalid: {
      if (s.header_parsed) {
        simdjson::dom::object header;
        if (!s.header_root.get_object().get(header)) {
          for (auto field : header) {
            for (std::string_view name : {"alg", "kid", "typ", "cty"}) {
              if (field.key == name && !field.value.is_string())
                return "the header member " + std::string(name) + " is not a string";
            }
          }
        }
      }
      return "the header has no alg";
    }
    case jwtx::status::alg_not_allowed:
      if (!alg_) {
        return "the header's alg is not an algorithm jwtx implements (\"none\" never is); "
               "allowed: " +
               (o ? algorithm_list(o->algorithms) : std::string("?"));
      }
      return "alg " + alg + " is not in the allowed algorithms (" +
             (o ? algorithm_list(o->algorithms) : std::string("?")) + ")";
    case jwtx::status::alg_key_mismatch:
      return std::string(has_kid_ ? "the key the token's kid names" : "the selected key") +
             " does not fit alg " + alg + " (key type, curve, or the key's own alg)";
    case jwtx::status::key_not_found:
      if (has_kid_) return "the token's kid matches no key in the key set";
      return "the token has no kid and no key in the key set fits alg " + alg;
    case jwtx::status::key_too_small:
      return "the key for alg " + alg + " is below the minimum size (RSA: min_rsa_bits " +
             (o ? std::to_string(o->min_rsa_bits) : std::string("?")) +
             "; HMAC: a secret at least as long as the hash)";
    case jwtx::status::crit_unsupported:
      return "the header has crit; jwtx understands no extension, so any crit is refused "
             "(RFC 7515 section 4.1.11)";
    case jwtx::status::typ_mismatch: {
      const std::string want = o ? config_text(o->claims.typ) : std::string("?");
      if (!f.header_has_typ) return "the header has no typ; the required typ is " + want;
      return "the header's typ is not the required typ " + want;
    }
    case jwtx::status::bad_signature:
      return "the signature does not verify under alg " + alg + " with " +
             (has_kid_ ? "the key the token's kid names" : "any key in the set that fits it");
    case jwtx::status::expired:
      if (!claims_.exp) break;
      return "the token expired: now (" + num(f.now) + ") is at or after exp (" +
             num(*claims_.exp) + ") + leeway (" + leeway() + ")";
    case jwtx::status::not_yet_valid:
      if (!claims_.nbf) break;
      return "the token is not valid yet: now (" + num(f.now) + ") + leeway (" + leeway() +
             ") is before nbf (" + num(*claims_.nbf) + ")";
    case jwtx::status::issued_in_future:
      if (!claims_.iat) break;
      return "the token was issued in the future: iat (" + num(*claims_.iat) + ") is after now (" +
             num(f.now) + ") + leeway (" + leeway() + ")";
    case jwtx::status::too_old:
      if (!claims_.iat || !o || !o->claims.max_age_seconds) break;
      return "the token is too old: now (" + num(f.now) + ") - iat (" + num(*claims_.iat) +
             ") exceeds max_age_seconds (" + num(*o->claims.max_age_seconds) + ") + leeway (" +
             leeway() + ")";
    case jwtx::status::issuer_mismatch:
      if (!o) break;
      if (!claims_.iss)
        return "the token has no iss; allowed issuers: " + quoted_list(o->claims.issuers);
      return "the token's iss is not an allowed issuer (allowed: " +
             quoted_list(o->claims.issuers) + ")";
    case jwtx::status::audience_mismatch:
      if (!o) break;
      if (o->claims.audiences.empty()) {
        return "the token has an aud but no audience is configured (RFC 7519 section 4.1.3: "
               "configure the audiences, or set ignore_aud_when_unconfigured)";
      }
      if (!claims_.has_aud)
        return "the token has no aud; allowed audiences: " + quoted_list(o->claims.audiences);
      return "none of the token's " + std::to_string(claims_.aud.size()) +
             (claims_.aud.size() == 1 ? " aud value" : " aud values") +
             " is an allowed audience (allowed: " + quoted_list(o->claims.audiences) + ")";
    case jwtx::status::missing_claim:
      if (!o) break;
      if (s.claims_parsed) {
        simdjson::dom::object claims;
        if (!s.claims_root.get_object().get(claims)) {
          for (const std::string& name : o->claims.required_claims) {
            if (claims.at_key(name).error())
              return "the required claim " + config_text(name) + " is absent";
          }
        }
      }
      if (o->claims.require_exp && !claims_.exp) return "the token has no exp (require_exp is set)";
      if (o->claims.max_age_seconds && !claims_.iat) {
        return "the token has no iat, which max_age_seconds (" + num(*o->claims.max_age_seconds) +
               ") needs";
      }
      break;
    case jwtx::status::claim_type: {
      std::string_view bad;
      registered_claims ignored;
      simdjson::dom::object claims;
      if (s.claims_parsed && !s.claims_root.get_object().get(claims) &&
          read_claims(claims, &ignored, &bad) != jwtx::status::ok) {
        return "the registered claim " + std::string(bad) +
               " has the wrong JSON type (it must be " + std::string(expected_type(bad)) + ")";
      }
      break;
    }
    case jwtx::status::revoked:
      return "the token's jti is on the revocation list";
    case jwtx::status::revocation_unavailable: {
      const std::string limit = o && o->claims.revocation_max_staleness_seconds
                                    ? num(*o->claims.revocation_max_staleness_seconds)
                                    : std::string("?");
      // A list that never synced reports synced_at 0, so its age is the clock reading itself.
      const std::string age = f.list_age == f.now ? std::string("has never been synced")
                                                  : "was last synced " + num(f.list_age) + " s ago";
      return "the token has a jti and the revocation list " + age +
             ", over revocation_max_staleness_seconds (" + limit + "); the policy fails closed";
    }
    case jwtx::status::key_invalid:
    case jwtx::status::key_set_invalid:
      return "a key failed to load (key_set_builder::error() names it); not a token verdict";
    case jwtx::status::internal_error:
      return "BoringSSL failed unexpectedly (most likely an allocation failure)";
    case jwtx::status::options_invalid: {
      std::string why = "see validate_options()";
      if (o) validate_options(*o, &why);
      return "the verifier's options are invalid, so every token fails: " + why;
    }
    case jwtx::status::clock_invalid:
      return "the clock returned " + num(f.now) + ", not a time in [" + num(kMinClockSeconds) +
             ", " + num(kMaxClockSeconds) + "] (1970 to 9999, Unix seconds)";
    default:
      break;
  }
  return "the token failed with " + std::string(status_name(status_));
}

}  // namespace jwtx
