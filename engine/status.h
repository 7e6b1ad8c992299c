// jwtx::status — the one outcome enum for every verification and key-loading result.
//
// Contract: the snake_case names returned by status_name() are stable; the CLI's JSON lines, logs,
// metrics and the docs all use them (and so will any binding built later). New values are only
// ever appended, so the numeric values are stable too.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string_view>

namespace jwtx {

enum class status : std::uint8_t {
  ok = 0,
  // Token structure (checked before any crypto).
  malformed,        // not exactly three segments (0, 1, 3 or 5+ dots) or an empty header segment
  too_large,        // token longer than verifier_options::max_token_bytes
  unsupported_jwe,  // five segments: a JWE, which jwtx never decrypts
  bad_base64,  // a byte outside the base64url alphabet, '=' padding, or non-canonical tail bits
  bad_json,    // header or payload is not valid JSON
  bad_utf8,    // header or payload is not valid UTF-8
  not_object,  // header or payload is JSON but not an object
  duplicate_member,  // an object (at any depth) has the same member name twice
  too_deep,          // nesting deeper than verifier_options::max_json_depth
  header_invalid,    // alg missing, or a registered header member has the wrong JSON type
  // Algorithm and key selection.
  alg_not_allowed,   // alg not in the allow-list (includes every spelling of "none")
  alg_key_mismatch,  // alg does not fit the key type, curve or the JWK's own "alg"
  key_not_found,     // no key with this kid, or no key compatible with alg
  key_too_small,     // RSA modulus or HMAC secret below the configured minimum for this alg
  crit_unsupported,  // "crit" lists a header parameter jwtx does not understand (or is malformed)
  typ_mismatch,      // "typ" missing or different from verifier_options::policy.typ
  // Signature.
  bad_signature,  // signature wrong length, wrong encoding, out of range or does not verify
  // Claims (only evaluated after the signature verified).
  expired,            // now >= exp + leeway
  not_yet_valid,      // now + leeway < nbf
  issued_in_future,   // iat > now + leeway
  too_old,            // now - iat > max_age + leeway
  issuer_mismatch,    // iss missing while issuers configured, or not in the allowed set
  audience_mismatch,  // no aud value in the allowed set (or aud present with none configured)
  missing_claim,      // a required claim is absent
  claim_type,         // a registered claim has the wrong JSON type (e.g. "exp":"soon")
  revoked,            // jti is in the revocation set
  // Key loading (key_set::from_jwks / from_pem / from_hmac_secret).
  key_invalid,      // a key is malformed: ill-typed members, point off the curve, small order, PEM
  key_set_invalid,  // the set as a whole is unusable: private keys, mixed symmetric, no usable key
  internal_error,   // BoringSSL failed unexpectedly (allocation failure); never expected
  // Appended later (values are stable, so new outcomes go at the end).
  revocation_unavailable,  // fail-closed: the token has a jti and the revocation list is too old
  options_invalid,  // the verifier was built with options validate_options() refuses: every token
  clock_invalid,    // the clock returned NaN, an infinity, or a time before 1970 or after 9999
  // The asynchronous pipeline (engine/runtime/batch_pipeline.h); never returned by verifier.
  overloaded,     // the pipeline's queue is full: the token was not accepted (retry or shed load)
  shutting_down,  // the pipeline was closed: the token was not accepted
};

inline constexpr int kStatusCount = static_cast<int>(status::shutting_down) + 1;

// Returns the stable snake_case name ("ok", "bad_signature", ...). Never fails.
std::string_view status_name(status s) noexcept;

// Inverse of status_name(); std::nullopt for an unknown name.
std::optional<status> status_from_name(std::string_view name) noexcept;

// Writes status_name(s) (for logs and test failure messages).
std::ostream& operator<<(std::ostream& os, status s);

}  // namespace jwtx
