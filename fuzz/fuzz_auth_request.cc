// Fuzz target: the request -> verdict path of `jwtx serve` (engine/gateway/auth_request.h) on
// arbitrary request headers: header and cookie parsing, the unverified-iss hint, provider choice,
// and decide() on a verified token (scopes, claim requirements, claim headers).
//
// Input: byte 0 picks the configuration (bit 0: a second provider with a cookie and a prefixed
// header location; bit 1: re-sign the extracted token, see below). The rest is header lines
// "Name: value" separated by '\n' (a line without ':' is a header with an empty value).
// Re-signing: a token's "header.payload" is signed again with the providers' HS256 key, so the
// claims the fuzzer writes reach decide()'s requirement and claim-header code (which only runs for
// verified tokens).
// Invariants (__builtin_trap on violation): a found token is a non-empty substring of one header
// value with no whitespace or control byte; every verdict is one of 200/400/401/403/500/503; 401
// and 400 carry a WWW-Authenticate challenge, 503 a Retry-After; no emitted header name or value
// has CR, LF or NUL; 200 and 403 only for a token whose verification said ok.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/gateway/auth_request.h"
#include "engine/jws/base64url/base64url.h"
#include "engine/keys/key_set.h"
#include "engine/signer.h"

namespace {

using namespace jwtx;
using namespace jwtx::gateway;

const signing_key& hs_key() {
  static const signing_key k =
      signing_key::from_hmac_secret("fuzz-secret-fuzz-secret-fuzz-secret!", algorithm::HS256, "k");
  return k;
}

std::shared_ptr<const verifier> make_verifier(std::string issuer) {
  key_set_builder b;
  if (b.add_jwk(hs_key().private_jwk(), "fuzz") != status::ok) __builtin_trap();
  auto set = b.build();
  if (!set) __builtin_trap();
  verifier_options o;
  o.algorithms = algorithm_set::all();
  o.claims.clock = [] { return 1'700'000'000.0; };
  o.claims.require_exp = false;
  o.claims.ignore_aud_when_unconfigured = true;
  if (!issuer.empty()) o.claims.issuers = {std::move(issuer)};
  return std::make_shared<const verifier>(set.set, o);
}

const gateway_config& config(bool two_providers) {
  static const std::array<gateway_config, 2> configs = [] {
    provider a;
    a.name = "a";
    a.issuer = "a";
    a.verify = make_verifier("a");
    a.claim_to_headers = {{"sub", "X-Sub"}, {"scope", "X-Scope"}, {"t/~x", "X-T"}};
    a.forward_payload_header = "X-Payload";
    a.require.scopes = {"read"};
    a.require.claims = {{"tenant", {"acme", "1", "true"}}};
    provider b;
    b.name = "b";
    b.verify = make_verifier("");
    b.from_headers = {{"X-Token", "Tok "}, {"Authorization", "Bearer "}};
    b.from_cookies = {"jwt", "session"};
    b.claim_to_headers = {{"roles", "X-Roles"}};
    std::array<gateway_config, 2> out;
    out[0].providers = {a};
    out[1].providers = {a, b};
    for (const gateway_config& g : out) {
      if (!validate(g).empty()) __builtin_trap();
    }
    return out;
  }();
  return configs[two_providers ? 1 : 0];
}

bool clean(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

void check(const verdict& v, bool verified_ok) {
  bool challenge = false, retry = false;
  for (const response_header& h : v.headers) {
    if (h.name.empty() || !clean(h.name) || !clean(h.value)) __builtin_trap();
    challenge |= h.name == "WWW-Authenticate";
    retry |= h.name == "Retry-After";
  }
  switch (v.http_status) {
    case 200:
    case 403:
      if (!verified_ok) __builtin_trap();
      break;
    case 400:
    case 401:
      if (!challenge) __builtin_trap();
      break;
    case 503:
      if (!retry) __builtin_trap();
      break;
    case 500:
      break;
    default:
      __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<header_field> headers;
  while (!rest.empty() && headers.size() < 64) {
    std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      headers.push_back({line, {}});
    } else {
      headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
    }
  }
  const gateway_config& c = config(mode & 1);
  extracted_token t = extract_token(c, headers);
  if (t.outcome != extract_outcome::found) {
    if (!t.token.empty()) __builtin_trap();
    check(extraction_verdict(t.outcome), false);
    return 0;
  }
  bool inside = false;
  for (const header_field& h : headers) {
    inside |= t.token.data() >= h.value.data() &&
              t.token.data() + t.token.size() <= h.value.data() + h.value.size();
  }
  if (!inside || t.token.empty()) __builtin_trap();
  for (char ch : t.token) {
    if (static_cast<unsigned char>(ch) <= 0x20 || static_cast<unsigned char>(ch) >= 0x7f) {
      __builtin_trap();
    }
  }
  std::string token(t.token);
  if (mode & 2) {
    std::size_t dot = token.find('.');
    std::size_t second = dot == std::string::npos ? dot : token.find('.', dot + 1);
    if (second != std::string::npos) {
      std::string input = token.substr(0, second);
      token = input + "." + base64url::encode(hs_key().sign(input));
    }
  }
  static iss_scratch scratch;
  const provider* p = choose_provider(c, t.where, unverified_issuer(token, scratch));
  // The server's form (payload decoded only when the hint can matter) chooses the same provider.
  if (choose_provider(c, t.where, token, scratch) != p) __builtin_trap();
  if (!p) {
    check(unknown_issuer_verdict(), false);
    return 0;
  }
  verify_result r = p->verify->verify(token);
  check(decide(*p, token, r), r.ok());
  return 0;
}
