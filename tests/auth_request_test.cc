// engine/gateway/auth_request: token extraction, provider choice, requirements and the answers.
#include "engine/gateway/auth_request.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/test_support.h"

namespace jwtx::gateway {
namespace {

using jwtx::testing::craft;
using jwtx::testing::good_claims;
using jwtx::testing::key_for;
using jwtx::testing::std_header;

std::shared_ptr<const verifier> make_verifier(std::string issuer) {
  verifier_options o = jwtx::testing::default_options();
  o.claims.issuers = {std::move(issuer)};
  return std::make_shared<const verifier>(jwtx::testing::asymmetric_set(), o);
}

std::string es256(std::string_view payload) {
  return craft(key_for(algorithm::ES256), algorithm::ES256,
               std_header(algorithm::ES256, "ES256-key"), payload);
}

provider default_provider() {
  provider p;
  p.name = "main";
  p.issuer = "https://issuer.example";
  p.verify = make_verifier(p.issuer);
  return p;
}

gateway_config one_provider(provider p = default_provider()) {
  gateway_config c;
  c.providers.push_back(std::move(p));
  return c;
}

// "main" (https://issuer.example) and "other" (https://other.example), both on Bearer.
gateway_config two_providers() {
  gateway_config c = one_provider();
  provider b = default_provider();
  b.name = "other";
  b.issuer = "https://other.example";
  b.verify = make_verifier(b.issuer);
  c.providers.push_back(std::move(b));
  return c;
}

const std::string* header(const verdict& v, std::string_view name) {
  for (const response_header& h : v.headers) {
    if (h.name == name) return &h.value;
  }
  return nullptr;
}

verdict run(const gateway_config& c, const std::vector<header_field>& headers) {
  extracted_token t = extract_token(c, headers);
  if (t.outcome != extract_outcome::found) return extraction_verdict(t.outcome);
  iss_scratch scratch;
  const provider* p = choose_provider(c, t.where, unverified_issuer(t.token, scratch));
  if (!p) return unknown_issuer_verdict();
  return decide(*p, t.token, p->verify->verify(t.token));
}

TEST(AuthRequestExtract, BearerIsTheDefaultLocationAndTheSchemeIsCaseInsensitive) {
  gateway_config c = one_provider();
  for (std::string value : {"Bearer abc.def.ghi", "bearer abc.def.ghi", "BEARER   abc.def.ghi  "}) {
    std::vector<header_field> h = {{"authorization", value}};
    extracted_token t = extract_token(c, h);
    EXPECT_EQ(t.outcome, extract_outcome::found) << value;
    EXPECT_EQ(t.token, "abc.def.ghi") << value;
    EXPECT_FALSE(t.where.cookie);
  }
}

TEST(AuthRequestExtract, OtherSchemesAndAbsentHeadersAreNoToken) {
  gateway_config c = one_provider();
  std::vector<header_field> basic = {{"Authorization", "Basic dXNlcjpwdw=="}};
  EXPECT_EQ(extract_token(c, basic).outcome, extract_outcome::no_token);
  std::vector<header_field> none = {{"Host", "x"}};
  EXPECT_EQ(extract_token(c, none).outcome, extract_outcome::no_token);
  EXPECT_EQ(extract_token(c, {}).outcome, extract_outcome::no_token);
}

TEST(AuthRequestExtract, EmptyOrBrokenBearerIsMalformedHeader) {
  gateway_config c = one_provider();
  for (std::string value : {"Bearer", "Bearer ", "Bearer a b", "Bearer a\x01"}) {
    std::vector<header_field> h = {{"Authorization", value}};
    EXPECT_EQ(extract_token(c, h).outcome, extract_outcome::malformed_header) << value;
  }
}

TEST(AuthRequestExtract, RepeatedHeaderOrTwoLocationsAreMultipleTokens) {
  provider p = default_provider();
  p.from_headers = {{"Authorization", "Bearer "}, {"X-Jwt", ""}};
  p.from_cookies = {"session"};
  gateway_config c = one_provider(std::move(p));
  std::vector<header_field> twice = {{"Authorization", "Bearer a.b.c"},
                                     {"Authorization", "Bearer a.b.c"}};
  EXPECT_EQ(extract_token(c, twice).outcome, extract_outcome::multiple_tokens);
  std::vector<header_field> header_and_cookie = {{"X-Jwt", "a.b.c"}, {"Cookie", "session=a.b.c"}};
  EXPECT_EQ(extract_token(c, header_and_cookie).outcome, extract_outcome::multiple_tokens);
  std::vector<header_field> broken_and_good = {{"Authorization", "Bearer"}, {"X-Jwt", "a.b.c"}};
  EXPECT_EQ(extract_token(c, broken_and_good).outcome, extract_outcome::multiple_tokens);
  std::vector<header_field> cookie_twice = {{"Cookie", "session=a.b.c; session=d.e.f"}};
  EXPECT_EQ(extract_token(c, cookie_twice).outcome, extract_outcome::multiple_tokens);
}

TEST(AuthRequestExtract, CookiesParseLenientlyAroundTheConfiguredOne) {
  provider p = default_provider();
  p.from_cookies = {"jwt"};
  gateway_config c = one_provider(std::move(p));
  std::vector<header_field> h = {{"Cookie", "junk; a=1;  jwt=\"x.y.z\" ; other=2"}};
  extracted_token t = extract_token(c, h);
  ASSERT_EQ(t.outcome, extract_outcome::found);
  EXPECT_EQ(t.token, "x.y.z");
  EXPECT_TRUE(t.where.cookie);
  EXPECT_EQ(t.where.name, "jwt");
  // Only from_cookies configured: the Authorization header is not a location of this provider.
  std::vector<header_field> bearer = {{"Authorization", "Bearer x.y.z"}};
  EXPECT_EQ(extract_token(c, bearer).outcome, extract_outcome::no_token);
  std::vector<header_field> empty = {{"Cookie", "jwt=; a=1"}};
  EXPECT_EQ(extract_token(c, empty).outcome, extract_outcome::malformed_cookie);
  std::vector<header_field> prefix_only = {{"Cookie", "jwtx=a.b.c"}};
  EXPECT_EQ(extract_token(c, prefix_only).outcome, extract_outcome::no_token);
}

TEST(AuthRequestExtract, ASharedLocationIsScannedOnce) {
  gateway_config c = two_providers();
  std::vector<header_field> h = {{"Authorization", "Bearer a.b.c"}};
  EXPECT_EQ(extract_token(c, h).outcome, extract_outcome::found);
}

TEST(AuthRequestIssuer, HintComesFromThePayloadWithoutTrustingIt) {
  iss_scratch s;
  std::string t = es256(good_claims());
  EXPECT_EQ(unverified_issuer(t, s), "https://issuer.example");
  // A forged signature still yields the hint: it only picks the provider that then rejects it.
  std::string forged = t.substr(0, t.rfind('.') + 1) + "AAAA";
  EXPECT_EQ(unverified_issuer(forged, s), "https://issuer.example");
  EXPECT_EQ(unverified_issuer("abc", s), std::nullopt);
  EXPECT_EQ(unverified_issuer("a..c", s), std::nullopt);
  EXPECT_EQ(unverified_issuer("a.!!!.c", s), std::nullopt);
  EXPECT_EQ(unverified_issuer("a." + jwtx::testing::b64("{\"iss\":5}") + ".c", s), std::nullopt);
  EXPECT_EQ(unverified_issuer("a." + jwtx::testing::b64("[1]") + ".c", s), std::nullopt);
  std::string huge = "a." + std::string(kMaxIssHintPayload + 4, 'A') + ".c";
  EXPECT_EQ(unverified_issuer(huge, s), std::nullopt);
}

TEST(AuthRequestProvider, ChosenByIssuerThenFallbackThenTheOnlyOne) {
  gateway_config c = two_providers();
  token_location bearer{false, "Authorization"};
  EXPECT_EQ(choose_provider(c, bearer, "https://other.example")->name, "other");
  EXPECT_EQ(choose_provider(c, bearer, "https://issuer.example")->name, "main");
  EXPECT_EQ(choose_provider(c, bearer, "https://nobody.example"), nullptr);
  EXPECT_EQ(choose_provider(c, bearer, std::nullopt), nullptr);
  provider fallback = default_provider();
  fallback.name = "fallback";
  fallback.issuer = "";
  c.providers.push_back(fallback);
  EXPECT_EQ(choose_provider(c, bearer, "https://nobody.example")->name, "fallback");
  // One provider: it is chosen whatever the hint, and its verifier judges the iss.
  gateway_config single = one_provider();
  EXPECT_EQ(choose_provider(single, bearer, "https://nobody.example")->name, "main");
  // A location no provider accepts.
  EXPECT_EQ(choose_provider(single, token_location{true, "jwt"}, std::nullopt), nullptr);
}

TEST(AuthRequestProvider, TheServersFormDecodesTheHintOnlyForSeveralCandidates) {
  iss_scratch s;
  token_location bearer{false, "Authorization"};
  const std::string other = "a." + jwtx::testing::b64(R"({"iss":"https://other.example"})") + ".c";
  const std::string nobody =
      "a." + jwtx::testing::b64(R"({"iss":"https://nobody.example"})") + ".c";
  gateway_config two = two_providers();
  EXPECT_EQ(choose_provider(two, bearer, other, s)->name, "other");
  EXPECT_EQ(choose_provider(two, bearer, nobody, s), nullptr);
  EXPECT_EQ(choose_provider(two, bearer, "garbage", s), nullptr);
  gateway_config single = one_provider();
  EXPECT_EQ(choose_provider(single, bearer, nobody, s)->name, "main");
  // One candidate: the payload is not even decoded (the scratch keeps what the last decode left).
  s.decoded = "untouched";
  EXPECT_EQ(choose_provider(single, bearer, other, s)->name, "main");
  EXPECT_EQ(s.decoded, "untouched");
  EXPECT_EQ(choose_provider(single, token_location{true, "jwt"}, other, s), nullptr);
}

TEST(AuthRequestVerdict, ValidTokenGets200WithClaimHeaders) {
  provider p = default_provider();
  p.claim_to_headers = {{"sub", "X-Jwt-Sub"},     {"tenant", "X-Jwt-Tenant"},
                        {"scope", "X-Jwt-Scope"}, {"roles", "X-Jwt-Roles"},
                        {"n", "X-Jwt-N"},         {"obj", "X-Jwt-Obj"},
                        {"evil", "X-Jwt-Evil"},   {"absent", "X-Jwt-Absent"}};
  p.forward_payload_header = "X-Jwt-Payload";
  gateway_config c = one_provider(std::move(p));
  std::string payload = good_claims(
      "\"tenant\":\"acme\",\"scope\":\"read write\",\"roles\":[\"a\",\"b\"],\"n\":42,"
      "\"obj\":{\"k\":1},\"evil\":\"x\\r\\nSet-Cookie: y\"");
  std::string t = es256(payload);
  verdict v = run(c, {{"Authorization", "Bearer " + t}});
  ASSERT_EQ(v.http_status, 200);
  EXPECT_EQ(v.token_status, jwtx::status::ok);
  EXPECT_EQ(*header(v, "X-Jwt-Sub"), "alice");
  EXPECT_EQ(*header(v, "X-Jwt-Tenant"), "acme");
  EXPECT_EQ(*header(v, "X-Jwt-Scope"), "read write");
  EXPECT_EQ(*header(v, "X-Jwt-Roles"), "a,b");
  EXPECT_EQ(*header(v, "X-Jwt-N"), "42");
  EXPECT_EQ(header(v, "X-Jwt-Obj"), nullptr);
  EXPECT_EQ(header(v, "X-Jwt-Evil"), nullptr);  // CR/LF would split the header: never sent
  EXPECT_EQ(header(v, "X-Jwt-Absent"), nullptr);
  EXPECT_EQ(*header(v, "X-Jwt-Payload"), jwtx::testing::b64(payload));
  EXPECT_EQ(header(v, "WWW-Authenticate"), nullptr);
}

TEST(AuthRequestVerdict, TokenFailuresAre401WithTheStatusName) {
  gateway_config c = one_provider();
  std::string expired = es256(
      "{\"sub\":\"a\",\"iss\":\"https://issuer.example\",\"aud\":\"api\",\"exp\":1600000000}");
  verdict v = run(c, {{"Authorization", "Bearer " + expired}});
  EXPECT_EQ(v.http_status, 401);
  EXPECT_EQ(v.token_status, jwtx::status::expired);
  EXPECT_EQ(*header(v, "WWW-Authenticate"),
            "Bearer error=\"invalid_token\", error_description=\"expired\"");
  std::string wrong_aud =
      es256("{\"sub\":\"a\",\"iss\":\"https://issuer.example\",\"aud\":\"x\",\"exp\":1700000600}");
  v = run(c, {{"Authorization", "Bearer " + wrong_aud}});
  EXPECT_EQ(*header(v, "WWW-Authenticate"),
            "Bearer error=\"invalid_token\", error_description=\"audience_mismatch\"");
  std::string good = es256(good_claims());
  std::string tampered = good;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  v = run(c, {{"Authorization", "Bearer " + tampered}});
  EXPECT_EQ(v.token_status, jwtx::status::bad_signature);
  std::string none =
      jwtx::testing::b64("{\"alg\":\"none\"}") + "." + jwtx::testing::b64(good_claims()) + ".";
  v = run(c, {{"Authorization", "Bearer " + none}});
  EXPECT_EQ(v.http_status, 401);
  EXPECT_EQ(v.token_status, jwtx::status::alg_not_allowed);
}

TEST(AuthRequestVerdict, NoTokenIsAPlainChallengeAndBadRequestsAre400) {
  verdict v = extraction_verdict(extract_outcome::no_token);
  EXPECT_EQ(v.http_status, 401);
  EXPECT_EQ(*header(v, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(v.token_status, std::nullopt);
  for (extract_outcome o : {extract_outcome::multiple_tokens, extract_outcome::malformed_header,
                            extract_outcome::malformed_cookie}) {
    v = extraction_verdict(o);
    EXPECT_EQ(v.http_status, 400);
    EXPECT_EQ(*header(v, "WWW-Authenticate"),
              "Bearer error=\"invalid_request\", error_description=\"" +
                  std::string(extract_outcome_name(o)) + "\"");
  }
}

TEST(AuthRequestVerdict, UnknownIssuerIs401IssuerMismatch) {
  gateway_config c = two_providers();
  std::string t = es256(
      "{\"iss\":\"https://nobody.example\",\"aud\":\"api\",\"exp\":1700000600,\"sub\":\"x\"}");
  verdict v = run(c, {{"Authorization", "Bearer " + t}});
  EXPECT_EQ(v.http_status, 401);
  EXPECT_EQ(v.token_status, jwtx::status::issuer_mismatch);
  // The second provider's token is verified by the second provider (its issuer policy passes).
  std::string other =
      es256("{\"iss\":\"https://other.example\",\"aud\":\"api\",\"exp\":1700000600,\"sub\":\"x\"}");
  EXPECT_EQ(run(c, {{"Authorization", "Bearer " + other}}).http_status, 200);
}

TEST(AuthRequestVerdict, ScopesFromScopeStringOrScpArray) {
  provider p = default_provider();
  p.require.scopes = {"read", "write"};
  gateway_config c = one_provider(std::move(p));
  auto status_for = [&](std::string extra) {
    return run(c, {{"Authorization", "Bearer " + es256(good_claims(extra))}});
  };
  EXPECT_EQ(status_for("\"scope\":\"write admin read\"").http_status, 200);
  EXPECT_EQ(status_for("\"scp\":[\"read\",\"write\"]").http_status, 200);
  EXPECT_EQ(status_for("\"scp\":\"read write\"").http_status, 200);
  verdict v = status_for("\"scope\":\"read readwrite\"");
  EXPECT_EQ(v.http_status, 403);
  EXPECT_EQ(v.token_status, jwtx::status::ok);
  EXPECT_EQ(*header(v, "WWW-Authenticate"),
            "Bearer error=\"insufficient_scope\", error_description=\"missing_scope\", "
            "scope=\"read write\"");
  EXPECT_EQ(v.reason, "missing scope write");
  EXPECT_EQ(status_for("").http_status, 403);
  EXPECT_EQ(status_for("\"scp\":[\"read\",5]").http_status, 403);
}

TEST(AuthRequestVerdict, ClaimEqualsAndOneOf) {
  provider p = default_provider();
  p.require.claims = {{"tenant", {"acme", "globex"}}, {"email_verified", {"true"}}};
  gateway_config c = one_provider(std::move(p));
  auto code = [&](std::string extra) {
    return run(c, {{"Authorization", "Bearer " + es256(good_claims(extra))}}).http_status;
  };
  EXPECT_EQ(code("\"tenant\":\"globex\",\"email_verified\":true"), 200);
  EXPECT_EQ(code("\"tenant\":[\"x\",\"acme\"],\"email_verified\":true"), 200);
  EXPECT_EQ(code("\"tenant\":\"initech\",\"email_verified\":true"), 403);
  EXPECT_EQ(code("\"tenant\":\"acme\",\"email_verified\":false"), 403);
  EXPECT_EQ(code("\"tenant\":\"acme\""), 403);
  EXPECT_EQ(code("\"tenant\":{\"acme\":1},\"email_verified\":true"), 403);
}

TEST(AuthRequestVerdict, ServerSideConditionsAreNeverInvalidToken) {
  verdict v = refusal_verdict(jwtx::status::overloaded);
  EXPECT_EQ(v.http_status, 503);
  EXPECT_EQ(*header(v, "Retry-After"), std::to_string(kRetryAfterSeconds));
  EXPECT_EQ(header(v, "WWW-Authenticate"), nullptr);
  EXPECT_EQ(refusal_verdict(jwtx::status::shutting_down).http_status, 503);
  v = refusal_verdict(jwtx::status::too_large);
  EXPECT_EQ(v.http_status, 401);
  EXPECT_EQ(*header(v, "WWW-Authenticate"),
            "Bearer error=\"invalid_token\", error_description=\"too_large\"");
  EXPECT_EQ(refusal_verdict(jwtx::status::internal_error).http_status, 500);
}

TEST(AuthRequestConfig, ValidateNamesTheProblem) {
  EXPECT_EQ(validate(gateway_config{}), "no provider is configured");
  gateway_config c = one_provider();
  EXPECT_EQ(validate(c), "");
  c.providers[0].claim_to_headers = {{"sub", "X-Bad:Header"}};
  EXPECT_NE(validate(c).find("claim_to_headers"), std::string::npos);
  c = one_provider();
  c.providers.push_back(c.providers[0]);
  c.providers[1].name = "dup";
  EXPECT_NE(validate(c).find("already used"), std::string::npos);
  c = one_provider();
  c.providers[0].verify = nullptr;
  EXPECT_NE(validate(c).find("no verifier"), std::string::npos);
  c = one_provider();
  c.providers[0].require.claims = {{"tenant", {}}};
  EXPECT_NE(validate(c).find("at least one value"), std::string::npos);
}

}  // namespace
}  // namespace jwtx::gateway
