// The test/bench signer: key round trips through PEM and JWK, and its refusals.
#include "engine/signer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "engine/json_writer.h"
#include "tests/test_support.h"

namespace jwtx {
namespace {

using testing::default_options;
using testing::good_claims;
using testing::key_for;

constexpr algorithm kAsymmetric[] = {algorithm::RS256, algorithm::PS384, algorithm::ES256,
                                     algorithm::ES384, algorithm::ES512, algorithm::EdDSA};

TEST(Signer, PrivatePemRoundTripSignsTokensThePublicKeyVerifies) {
  for (algorithm a : kAsymmetric) {
    const signing_key& original = key_for(a);
    std::string error;
    auto reloaded = signing_key::from_private_pem(original.private_pem(), a, "pem-kid", &error);
    ASSERT_TRUE(reloaded) << algorithm_name(a) << ": " << error;
    EXPECT_EQ(reloaded->alg(), a);
    EXPECT_EQ(reloaded->kid(), "pem-kid");
    EXPECT_EQ(reloaded->public_pem(), original.public_pem());
    key_set_builder b;
    ASSERT_EQ(b.add_pem(original.public_pem(), "pem-kid", "k.pem"), status::ok) << b.error();
    verifier v(b.build().set, default_options());
    EXPECT_EQ(v.verify(reloaded->mint(good_claims())).status(), status::ok) << algorithm_name(a);
  }
}

TEST(Signer, PrivateJwkRoundTrip) {
  for (algorithm a : {algorithm::HS384, algorithm::RS512, algorithm::ES256, algorithm::EdDSA}) {
    const signing_key& original = key_for(a);
    std::string error;
    auto reloaded = signing_key::from_private_jwk(original.private_jwk(), std::nullopt, &error);
    ASSERT_TRUE(reloaded) << error;
    EXPECT_EQ(reloaded->alg(), a);
    EXPECT_EQ(reloaded->private_jwk(), original.private_jwk());
  }
}

TEST(Signer, PrivatePemRefusals) {
  std::string error;
  EXPECT_FALSE(signing_key::from_private_pem("not a pem", algorithm::RS256, "k", &error));
  EXPECT_NE(error.find("not a PEM private key"), std::string::npos) << error;
  // A public key is not a private key.
  EXPECT_FALSE(signing_key::from_private_pem(key_for(algorithm::ES256).public_pem(),
                                             algorithm::ES256, "k", &error));
  // Key type and alg must fit.
  EXPECT_FALSE(signing_key::from_private_pem(key_for(algorithm::ES256).private_pem(),
                                             algorithm::RS256, "k", &error));
  EXPECT_NE(error.find("does not fit"), std::string::npos) << error;
  EXPECT_FALSE(signing_key::from_private_pem(key_for(algorithm::ES256).private_pem(),
                                             algorithm::ES384, "k", &error));
}

TEST(Signer, PrivateJwkRefusals) {
  const std::string ec = key_for(algorithm::ES256).private_jwk();
  struct bad_case {
    std::string jwk;
    std::string reason;
  };
  auto replace = [](std::string s, std::string_view from, std::string_view to) {
    const std::size_t at = s.find(from);
    if (at != std::string::npos) s.replace(at, from.size(), to);
    return s;
  };
  const bad_case cases[] = {
      {"[1]", "not a JSON object"},
      {"{", "not a JSON object"},
      {R"({"k":"AAAA"})", "no string \"kty\""},
      {R"({"kty":"oct","alg":"none","k":"AAAA"})", "not a supported JWS algorithm"},
      {R"({"kty":"oct","alg":"HS256","k":""})", "\"k\" is empty"},
      {R"({"kty":"oct","alg":"HS256"})", "\"k\" is missing"},
      {R"({"kty":"oct","alg":"HS256","k":"a+b/"})", "not valid base64url"},
      {R"({"kty":"RSA","alg":"RS256","n":"AQAB","e":"AQAB"})", "\"d\" is missing"},
      {replace(ec, "\"crv\":\"P-256\"", "\"crv\":\"P-192\""), "unsupported EC curve"},
      {replace(ec, "\"crv\":\"P-256\"", "\"crv\":\"P-384\""), "must be 48 bytes"},
      {replace(ec, "\"kty\":\"EC\"", "\"kty\":\"XYZ\""), "unsupported JWK kty"},
      {R"({"kty":"OKP","crv":"X25519","x":"AAAA","d":"AAAA"})", "Ed25519"},
      {R"({"kty":"OKP","crv":"Ed25519","x":"AAAA","d":"AAAA"})", "must be 32 bytes"},
      {R"({"kty":"oct","k":"AAAA"})", "no \"alg\""},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(signing_key::from_private_jwk(c.jwk, std::nullopt, &error)) << c.jwk;
    EXPECT_NE(error.find(c.reason), std::string::npos) << c.jwk << " -> " << error;
  }
  // A JWK whose public half does not match its private half.
  std::string other = key_for(algorithm::ES256).private_jwk();
  auto fresh = signing_key::generate(algorithm::ES256, "other");
  ASSERT_TRUE(fresh);
  std::string mixed = fresh->private_jwk();
  const std::string x_key = "\"x\":\"";
  const std::size_t a = other.find(x_key) + x_key.size(), b = mixed.find(x_key) + x_key.size();
  mixed.replace(b, mixed.find('"', b) - b, other.substr(a, other.find('"', a) - a));
  std::string error;
  EXPECT_FALSE(signing_key::from_private_jwk(mixed, std::nullopt, &error));
  // An explicit alg that does not fit the key.
  EXPECT_FALSE(signing_key::from_private_jwk(ec, algorithm::HS256, &error));
  EXPECT_NE(error.find("does not fit"), std::string::npos) << error;
}

TEST(Signer, GenerateRefusesSillyRsaSizes) {
  std::string error;
  EXPECT_FALSE(signing_key::generate(algorithm::RS256, "k", 512, &error));
  EXPECT_NE(error.find("between 1024 and 16384"), std::string::npos);
  EXPECT_FALSE(signing_key::generate(algorithm::RS256, "k", 32768, &error));
}

TEST(JsonWriter, EscapesEverythingRfc8259Requires) {
  std::string out;
  append_json_string(out, std::string("q\" b\\ n\n r\r t\t b\b f\f nul") + std::string(1, '\0') +
                              "\x01\x1f\x7f é");
  EXPECT_EQ(out, "\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f nul\\u0000\\u0001\\u001f\\u007f é\"");
  // And simdjson reads it back to the same bytes.
  simdjson::dom::parser parser;
  std::string_view back;
  ASSERT_FALSE(parser.parse(out).get_string().get(back));
  EXPECT_EQ(back, std::string("q\" b\\ n\n r\r t\t b\b f\f nul") + std::string(1, '\0') +
                      "\x01\x1f\x7f é");
}

}  // namespace
}  // namespace jwtx
