// Verified-token cache: exact-token hits, every reason to miss, collisions, eviction, concurrency.
#include "engine/runtime/token_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_support.h"

namespace jwtx {
namespace {

using testing::kNow;

// Stand-ins for tokens: the cache only ever sees bytes, and the bytes are all that must match.
std::string token_number(std::size_t i) {
  return "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.sig-" + std::to_string(i);
}

claims_to_cache claims_for(std::uint64_t generation) {
  claims_to_cache c;
  c.alg = algorithm::ES256;
  c.generation = generation;
  c.exp = kNow + 600;
  c.nbf = kNow - 100;
  c.iat = kNow - 100;
  c.kid = "ES256-key";
  c.iss = "https://issuer.example";
  c.sub = "alice";
  c.jti = "jti-1";
  c.aud = "https://api.example";
  return c;
}

cache_validity at(double now, std::uint64_t generation, double leeway = 0) {
  cache_validity v;
  v.now = now;
  v.leeway_seconds = leeway;
  v.generation = generation;
  return v;
}

void expect_same(const cached_claims& got, const claims_to_cache& want) {
  EXPECT_EQ(got.alg(), want.alg);
  EXPECT_EQ(got.generation(), want.generation);
  EXPECT_EQ(got.exp(), want.exp);
  EXPECT_EQ(got.nbf(), want.nbf);
  EXPECT_EQ(got.iat(), want.iat);
  EXPECT_EQ(got.kid(), want.kid);
  EXPECT_EQ(got.iss(), want.iss);
  EXPECT_EQ(got.sub(), want.sub);
  EXPECT_EQ(got.jti(), want.jti);
  EXPECT_EQ(got.aud(), want.aud);
}

std::uint64_t same_hash_for_all(std::string_view) { return 0x0123456789abcdefULL; }

TEST(TokenCache, EntryIsCompact) {
  // Fixed part (sequence, tag, digest, times, generation, lengths) + the inline claim bytes.
  EXPECT_EQ(token_cache::kEntryBytes, 192u);
  EXPECT_LE(token_cache::kEntryBytes, 128u + token_cache::kMaxClaimBytes);
}

TEST(TokenCache, MemoryPerEntryIsWithinBudget) {
  token_cache_options o;
  o.capacity = 1 << 16;
  token_cache cache(o);
  ASSERT_EQ(cache.capacity(), 1u << 16);
  const double per_entry =
      static_cast<double>(cache.memory_bytes()) / static_cast<double>(cache.capacity());
  std::printf("[memory] %.1f bytes per entry (%zu claim bytes included)\n", per_entry,
              token_cache::kMaxClaimBytes);
  EXPECT_LE(per_entry, 128.0 + static_cast<double>(token_cache::kMaxClaimBytes));
  EXPECT_GE(per_entry, static_cast<double>(token_cache::kEntryBytes));
}

TEST(TokenCache, HitAfterInsertReturnsTheInsertedClaims) {
  token_cache cache;
  const std::string token = token_number(1);
  const claims_to_cache c = claims_for(7);
  ASSERT_TRUE(cache.insert(token, c, kNow));
  cached_claims got;
  ASSERT_TRUE(cache.lookup(token, at(kNow, 7), &got));
  expect_same(got, c);
  // A copy carries its own string bytes.
  const cached_claims copy = got;
  got = cached_claims();
  EXPECT_EQ(copy.sub(), "alice");
  EXPECT_EQ(copy.kid(), "ES256-key");
  const token_cache_stats s = cache.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 0u);
  EXPECT_EQ(s.inserts, 1u);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(TokenCache, AbsentAndEmptyStringsAreDistinct) {
  token_cache cache;
  claims_to_cache c = claims_for(1);
  c.kid.reset();
  c.iss = "";
  c.sub.reset();
  c.jti = "";
  c.aud.reset();
  c.nbf.reset();
  ASSERT_TRUE(cache.insert("t", c, kNow));
  cached_claims got;
  ASSERT_TRUE(cache.lookup("t", at(kNow, 1), &got));
  EXPECT_FALSE(got.kid().has_value());
  EXPECT_EQ(got.iss(), std::optional<std::string_view>(""));
  EXPECT_FALSE(got.sub().has_value());
  EXPECT_EQ(got.jti(), std::optional<std::string_view>(""));
  EXPECT_FALSE(got.aud().has_value());
  EXPECT_FALSE(got.nbf().has_value());
}

TEST(TokenCache, MissForAnyOtherToken) {
  token_cache cache;
  const std::string token = token_number(1);
  ASSERT_TRUE(cache.insert(token, claims_for(1), kNow));
  cached_claims got;
  for (const std::string& other : {token_number(2), token.substr(0, token.size() - 1), token + "x",
                                   std::string(), "X" + token.substr(1)}) {
    EXPECT_FALSE(cache.lookup(other, at(kNow, 1), &got)) << other;
  }
  EXPECT_EQ(cache.stats().misses, 5u);
  EXPECT_EQ(cache.stats().hits, 0u);
}

TEST(TokenCache, ExpiredIsAMissWithTheSameRuleAsPolicy) {
  token_cache cache;
  const claims_to_cache c = claims_for(1);  // exp = kNow + 600
  ASSERT_TRUE(cache.insert("t", c, kNow));
  cached_claims got;
  EXPECT_TRUE(cache.lookup("t", at(*c.exp - 1, 1), &got));
  EXPECT_FALSE(cache.lookup("t", at(*c.exp, 1), &got));  // expired: now >= exp + leeway
  EXPECT_TRUE(cache.lookup("t", at(*c.exp + 59, 1, 60), &got));
  EXPECT_FALSE(cache.lookup("t", at(*c.exp + 60, 1, 60), &got));
  EXPECT_FALSE(cache.lookup("t", at(std::numeric_limits<double>::quiet_NaN(), 1), &got));
}

TEST(TokenCache, NotYetValidIsAMiss) {
  token_cache cache;
  claims_to_cache c = claims_for(1);
  c.nbf = kNow + 100;
  c.iat.reset();
  ASSERT_TRUE(cache.insert("t", c, kNow));
  cached_claims got;
  EXPECT_FALSE(cache.lookup("t", at(kNow, 1), &got));
  EXPECT_FALSE(cache.lookup("t", at(kNow + 39, 1, 60), &got));
  EXPECT_TRUE(cache.lookup("t", at(kNow + 40, 1, 60), &got));  // now + leeway >= nbf
  EXPECT_TRUE(cache.lookup("t", at(kNow + 100, 1), &got));
}

TEST(TokenCache, IssuedInFutureAndMaxAgeAreMisses) {
  token_cache cache;
  claims_to_cache c = claims_for(1);
  c.nbf.reset();
  c.iat = kNow;
  ASSERT_TRUE(cache.insert("t", c, kNow));
  cached_claims got;
  EXPECT_FALSE(cache.lookup("t", at(kNow - 1, 1), &got));  // a clock that went back: iat > now
  cache_validity v = at(kNow + 300, 1);
  v.max_age_seconds = 300;
  EXPECT_TRUE(cache.lookup("t", v, &got));
  v.now = kNow + 301;
  EXPECT_FALSE(cache.lookup("t", v, &got));  // too_old

  c.iat.reset();
  ASSERT_TRUE(cache.insert("no-iat", c, kNow));
  v.now = kNow;
  EXPECT_FALSE(cache.lookup("no-iat", v, &got));  // max_age needs iat
  EXPECT_TRUE(cache.lookup("no-iat", at(kNow, 1), &got));
}

TEST(TokenCache, KeySetRotationInvalidates) {
  // Real generations: a set with different keys has a different one.
  const std::uint64_t before = testing::hmac_set()->generation();
  const std::uint64_t after = testing::asymmetric_set()->generation();
  ASSERT_NE(before, after);
  token_cache cache;
  ASSERT_TRUE(cache.insert("t", claims_for(before), kNow));
  cached_claims got;
  EXPECT_TRUE(cache.lookup("t", at(kNow, before), &got));
  EXPECT_FALSE(cache.lookup("t", at(kNow, after), &got));
  EXPECT_EQ(cache.stats().invalidations, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);
  // Re-verified under the new set: cached again, for the new generation only.
  ASSERT_TRUE(cache.insert("t", claims_for(after), kNow));
  EXPECT_TRUE(cache.lookup("t", at(kNow, after), &got));
  EXPECT_EQ(got.generation(), after);
  EXPECT_FALSE(cache.lookup("t", at(kNow, before), &got));
  EXPECT_EQ(cache.size(), 1u);  // refreshed in place, not a second entry
}

TEST(TokenCache, ForcedHashCollisionsNeverHitTheWrongToken) {
  token_cache_options o;
  o.hash_override = same_hash_for_all;
  token_cache cache(o);
  claims_to_cache a = claims_for(1);
  a.sub = "a";
  ASSERT_TRUE(cache.insert("token-a", a, kNow));
  cached_claims got;
  EXPECT_FALSE(cache.lookup("token-b", at(kNow, 1), &got));
  EXPECT_EQ(cache.stats().collisions_rejected, 1u);
  EXPECT_EQ(cache.stats().hits, 0u);

  // Both in the same bucket: each still finds exactly its own entry.
  claims_to_cache b = claims_for(1);
  b.sub = "b";
  ASSERT_TRUE(cache.insert("token-b", b, kNow));
  ASSERT_TRUE(cache.lookup("token-a", at(kNow, 1), &got));
  EXPECT_EQ(got.sub(), "a");
  ASSERT_TRUE(cache.lookup("token-b", at(kNow, 1), &got));
  EXPECT_EQ(got.sub(), "b");

  // Many more colliding tokens than the bucket holds: never a hit with another token's claims.
  std::vector<std::string> subs;
  for (std::size_t i = 0; i < 4 * token_cache::kWays; ++i) subs.push_back("s" + std::to_string(i));
  for (std::size_t i = 0; i < subs.size(); ++i) {
    claims_to_cache c = claims_for(1);
    c.sub = subs[i];
    ASSERT_TRUE(cache.insert(token_number(i), c, kNow));
  }
  std::size_t hits = 0;
  for (std::size_t i = 0; i < subs.size(); ++i) {
    if (!cache.lookup(token_number(i), at(kNow, 1), &got)) continue;
    ++hits;
    EXPECT_EQ(got.sub(), subs[i]);
  }
  EXPECT_EQ(hits, token_cache::kWays);  // one bucket: the last kWays inserted survive
  EXPECT_GT(cache.stats().collisions_rejected, 1u);
  EXPECT_LE(cache.size(), token_cache::kWays);
}

TEST(TokenCache, StringsTooLongAreNotCached) {
  token_cache cache;
  claims_to_cache c = claims_for(1);
  c.kid = "k";
  c.iss = "i";
  c.jti = "j";
  c.aud = "a";
  const std::string fits(token_cache::kMaxClaimBytes - 4, 's');
  c.sub = fits;
  ASSERT_TRUE(cache.insert("fits", c, kNow));
  cached_claims got;
  ASSERT_TRUE(cache.lookup("fits", at(kNow, 1), &got));
  EXPECT_EQ(got.sub(), fits);

  const std::string too_long = fits + "s";
  c.sub = too_long;
  EXPECT_FALSE(cache.insert("too-long", c, kNow));
  EXPECT_FALSE(cache.lookup("too-long", at(kNow, 1), &got));
  EXPECT_EQ(cache.stats().not_cached_too_big, 1u);
  EXPECT_EQ(cache.stats().inserts, 1u);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(TokenCache, HotTokenSurvivesAFloodAndSizeStaysBounded) {
  token_cache_options o;
  o.capacity = 1024;
  token_cache cache(o);
  ASSERT_LE(cache.capacity(),
            std::max<std::size_t>(o.capacity, cache.shard_count() * token_cache::kWays));
  const std::string hot = "hot-token";
  ASSERT_TRUE(cache.insert(hot, claims_for(1), kNow));
  cached_claims got;
  const std::size_t flood = 10 * cache.capacity();
  std::size_t hot_misses = 0;
  for (std::size_t i = 0; i < flood; ++i) {
    ASSERT_TRUE(cache.insert(token_number(i), claims_for(1), kNow));
    if (!cache.lookup(hot, at(kNow, 1), &got)) ++hot_misses;
    ASSERT_LE(cache.size(), cache.capacity());
  }
  EXPECT_EQ(hot_misses, 0u);
  EXPECT_TRUE(cache.lookup(hot, at(kNow, 1), &got));
  EXPECT_EQ(cache.size(), cache.capacity());  // full, never more
  const token_cache_stats s = cache.stats();
  EXPECT_EQ(s.inserts, flood + 1);
  EXPECT_EQ(s.evictions, flood + 1 - cache.capacity());
}

TEST(TokenCache, ExpiredAndStaleEntriesAreReplacedFirst) {
  token_cache_options o;
  o.hash_override = same_hash_for_all;  // one bucket
  token_cache cache(o);
  cached_claims got;
  // Fill the bucket with referenced (recently hit) entries, one of them already expired.
  for (std::size_t i = 0; i < token_cache::kWays; ++i) {
    claims_to_cache c = claims_for(1);
    if (i == 3) c.exp = kNow - 1;
    ASSERT_TRUE(cache.insert(token_number(i), c, kNow - 10));
    ASSERT_TRUE(cache.lookup(token_number(i), at(kNow - 10, 1), &got));
  }
  ASSERT_TRUE(cache.insert("newcomer", claims_for(1), kNow));
  for (std::size_t i = 0; i < token_cache::kWays; ++i) {
    EXPECT_EQ(cache.lookup(token_number(i), at(kNow - 10, 1), &got), i != 3) << i;
  }
  EXPECT_TRUE(cache.lookup("newcomer", at(kNow, 1), &got));
}

// Readers and writers on overlapping tokens: every hit must return exactly the claims inserted for
// that token (a torn seqlock read would mix two entries). Run under ThreadSanitizer too.
void hammer(token_cache& cache, std::size_t distinct_tokens) {
  constexpr int kThreads = 4;
  constexpr int kOpsPerThread = 50'000;
  std::vector<std::string> tokens, subs, jtis;
  for (std::size_t i = 0; i < distinct_tokens; ++i) {
    tokens.push_back(token_number(i));
    subs.push_back("user-" + std::to_string(i) + std::string(i % 40, 'u'));
    jtis.push_back("jti-" + std::to_string(i * 7919));
  }
  auto expected = [&](std::size_t i) {
    claims_to_cache c;
    c.alg = static_cast<algorithm>(i % kAlgorithmCount);
    c.generation = 1;
    c.exp = kNow + 1000 + static_cast<double>(i);
    c.iat = kNow - static_cast<double>(i);
    if (i % 3) c.nbf = kNow - 2 * static_cast<double>(i);
    c.kid = (i % 2) ? std::optional<std::string_view>("kid-odd") : std::nullopt;
    c.sub = subs[i];
    c.jti = jtis[i];
    return c;
  };
  std::atomic<std::uint64_t> hits{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(t) * 1'000'003u + 17u);
      cached_claims got;
      for (int op = 0; op < kOpsPerThread; ++op) {
        const std::size_t i = rng() % distinct_tokens;
        if (!cache.lookup(tokens[i], at(kNow, 1), &got)) {
          cache.insert(tokens[i], expected(i), kNow);
          continue;
        }
        hits.fetch_add(1, std::memory_order_relaxed);
        const claims_to_cache want = expected(i);
        const bool same = got.alg() == want.alg && got.generation() == want.generation &&
                          got.exp() == want.exp && got.nbf() == want.nbf && got.iat() == want.iat &&
                          got.kid() == want.kid && got.iss() == want.iss && got.sub() == want.sub &&
                          got.jti() == want.jti;
        if (!same) wrong.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0u);
  EXPECT_GT(hits.load(), 0u);
  const token_cache_stats s = cache.stats();
  EXPECT_EQ(s.hits + s.misses, static_cast<std::uint64_t>(kThreads) * kOpsPerThread);
  EXPECT_LE(cache.size(), cache.capacity());
}

TEST(TokenCache, ConcurrentReadersAndWritersNeverSeeTornEntries) {
  token_cache_options o;
  o.capacity = 512;  // smaller than the token set: constant eviction while others read
  token_cache cache(o);
  hammer(cache, 3 * cache.capacity() / 2);
}

TEST(TokenCache, ConcurrentReadersAndWritersOnOneBucket) {
  token_cache_options o;
  o.hash_override = same_hash_for_all;  // every token in the same eight ways: maximal overwrites
  token_cache cache(o);
  hammer(cache, 2 * token_cache::kWays);
}

}  // namespace
}  // namespace jwtx
