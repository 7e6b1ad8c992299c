// Key loading rules: JWKS, PEM, HMAC secrets, and whole-set rules.
#include "engine/keys/key_set.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/bytestring.h>
#include <openssl/curve25519.h>
#include <openssl/mem.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <span>
#include <string>
#include <vector>

#include "engine/json_writer.h"
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

// Issue 9 item 17: a repeated kid used to refuse the whole set (key_set_invalid). RFC 7517 §4.5
// allows it (e.g. the same key as RSA and EC), so both keys load, in load order under that kid.
TEST(KeySet, DuplicateKidsAreKeptInLoadOrder) {
  key_set_builder b;
  ASSERT_EQ(b.add_jwk(key_for(algorithm::ES256).public_jwk()), status::ok);
  ASSERT_EQ(b.add_jwk(with_member(key_for(algorithm::EdDSA).public_jwk(), "kid", "ES256-key")),
            status::ok);
  ASSERT_EQ(b.add_jwk(with_member(key_for(algorithm::ES384).public_jwk(), "kid", "other")),
            status::ok);
  auto r = b.build();
  ASSERT_TRUE(r) << r.error;
  const std::span<const key> shared = r.set->find_all("ES256-key");
  ASSERT_EQ(shared.size(), 2u);
  EXPECT_EQ(shared[0].type(), key_type::ec);
  EXPECT_EQ(shared[1].type(), key_type::okp);
  EXPECT_EQ(r.set->find("ES256-key"), &shared[0]);
  EXPECT_EQ(r.set->find_all("other").size(), 1u);
  EXPECT_TRUE(r.set->find_all("ES256").empty());
  EXPECT_TRUE(r.set->find_all("").empty());
  // in_load_order(): the order of the add_* calls, whatever the kids sort to.
  ASSERT_EQ(r.set->in_load_order().size(), 3u);
  EXPECT_EQ(r.set->in_load_order()[0], &shared[0]);
  EXPECT_EQ(r.set->in_load_order()[1], &shared[1]);
  EXPECT_EQ(r.set->in_load_order()[2]->kid(), "other");
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
  // Each case leaves the set empty, which build() refuses by default (see EmptySetsNameTheSource).
  key_set_options allow_empty;
  allow_empty.allow_empty = true;
  auto enc = load_one(with_member(base, "use", "enc"), allow_empty);
  ASSERT_TRUE(enc);
  EXPECT_TRUE(enc.set->empty());
  ASSERT_EQ(enc.set->skipped().size(), 1u);
  auto oaep = load_one(with_member(base, "alg", "RSA-OAEP"), allow_empty);
  ASSERT_TRUE(oaep);
  EXPECT_TRUE(oaep.set->empty());
  std::string ops = base;
  ops.insert(1, R"("key_ops":["sign"],)");
  auto sign_only = load_one(ops, allow_empty);
  ASSERT_TRUE(sign_only);
  EXPECT_TRUE(sign_only.set->empty());
  ops = base;
  ops.insert(1, R"("key_ops":["verify"],)");
  EXPECT_EQ(load_one(ops, allow_empty).set->keys().size(), 1u);
  auto ed448 = load_one(R"({"kty":"OKP","crv":"Ed448","x":"AAAA"})", allow_empty);
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
  // A non-object entry is one bad key: skipped and reported (it used to refuse the document).
  // Nothing usable is left, so build() refuses the empty set.
  auto one_bad = load_jwks(R"({"keys":[1]})");
  EXPECT_EQ(one_bad.code, status::key_set_invalid);
  EXPECT_NE(one_bad.error.find("jwks key #0: not a JSON object [key_invalid]"), std::string::npos)
      << one_bad.error;
  key_set_options allow_empty;
  allow_empty.allow_empty = true;
  auto empty = load_jwks(R"({"keys":[]})", allow_empty);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty.set->empty());
  auto two = load_jwks(
      make_jwks({key_for(algorithm::ES256).public_jwk(), key_for(algorithm::EdDSA).public_jwk()}));
  ASSERT_TRUE(two) << two.error;
  EXPECT_EQ(two.set->keys().size(), 2u);
  // A malformed key beside a good one: the good one loads, the bad one is reported (it used to
  // refuse the whole set, an outage for every token over one odd key).
  auto bad = load_jwks(make_jwks({key_for(algorithm::ES256).public_jwk(), R"({"kty":"EC"})"}));
  ASSERT_TRUE(bad) << bad.error;
  EXPECT_EQ(bad.set->keys().size(), 1u);
  ASSERT_EQ(bad.set->skipped().size(), 1u);
  EXPECT_NE(bad.set->skipped()[0].find("key #1"), std::string::npos) << bad.set->skipped()[0];
  EXPECT_NE(bad.set->skipped()[0].find("[key_invalid]"), std::string::npos);
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

// ---- Ed25519 public-key validation (issue 9 item 2) -------------------------------------------

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string ed25519_jwk(std::string_view raw) {
  return R"({"kty":"OKP","crv":"Ed25519","kid":"ed","x":")" + base64url::encode(raw) + "\"}";
}

// SubjectPublicKeyInfo for a raw Ed25519 key (RFC 8410): a fixed 12-byte prefix, then the key.
std::string ed25519_pem(std::string_view raw) {
  const std::string der = from_hex("302a300506032b6570032100") + std::string(raw);
  bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio(bio.get(), "PUBLIC KEY", "", reinterpret_cast<const uint8_t*>(der.data()),
                static_cast<long>(der.size()));
  const uint8_t* pem = nullptr;
  size_t len = 0;
  BIO_mem_contents(bio.get(), &pem, &len);
  return {reinterpret_cast<const char*>(pem), len};
}

// The eight small-order points of edwards25519, canonically encoded (little-endian y, sign of x in
// the top bit), as listed in the literature on Ed25519 key validation. SmallOrderListIsRight
// re-derives each from the curve equation, so the list does not rest on trust.
const char* const kSmallOrder[8] = {
    "0100000000000000000000000000000000000000000000000000000000000000",  // identity, y = 1
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // order 2, y = p - 1
    "0000000000000000000000000000000000000000000000000000000000000000",  // order 4, y = 0, x+
    "0000000000000000000000000000000000000000000000000000000000000080",  // order 4, y = 0, x-
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  // order 8, y = y8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  // order 8, y = y8, x-
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  // order 8, y = p - y8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  // order 8, p - y8, x-
};

// Non-canonical encodings of small-order points: y >= p (y + p for y = 0, 1), and x = 0 with the
// sign bit set (the points with y = ±1).
const char* const kNonCanonical[] = {
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p     (= 0)
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  // y = p, sign
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p + 1 (= 1)
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  // y = p + 1, sign
    "0100000000000000000000000000000000000000000000000000000000000080",  // identity, x = -0
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  // order 2, x = -0
};

// Independent of the engine's derivation: y = 1 and p - 1 have x = 0; y = 0 has x^2 = -1; the
// order-8 points satisfy x^2 = -y^2 (their double has y = 0), i.e. d y^4 + 2 y^2 - 1 = 0 mod p.
TEST(KeySetEd25519, SmallOrderListIsRight) {
  bssl::UniquePtr<BN_CTX> ctx(BN_CTX_new());
  bssl::UniquePtr<BIGNUM> p(BN_new()), d(BN_new()), t(BN_new()), y(BN_new()), y2(BN_new()),
      acc(BN_new());
  ASSERT_TRUE(BN_set_bit(p.get(), 255) && BN_sub_word(p.get(), 19));
  ASSERT_TRUE(
      BN_set_word(t.get(), 121666) && BN_mod_inverse(d.get(), t.get(), p.get(), ctx.get()) &&
      BN_set_word(t.get(), 121665) && BN_mod_mul(d.get(), d.get(), t.get(), p.get(), ctx.get()) &&
      BN_sub(d.get(), p.get(), d.get()));
  for (int i = 4; i < 8; ++i) {
    std::string le = from_hex(kSmallOrder[i]);
    le[31] = static_cast<char>(le[31] & 0x7f);
    ASSERT_TRUE(BN_le2bn(reinterpret_cast<const uint8_t*>(le.data()), 32, y.get()));
    // acc = d y^4 + 2 y^2 - 1
    ASSERT_TRUE(BN_mod_sqr(y2.get(), y.get(), p.get(), ctx.get()) &&
                BN_mod_sqr(acc.get(), y2.get(), p.get(), ctx.get()) &&
                BN_mod_mul(acc.get(), acc.get(), d.get(), p.get(), ctx.get()) &&
                BN_mod_add(acc.get(), acc.get(), y2.get(), p.get(), ctx.get()) &&
                BN_mod_add(acc.get(), acc.get(), y2.get(), p.get(), ctx.get()) &&
                BN_mod_sub(acc.get(), acc.get(), BN_value_one(), p.get(), ctx.get()));
    EXPECT_TRUE(BN_is_zero(acc.get())) << kSmallOrder[i];
  }
  // The brief's shortcut y^4 = -1/d does not hold for them (recorded so nobody "fixes" it back).
  ASSERT_TRUE(BN_mod_sqr(acc.get(), y2.get(), p.get(), ctx.get()) &&
              BN_mod_mul(acc.get(), acc.get(), d.get(), p.get(), ctx.get()) &&
              BN_add_word(acc.get(), 1));
  EXPECT_NE(BN_cmp(acc.get(), p.get()), 0);
}

TEST(KeySetEd25519, EverySmallOrderAndNonCanonicalKeyIsRefusedFromJwkAndPem) {
  std::vector<std::string> bad(std::begin(kSmallOrder), std::end(kSmallOrder));
  bad.insert(bad.end(), std::begin(kNonCanonical), std::end(kNonCanonical));
  // y = 2: (y^2 - 1) / (d y^2 + 1) has no square root mod p, so no point has this y.
  bad.push_back("0200000000000000000000000000000000000000000000000000000000000000");
  for (const std::string& hex : bad) {
    const std::string raw = from_hex(hex);
    auto jwk = load_one(ed25519_jwk(raw));
    EXPECT_EQ(jwk.code, status::key_invalid) << hex;
    EXPECT_NE(jwk.error.find("k.json (kid \"ed\"): Ed25519"), std::string::npos) << jwk.error;
    key_set_builder pem;
    EXPECT_EQ(pem.add_pem(ed25519_pem(raw), "ed", "ed.pem"), status::key_invalid) << hex;
    EXPECT_NE(pem.error().find("ed.pem: Ed25519"), std::string::npos) << pem.error();
  }
  EXPECT_NE(load_one(ed25519_jwk(from_hex(kSmallOrder[0]))).error.find("small-order"),
            std::string::npos);
  EXPECT_NE(load_one(ed25519_jwk(from_hex(kNonCanonical[0]))).error.find("not a canonical"),
            std::string::npos);
  EXPECT_NE(load_one(ed25519_jwk(from_hex(bad.back()))).error.find("does not decode"),
            std::string::npos);
}

// The attack the check stops: with the identity as public key, R = identity and S = 0 satisfy
// [S]B = R + [k]A for every message, and BoringSSL's ED25519_verify accepts it.
TEST(KeySetEd25519, ForgedSignatureForTheIdentityKeyVerifiesNothing) {
  const std::string identity = from_hex(kSmallOrder[0]);
  const std::string forged_sig = identity + std::string(32, '\0');
  const std::string header = R"({"alg":"EdDSA"})";
  const std::string input = testing::b64(header) + "." + testing::b64(testing::good_claims());
  ASSERT_EQ(ED25519_verify(reinterpret_cast<const uint8_t*>(input.data()), input.size(),
                           reinterpret_cast<const uint8_t*>(forged_sig.data()),
                           reinterpret_cast<const uint8_t*>(identity.data())),
            1);  // the premise: the primitive itself does not refuse this key
  const std::string token = input + "." + testing::b64(forged_sig);
  // In a JWKS beside a good key: the identity key is skipped and reported, the good key stays.
  auto r = load_jwks(make_jwks({key_for(algorithm::EdDSA).public_jwk(), ed25519_jwk(identity)}));
  ASSERT_TRUE(r) << r.error;
  ASSERT_EQ(r.set->keys().size(), 1u);
  ASSERT_EQ(r.set->skipped().size(), 1u);
  EXPECT_NE(r.set->skipped()[0].find("small-order point"), std::string::npos);
  EXPECT_NE(r.set->skipped()[0].find("[key_invalid]"), std::string::npos);
  verifier v(r.set, testing::default_options());
  EXPECT_EQ(v.verify(token).status(), status::bad_signature);  // kid-less: the good key only
  const std::string with_kid =
      testing::b64(R"({"alg":"EdDSA","kid":"ed"})") + "." + testing::b64(testing::good_claims());
  EXPECT_EQ(v.verify(with_kid + "." + testing::b64(forged_sig)).status(), status::key_not_found);
  // Alone, the key leaves nothing to load.
  EXPECT_EQ(load_jwks(make_jwks({ed25519_jwk(identity)})).code, status::key_set_invalid);
}

TEST(KeySetEd25519, ValidKeysStillLoad) {
  // RFC 8037 §A.2.
  auto rfc = load_one(R"({"kty":"OKP","crv":"Ed25519",)"
                      R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
  EXPECT_TRUE(rfc) << rfc.error;
  // y = 3 decodes and is not small-order.
  EXPECT_TRUE(load_one(
      ed25519_jwk(from_hex("0300000000000000000000000000000000000000000000000000000000000000"))));
  for (int i = 0; i < 64; ++i) {
    auto k = signing_key::generate(algorithm::EdDSA, "g");
    ASSERT_TRUE(k);
    auto jwk = load_one(k->public_jwk());
    EXPECT_TRUE(jwk) << jwk.error;
    key_set_builder pem;
    EXPECT_EQ(pem.add_pem(k->public_pem(), "g", "g.pem"), status::ok) << pem.error();
  }
}

// ---- messages carry input only escaped and capped (item 11) ------------------------------------

// No raw control byte, DEL or non-ASCII byte, and a bounded length.
void expect_safe(const std::string& m) {
  EXPECT_LT(m.size(), 2048u) << m.substr(0, 200);
  for (char ch : m) {
    const auto c = static_cast<unsigned char>(ch);
    ASSERT_TRUE(c >= 0x20 && c < 0x7f) << "raw byte " << int{c} << " in: " << m.substr(0, 200);
  }
}

TEST(KeySetMessages, InputStringsAreEscapedAndCapped) {
  const std::string evil = "a\x1b[31mred\r\njwtx: forged line\x7f\xc2\x9b\xe2\x80\xae";
  const std::string huge(10 * 1024, 'k');
  const std::string good = key_for(algorithm::ES256).public_jwk();
  auto esc = [](std::string_view s) {  // as a JSON string body
    std::string out;
    append_json_string(out, s);
    return out.substr(1, out.size() - 2);
  };
  std::vector<std::string> jwks;
  for (const std::string& v : {evil, huge}) {
    const std::string e = esc(v);
    jwks.push_back(with_member(good, "kid", e));  // loads; kid kept as is in the key
    jwks.push_back(with_member(with_member(good, "kid", e), "use", e));
    jwks.push_back(with_member(with_member(good, "kid", e), "alg", e));
    jwks.push_back(R"({"kty":")" + e + R"(","kid":")" + e + "\"}");
    jwks.push_back(R"({"kty":"EC","crv":")" + e + R"(","kid":")" + e + "\"}");
    jwks.push_back(R"({"kty":"OKP","crv":")" + e + R"(","kid":")" + e + "\"}");
    jwks.push_back(R"({"kty":"EC","crv":"P-256","x":"AAAA","kid":")" + e + "\"}");
  }
  auto r = load_jwks(make_jwks(jwks));
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.set->keys().size(), 2u);
  ASSERT_EQ(r.set->skipped().size(), 12u);
  for (const std::string& m : r.set->skipped()) expect_safe(m);
  EXPECT_NE(r.set->skipped()[0].find(R"(\u001b[31mred\r\njwtx: forged line\u007f\u009b\u202e)"),
            std::string::npos)
      << r.set->skipped()[0];
  EXPECT_NE(r.set->skipped().back().find("...(10240 bytes)"), std::string::npos);
  // Whole-set refusals and single-key failures too.
  auto priv = load_jwks(
      make_jwks({with_member(key_for(algorithm::ES256).private_jwk(), "kid", esc(evil))}));
  EXPECT_EQ(priv.code, status::key_set_invalid);
  expect_safe(priv.error);
  auto single = load_one(R"({"kty":"EC","kid":")" + esc(evil) + "\"}");
  EXPECT_EQ(single.code, status::key_invalid);
  expect_safe(single.error);
  const std::string label = "a\x1b[31mred\x7f\xc2\x9b";  // no newline: it must stay a label
  key_set_builder pem;
  EXPECT_EQ(pem.add_pem("-----BEGIN " + label + "-----\nAAAA\n-----END " + label + "-----\n", "",
                        "x.pem"),
            status::key_invalid);
  EXPECT_NE(pem.error().find("PEM label \"a\\u001b[31mred\\u007f\\u009b\""), std::string::npos)
      << pem.error();
  expect_safe(pem.error());
  // All skipped: build()'s message quotes the first reasons, still safe and bounded.
  std::vector<std::string> only_bad(jwks.begin() + 1, jwks.begin() + 7);
  only_bad.insert(only_bad.end(), jwks.begin() + 8, jwks.end());
  auto none = load_jwks(make_jwks(only_bad));
  EXPECT_EQ(none.code, status::key_set_invalid);
  expect_safe(none.error);
  EXPECT_NE(none.error.find("12 keys were skipped"), std::string::npos) << none.error;
  EXPECT_NE(none.error.find("and 9 more"), std::string::npos) << none.error;
}

// ---- whole-set rules after item 17 / item 16 ----------------------------------------------------

TEST(KeySet, EmptySetsNameTheSource) {
  key_set_builder b;
  ASSERT_EQ(b.add_jwks(R"({"keys":[]})", "/etc/jwtx/jwks.json"), status::ok);
  auto r = b.build();
  EXPECT_EQ(r.code, status::key_set_invalid);
  EXPECT_EQ(r.error,
            "/etc/jwtx/jwks.json: no usable verification key: the \"keys\" array is empty");
  key_set_builder skipped;
  ASSERT_EQ(skipped.add_jwks(
                make_jwks({with_member(key_for(algorithm::ES256).public_jwk(), "use", "enc")}),
                "enc.json"),
            status::ok);
  auto s = skipped.build();
  EXPECT_EQ(s.code, status::key_set_invalid);
  EXPECT_NE(s.error.find("enc.json: no usable verification key: 1 key was skipped (enc.json key "
                         "#0 (kid \"ES256-key\"): use \"enc\" is not \"sig\")"),
            std::string::npos)
      << s.error;
  EXPECT_EQ(key_set_builder().build().code, status::key_set_invalid);
  // With another source that has a key, an empty document is harmless.
  key_set_builder two;
  ASSERT_EQ(two.add_jwks(R"({"keys":[]})", "a.json"), status::ok);
  ASSERT_EQ(two.add_pem(key_for(algorithm::ES256).public_pem(), "k", "b.pem"), status::ok);
  EXPECT_TRUE(two.build());
}

TEST(KeySet, BadKeysInsideAJwksAreSkippedButUnsafeSetsStillRefused) {
  const std::string good = key_for(algorithm::ES256).public_jwk();
  std::string rsa = key_for(algorithm::RS256).public_jwk();
  // Weak or malformed keys: each one skipped with its status, the good key loads.
  auto r = load_jwks(make_jwks({
      with_member(rsa, "e", "AQ"),                  // e = 1
      R"({"kty":"oct","k":"AAAA","kid":"short"})",  // 3-byte HMAC secret
      with_member(good, "alg", "RS256"),            // alg does not fit
      R"({"kty":"RSA","n":"AKqb","e":"AQAB"})",     // leading zero
      good,
  }));
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.set->keys().size(), 1u);
  ASSERT_EQ(r.set->skipped().size(), 4u);
  EXPECT_NE(r.set->skipped()[0].find("[key_invalid]"), std::string::npos);
  EXPECT_NE(r.set->skipped()[1].find("[key_too_small]"), std::string::npos);
  // Private-key members still refuse the whole JWKS, even beside good keys.
  auto priv = load_jwks(make_jwks({good, key_for(algorithm::EdDSA).private_jwk()}));
  EXPECT_EQ(priv.code, status::key_set_invalid);
  EXPECT_NE(priv.error.find("private member"), std::string::npos);
  // HMAC keys mixed with public keys: still refused as a whole.
  auto mixed = load_jwks(make_jwks({good, key_for(algorithm::HS256).private_jwk()}));
  EXPECT_EQ(mixed.code, status::key_set_invalid);
}

}  // namespace
}  // namespace jwtx
