// The verified-token cache inside the verifier: what a hit answers, and every reason it must not.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/keys/key_set.h"
#include "engine/revocation/revocation.h"
#include "engine/runtime/token_cache.h"
#include "engine/verifier.h"
#include "tests/test_support.h"

namespace jwtx {
namespace {

using testing::default_options;
using testing::good_claims;
using testing::key_for;
using testing::kNow;

// A verifier with a cache and a clock the test moves.
struct cached_verifier {
  std::shared_ptr<std::atomic<double>> now = std::make_shared<std::atomic<double>>(kNow);
  std::shared_ptr<key_store> keys = std::make_shared<key_store>(testing::asymmetric_set());
  revocation_set revoked;
  verifier_options options;
  std::unique_ptr<verifier> v;

  explicit cached_verifier(std::size_t entries = 1024, void (*tweak)(verifier_options&) = nullptr) {
    options = default_options();
    options.cache_entries = entries;
    options.claims.revoked = &revoked;
    auto clock = now;
    options.claims.clock = [clock] { return clock->load(); };
    if (tweak) tweak(options);
    v = std::make_unique<verifier>(keys, options);
  }
  token_cache_stats stats() const { return v->cache()->stats(); }
};

std::string es256(std::string_view claims) { return key_for(algorithm::ES256).mint(claims); }

TEST(VerifierCache, DisabledWithZeroEntries) {
  cached_verifier c(0);
  EXPECT_EQ(c.v->cache(), nullptr);
  const std::string t = es256(good_claims());
  EXPECT_EQ(c.v->verify(t).status(), status::ok);
  EXPECT_FALSE(c.v->verify(t).from_cache());
}

TEST(VerifierCache, RepeatIsAHitWithTheSameAnswer) {
  cached_verifier c;
  const std::string t = es256(good_claims(R"("jti":"j-1","scope":"read write")"));
  verify_result first = c.v->verify(t);
  ASSERT_EQ(first.status(), status::ok);
  EXPECT_FALSE(first.from_cache());
  verify_result again = c.v->verify(t);
  ASSERT_EQ(again.status(), status::ok);
  EXPECT_TRUE(again.from_cache());
  EXPECT_EQ(again.alg(), first.alg());
  EXPECT_EQ(again.kid(), first.kid());
  EXPECT_EQ(again.has_kid(), first.has_kid());
  const registered_claims& a = first.claims();
  const registered_claims& b = again.claims();
  EXPECT_EQ(b.exp, a.exp);
  EXPECT_EQ(b.nbf, a.nbf);
  EXPECT_EQ(b.iat, a.iat);
  EXPECT_EQ(b.iss, a.iss);
  EXPECT_EQ(b.sub, a.sub);
  EXPECT_EQ(b.jti, a.jti);
  EXPECT_EQ(b.has_aud, a.has_aud);
  EXPECT_EQ(b.aud, a.aud);
  // Claims outside the entry: the verified payload is parsed on first use, no crypto.
  EXPECT_EQ(again.claim_string("/scope"), "read write");
  EXPECT_EQ(again.payload(), first.payload());
  EXPECT_EQ(again.fingerprint(), first.fingerprint());
  const token_cache_stats s = c.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.inserts, 1u);
}

TEST(VerifierCache, ReusedResultDoesNotLeakTheHitState) {
  cached_verifier c;
  const std::string t = es256(good_claims());
  verify_result r;
  c.v->verify(t, r);
  c.v->verify(t, r);
  ASSERT_TRUE(r.from_cache());
  c.v->verify(es256(good_claims(R"("sub2":1)")), r);
  EXPECT_EQ(r.status(), status::ok);
  EXPECT_FALSE(r.from_cache());
  c.v->verify("not.a.token", r);
  EXPECT_NE(r.status(), status::ok);
  EXPECT_FALSE(r.from_cache());
  EXPECT_TRUE(r.payload().empty());
}

TEST(VerifierCache, ClockIsRecheckedOnEveryHit) {
  cached_verifier c;  // leeway 60 (policy default); exp = kNow + 600, iat = kNow - 100
  const std::string t = es256(good_claims());
  ASSERT_EQ(c.v->verify(t).status(), status::ok);
  c.now->store(kNow + 600 + 59);
  verify_result r = c.v->verify(t);
  EXPECT_EQ(r.status(), status::ok);
  EXPECT_TRUE(r.from_cache());
  c.now->store(kNow + 600 + 60);  // exactly exp + leeway: expired, same rule as the policy
  r = c.v->verify(t);
  EXPECT_EQ(r.status(), status::expired);
  EXPECT_FALSE(r.from_cache());
  // Not yet valid and issued-in-future are rechecked the same way.
  c.now->store(kNow);
  const std::string later = es256(good_claims(R"("nbf":1700000100)"));
  c.now->store(kNow + 100);
  ASSERT_EQ(c.v->verify(later).status(), status::ok);
  c.now->store(kNow + 40);  // back in time: nbf - leeway exactly, still valid
  EXPECT_TRUE(c.v->verify(later).from_cache());
  c.now->store(kNow + 39);  // now + leeway < nbf
  r = c.v->verify(later);
  EXPECT_EQ(r.status(), status::not_yet_valid);
  EXPECT_FALSE(r.from_cache());
}

TEST(VerifierCache, RevocationIsRecheckedOnEveryHit) {
  cached_verifier c;
  const std::string t = es256(good_claims(R"("jti":"to-revoke")"));
  ASSERT_EQ(c.v->verify(t).status(), status::ok);
  ASSERT_TRUE(c.v->verify(t).from_cache());
  c.revoked.add("to-revoke", kNow + 600);
  verify_result r = c.v->verify(t);
  EXPECT_EQ(r.status(), status::revoked);
  EXPECT_TRUE(r.from_cache());  // answered from the entry: no crypto for a revoked token either
  EXPECT_TRUE(c.revoked.remove("to-revoke"));
  EXPECT_EQ(c.v->verify(t).status(), status::ok);
}

TEST(VerifierCache, StaleRevocationListFailsClosedOnlyWhenConfigured) {
  for (bool closed : {false, true}) {
    cached_verifier c(1024);
    c.options.claims.revocation_max_staleness_seconds = 30;
    c.options.claims.revocation_fail_closed = closed;
    c.v = std::make_unique<verifier>(c.keys, c.options);
    const std::string with_jti = es256(good_claims(R"("jti":"j")"));
    const std::string without_jti = es256(good_claims());
    c.revoked.mark_synced(kNow - 10);  // fresh: both pass (and get cached)
    EXPECT_EQ(c.v->verify(with_jti).status(), status::ok);
    EXPECT_EQ(c.v->verify(without_jti).status(), status::ok);
    c.revoked.mark_unsynced();  // feed lost Redis at kNow - 10: list is 40 s old now
    c.now->store(kNow + 30);
    verify_result r = c.v->verify(with_jti);
    EXPECT_TRUE(r.from_cache());
    EXPECT_EQ(r.status(), closed ? status::revocation_unavailable : status::ok) << closed;
    EXPECT_EQ(c.v->verify(without_jti).status(), status::ok);
    // A token seen for the first time gets the same answer on the full path.
    r = c.v->verify(es256(good_claims(R"("jti":"new")")));
    EXPECT_FALSE(r.from_cache());
    EXPECT_EQ(r.status(), closed ? status::revocation_unavailable : status::ok) << closed;
  }
}

TEST(VerifierCache, KeyRotationInvalidatesAndADroppedKeyRejects) {
  cached_verifier c;
  const std::string t = es256(good_claims());
  ASSERT_EQ(c.v->verify(t).status(), status::ok);
  ASSERT_TRUE(c.v->verify(t).from_cache());
  // A refresh that changed nothing (same keys, rebuilt): the generation is the same, still a hit.
  c.keys->publish(testing::asymmetric_set());
  EXPECT_TRUE(c.v->verify(t).from_cache());
  EXPECT_EQ(c.stats().invalidations, 0u);
  // Another key added: a new generation, so the token is verified again once, then cached anew.
  key_set_builder b;
  for (algorithm a : {algorithm::ES256, algorithm::EdDSA, algorithm::RS256})
    ASSERT_EQ(b.add_jwk(key_for(a).public_jwk(), "test"), status::ok);
  auto bigger = b.build();
  ASSERT_TRUE(bigger);
  c.keys->publish(bigger.set);
  verify_result r = c.v->verify(t);
  EXPECT_EQ(r.status(), status::ok);
  EXPECT_FALSE(r.from_cache());
  EXPECT_EQ(c.stats().invalidations, 1u);
  EXPECT_TRUE(c.v->verify(t).from_cache());
  c.keys->publish(testing::hmac_set());  // the ES256 key is gone
  r = c.v->verify(t);
  EXPECT_EQ(r.status(), status::key_not_found);
  EXPECT_FALSE(r.from_cache());
}

TEST(VerifierCache, OnlyFullyValidTokensAreCached) {
  cached_verifier c;
  std::string bad_sig = es256(good_claims());
  bad_sig[bad_sig.size() - 5] = bad_sig[bad_sig.size() - 5] == 'A' ? 'B' : 'A';
  const std::string wrong_issuer =
      es256(R"({"iss":"https://evil.example","aud":"api","exp":1700000600})");
  const std::string expired = es256(R"({"iss":"https://issuer.example","aud":"api","exp":1})");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(c.v->verify(bad_sig).status(), status::bad_signature);
    EXPECT_EQ(c.v->verify(wrong_issuer).status(), status::issuer_mismatch);
    EXPECT_EQ(c.v->verify(expired).status(), status::expired);
    EXPECT_EQ(c.v->verify(std::string(20000, 'a')).status(), status::too_large);
  }
  EXPECT_EQ(c.v->cache()->size(), 0u);
  EXPECT_EQ(c.stats().inserts, 0u);
  EXPECT_EQ(c.stats().hits, 0u);
}

TEST(VerifierCache, TokensWithSeveralAudiencesAreVerifiedEveryTime) {
  cached_verifier c;
  const std::string t = es256(R"({"iss":"https://issuer.example","aud":["api","other"],)"
                              R"("exp":1700000600})");
  for (int i = 0; i < 2; ++i) {
    verify_result r = c.v->verify(t);
    EXPECT_EQ(r.status(), status::ok);
    EXPECT_FALSE(r.from_cache());
  }
  // A one-element array is cached, and reads back as that one audience.
  const std::string one =
      es256(R"({"iss":"https://issuer.example","aud":["api"],"exp":1700000600})");
  ASSERT_EQ(c.v->verify(one).status(), status::ok);
  verify_result r = c.v->verify(one);
  EXPECT_TRUE(r.from_cache());
  EXPECT_TRUE(r.claims().has_aud);
  EXPECT_EQ(r.claims().aud, std::vector<std::string_view>{"api"});
}

TEST(VerifierCache, EmptyAudienceArrayIsVerifiedEveryTimeAndReadsTheSame) {
  cached_verifier c(1024, [](verifier_options& o) {
    o.claims.audiences.clear();
    o.claims.ignore_aud_when_unconfigured = true;
  });
  const std::string t = es256(R"({"iss":"https://issuer.example","aud":[],"exp":1700000600})");
  for (int i = 0; i < 2; ++i) {
    verify_result r = c.v->verify(t);
    EXPECT_EQ(r.status(), status::ok);
    EXPECT_FALSE(r.from_cache());
    EXPECT_TRUE(r.claims().has_aud);
    EXPECT_TRUE(r.claims().aud.empty());
  }
}

TEST(VerifierCache, EveryAlgorithmHitsAfterItsFirstVerify) {
  for (algorithm a : {algorithm::RS256, algorithm::PS384, algorithm::ES512, algorithm::EdDSA}) {
    cached_verifier c;
    const std::string t = key_for(a).mint(good_claims());
    EXPECT_EQ(c.v->verify(t).status(), status::ok) << algorithm_name(a);
    verify_result r = c.v->verify(t);
    EXPECT_EQ(r.status(), status::ok);
    EXPECT_TRUE(r.from_cache()) << algorithm_name(a);
    EXPECT_EQ(r.alg(), a);
  }
}

TEST(VerifierCache, HmacIsNotCachedUnlessAsked) {
  const auto hmac = [](verifier_options& o) { o.algorithms = {algorithm::HS256}; };
  const auto hmac_cached = [](verifier_options& o) {
    o.algorithms = {algorithm::HS256};
    o.cache_algorithms = {algorithm::HS256};
  };
  for (bool cached : {false, true}) {
    cached_verifier c(1024, cached ? +hmac_cached : +hmac);
    c.keys->publish(testing::hmac_set());
    const std::string t = key_for(algorithm::HS256).mint(good_claims());
    verify_result r;
    for (int i = 0; i < 3; ++i) {
      c.v->verify(t, r);
      EXPECT_EQ(r.status(), status::ok);
      EXPECT_EQ(r.from_cache(), cached && i > 0) << i;
    }
    // Without: the first lookup (header not yet remembered) misses; later ones are skipped.
    EXPECT_EQ(c.stats().hits + c.stats().misses, cached ? 3u : 1u);
    EXPECT_EQ(c.stats().inserts, cached ? 1u : 0u);
  }
}

TEST(VerifierCache, ConcurrentHitsWhileRevokingAndRotating) {
  cached_verifier c(4096);
  std::vector<std::string> tokens;
  for (int i = 0; i < 64; ++i)
    tokens.push_back(es256(good_claims(R"("jti":"j-)" + std::to_string(i) + "\"")));
  for (int i = 0; i < 64; i += 2) c.revoked.add("j-" + std::to_string(i), kNow + 600);
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      verify_result r;
      for (std::size_t i = static_cast<std::size_t>(t); !stop.load(); ++i) {
        const std::size_t n = i % tokens.size();
        c.v->verify(tokens[n], r);
        // Even jtis are revoked for good before the readers start: never ok.
        if (n % 2 == 0 && r.status() != status::revoked) wrong.fetch_add(1);
        if (r.status() != status::ok && r.status() != status::revoked) wrong.fetch_add(1);
      }
    });
  }
  for (int round = 0; round < 20; ++round) {
    c.revoked.add("j-1", kNow + 600);
    c.revoked.remove("j-1");
    c.keys->publish(testing::asymmetric_set());
  }
  stop.store(true);
  for (auto& r : readers) r.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(c.stats().hits, 0u);
}

}  // namespace
}  // namespace jwtx
