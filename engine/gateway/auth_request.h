// jwtx::gateway — the request -> verdict logic of an HTTP auth service (nginx auth_request, Envoy
// ext_authz, Traefik forwardAuth), with no sockets: `jwtx serve` wraps it in HTTP, tests and the
// fuzz target (fuzz/fuzz_auth_request.cc) call it directly.
//
//   request headers ──extract_token()──► token + location ──choose_provider()──► provider
//        (Authorization: Bearer, configured headers and cookies)   (unverified iss: a hint only)
//   provider.verifier (on the pipeline) ──► verify_result ──decide()──► verdict (status + headers)
//   a refusal of the pipeline (overloaded, shutting_down) ──refusal_verdict()──► 503 + Retry-After
//
// Answers (RFC 6750 §3):
//   200  verified and every requirement met; the claim headers (claim_to_headers,
//        forward_payload_header) are in verdict::headers.
//   400  error="invalid_request": the request itself is wrong (a token in two places, an empty or
//        unparsable credential, a duplicated cookie) — the client must fix the request, not the
//        token.
//   401  no token: a plain `Bearer` challenge (§3.1: no error code when no credential was sent).
//        error="invalid_token", error_description="<status_name>" for every token failure.
//   403  error="insufficient_scope": verified, but a requirement (scope, claim value) is not met.
//   500  the server is misconfigured or its clock is broken (options_invalid, clock_invalid,
//        internal_error): not the token's fault, so never invalid_token.
//   503  + Retry-After: overloaded, shutting_down, revocation_unavailable (fail-closed revocation
//        with a stale list: the token may be fine, the server cannot tell now).
//
// Thread-safety: a gateway_config is immutable once built and may be read by any number of threads.
// extract_token() and choose_provider() allocate nothing and never throw; decide() allocates the
// verdict's strings (it runs once per request, off the verifier's hot path).
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"
#include "engine/verifier.h"

namespace jwtx::gateway {

// A header that carries the token: `name: <value_prefix><token>`. The name is compared
// case-insensitively (RFC 9110 §5.1), the prefix exactly except that "Bearer " also matches any
// case of the scheme (RFC 9110 §11.1: auth schemes are case-insensitive).
struct header_location {
  std::string name;
  std::string value_prefix;
};

struct claim_header {
  std::string claim;   // a top-level claim name ("sub", "tenant", "scope")
  std::string header;  // the request header the upstream gets ("X-Jwt-Sub")
};

// A claim that must equal one of |one_of| (one value: "equals"). String claims compare by their
// value; numbers and booleans by their JSON text ("42", "true"); arrays pass when any element
// (string) is one of the values.
struct claim_requirement {
  std::string claim;
  std::vector<std::string> one_of;
};

struct requirements {
  // Every one must be granted: `scope` (space-separated string) or `scp` (array of strings, or a
  // space-separated string as some issuers send).
  std::vector<std::string> scopes;
  std::vector<claim_requirement> claims;
};

struct provider {
  std::string name;  // for logs and metrics
  // The token's iss this provider is chosen for (unverified); empty: the fallback provider. The
  // verifier's own policy still checks iss.
  std::string issuer;
  // Where this provider accepts tokens. Both empty: `Authorization: Bearer <token>`.
  std::vector<header_location> from_headers;
  std::vector<std::string> from_cookies;
  std::vector<claim_header> claim_to_headers;
  // Non-empty: the verified payload segment (base64url, as in the token) goes in this header.
  std::string forward_payload_header;
  requirements require;
  std::shared_ptr<const verifier> verify;  // never null in a valid config
};

// Every provider, in configuration order. validate() states what a usable config is.
struct gateway_config {
  std::vector<provider> providers;
};

// Checks what extract/choose/decide rely on: at least one provider, each with a verifier, names of
// headers and claims non-empty and free of control characters, no two providers with the same
// issuer, at most one fallback (empty issuer). Returns "" or one sentence naming the problem.
std::string validate(const gateway_config& c);

// One request header as the HTTP layer parsed it (borrowed).
struct header_field {
  std::string_view name;
  std::string_view value;
};

enum class extract_outcome : std::uint8_t {
  found,             // exactly one token
  no_token,          // no configured location carries a credential
  multiple_tokens,   // credentials in two locations, or a header repeated (RFC 6750 §2)
  malformed_header,  // a location matched but its value is empty or has whitespace/controls
  malformed_cookie,  // a Cookie header that does not parse as cookie-pairs (RFC 6265 §4.2.1)
};
std::string_view extract_outcome_name(extract_outcome o) noexcept;

// Where the token was found: a header location or a cookie, by index into the union of every
// provider's locations (see extract_token()).
struct token_location {
  bool cookie = false;
  std::string_view name;  // the configured header or cookie name (borrowed from the config)
};

struct extracted_token {
  extract_outcome outcome = extract_outcome::no_token;
  std::string_view token;  // borrowed from the request's headers (found only)
  token_location where;
};

// Looks for a credential in every location of every provider (a location shared by providers is
// looked at once). A token in two different locations (even the same token twice) or two values
// for one location is multiple_tokens. Headers with an unrelated value (e.g. `Authorization:
// Basic ...` when only Bearer is configured) are not credentials. No allocation.
extracted_token extract_token(const gateway_config& c, std::span<const header_field> headers);

// The unverified iss of |token| (its payload segment decoded and parsed only far enough to read
// one string member), or nullopt when the token does not have one. A hint: nothing is trusted.
// |scratch| is reused across calls (one per thread); the view points into it until the next call.
// Payload segments longer than kMaxIssHintPayload are not looked at (nullopt).
struct iss_scratch {
  std::string decoded;  // the payload, with simdjson's padding after it
  simdjson::dom::parser parser;
};
inline constexpr std::size_t kMaxIssHintPayload = 16 * 1024;
std::optional<std::string_view> unverified_issuer(std::string_view token, iss_scratch& scratch);

// The provider for a token found at |where|: among the providers accepting that location, the one
// whose issuer equals the token's unverified iss, else the fallback provider (empty issuer), else
// the only one accepting the location. Null when none fits: answer with
// unknown_issuer_verdict() (no verification is spent on it).
const provider* choose_provider(const gateway_config& c, const token_location& where,
                                std::optional<std::string_view> iss_hint);

// choose_provider(c, where, unverified_issuer(token, scratch)), with the payload decoded only when
// two or more providers accept |where|: a single candidate needs no hint, and the server's event
// loop then spends no base64 decode or JSON parse per request.
const provider* choose_provider(const gateway_config& c, const token_location& where,
                                std::string_view token, iss_scratch& scratch);

struct response_header {
  std::string name;
  std::string value;
};

struct verdict {
  int http_status = 500;
  // The verifier's (or the pipeline's) outcome: ok for 200 and 403; nullopt when no token was
  // verified (400, and 401 without a token).
  std::optional<jwtx::status> token_status;
  std::vector<response_header> headers;  // WWW-Authenticate / Retry-After / claim headers
  // For the access log: why a 400/403 was given ("" otherwise), never token content.
  std::string reason;
};

// The answer for a token |p| verified into |r| (a copy of everything needed: |r| may be reused
// once this returns). |token| is the verified token (its payload segment is forwarded).
verdict decide(const provider& p, std::string_view token, const verify_result& r);

// The answer when extraction did not find exactly one token (outcome != found).
verdict extraction_verdict(extract_outcome o);

// The answer when no provider accepts the token's issuer: 401 invalid_token issuer_mismatch.
verdict unknown_issuer_verdict();

// The answer when the pipeline refused the token at submit (overloaded, shutting_down, too_large).
verdict refusal_verdict(jwtx::status s);

// Seconds a 503 asks the client to wait (Retry-After).
inline constexpr int kRetryAfterSeconds = 1;

}  // namespace jwtx::gateway
