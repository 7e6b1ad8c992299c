// jwtx::verifier — strict JWS compact / JWT verification.
//
// Pipeline (engine/verifier.cc shows it in this order): size check -> split (token_view) ->
// base64url decode -> header parse -> alg allow-list -> key select (key_set) -> crit/typ ->
// signature (BoringSSL) -> claims parse -> policy -> revocation.
// Nothing from the payload is read before the signature has verified.
//
// Thread-safety: verify() is const and may be called from any number of threads at once.
// Errors: verify() never throws; every outcome is a jwtx::status.
// Allocation: verify(token, result&) reuses |result|'s buffers; after a warm-up it performs no
// heap allocation for tokens up to max_token_bytes (the claim strings live inside the result).
// Options: validate_options() states the accepted ranges. A verifier built with options it
// refuses fails every token with status::options_invalid (it never guesses a value), and a clock
// reading that is NaN, infinite or outside [1970, 9999] fails the token with status::clock_invalid.
//
// Verified-token cache (verifier_options::cache_entries > 0, for cache_algorithms): after the size
// check (and, when the result remembers this header, the alg check), one keyed SHA-256 of the
// whole token is looked up in a token_cache owned by this verifier (so its entries
// were verified under exactly these options). A hit skips split, base64url, JSON and the
// signature, and still re-checks exp/nbf/iat/max_age against the clock, the key_set generation
// (a digest of the keys: publishing a set with other keys invalidates), and the jti against the
// revocation set (check_revocation). A miss runs the full pipeline and caches the token if it ended
// status::ok.
#pragma once

#include <simdjson.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/fingerprint.h"
#include "engine/jws/algorithm.h"
#include "engine/jws/claims.h"
#include "engine/keys/key_store.h"
#include "engine/policy.h"
#include "engine/runtime/token_cache.h"
#include "engine/status.h"

namespace jwtx {

// Upper bounds validate_options() enforces (lower bounds: max_token_bytes and max_json_depth >= 1).
// A JWT travels in an HTTP header (a few KiB); plain JWS payloads may be larger, but each result
// keeps buffers of about three times the largest token it saw, per thread.
inline constexpr std::size_t kMaxTokenBytesLimit = 64 * 1024 * 1024;
// simdjson's own default depth limit: deeper documents fail in the parser anyway, and the JSON
// rule check recurses once per level.
inline constexpr std::size_t kMaxJsonDepthLimit = 1024;
// 2^24 entries of at most 256 bytes: a 4 GiB table, allocated whole at construction.
inline constexpr std::size_t kMaxCacheEntries = std::size_t{1} << 24;

struct verifier_options {
  // Algorithms accepted at all. Empty accepts nothing. "none" can never be listed.
  algorithm_set algorithms;
  // Tokens longer than this are rejected (status::too_large) before any other work. In
  // [1, kMaxTokenBytesLimit].
  std::size_t max_token_bytes = 16 * 1024;
  // Deepest allowed JSON nesting in header and payload (the top-level object is depth 1). In
  // [1, kMaxJsonDepthLimit].
  std::size_t max_json_depth = 16;
  // Minimum RSA modulus size; smaller keys give status::key_too_small.
  unsigned min_rsa_bits = 2048;
  // false: the payload is an arbitrary byte string (plain JWS) and no claim policy runs.
  bool payload_is_jwt = true;
  policy claims;
  // Most signature checks one token may cost (key selection). A token without kid tries the keys
  // that fit its alg (type, curve, the JWK's own alg, min_rsa_bits) in the set's load order
  // (key_set::in_load_order()); a token with a kid that several keys share tries those of them that
  // fit, in load order. Keys that do not fit cost no check and do not count. The first key that
  // verifies wins; if none of the first max_keys_tried verified and more fitting keys remained,
  // the token gets key_not_found (not bad_signature: the right key may be among those not tried)
  // and verifier::key_search_capped() counts it. 0 counts as 1. Default 4: the current, next and
  // previous key of one type during a rotation, plus one, while a garbage kid-less token costs at
  // most 4 verifications instead of one per key in the set (500 ES256 keys: ~230 ms).
  std::size_t max_keys_tried = 4;
  // Verified-token cache entries; 0 disables the cache. JWT mode only. At most kMaxCacheEntries.
  std::size_t cache_entries = 0;
  // Algorithms whose tokens are cached. HS* are left out by default: a hit costs one SHA-256 of
  // the whole token, about what the HMAC it saves costs, so with few repeats the cache would
  // only add its miss cost (measured in bench/verify_cache_bench.cc's hit-ratio sweep).
  algorithm_set cache_algorithms = {
      algorithm::RS256, algorithm::RS384, algorithm::RS512, algorithm::PS256, algorithm::PS384,
      algorithm::PS512, algorithm::ES256, algorithm::ES384, algorithm::ES512, algorithm::EdDSA};
};

// Checks every numeric option of |o| (and of o.claims, via validate_policy()) against its range;
// NaN is never in range. Returns ok, or options_invalid with one sentence in *why (when not null)
// naming the first offending option, its value and the accepted range. Callers at the API boundary
// (the CLI, config loaders) should call it and report |why| before building a verifier; a verifier
// built anyway fails every token with options_invalid and the same sentence in its detail().
// May allocate (the message); never throws anything but std::bad_alloc.
status validate_options(const verifier_options& o, std::string* why = nullptr);

class verify_result {
 public:
  verify_result();
  ~verify_result();
  verify_result(verify_result&&) noexcept;
  verify_result& operator=(verify_result&&) noexcept;

  jwtx::status status() const noexcept { return status_; }
  bool ok() const noexcept { return status_ == jwtx::status::ok; }
  // Set once the header parsed (even if the token later failed).
  std::optional<algorithm> alg() const noexcept { return alg_; }
  // The header's kid (empty if none). Valid until this result is reused.
  std::string_view kid() const noexcept { return kid_; }
  bool has_kid() const noexcept { return has_kid_; }
  // Fingerprint of the token this result is for (see fingerprint.h): always the token of the last
  // verify() into this result, whatever the outcome (a result that never verified anything names
  // the empty string). Computed on demand from the result's copy of the token, except for tokens
  // that are not copied (too_large, options_invalid): those are hashed once during verify().
  fingerprint_text fingerprint() const noexcept;
  // Why the token failed, in one sentence naming the rule ("" when ok): which required claim is
  // absent, exp against now and the leeway, the configured issuers / audiences / typ / algorithms
  // (configuration, capped at a few values), where base64url decoding stopped, what kind of JSON
  // error, ... It never contains the token's own strings (kid, iss, aud, sub, typ, jti or any
  // other raw content); numbers it may show are sizes, offsets and the token's exp/nbf/iat.
  // Built on demand from a small record verify() fills without allocating; this call allocates.
  // Valid until this result is reused. Not thread-safe on one result.
  std::string detail() const;

  // Registered claims: only filled when the signature verified (claims are never read before).
  // On a cache hit they come from the cache entry (same values; strings live in this result).
  const registered_claims& claims() const noexcept { return claims_; }
  // True if this ok came from the verified-token cache (no base64url, JSON or crypto ran).
  bool from_cache() const noexcept { return from_cache_; }

  // Any claim by JSON pointer (RFC 6901), e.g. "/scope", "/roles/0", "/tenant_id", without
  // parsing again. Returns NO_SUCH_FIELD-style errors when absent, INCORRECT_TYPE when the
  // payload was not parsed (signature failed, or plain JWS mode). After a cache hit the first
  // call decodes and parses the already verified payload (no crypto), which may allocate.
  // Not thread-safe on one result (results are per-thread scratch anyway).
  simdjson::simdjson_result<simdjson::dom::element> claim(std::string_view json_pointer) const;
  std::optional<std::string_view> claim_string(std::string_view json_pointer) const;
  // The decoded payload bytes (JWS mode: the whole payload; JWT mode: the claims JSON).
  // Empty unless the signature verified (decoded on first use after a cache hit).
  std::string_view payload() const noexcept;

 private:
  friend class verifier;
  void reset() noexcept;

  jwtx::status status_ = jwtx::status::internal_error;
  std::optional<algorithm> alg_;
  std::string kid_;
  bool has_kid_ = false;
  bool from_cache_ = false;
  registered_claims claims_;
  struct scratch;
  std::unique_ptr<scratch> scratch_;  // decode buffers + the claims document
};

class verifier {
 public:
  // Never throws for invalid options: see validate_options() (no cache is built for them).
  verifier(std::shared_ptr<key_store> keys, verifier_options options);
  // Convenience: a store holding one fixed set.
  verifier(std::shared_ptr<const key_set> keys, verifier_options options);

  // Verifies |token|. Never throws.
  verify_result verify(std::string_view token) const noexcept;
  // Same, reusing |out| (no allocation once |out| has seen a token of similar size).
  void verify(std::string_view token, verify_result& out) const noexcept;
  // The cache step of verify() alone: returns true when the verified-token cache answered for
  // |token| (|out| then holds exactly what verify() would have produced: a hit re-checked against
  // the clock and revocation, or options_invalid), false on a miss or without a cache (|out| is
  // then unspecified and the caller runs verify()). Never runs base64url, JSON or crypto. The
  // pipeline answers a batch's cache hits this way before any signature of that batch.
  bool verify_cached(std::string_view token, verify_result& out) const noexcept;
  // verify() without the cache lookup, for a token verify_cached() just missed: the full pipeline,
  // and an ok result is inserted as verify() would. Saves the second lookup (and keeps the cache's
  // miss count at one per token).
  void verify_after_miss(std::string_view token, verify_result& out) const noexcept;

  const verifier_options& options() const noexcept { return options_; }
  key_store& keys() const noexcept { return *keys_; }
  // The verified-token cache (null when cache_entries == 0), for its stats.
  const token_cache* cache() const noexcept { return cache_.get(); }
  // Tokens whose key search stopped at options().max_keys_tried (relaxed; shared by copies).
  std::uint64_t key_search_capped() const noexcept {
    return search_capped_->load(std::memory_order_relaxed);
  }

 private:
  // verify(), verify_cached() and verify_after_miss(): true when |out| holds the answer.
  enum class cache_step { lookup_and_insert, lookup_only, insert_only };
  bool run(std::string_view token, verify_result& out, cache_step step) const noexcept;
  bool verify_from_cache(const cache_key& key, double now, verify_result& out) const noexcept;
  void remember(const cache_key& key, std::uint64_t generation, double now,
                const verify_result& out) const noexcept;

  std::shared_ptr<key_store> keys_;
  verifier_options options_;
  // validate_options(options_), decided once at construction.
  status options_status_ = status::ok;
  // An immutable copy of options_, shared with the results this verifier fills (a pointer compare,
  // and a reference count only when a result moves between verifiers), so that detail() can name
  // the configuration even after this verifier is gone.
  std::shared_ptr<const verifier_options> shared_options_;
  std::shared_ptr<token_cache> cache_;  // internally synchronised; shared by copies
  std::shared_ptr<std::atomic<std::uint64_t>> search_capped_ =
      std::make_shared<std::atomic<std::uint64_t>>(0);
};

}  // namespace jwtx
