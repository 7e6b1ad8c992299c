// The worked examples of RFC 7515 Appendix A.1-A.4 and RFC 8037 Appendix A.4, verified end to end.
//
// Tokens and public keys are transcribed from the RFCs (private members dropped: jwtx refuses to
// load them). A.1-A.3 carry the JWT claims set {"iss":"joe","exp":1300819380,
// "http://example.com/is_root":true} (with CRLFs and spaces inside the JSON, which is valid JSON),
// so they are verified both as JWTs with an injected clock and as plain JWS. A.4's payload is the
// ASCII string "Payload" and RFC 8037's is "Example of Ed25519 signing": plain JWS only.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "engine/jws/algorithm.h"
#include "engine/jws/base64url/base64url.h"
#include "engine/keys/key_set.h"
#include "engine/policy.h"
#include "engine/status.h"
#include "engine/verifier.h"

namespace {

using jwtx::status;

// RFC 7515 A.1: HMAC SHA-256. The header is {"typ":"JWT",CRLF "alg":"HS256"}.
constexpr std::string_view kA1Jwk = R"({"kty":"oct",)"
                                    R"("k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH7)"
                                    R"(5aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})";
constexpr std::string_view kA1Token =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    "."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// RFC 7515 A.2: RSASSA-PKCS1-v1_5 SHA-256 (2048-bit key).
constexpr std::string_view kA2Jwk =
    R"({"kty":"RSA",)"
    R"("n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx)"
    R"(HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs)"
    R"(D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH)"
    R"(SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV)"
    R"(MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8)"
    R"(NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",)"
    R"("e":"AQAB"})";
constexpr std::string_view kA2Token =
    "eyJhbGciOiJSUzI1NiJ9"
    "."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";

// RFC 7515 A.3: ECDSA P-256 SHA-256.
constexpr std::string_view kA3Jwk = R"({"kty":"EC","crv":"P-256",)"
                                    R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                                    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
constexpr std::string_view kA3Token =
    "eyJhbGciOiJFUzI1NiJ9"
    "."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA"
    "pmWQxfKTUJqPP3-Kg6NU1Q";

// RFC 7515 A.4: ECDSA P-521 SHA-512; the payload is "Payload".
constexpr std::string_view kA4Jwk =
    R"({"kty":"EC","crv":"P-521",)"
    R"("x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_)"
    R"(NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk",)"
    R"("y":"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDl)"
    R"(y79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2"})";
constexpr std::string_view kA4Token =
    "eyJhbGciOiJFUzUxMiJ9"
    "."
    "UGF5bG9hZA"
    "."
    "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZq"
    "wqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8Kp"
    "EHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn";

// RFC 8037 A.4: Ed25519 (key from A.1/A.2); the payload is "Example of Ed25519 signing".
constexpr std::string_view kEd25519Jwk =
    R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
constexpr std::string_view kEd25519Token =
    "eyJhbGciOiJFZERTQSJ9"
    "."
    "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
    "."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5B"
    "hVsPt9g7sVvpAr_MuM0KAg";

// The decoded A.1-A.3 payload: the JWT claims set of RFC 7519 §3.1 / RFC 7515 A.1.
constexpr std::string_view kJwtClaims =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
constexpr double kExp = 1300819380;

std::shared_ptr<const jwtx::key_set> load_jwk(std::string_view jwk) {
  jwtx::key_set_builder builder;
  jwtx::status s = builder.add_jwk(jwk, "rfc example");
  EXPECT_EQ(s, status::ok) << jwtx::status_name(s) << ": " << builder.error();
  jwtx::key_set_result r = builder.build();
  EXPECT_EQ(r.code, status::ok) << jwtx::status_name(r.code) << ": " << r.error;
  return r.set;
}

jwtx::verifier_options jws_options() {
  jwtx::verifier_options o;
  o.algorithms = jwtx::algorithm_set::all();
  o.payload_is_jwt = false;
  return o;
}

jwtx::verifier_options jwt_options(double now) {
  jwtx::verifier_options o;
  o.algorithms = jwtx::algorithm_set::all();
  o.payload_is_jwt = true;
  o.claims.clock = [now] { return now; };
  return o;
}

status verify(const std::shared_ptr<const jwtx::key_set>& keys, jwtx::verifier_options options,
              std::string_view token) {
  if (!keys) return status::internal_error;  // load failure already reported
  return jwtx::verifier(keys, std::move(options)).verify(token).status();
}

// Flips the lowest bit of the last signature byte and re-encodes canonically, so the token stays
// well-formed base64url and only the signature value changes.
std::string flip_signature_bit(std::string_view token) {
  const std::size_t dot = token.rfind('.');
  std::string sig;
  EXPECT_TRUE(jwtx::base64url::decode(token.substr(dot + 1), &sig));
  EXPECT_FALSE(sig.empty());
  if (sig.empty()) return std::string(token);
  sig.back() = static_cast<char>(sig.back() ^ 0x01);
  return std::string(token.substr(0, dot + 1)) + jwtx::base64url::encode(sig);
}

// Plain JWS: ok, the payload comes back byte for byte, and a one-bit change of the signature is
// bad_signature.
void check_plain_jws(std::string_view jwk, std::string_view token, jwtx::algorithm alg,
                     std::string_view payload) {
  auto keys = load_jwk(jwk);
  ASSERT_TRUE(keys);
  jwtx::verifier v(keys, jws_options());
  jwtx::verify_result r = v.verify(token);
  EXPECT_EQ(r.status(), status::ok) << jwtx::status_name(r.status());
  EXPECT_EQ(r.alg(), alg);
  EXPECT_EQ(r.payload(), payload);
  EXPECT_EQ(v.verify(flip_signature_bit(token)).status(), status::bad_signature)
      << jwtx::status_name(v.verify(flip_signature_bit(token)).status());
}

// JWT mode with an injected clock: valid before exp, expired from exp + leeway on (policy.h:
// expired when now >= exp + leeway), and the signature is checked before any claim.
void check_jwt_clock(std::string_view jwk, std::string_view token) {
  auto keys = load_jwk(jwk);
  ASSERT_TRUE(keys);
  const double leeway = jwtx::policy{}.leeway_seconds;

  {
    jwtx::verifier v(keys, jwt_options(kExp - 3600));
    jwtx::verify_result r = v.verify(token);
    EXPECT_EQ(r.status(), status::ok) << jwtx::status_name(r.status());
    ASSERT_TRUE(r.claims().exp.has_value());
    EXPECT_EQ(*r.claims().exp, kExp);
    ASSERT_TRUE(r.claims().iss.has_value());
    EXPECT_EQ(*r.claims().iss, "joe");
    EXPECT_EQ(r.payload(), kJwtClaims);
    // A tampered signature must fail as a signature even though the claims would pass.
    EXPECT_EQ(v.verify(flip_signature_bit(token)).status(), status::bad_signature);
  }
  // Inside the leeway: still valid.
  EXPECT_EQ(verify(keys, jwt_options(kExp + leeway - 1), token), status::ok);
  // At exp + leeway exactly, and after it: expired.
  EXPECT_EQ(verify(keys, jwt_options(kExp + leeway), token), status::expired);
  EXPECT_EQ(verify(keys, jwt_options(kExp + leeway + 1), token), status::expired);
  // The real clock is long past 2011.
  jwtx::verifier_options system_clock = jwt_options(0);
  system_clock.claims.clock = nullptr;
  EXPECT_EQ(verify(keys, system_clock, token), status::expired);
  // Expiry never masks a bad signature.
  EXPECT_EQ(verify(keys, jwt_options(kExp + leeway + 1), flip_signature_bit(token)),
            status::bad_signature);
}

TEST(Rfc7515, A1HmacSha256PlainJws) {
  check_plain_jws(kA1Jwk, kA1Token, jwtx::algorithm::HS256, kJwtClaims);
}

TEST(Rfc7515, A1HmacSha256Jwt) { check_jwt_clock(kA1Jwk, kA1Token); }

TEST(Rfc7515, A1HeaderWithCrLfIsValidJson) {
  // The A.1 header decodes to {"typ":"JWT",\r\n "alg":"HS256"}: whitespace inside JSON is legal.
  std::string header;
  ASSERT_TRUE(jwtx::base64url::decode(kA1Token.substr(0, kA1Token.find('.')), &header));
  EXPECT_EQ(header, "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}");
}

TEST(Rfc7515, A2RsaSha256PlainJws) {
  check_plain_jws(kA2Jwk, kA2Token, jwtx::algorithm::RS256, kJwtClaims);
}

TEST(Rfc7515, A2RsaSha256Jwt) { check_jwt_clock(kA2Jwk, kA2Token); }

TEST(Rfc7515, A3EcdsaP256Sha256PlainJws) {
  check_plain_jws(kA3Jwk, kA3Token, jwtx::algorithm::ES256, kJwtClaims);
}

TEST(Rfc7515, A3EcdsaP256Sha256Jwt) { check_jwt_clock(kA3Jwk, kA3Token); }

TEST(Rfc7515, A4EcdsaP521Sha512PlainJws) {
  check_plain_jws(kA4Jwk, kA4Token, jwtx::algorithm::ES512, "Payload");
}

TEST(Rfc7515, A4PayloadIsNotAJwt) {
  // "Payload" is not JSON, so in JWT mode the token verifies but its claims cannot be read.
  auto keys = load_jwk(kA4Jwk);
  ASSERT_TRUE(keys);
  EXPECT_EQ(verify(keys, jwt_options(kExp - 3600), kA4Token), status::bad_json);
}

TEST(Rfc7515, KeysDoNotCrossVerify) {
  // Each example verifies only with its own key: A.3's token against A.4's P-521 key must not
  // pass (curve mismatch), nor A.2's RS256 token against A.1's HMAC key.
  EXPECT_NE(verify(load_jwk(kA4Jwk), jws_options(), kA3Token), status::ok);
  EXPECT_NE(verify(load_jwk(kA1Jwk), jws_options(), kA2Token), status::ok);
  EXPECT_NE(verify(load_jwk(kA2Jwk), jws_options(), kA1Token), status::ok);
}

TEST(Rfc8037, A4Ed25519PlainJws) {
  check_plain_jws(kEd25519Jwk, kEd25519Token, jwtx::algorithm::EdDSA, "Example of Ed25519 signing");
}

TEST(Rfc8037, A4Ed25519HeaderAllowListed) {
  // With EdDSA left out of the allow-list the same token is alg_not_allowed, not ok.
  auto keys = load_jwk(kEd25519Jwk);
  ASSERT_TRUE(keys);
  jwtx::verifier_options o = jws_options();
  o.algorithms = {jwtx::algorithm::ES256, jwtx::algorithm::RS256};
  EXPECT_EQ(verify(keys, o, kEd25519Token), status::alg_not_allowed);
}

}  // namespace
