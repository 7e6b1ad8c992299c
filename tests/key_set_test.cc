// Key loading rules: JWKS, PEM, HMAC secrets, and whole-set rules.
#include "engine/key_set.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bytestring.h>
#include <openssl/mem.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "tests/test_support.h"

namespace jwtx {
namespace {

using testing::key_for;

key_set_result load_one(std::string_view jwk, key_set_options o = {}) {
  key_set_builder b(o);
  b.add_jwk(jwk, "k.json");
  return b.build();
}

// Replaces the value of string member |name| in a flat JSON object.
std::string with_member(std::string json, std::string_view name, std::string_view value) {
  const std::string key = "\"" + std::string(name) + "\":\"";
  std::size_t at = json.find(key);
  if (at == std::string::npos) {
    json.insert(1, key + std::string(value) + "\",");
    return json;
  }
  at += key.size();
  json.replace(at, json.find('"', at) - at, value);
  return json;
}

TEST(KeySet, EveryPublicKeyTypeLoadsFromJwk) {
  for (algorithm a : {algorithm::RS256, algorithm::PS512, algorithm::ES256, algorithm::ES384,
                      algorithm::ES512, algorithm::EdDSA}) {
    auto r = load_one(key_for(a).public_jwk());
    ASSERT_TRUE(r) << r.error;
    ASSERT_EQ(r.set->keys().size(), 1u);
    const key* k = r.set->find(key_for(a).kid());
    ASSERT_NE(k, nullptr);
    EXPECT_TRUE(k->compatible_with(a));
    EXPECT_EQ(k->type(), required_key_type(a));
  }
}

TEST(KeySet, PrivateKeyMaterialRefusesTheWholeSet) {
  for (algorithm a : {algorithm::RS256, algorithm::ES256, algorithm::EdDSA}) {
    auto r = load_one(key_for(a).private_jwk());
    EXPECT_EQ(r.code, status::key_set_invalid) << algorithm_name(a);
    EXPECT_NE(r.error.find("private member"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("k.json"), std::string::npos) << r.error;
  }
}

TEST(KeySet, DuplicateKidIsRefused) {
  key_set_builder b;
  ASSERT_EQ(b.add_jwk(key_for(algorithm::ES256).public_jwk()), status::ok);
  ASSERT_EQ(b.add_jwk(with_member(key_for(algorithm::EdDSA).public_jwk(), "kid", "ES256-key")),
            status::ok);
  auto r = b.build();
  EXPECT_EQ(r.code, status::key_set_invalid);
  EXPECT_NE(r.error.find("duplicate kid"), std::string::npos);
}

TEST(KeySet, MixingHmacAndPublicKeysNeedsExplicitConsent) {
  const std::string secret(32, 's');
  for (bool allow : {false, true}) {
    key_set_options o;
    o.allow_mixed_symmetric = allow;
    key_set_builder b(o);
    ASSERT_EQ(b.add_jwk(key_for(algorithm::ES256).public_jwk()), status::ok);
    ASSERT_EQ(b.add_hmac_secret(secret, "hmac", std::nullopt), status::ok);
    EXPECT_EQ(b.build().code, allow ? status::ok : status::key_set_invalid);
  }
}

TEST(KeySet, NonSignatureKeysAreSkippedNotLoaded) {
  const std::string base = key_for(algorithm::ES256).public_jwk();
  auto enc = load_one(with_member(base, "use", "enc"));
  ASSERT_TRUE(enc);
  EXPECT_TRUE(enc.set->empty());
  ASSERT_EQ(enc.set->skipped().size(), 1u);
  auto oaep = load_one(with_member(base, "alg", "RSA-OAEP"));
  ASSERT_TRUE(oaep);
  EXPECT_TRUE(oaep.set->empty());
  std::string ops = base;
  ops.insert(1, R"("key_ops":["sign"],)");
  auto sign_only = load_one(ops);
  ASSERT_TRUE(sign_only);
  EXPECT_TRUE(sign_only.set->empty());
  ops = base;
  ops.insert(1, R"("key_ops":["verify"],)");
  EXPECT_EQ(load_one(ops).set->keys().size(), 1u);
  auto ed448 = load_one(R"({"kty":"OKP","crv":"Ed448","x":"AAAA"})");
  ASSERT_TRUE(ed448);
  EXPECT_TRUE(ed448.set->empty());
}

TEST(KeySet, MalformedKeysAreKeyInvalidWithAReason) {
  const std::string ec = key_for(algorithm::ES256).public_jwk();
  struct bad_case {
    std::string jwk;
    std::string reason;
  };
  std::string off_curve = ec;
  {
    // Flip a bit of y: (x, y') is not on P-256.
    const std::string key = "\"y\":\"";
    std::size_t at = off_curve.find(key) + key.size();
    off_curve[at] = off_curve[at] == 'A' ? 'B' : 'A';
  }
  const bad_case cases[] = {
      {off_curve, "not on P-256"},
      {with_member(ec, "crv", "P-384"), "exactly 48 bytes"},
      {with_member(ec, "x", "AAAA"), "exactly 32 bytes"},
      {with_member(ec, "x", "a+b/"), "not base64url"},
      {with_member(ec, "alg", "RS256"), "does not fit"},
      {R"({"kty":"EC","crv":"P-256","x":"AAAA"})", "\"y\" missing"},
      {R"({"crv":"P-256"})", "\"kty\" missing"},
      {R"({"kty":7})", "\"kty\" missing or not a string"},
      {R"({"kty":"RSA","n":"AQAB","e":"AQAB","kid":3})", "\"kid\" not a string"},
      {R"({"kty":"RSA","n":"AKqb","e":"AQAB"})", "leading zero"},
      {R"({"kty":"oct","k":"AAAA","k":"BBBB"})", "duplicate_member"},
      {"[1]", "not a JSON object"},
      {"{", "not a JSON object"},
  };
  for (const auto& c : cases) {
    auto r = load_one(c.jwk);
    EXPECT_EQ(r.code, status::key_invalid) << c.jwk;
    EXPECT_NE(r.error.find(c.reason), std::string::npos) << r.error;
  }
}

TEST(KeySet, WeakRsaExponentIsRefused) {
  std::string jwk = key_for(algorithm::RS256).public_jwk();
  auto r = load_one(with_member(jwk, "e", "AQ"));  // e = 1
  EXPECT_EQ(r.code, status::key_invalid);
  EXPECT_NE(r.error.find("exponent"), std::string::npos);
  EXPECT_EQ(load_one(with_member(jwk, "e", "Ag")).code, status::key_invalid);  // e = 2, even
}

TEST(KeySet, ShortHmacSecretsAreRefusedAtLoad) {
  key_set_builder b;
  EXPECT_EQ(b.add_hmac_secret(std::string(31, 'k'), "short", std::nullopt), status::key_too_small);
  EXPECT_NE(b.error().find("shorter than"), std::string::npos);
  key_set_builder b512;
  EXPECT_EQ(b512.add_hmac_secret(std::string(48, 'k'), "x", algorithm::HS512),
            status::key_too_small);
  key_set_builder ok;
  EXPECT_EQ(ok.add_hmac_secret(std::string(64, 'k'), "x", algorithm::HS512), status::ok);
  auto empty = load_one(R"({"kty":"oct","k":""})");
  EXPECT_EQ(empty.code, status::key_too_small);
}

TEST(KeySet, AnHmacKeyWithoutAlgIsKeyTooSmallForLongerHashes) {
  key_set_builder b;
  ASSERT_EQ(b.add_hmac_secret(std::string(32, 'k'), "k32", std::nullopt), status::ok);
  auto set = b.build();
  ASSERT_TRUE(set);
  signing_key s = signing_key::from_hmac_secret(std::string(32, 'k'), algorithm::HS512, "k32");
  verifier_options o = testing::default_options();
  verifier v(set.set, o);
  EXPECT_EQ(v.verify(s.mint(testing::good_claims())).status(), status::key_too_small);
  signing_key s256 = signing_key::from_hmac_secret(std::string(32, 'k'), algorithm::HS256, "k32");
  EXPECT_EQ(v.verify(s256.mint(testing::good_claims())).status(), status::ok);
}

TEST(KeySet, PemSpkiAndPkcs1LoadAndVerify) {
  for (algorithm a : {algorithm::RS256, algorithm::ES384, algorithm::EdDSA}) {
    key_set_builder b;
    ASSERT_EQ(b.add_pem(key_for(a).public_pem(), key_for(a).kid(), "k.pem"), status::ok)
        << b.error();
    auto set = b.build();
    ASSERT_TRUE(set);
    verifier v(set.set, testing::default_options());
    EXPECT_EQ(v.verify(key_for(a).mint(testing::good_claims())).status(), status::ok);
  }
  // PKCS#1 "RSA PUBLIC KEY": re-encode the SPKI key's RSA part.
  key_set_builder spki;
  ASSERT_EQ(spki.add_pem(key_for(algorithm::RS256).public_pem(), "", "k.pem"), status::ok);
  auto set = spki.build();
  ASSERT_TRUE(set);
  uint8_t* der = nullptr;
  size_t der_len = 0;
  ASSERT_TRUE(RSA_public_key_to_bytes(&der, &der_len, set.set->keys()[0].rsa()));
  bssl::UniquePtr<uint8_t> der_owner(der);
  bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  ASSERT_TRUE(PEM_write_bio(bio.get(), "RSA PUBLIC KEY", "", der, static_cast<long>(der_len)));
  const uint8_t* pem = nullptr;
  size_t pem_len = 0;
  ASSERT_TRUE(BIO_mem_contents(bio.get(), &pem, &pem_len));
  key_set_builder pkcs1;
  ASSERT_EQ(pkcs1.add_pem({reinterpret_cast<const char*>(pem), pem_len}, "RS256-key", "k.pem"),
            status::ok)
      << pkcs1.error();
  auto pkcs1_set = pkcs1.build();
  ASSERT_TRUE(pkcs1_set);
  verifier v(pkcs1_set.set, testing::default_options());
  EXPECT_EQ(v.verify(key_for(algorithm::RS256).mint(testing::good_claims())).status(), status::ok);
}

TEST(KeySet, PemRejectsPrivateKeysAndGarbage) {
  key_set_builder b;
  EXPECT_EQ(b.add_pem(key_for(algorithm::ES256).private_pem(), "", "priv.pem"),
            status::key_invalid);
  EXPECT_NE(b.error().find("private keys are refused"), std::string::npos) << b.error();
  key_set_builder g;
  EXPECT_EQ(g.add_pem("hello", "", "x.pem"), status::key_invalid);
  EXPECT_NE(g.error().find("x.pem"), std::string::npos);
  key_set_builder t;
  EXPECT_EQ(t.add_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "", "t.pem"),
            status::key_invalid);
}

TEST(KeySet, JwksDocumentRules) {
  EXPECT_EQ(load_jwks(R"({"keys":{}})").code, status::key_invalid);
  EXPECT_EQ(load_jwks(R"({"nokeys":[]})").code, status::key_invalid);
  EXPECT_EQ(load_jwks(R"({"keys":[1]})").code, status::key_invalid);
  auto empty = load_jwks(R"({"keys":[]})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty.set->empty());
  auto two = load_jwks(
      make_jwks({key_for(algorithm::ES256).public_jwk(), key_for(algorithm::EdDSA).public_jwk()}));
  ASSERT_TRUE(two) << two.error;
  EXPECT_EQ(two.set->keys().size(), 2u);
  auto bad = load_jwks(make_jwks({key_for(algorithm::ES256).public_jwk(), R"({"kty":"EC"})"}));
  EXPECT_EQ(bad.code, status::key_invalid);
  EXPECT_NE(bad.error.find("key #1"), std::string::npos) << bad.error;
  EXPECT_NE(load_jwks(make_jwks({key_for(algorithm::ES256).public_jwk()})).set->generation(),
            two.set->generation());
}

TEST(KeySet, GenerationIsTheIdentityOfTheKeys) {
  const std::string es = key_for(algorithm::ES256).public_jwk();
  const std::string ed = key_for(algorithm::EdDSA).public_jwk();
  const std::string rs = key_for(algorithm::RS256).public_jwk();
  auto gen = [](const std::vector<std::string>& jwks) {
    auto r = load_jwks(make_jwks(jwks));
    if (!r) ADD_FAILURE() << r.error;  // a failed load must not pass as "different"
    return r ? r.set->generation() : 0;
  };
  const std::uint64_t base = gen({es, ed});
  ASSERT_NE(base, 0u);
  EXPECT_EQ(gen({es, ed}), base);      // rebuilt from the same keys
  EXPECT_EQ(gen({ed, es}), base);      // order in the document does not matter (sorted by kid)
  EXPECT_NE(gen({es}), base);          // a key dropped
  EXPECT_NE(gen({es, ed, rs}), base);  // a key added
  // Same material under another kid, or pinned to an alg: a different set.
  std::string renamed = es;
  renamed.replace(renamed.find("ES256-key"), 9, "ES256-kez");
  EXPECT_NE(gen({renamed, ed}), base);
  // With and without the JWK's own "alg" pin: different sets (the pin restricts verification).
  std::string toggled = es;
  const std::string pin = R"("alg":"ES256",)";
  if (const auto at = toggled.find(pin); at != std::string::npos) {
    toggled.erase(at, pin.size());
  } else {
    toggled.insert(1, pin);
  }
  ASSERT_NE(toggled, es);
  EXPECT_NE(gen({toggled, ed}), base);
  // Another key of the same kind under the same kid: different material, different set.
  auto other = signing_key::generate(algorithm::ES256, "ES256-key");
  ASSERT_TRUE(other);
  EXPECT_NE(gen({other->public_jwk(), ed}), base);
  // HMAC: the secret counts.
  auto h1 = signing_key::generate(algorithm::HS256, "h");
  auto h2 = signing_key::generate(algorithm::HS256, "h");
  ASSERT_TRUE(h1 && h2);
  EXPECT_NE(gen({h1->private_jwk()}), gen({h2->private_jwk()}));
  EXPECT_EQ(gen({h1->private_jwk()}), gen({h1->private_jwk()}));
}

}  // namespace
}  // namespace jwtx
