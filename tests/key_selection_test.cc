// Key selection in the verifier (issue 9 items 12 and 17): keys sharing a kid, and the cap on
// signature checks per token (verifier_options::max_keys_tried, verifier::key_search_capped()).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/keys/key_set.h"
#include "engine/verifier.h"
#include "tests/test_support.h"

namespace jwtx {
namespace {

using testing::craft;
using testing::good_claims;
using testing::key_for;
using testing::std_header;

std::vector<signing_key> generate(algorithm alg, int n, std::string_view kid_prefix) {
  std::vector<signing_key> keys;
  for (int i = 0; i < n; ++i) {
    auto k = signing_key::generate(alg, std::string(kid_prefix) + std::to_string(i));
    if (!k) std::abort();
    keys.push_back(std::move(*k));
  }
  return keys;
}

// A set of the keys' public JWKs, each renamed to |kid| when it is non-empty.
std::shared_ptr<const key_set> set_of(const std::vector<const signing_key*>& keys,
                                      std::string_view kid = {}) {
  std::vector<std::string> jwks;
  for (const signing_key* k : keys) {
    std::string jwk = k->public_jwk();
    if (!kid.empty()) {
      const std::string from = "\"kid\":\"" + k->kid() + "\"";
      jwk.replace(jwk.find(from), from.size(), "\"kid\":\"" + std::string(kid) + "\"");
    }
    jwks.push_back(std::move(jwk));
  }
  auto r = load_jwks(make_jwks(jwks));
  if (!r) ADD_FAILURE() << r.error;
  return r.set;
}

// A token signed by |k| whose header names |kid| (none when empty).
std::string token(const signing_key& k, std::string_view kid) {
  return craft(k, k.alg(), std_header(k.alg(), kid), good_claims());
}

// Item 17: one kid, two key types (RFC 7517 §4.5). Refused as a whole before the fix.
TEST(KeySelection, ASharedKidSelectsTheKeyThatFitsTheAlg) {
  auto set =
      set_of({&key_for(algorithm::ES256), &key_for(algorithm::EdDSA), &key_for(algorithm::RS256)},
             "shared");
  ASSERT_TRUE(set);
  verifier v(set, testing::default_options());
  for (algorithm a : {algorithm::ES256, algorithm::EdDSA, algorithm::RS256})
    EXPECT_EQ(v.verify(token(key_for(a), "shared")).status(), status::ok) << algorithm_name(a);
  // Keys under the kid, but none fits the alg: as with a single key of the wrong type.
  EXPECT_EQ(v.verify(token(key_for(algorithm::ES384), "shared")).status(),
            status::alg_key_mismatch);
  EXPECT_EQ(v.key_search_capped(), 0u);
}

// Item 17: two keys of one type under one kid (a rotation mishap): both are tried, in load order.
TEST(KeySelection, SameTypeDuplicatesAreEachTried) {
  const auto keys = generate(algorithm::ES256, 3, "dup");
  auto set = set_of({&keys[0], &keys[1]}, "k");
  ASSERT_TRUE(set);
  verifier v(set, testing::default_options());
  EXPECT_EQ(v.verify(token(keys[0], "k")).status(), status::ok);
  EXPECT_EQ(v.verify(token(keys[1], "k")).status(), status::ok);
  // Signed by neither: both tried, the cap (4) not reached, so the signature is what failed.
  EXPECT_EQ(v.verify(token(keys[2], "k")).status(), status::bad_signature);
  EXPECT_EQ(v.verify(token(keys[0], "other")).status(), status::key_not_found);
  EXPECT_EQ(v.key_search_capped(), 0u);
}

// Item 12: a kid-less token tries at most max_keys_tried fitting keys, in load order; one that
// needed more gets key_not_found and is counted.
TEST(KeySelection, KidlessSearchIsCappedAndCounted) {
  const auto keys = generate(algorithm::ES256, 6, "es");
  std::vector<const signing_key*> ptrs;
  // An RSA and an EdDSA key first: they do not fit ES256, cost nothing and do not count.
  ptrs.push_back(&key_for(algorithm::RS256));
  ptrs.push_back(&key_for(algorithm::EdDSA));
  for (const auto& k : keys) ptrs.push_back(&k);
  auto set = set_of(ptrs);
  ASSERT_TRUE(set);
  verifier_options o = testing::default_options();
  ASSERT_EQ(o.max_keys_tried, 4u);  // the documented default
  verifier v(set, o);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(v.verify(token(keys[i], "")).status(), status::ok) << i;
  EXPECT_EQ(v.key_search_capped(), 0u);  // only touched when the cap is hit
  // The 5th and 6th ES256 keys are beyond the cap: not tried, so not found.
  EXPECT_EQ(v.verify(token(keys[4], "")).status(), status::key_not_found);
  EXPECT_EQ(v.verify(token(keys[5], "")).status(), status::key_not_found);
  EXPECT_EQ(v.key_search_capped(), 2u);
  // Garbage: four checks, then the cap.
  const std::string garbage = token(key_for(algorithm::ES256), "");  // not in this set
  EXPECT_EQ(v.verify(garbage).status(), status::key_not_found);
  EXPECT_EQ(v.key_search_capped(), 3u);
  // A copy shares the counter (as it shares the cache).
  verifier copy = v;
  EXPECT_EQ(copy.verify(garbage).status(), status::key_not_found);
  EXPECT_EQ(v.key_search_capped(), 4u);
  // A token with a kid is not affected: exactly that key.
  EXPECT_EQ(v.verify(token(keys[5], "es5")).status(), status::ok);
  // Raised cap: every key is reachable, and a garbage token ends as before the cap existed.
  o.max_keys_tried = 6;
  verifier wide(set, o);
  EXPECT_EQ(wide.verify(token(keys[5], "")).status(), status::ok);
  EXPECT_EQ(wide.verify(garbage).status(), status::bad_signature);
  EXPECT_EQ(wide.key_search_capped(), 0u);
  // 0 counts as 1.
  o.max_keys_tried = 0;
  verifier one(set, o);
  EXPECT_EQ(one.verify(token(keys[0], "")).status(), status::ok);
  EXPECT_EQ(one.verify(token(keys[1], "")).status(), status::key_not_found);
  EXPECT_EQ(one.key_search_capped(), 1u);
}

// The kid-less order is load order (document order), not the kid order keys() is sorted in.
TEST(KeySelection, KidlessOrderIsLoadOrder) {
  auto z = signing_key::generate(algorithm::ES256, "zzz");
  auto a = signing_key::generate(algorithm::ES256, "aaa");
  ASSERT_TRUE(z && a);
  auto set = set_of({&*z, &*a});
  ASSERT_TRUE(set);
  verifier_options o = testing::default_options();
  o.max_keys_tried = 1;
  verifier v(set, o);
  EXPECT_EQ(v.verify(token(*z, "")).status(), status::ok);
  EXPECT_EQ(v.verify(token(*a, "")).status(), status::key_not_found);
}

// Many keys under one kid are bounded by the same cap.
TEST(KeySelection, SharedKidSearchIsCappedToo) {
  const auto keys = generate(algorithm::ES256, 6, "s");
  std::vector<const signing_key*> ptrs;
  for (const auto& k : keys) ptrs.push_back(&k);
  auto set = set_of(ptrs, "same");
  ASSERT_TRUE(set);
  verifier v(set, testing::default_options());
  EXPECT_EQ(v.verify(token(keys[3], "same")).status(), status::ok);
  EXPECT_EQ(v.verify(token(keys[4], "same")).status(), status::key_not_found);
  EXPECT_EQ(v.key_search_capped(), 1u);
}

// Too-small keys are passed over without a check and do not count toward the cap.
TEST(KeySelection, TooSmallKeysDoNotCount) {
  auto small = signing_key::generate(algorithm::RS256, "small", 1024);
  ASSERT_TRUE(small);
  auto set = set_of({&*small, &key_for(algorithm::RS256)});
  ASSERT_TRUE(set);
  verifier_options o = testing::default_options();
  o.max_keys_tried = 1;
  verifier v(set, o);
  EXPECT_EQ(v.verify(token(key_for(algorithm::RS256), "")).status(), status::ok);
  EXPECT_EQ(v.verify(token(*small, "")).status(), status::bad_signature);
  EXPECT_EQ(v.verify(token(*small, "small")).status(), status::key_too_small);
  EXPECT_EQ(v.key_search_capped(), 0u);
}

}  // namespace
}  // namespace jwtx
