// Verifier behaviour: every algorithm, and every attack/bad-input rule with its specific status.
#include "engine/verifier.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>

#include "engine/revocation/revocation.h"
#include "tests/test_support.h"

namespace jwtx {
namespace {

using testing::asymmetric_set;
using testing::b64;
using testing::craft;
using testing::default_options;
using testing::good_claims;
using testing::hmac_set;
using testing::key_for;
using testing::kNow;
using testing::std_header;

constexpr algorithm kAllAlgs[] = {
    algorithm::HS256, algorithm::HS384, algorithm::HS512, algorithm::RS256, algorithm::RS384,
    algorithm::RS512, algorithm::PS256, algorithm::PS384, algorithm::PS512, algorithm::ES256,
    algorithm::ES384, algorithm::ES512, algorithm::EdDSA};

std::shared_ptr<const key_set> set_for(algorithm a) {
  return required_key_type(a) == key_type::oct ? hmac_set() : asymmetric_set();
}

const signing_key& signer_for(algorithm a) { return key_for(a); }

std::string mint(algorithm a, std::string_view claims, bool with_kid = true) {
  const signing_key& k = signer_for(a);
  return craft(k, a, std_header(a, with_kid ? k.kid() : ""), claims);
}

status verify_with(const verifier_options& o, std::shared_ptr<const key_set> set,
                   std::string_view token) {
  return verifier(std::move(set), o).verify(token).status();
}

status verify_default(std::string_view token, algorithm family = algorithm::RS256) {
  return verify_with(default_options(), set_for(family), token);
}

class EveryAlgorithm : public ::testing::TestWithParam<algorithm> {};

TEST_P(EveryAlgorithm, ValidTokenVerifiesAndExposesClaims) {
  const algorithm a = GetParam();
  std::string token =
      mint(a, good_claims(R"("scope":"read write","roles":["admin","dev"],"tenant_id":42)"));
  verifier v(set_for(a), default_options());
  verify_result r = v.verify(token);
  ASSERT_EQ(r.status(), status::ok) << status_name(r.status());
  EXPECT_EQ(r.alg(), a);
  EXPECT_EQ(r.kid(), signer_for(a).kid());
  EXPECT_EQ(r.claims().sub, "alice");
  EXPECT_EQ(r.claims().exp, 1700000600.0);
  ASSERT_EQ(r.claims().aud.size(), 1u);
  EXPECT_EQ(r.claims().aud[0], "api");
  EXPECT_EQ(r.claim_string("/scope"), "read write");
  EXPECT_EQ(r.claim_string("/roles/0"), "admin");
  int64_t tenant = 0;
  EXPECT_FALSE(r.claim("/tenant_id").get_int64().get(tenant));
  EXPECT_EQ(tenant, 42);
  EXPECT_TRUE(r.claim("/missing").error());
}

TEST_P(EveryAlgorithm, KidLessTokenFindsTheCompatibleKey) {
  const algorithm a = GetParam();
  EXPECT_EQ(verify_default(mint(a, good_claims(), /*with_kid=*/false), a), status::ok);
}

TEST_P(EveryAlgorithm, AnyFlippedSignatureBitFails) {
  const algorithm a = GetParam();
  std::string token = mint(a, good_claims());
  const std::size_t dot = token.rfind('.');
  std::string sig;
  ASSERT_TRUE(base64url::decode(token.substr(dot + 1), &sig));
  for (std::size_t i : {std::size_t{0}, sig.size() / 2, sig.size() - 1}) {
    std::string bad = sig;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_EQ(verify_default(token.substr(0, dot + 1) + b64(bad), a), status::bad_signature);
  }
  // Payload tampering (the signature no longer covers it).
  std::string tampered = token;
  const std::size_t first = tampered.find('.');
  std::string other = b64(good_claims(R"("admin":true)"));
  tampered = tampered.substr(0, first + 1) + other + tampered.substr(dot);
  EXPECT_EQ(verify_default(tampered, a), status::bad_signature);
}

TEST_P(EveryAlgorithm, NotInAllowListIsRejectedBeforeCrypto) {
  const algorithm a = GetParam();
  verifier_options o = default_options();
  o.algorithms = algorithm_set{};
  for (algorithm other : kAllAlgs)
    if (other != a) o.algorithms.add(other);
  EXPECT_EQ(verify_with(o, set_for(a), mint(a, good_claims())), status::alg_not_allowed);
}

INSTANTIATE_TEST_SUITE_P(Verifier, EveryAlgorithm, ::testing::ValuesIn(kAllAlgs),
                         [](const ::testing::TestParamInfo<algorithm>& p) {
                           return std::string(algorithm_name(p.param));
                         });

// --- alg "none" and algorithm confusion ------------------------------------------------------

TEST(Attacks, AlgNoneInEverySpellingIsRejected) {
  for (const char* alg : {"none", "None", "NONE", "nOnE", "none ", ""}) {
    std::string header = std::string(R"({"alg":")") + alg + R"(","typ":"JWT"})";
    std::string unsigned_token = b64(header) + "." + b64(good_claims()) + ".";
    EXPECT_EQ(verify_default(unsigned_token), status::alg_not_allowed) << alg;
    std::string with_sig = unsigned_token + b64("garbage");
    EXPECT_EQ(verify_default(with_sig), status::alg_not_allowed) << alg;
  }
  // alg of the wrong JSON type, or missing.
  EXPECT_EQ(verify_default(b64(R"({"alg":null})") + "." + b64(good_claims()) + "."),
            status::header_invalid);
  EXPECT_EQ(verify_default(b64(R"({"typ":"JWT"})") + "." + b64(good_claims()) + ".AA"),
            status::header_invalid);
}

TEST(Attacks, Hs256SignedWithRsaPublicKeyBytesIsRejected) {
  const signing_key& rsa = key_for(algorithm::RS256);
  // The classic confusion: the attacker HMACs with the public key's PEM text as the secret.
  signing_key forged = signing_key::from_hmac_secret(rsa.public_pem(), algorithm::HS256, rsa.kid());
  std::string with_kid = forged.mint(good_claims(), std_header(algorithm::HS256, rsa.kid()));
  EXPECT_EQ(verify_default(with_kid), status::alg_key_mismatch);
  std::string without_kid = forged.mint(good_claims(), std_header(algorithm::HS256, ""));
  EXPECT_EQ(verify_default(without_kid), status::key_not_found);
  // Also with the JWK bytes.
  signing_key forged_jwk =
      signing_key::from_hmac_secret(rsa.public_jwk(), algorithm::HS256, rsa.kid());
  EXPECT_EQ(verify_default(forged_jwk.mint(good_claims(), std_header(algorithm::HS256, rsa.kid()))),
            status::alg_key_mismatch);
}

TEST(Attacks, EmbeddedJwkAndUrlHeadersAreNeverTrusted) {
  auto attacker = signing_key::generate(algorithm::ES256, "attacker");
  ASSERT_TRUE(attacker);
  std::string header = R"({"alg":"ES256","jwk":)" + attacker->public_jwk() +
                       R"(,"jku":"https://evil.example/jwks","x5u":"https://evil.example/c",)"
                       R"("x5c":["MIIB"]})";
  EXPECT_EQ(verify_default(craft(*attacker, algorithm::ES256, header, good_claims())),
            status::bad_signature);
  std::string with_kid = R"({"alg":"ES256","kid":"attacker","jwk":)" + attacker->public_jwk() + "}";
  EXPECT_EQ(verify_default(craft(*attacker, algorithm::ES256, with_kid, good_claims())),
            status::key_not_found);
}

TEST(Attacks, KeyAlgBindingIsEnforced) {
  // The EC P-256 key's kid with ES384 in the header: curve mismatch.
  const signing_key& p256 = key_for(algorithm::ES256);
  EXPECT_EQ(verify_default(craft(key_for(algorithm::ES384), algorithm::ES384,
                                 std_header(algorithm::ES384, p256.kid()), good_claims())),
            status::alg_key_mismatch);
  // EdDSA header naming an RSA key.
  EXPECT_EQ(verify_default(craft(key_for(algorithm::EdDSA), algorithm::EdDSA,
                                 std_header(algorithm::EdDSA, "RS256-key"), good_claims())),
            status::alg_key_mismatch);
  // A JWK that pins "alg":"RS256" does not verify RS384, even with the right key.
  key_set_builder b;
  std::string jwk = key_for(algorithm::RS256).public_jwk();
  ASSERT_NE(jwk.find("\"alg\":\"RS256\""), std::string::npos);
  ASSERT_EQ(b.add_jwk(jwk), status::ok);
  auto set = b.build();
  ASSERT_TRUE(set);
  const signing_key& rsa = key_for(algorithm::RS256);
  EXPECT_EQ(verify_with(default_options(), set.set,
                        craft(rsa, algorithm::RS384, std_header(algorithm::RS384, rsa.kid()),
                              good_claims())),
            status::alg_key_mismatch);
}

TEST(Attacks, CritIsRefused) {
  const signing_key& k = key_for(algorithm::ES256);
  for (const char* crit : {R"(["exp"])", R"([])", R"(["b64"])", R"("exp")"}) {
    std::string header =
        std::string(R"({"alg":"ES256","kid":"ES256-key","crit":)") + crit + R"(,"exp":1})";
    EXPECT_EQ(verify_default(craft(k, algorithm::ES256, header, good_claims())),
              status::crit_unsupported)
        << crit;
  }
}

// --- ECDSA signature encoding ---------------------------------------------------------------

std::string with_signature(const std::string& token, std::string_view sig) {
  return token.substr(0, token.rfind('.') + 1) + b64(sig);
}

TEST(Attacks, PsychicEcdsaSignatureIsRejected) {
  for (algorithm a : {algorithm::ES256, algorithm::ES384, algorithm::ES512}) {
    std::string token = mint(a, good_claims());
    const std::size_t width = a == algorithm::ES256 ? 32 : a == algorithm::ES384 ? 48 : 66;
    // CVE-2022-21449: r = s = 0.
    EXPECT_EQ(verify_default(with_signature(token, std::string(2 * width, '\0')), a),
              status::bad_signature);
    // r = s = 0xff..ff (>= n).
    EXPECT_EQ(verify_default(with_signature(token, std::string(2 * width, '\xff')), a),
              status::bad_signature);
  }
  // P-256 order n: r = n, s = 1 is out of range.
  std::string n_bytes;
  ASSERT_TRUE(base64url::decode("_____wAAAAD__________7zm-q2nF56E87nKwvxjJVE", &n_bytes));
  std::string sig = n_bytes + std::string(31, '\0') + "\x01";
  EXPECT_EQ(verify_default(with_signature(mint(algorithm::ES256, good_claims()), sig)),
            status::bad_signature);
}

TEST(Attacks, DerAndWrongLengthEcdsaSignaturesAreRejected) {
  std::string token = mint(algorithm::ES256, good_claims());
  std::string raw;
  ASSERT_TRUE(base64url::decode(token.substr(token.rfind('.') + 1), &raw));
  ASSERT_EQ(raw.size(), 64u);
  ASSERT_EQ(verify_default(token), status::ok);
  // The same (r, s) as DER: SEQUENCE { INTEGER r, INTEGER s } with minimal encodings.
  auto der_int = [](std::string v) {
    while (v.size() > 1 && v[0] == '\0' && !(v[1] & 0x80)) v.erase(0, 1);
    if (v[0] & 0x80) v.insert(0, 1, '\0');
    return std::string("\x02", 1) + static_cast<char>(v.size()) + v;
  };
  std::string body = der_int(raw.substr(0, 32)) + der_int(raw.substr(32));
  std::string der = std::string("\x30", 1) + static_cast<char>(body.size()) + body;
  EXPECT_EQ(verify_default(with_signature(token, der)), status::bad_signature);
  EXPECT_EQ(verify_default(with_signature(token, raw.substr(0, 63))), status::bad_signature);
  EXPECT_EQ(verify_default(with_signature(token, raw + std::string(1, '\0'))),
            status::bad_signature);
  EXPECT_EQ(verify_default(with_signature(token, "")), status::bad_signature);
}

TEST(Attacks, RsaSignatureMustHaveModulusLength) {
  std::string token = mint(algorithm::RS256, good_claims());
  std::string raw;
  ASSERT_TRUE(base64url::decode(token.substr(token.rfind('.') + 1), &raw));
  EXPECT_EQ(verify_default(with_signature(token, std::string(1, '\0') + raw)),
            status::bad_signature);
  EXPECT_EQ(verify_default(with_signature(token, raw.substr(1))), status::bad_signature);
}

// --- Compact serialization -------------------------------------------------------------------

TEST(Compact, SegmentCountIsExact) {
  std::string token = mint(algorithm::ES256, good_claims());
  const std::string h = token.substr(0, token.find('.'));
  EXPECT_EQ(verify_default(h), status::malformed);
  EXPECT_EQ(verify_default(h + "." + b64(good_claims())), status::malformed);
  EXPECT_EQ(verify_default(token + ".x"), status::malformed);
  EXPECT_EQ(verify_default(token + ".x.y"), status::unsupported_jwe);
  EXPECT_EQ(verify_default(token + ".x.y.z"), status::malformed);
  EXPECT_EQ(verify_default("." + token.substr(token.find('.') + 1)), status::malformed);
  EXPECT_EQ(verify_default(""), status::malformed);
  EXPECT_EQ(verify_default(".."), status::malformed);
}

TEST(Compact, PaddingWhitespaceAndForeignAlphabetAreRejected) {
  std::string token = mint(algorithm::ES256, good_claims());
  ASSERT_EQ(verify_default(token), status::ok);
  const std::size_t d1 = token.find('.');
  EXPECT_EQ(verify_default(token + "="), status::bad_base64);
  EXPECT_EQ(verify_default(token + "=="), status::bad_base64);
  EXPECT_EQ(verify_default(token.substr(0, d1) + "=" + token.substr(d1)), status::bad_base64);
  EXPECT_EQ(verify_default(token + " "), status::bad_base64);
  EXPECT_EQ(verify_default(token + "\n"), status::bad_base64);
  EXPECT_EQ(verify_default(" " + token), status::bad_base64);
  EXPECT_EQ(verify_default(token.substr(0, 10) + " " + token.substr(10)), status::bad_base64);
  std::string plus = token;
  plus[plus.size() - 3] = '+';  // standard base64, not base64url
  EXPECT_EQ(verify_default(plus), status::bad_base64);
  std::string nul = token;
  nul[5] = '\0';
  EXPECT_EQ(verify_default(nul), status::bad_base64);
}

TEST(Compact, NonCanonicalTrailingBitsAreRejected) {
  // A header whose encoded length is 2 mod 4 leaves 4 unused bits in its last char.
  std::string header = R"({"alg":"ES256","kid":"ES256-key","p":""})";
  while (header.size() % 3 != 1) header.insert(header.size() - 2, "x");
  std::string enc = b64(header);
  ASSERT_EQ(enc.size() % 4, 2u);
  const signing_key& k = key_for(algorithm::ES256);
  std::string payload = b64(good_claims());
  std::string input = enc + "." + payload;
  ASSERT_EQ(verify_default(input + "." + b64(k.sign_as(algorithm::ES256, input))), status::ok);
  // Same decoded bytes, different text: set an unused bit, sign that text (the signer would
  // happily sign it) — jwtx must refuse the alternative encoding.
  std::string alt = enc;
  alt.back() = static_cast<char>(alt.back() + 1);
  std::string alt_input = alt + "." + payload;
  EXPECT_EQ(verify_default(alt_input + "." + b64(k.sign_as(algorithm::ES256, alt_input))),
            status::bad_base64);
}

TEST(Compact, SizeLimitIsCheckedFirst) {
  std::string big =
      mint(algorithm::ES256, good_claims(R"("pad":")" + std::string(20000, 'x') + "\""));
  EXPECT_EQ(verify_default(big), status::too_large);
  EXPECT_EQ(verify_default(std::string(16 * 1024 + 1, '.')), status::too_large);
  verifier_options o = default_options();
  o.max_token_bytes = 64 * 1024;
  EXPECT_EQ(verify_with(o, asymmetric_set(), big), status::ok);
  o.max_token_bytes = 100;
  EXPECT_EQ(verify_with(o, asymmetric_set(), mint(algorithm::ES256, good_claims())),
            status::too_large);
}

// --- JSON rules --------------------------------------------------------------------------------

TEST(Json, DuplicateMembersAnywhereAreRejected) {
  const signing_key& k = key_for(algorithm::ES256);
  auto signed_with = [&](std::string_view header, std::string_view claims) {
    return verify_default(craft(k, algorithm::ES256, header, claims));
  };
  const std::string h = std_header(algorithm::ES256, "ES256-key");
  EXPECT_EQ(signed_with(R"({"alg":"ES256","alg":"none","kid":"ES256-key"})", good_claims()),
            status::duplicate_member);
  EXPECT_EQ(signed_with(R"({"alg":"ES256","\u0061lg":"ES256","kid":"ES256-key"})", good_claims()),
            status::duplicate_member);
  EXPECT_EQ(signed_with(h, good_claims(R"("sub":"mallory")")), status::duplicate_member);
  EXPECT_EQ(signed_with(h, good_claims(R"("ctx":{"a":1,"b":[{"x":1,"x":2}]})")),
            status::duplicate_member);
  // Many members (sorted path) with one duplicate at the end.
  std::string many;
  for (int i = 0; i < 40; ++i) many += "\"m" + std::to_string(i) + "\":1,";
  EXPECT_EQ(signed_with(h, good_claims(many + R"("m7":2)")), status::duplicate_member);
  EXPECT_EQ(signed_with(h, good_claims(many + R"("m40":2)")), status::ok);
}

TEST(Json, NestingDepthIsBounded) {
  const signing_key& k = key_for(algorithm::ES256);
  const std::string h = std_header(algorithm::ES256, "ES256-key");
  auto nested = [](int depth) {
    std::string s;
    for (int i = 0; i < depth; ++i) s += "[";
    for (int i = 0; i < depth; ++i) s += "]";
    return s;
  };
  // Top-level object is depth 1; "x": [..14 arrays..] reaches 15, within the default 16.
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, good_claims("\"x\":" + nested(15)))),
            status::ok);
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, good_claims("\"x\":" + nested(16)))),
            status::too_deep);
  // Far beyond simdjson's own limit too.
  verifier_options o = default_options();
  o.max_token_bytes = 64 * 1024;
  EXPECT_EQ(verify_with(o, asymmetric_set(),
                        craft(k, algorithm::ES256, h, good_claims("\"x\":" + nested(5000)))),
            status::too_deep);
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256,
                                 R"({"alg":"ES256","kid":"ES256-key","x":)" + nested(40) + "}",
                                 good_claims())),
            status::too_deep);
}

TEST(Json, InvalidUtf8AndNonObjectsAreRejected) {
  const signing_key& k = key_for(algorithm::ES256);
  const std::string h = std_header(algorithm::ES256, "ES256-key");
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, good_claims("\"n\":\"\xff\xfe\""))),
            status::bad_utf8);
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, good_claims("\"n\":\"\xc0\xaf\""))),
            status::bad_utf8);
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, "{\"alg\":\"ES256\",\"x\":\"\xed\xa0\x80\"}",
                                 good_claims())),
            status::bad_utf8);
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, "[1,2]")), status::not_object);
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, "\"str\"")), status::not_object);
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, "")), status::bad_json);
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, "{\"a\":1")), status::bad_json);
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, good_claims() + " x")), status::bad_json);
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, "null", good_claims())), status::not_object);
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, "{alg:ES256}", good_claims())),
            status::bad_json);
}

TEST(Json, MalformedValuesAnywhereAreBadJson) {
  // On-Demand only validates what it visits; jwtx visits everything, so a malformed value in an
  // unregistered claim, deep inside an array or object, or after the last member is still caught.
  const signing_key& k = key_for(algorithm::ES256);
  const std::string h = std_header(algorithm::ES256, "ES256-key");
  const std::string base = R"("aud":"api","iss":"https://issuer.example","exp":1700000600)";
  for (const char* bad :
       {R"({"x":tru,)", R"({"x":nul,)", R"({"x":[1,],)", R"({"x":{"y":01},)", R"({"x":"\q",)",
        R"({"x":1e,)", R"({"x":-,)", R"({"x":[[[{"y":[true, fals]}]]],)", R"({"x" 1,)",
        R"({"x":"a" "b",)", R"({"x":{"y":1,},)", R"({"aud":["api",nul],)", R"({"exp":1x,)",
        R"({"x":.5,)", R"({"x":[1 2],)", R"({"x":+1,)"}) {
    std::string claims = std::string(bad) + base + "}";
    EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, claims)), status::bad_json) << claims;
  }
  for (const char* bad :
       {R"({"alg":"ES256","kid":"ES256-key","x":tru})", R"({"alg":"ES256","kid":"ES256-key"},)",
        R"({"alg":"ES256","kid":"ES256-key","x":[1,]})"}) {
    EXPECT_EQ(verify_default(craft(k, algorithm::ES256, bad, good_claims())), status::bad_json)
        << bad;
  }
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, "{" + base + ",}")), status::bad_json);
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, "{" + base + "}}")), status::bad_json);
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, "[1,2")), status::bad_json);
  // A claim of the wrong type is reported only if the rest is valid JSON.
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, R"({"exp":"x","y":tru})")),
            status::bad_json);
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, R"({"exp":"x","y":true})")),
            status::claim_type);
  // Duplicates after a type error still win (JSON rules first).
  EXPECT_EQ(verify_default(craft(k, algorithm::ES256, h, R"({"exp":"x","a":1,"a":2})")),
            status::duplicate_member);
}

TEST(Json, ClaimStringsSurviveClaimLookups) {
  // Registered strings stay valid and unchanged across claim() lookups.
  verifier v(asymmetric_set(), default_options());
  verify_result r;
  v.verify(mint(algorithm::ES256,
                good_claims(R"("jti":"j\u00e9-1","scope":"a\nb","roles":["x","y\"z"])")),
           r);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r.claim_string("/scope"), "a\nb");
  EXPECT_EQ(r.claim_string("/roles/1"), "y\"z");
  EXPECT_EQ(r.claim_string("/scope"), "a\nb");
  EXPECT_EQ(r.claims().sub, "alice");
  EXPECT_EQ(r.claims().jti, "j\xc3\xa9-1");
  EXPECT_EQ(r.claims().iss, "https://issuer.example");
  ASSERT_EQ(r.claims().aud.size(), 1u);
  EXPECT_EQ(r.claims().aud[0], "api");
}

TEST(Json, ClaimsAreNotReadWhenTheSignatureFails) {
  std::string token = mint(algorithm::ES256, good_claims(R"("scope":"x")"));
  std::string bad = with_signature(token, std::string(64, '\x01'));
  verifier v(asymmetric_set(), default_options());
  verify_result r = v.verify(bad);
  EXPECT_EQ(r.status(), status::bad_signature);
  EXPECT_FALSE(r.claims().sub.has_value());
  EXPECT_TRUE(r.claim("/scope").error());
  EXPECT_TRUE(r.payload().empty());
  // A payload that is not even JSON is not looked at before the signature fails.
  const std::size_t d1 = token.find('.'), d2 = token.rfind('.');
  std::string garbage = token.substr(0, d1 + 1) + b64("{not json") + token.substr(d2);
  EXPECT_EQ(v.verify(garbage).status(), status::bad_signature);
}

// --- Claims policy -------------------------------------------------------------------------

status at(double now, std::string_view claims, verifier_options o = default_options()) {
  o.claims.clock = [now] { return now; };
  return verify_with(o, asymmetric_set(), mint(algorithm::ES256, claims));
}

TEST(Policy, ExpBoundaryWithLeeway) {
  const std::string c = R"({"aud":"api","iss":"https://issuer.example","exp":1000})";
  EXPECT_EQ(at(1059, c), status::ok);
  EXPECT_EQ(at(1059.999, c), status::ok);
  EXPECT_EQ(at(1060, c), status::expired);
  verifier_options strict = default_options();
  strict.claims.leeway_seconds = 0;
  EXPECT_EQ(at(999.5, c, strict), status::ok);
  EXPECT_EQ(at(1000, c, strict), status::expired);
  // Fractional exp.
  const std::string f = R"({"aud":"api","iss":"https://issuer.example","exp":1000.5})";
  EXPECT_EQ(at(1000.25, f, strict), status::ok);
  EXPECT_EQ(at(1000.5, f, strict), status::expired);
}

TEST(Policy, NumericDatesInAnyValidJsonNumberForm) {
  // Found by fuzz_claims: simdjson 3.0's On-Demand get_double() refuses exponents with many
  // leading zeros, which are valid JSON; jwtx reads dates through get_number().
  const std::string iss = R"("aud":"api","iss":"https://issuer.example",)";
  EXPECT_EQ(at(kNow, "{" + iss + R"("exp":17000006e00000000000000000002})"), status::ok);
  EXPECT_EQ(at(kNow, "{" + iss + R"("exp":1.7000006E+9})"), status::ok);
  EXPECT_EQ(at(kNow, "{" + iss + R"("exp":16999990e00000000000000000002})"), status::expired);
  // Integers beyond 64 bits are refused by simdjson (both front ends): bad_json, not a date.
  EXPECT_EQ(at(kNow, "{" + iss + R"("exp":170000000000000000000000})"), status::bad_json);
  EXPECT_EQ(at(kNow, "{" + iss + R"("exp":1.7e23})"), status::ok);
}

TEST(Policy, NbfAndIatBoundariesWithLeeway) {
  const std::string nbf = R"({"aud":"api","iss":"https://issuer.example","exp":99999,"nbf":1000})";
  EXPECT_EQ(at(940, nbf), status::ok);
  EXPECT_EQ(at(939.9, nbf), status::not_yet_valid);
  const std::string iat = R"({"aud":"api","iss":"https://issuer.example","exp":99999,"iat":1000})";
  EXPECT_EQ(at(940, iat), status::ok);
  EXPECT_EQ(at(939, iat), status::issued_in_future);
  verifier_options o = default_options();
  o.claims.max_age_seconds = 300;
  EXPECT_EQ(at(1360, iat, o), status::ok);
  EXPECT_EQ(at(1360.5, iat, o), status::too_old);
  // max_age needs iat.
  EXPECT_EQ(at(1000, R"({"aud":"api","iss":"https://issuer.example","exp":99999})", o),
            status::missing_claim);
}

TEST(Policy, ClaimTypesAreChecked) {
  for (const char* c :
       {R"({"exp":"1700000600"})", R"({"exp":true})", R"({"exp":null})", R"({"exp":[1]})",
        R"({"exp":9999999999,"nbf":"0"})", R"({"exp":9999999999,"iat":{}})",
        R"({"exp":9999999999,"iss":5})", R"({"exp":9999999999,"sub":["a"]})",
        R"({"exp":9999999999,"aud":[1]})", R"({"exp":9999999999,"aud":{"a":1}})",
        R"({"exp":9999999999,"aud":["api",null]})", R"({"exp":9999999999,"jti":7})"})
    EXPECT_EQ(at(kNow, c), status::claim_type) << c;
}

TEST(Policy, RequiredClaims) {
  EXPECT_EQ(at(kNow, R"({"aud":"api","iss":"https://issuer.example"})"), status::missing_claim);
  verifier_options o = default_options();
  o.claims.require_exp = false;
  EXPECT_EQ(at(kNow, R"({"aud":"api","iss":"https://issuer.example"})", o), status::ok);
  o.claims.required_claims = {"jti", "scope"};
  EXPECT_EQ(at(kNow, good_claims(R"("jti":"1")"), o), status::missing_claim);
  EXPECT_EQ(at(kNow, good_claims(R"("jti":"1","scope":null)"), o), status::ok);
}

TEST(Policy, IssuerAndAudience) {
  EXPECT_EQ(at(kNow, good_claims()), status::ok);
  EXPECT_EQ(at(kNow, R"({"aud":"api","exp":1800000000})"), status::issuer_mismatch);
  EXPECT_EQ(at(kNow, R"({"aud":"api","iss":"https://evil.example","exp":1800000000})"),
            status::issuer_mismatch);
  EXPECT_EQ(at(kNow, R"({"aud":"api","iss":"https://issuer.example/","exp":1800000000})"),
            status::issuer_mismatch);
  const std::string iss = R"("iss":"https://issuer.example","exp":1800000000)";
  EXPECT_EQ(at(kNow, "{" + iss + R"(,"aud":["other","api"]})"), status::ok);
  EXPECT_EQ(at(kNow, "{" + iss + R"(,"aud":["other"]})"), status::audience_mismatch);
  EXPECT_EQ(at(kNow, "{" + iss + R"(,"aud":[]})"), status::audience_mismatch);
  EXPECT_EQ(at(kNow, "{" + iss + R"(,"aud":"API"})"), status::audience_mismatch);
  EXPECT_EQ(at(kNow, "{" + iss + "}"), status::audience_mismatch);
  verifier_options o = default_options();
  o.claims.audiences.clear();
  EXPECT_EQ(at(kNow, "{" + iss + R"(,"aud":"api"})", o), status::audience_mismatch);
  EXPECT_EQ(at(kNow, "{" + iss + "}", o), status::ok);
  o.claims.ignore_aud_when_unconfigured = true;
  EXPECT_EQ(at(kNow, "{" + iss + R"(,"aud":"api"})", o), status::ok);
}

TEST(Policy, TypIsCheckedWhenRequired) {
  const signing_key& k = key_for(algorithm::ES256);
  verifier_options o = default_options();
  o.claims.typ = "JWT";
  auto with_typ = [&](std::string_view typ_member) {
    std::string h = R"({"alg":"ES256","kid":"ES256-key")" + std::string(typ_member) + "}";
    return verify_with(o, asymmetric_set(), craft(k, algorithm::ES256, h, good_claims()));
  };
  EXPECT_EQ(with_typ(R"(,"typ":"JWT")"), status::ok);
  EXPECT_EQ(with_typ(R"(,"typ":"jwt")"), status::ok);
  EXPECT_EQ(with_typ(R"(,"typ":"application/jwt")"), status::ok);
  EXPECT_EQ(with_typ(R"(,"typ":"at+jwt")"), status::typ_mismatch);
  EXPECT_EQ(with_typ(""), status::typ_mismatch);
  EXPECT_EQ(with_typ(R"(,"typ":7)"), status::header_invalid);
}

TEST(Policy, RevokedJti) {
  revocation_set revoked;
  verifier_options o = default_options();
  o.claims.revoked = &revoked;
  const std::string c = good_claims(R"("jti":"token-1")");
  EXPECT_EQ(at(kNow, c, o), status::ok);
  revoked.add("token-1");
  revoked.add("token-1");
  EXPECT_EQ(revoked.size(), 1u);
  EXPECT_EQ(at(kNow, c, o), status::revoked);
  EXPECT_EQ(at(kNow, good_claims(R"("jti":"token-2")"), o), status::ok);
  EXPECT_TRUE(revoked.remove("token-1"));
  EXPECT_FALSE(revoked.remove("token-1"));
  EXPECT_EQ(at(kNow, c, o), status::ok);
}

// --- Keys ---------------------------------------------------------------------------------

TEST(Keys, SmallRsaModulusIsKeyTooSmall) {
  auto small = signing_key::generate(algorithm::RS256, "small", 1024);
  ASSERT_TRUE(small);
  key_set_builder b;
  ASSERT_EQ(b.add_jwk(small->public_jwk()), status::ok);
  auto set = b.build();
  ASSERT_TRUE(set);
  std::string token = small->mint(good_claims());
  EXPECT_EQ(verify_with(default_options(), set.set, token), status::key_too_small);
  verifier_options o = default_options();
  o.min_rsa_bits = 1024;
  EXPECT_EQ(verify_with(o, set.set, token), status::ok);
}

TEST(Keys, UnknownKidIsKeyNotFound) {
  const signing_key& k = key_for(algorithm::ES256);
  EXPECT_EQ(verify_default(
                craft(k, algorithm::ES256, std_header(algorithm::ES256, "nope"), good_claims())),
            status::key_not_found);
}

// --- Robustness -----------------------------------------------------------------------------

TEST(Robustness, RandomBytesNeverVerifyAndNeverCrash) {
  std::mt19937_64 rng(42);
  verifier v(asymmetric_set(), default_options());
  verify_result r;
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.={}\" \n\xff";
  for (int i = 0; i < 20000; ++i) {
    std::string t(rng() % 300, '\0');
    for (char& c : t) c = i % 2 ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
    v.verify(t, r);
    EXPECT_NE(r.status(), status::ok);
    EXPECT_LT(static_cast<int>(r.status()), kStatusCount);
  }
}

TEST(Robustness, ResultReuseGivesIndependentAnswers) {
  verifier v(asymmetric_set(), default_options());
  verify_result r;
  std::string good = mint(algorithm::ES256, good_claims(R"("scope":"a")"));
  v.verify(good, r);
  ASSERT_TRUE(r.ok());
  v.verify("x.y.z", r);
  EXPECT_EQ(r.status(), status::bad_base64);
  EXPECT_FALSE(r.claims().sub);
  EXPECT_TRUE(r.claim("/scope").error());
  v.verify(good, r);
  EXPECT_EQ(r.claim_string("/scope"), "a");
}

TEST(Robustness, RememberedHeaderGivesTheSameAnswers) {
  // A result remembers the last good header by its exact bytes; every answer must be the one a
  // fresh result gives.
  const signing_key& k = key_for(algorithm::ES256);
  const std::string nested = R"({"alg":"ES256","kid":"ES256-key","x":{"y":[1]}})";
  const std::string tokens[] = {
      mint(algorithm::ES256, good_claims()),
      mint(algorithm::ES256, good_claims(R"("scope":"b")")),
      with_signature(mint(algorithm::ES256, good_claims()), std::string(64, '\x01')),
      craft(k, algorithm::ES256, std_header(algorithm::ES256, "nope"), good_claims()),
      craft(k, algorithm::ES256, nested, good_claims()),
      craft(k, algorithm::ES256, R"({"alg":"ES256","alg":"ES256"})", good_claims()),
      mint(algorithm::ES256, good_claims()),
  };
  for (std::size_t depth : {std::size_t{16}, std::size_t{2}}) {
    verifier_options o = default_options();
    o.max_json_depth = depth;
    verifier v(asymmetric_set(), o);
    verify_result reused;
    for (int round = 0; round < 2; ++round) {
      for (const std::string& t : tokens) {
        v.verify(t, reused);
        verify_result fresh = v.verify(t);
        EXPECT_EQ(reused.status(), fresh.status()) << depth;
        EXPECT_EQ(reused.kid(), fresh.kid());
        EXPECT_EQ(reused.alg(), fresh.alg());
      }
    }
    // The nested header is too deep for depth 2 even right after it was accepted at 16.
    EXPECT_EQ(v.verify(tokens[4]).status(), depth == 2 ? status::too_deep : status::ok);
  }
  // One result moving between verifiers with different depth limits.
  verifier_options shallow = default_options();
  shallow.max_json_depth = 2;
  verifier deep_v(asymmetric_set(), default_options()), shallow_v(asymmetric_set(), shallow);
  verify_result r;
  deep_v.verify(tokens[4], r);
  EXPECT_EQ(r.status(), status::ok);
  shallow_v.verify(tokens[4], r);
  EXPECT_EQ(r.status(), status::too_deep);
}

TEST(Fingerprint, ShortStableAndNeverTheToken) {
  std::string a = mint(algorithm::ES256, good_claims());
  std::string b = mint(algorithm::ES256, good_claims(R"("x":1)"));
  verifier v(asymmetric_set(), default_options());
  auto fa = v.verify(a).fingerprint();
  EXPECT_EQ(view(fa), view(fingerprint(a)));
  EXPECT_NE(view(fa), view(fingerprint(b)));
  for (char c : fa) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  EXPECT_EQ(a.find(std::string(view(fa))), std::string::npos);
}

// Regression (issue 9 item 9): a too_large token used to be named by the previous token's
// fingerprint, because its bytes were (rightly) never copied into the result.
TEST(Fingerprint, TooLargeTokenIsNamedByItselfNotByThePreviousOne) {
  verifier v(asymmetric_set(), default_options());
  verify_result r;
  const std::string good = mint(algorithm::ES256, good_claims());
  v.verify(good, r);
  ASSERT_TRUE(r.ok());
  const std::string big(20000, 'x');
  v.verify(big, r);
  ASSERT_EQ(r.status(), status::too_large);
  EXPECT_EQ(view(r.fingerprint()), view(fingerprint(big)));
  EXPECT_NE(view(r.fingerprint()), view(fingerprint(good)));
}

// Every outcome of every path (full pipeline, cache hit, early structural returns, refused options,
// broken clock), in a mixed order, with one result moving between verifiers: the fingerprint is
// always the token just verified. A fresh result names the empty string.
TEST(Fingerprint, EveryPathNamesItsOwnToken) {
  EXPECT_EQ(view(verify_result().fingerprint()), view(fingerprint("")));
  revocation_set revoked;
  revoked.add("gone");
  verifier_options cached = default_options();
  cached.cache_entries = 64;
  cached.claims.revoked = &revoked;
  verifier_options small = default_options();
  small.max_token_bytes = 300;
  verifier_options refused = default_options();
  refused.claims.leeway_seconds = std::numeric_limits<double>::quiet_NaN();
  verifier_options broken_clock = default_options();
  broken_clock.claims.clock = [] { return std::numeric_limits<double>::quiet_NaN(); };
  const verifier verifiers[] = {
      verifier(asymmetric_set(), default_options()), verifier(asymmetric_set(), cached),
      verifier(asymmetric_set(), small), verifier(asymmetric_set(), refused),
      verifier(asymmetric_set(), broken_clock)};
  const std::string good = mint(algorithm::ES256, good_claims());
  const std::string tokens[] = {
      good,
      mint(algorithm::ES256, good_claims(R"("jti":"gone")")),
      mint(algorithm::EdDSA, good_claims(R"("pad":")" + std::string(400, 'p') + "\"")),
      mint(algorithm::ES256, R"({"aud":"api","iss":"https://issuer.example","exp":1})"),
      std::string(20000, 'x'),
      "a.b",
      "",
      good + "=",
      good.substr(0, good.rfind('.') + 1) + b64(std::string(64, '\x01')),
  };
  verify_result r;
  for (int round = 0; round < 3; ++round) {
    for (const verifier& v : verifiers) {
      for (const std::string& t : tokens) {
        v.verify(t, r);
        EXPECT_EQ(view(r.fingerprint()), view(fingerprint(t))) << r.status();
      }
    }
  }
}

// A claim of the wrong type leaves no half-read claims behind (sub was read before exp failed).
TEST(Robustness, ClaimTypeFailureLeavesNoPartialClaims) {
  verifier v(asymmetric_set(), default_options());
  verify_result r;
  v.verify(mint(algorithm::ES256, R"({"sub":"alice","jti":"j","aud":["api"],"exp":"soon"})"), r);
  ASSERT_EQ(r.status(), status::claim_type);
  EXPECT_FALSE(r.claims().sub);
  EXPECT_FALSE(r.claims().jti);
  EXPECT_FALSE(r.claims().has_aud);
  EXPECT_TRUE(r.claims().aud.empty());
}

TEST(JwsMode, ArbitraryPayloadVerifiesWithoutClaims) {
  const signing_key& k = key_for(algorithm::EdDSA);
  std::string token = craft(k, algorithm::EdDSA, std_header(algorithm::EdDSA, k.kid()), "foo");
  verifier_options o = default_options();
  EXPECT_EQ(verify_with(o, asymmetric_set(), token), status::bad_json);
  o.payload_is_jwt = false;
  verifier v(asymmetric_set(), o);
  auto r = v.verify(token);
  EXPECT_EQ(r.status(), status::ok);
  EXPECT_EQ(r.payload(), "foo");
}

}  // namespace
}  // namespace jwtx
