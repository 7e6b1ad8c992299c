// revocation_set: exact answers behind the Bloom filter, exp bookkeeping, freshness, and lock-free
// readers racing writers (suites named Revocation* run under TSan, scripts/sanitize.sh).
#include "engine/revocation/revocation.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "engine/keys/key_store.h"
#include "engine/runtime/rcu.h"
#include "engine/verifier.h"
#include "tests/test_support.h"

namespace jwtx {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNow = testing::kNow;

std::string jti_n(std::size_t i) { return "jti-" + std::to_string(i); }

TEST(Revocation, EmptySetContainsNothing) {
  revocation_set s;
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.contains(""));
  EXPECT_FALSE(s.contains("x"));
  EXPECT_FALSE(s.remove("x"));
  EXPECT_EQ(s.purge_expired(kNow), 0u);
  const revocation_stats st = s.stats();
  EXPECT_EQ(st.lookups, 2u);
  EXPECT_EQ(st.bloom_negatives, 2u);
  EXPECT_EQ(st.hits, 0u);
  EXPECT_EQ(st.publications, 0u);  // nothing changed, nothing published
}

TEST(Revocation, AddRemoveContains) {
  revocation_set s;
  s.add("a");
  s.add("b", kNow + 10);
  EXPECT_EQ(s.size(), 2u);
  EXPECT_TRUE(s.contains("a"));
  EXPECT_TRUE(s.contains("b"));
  EXPECT_FALSE(s.contains("c"));
  EXPECT_FALSE(s.contains("A"));   // exact bytes, no case folding
  EXPECT_FALSE(s.contains("a "));  // nor trimming
  EXPECT_FALSE(s.contains(""));
  EXPECT_TRUE(s.remove("a"));
  EXPECT_FALSE(s.remove("a"));
  EXPECT_FALSE(s.contains("a"));
  EXPECT_TRUE(s.contains("b"));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_TRUE(s.remove("b"));
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.contains("b"));
  EXPECT_EQ(s.stats().publications, 4u);
}

TEST(Revocation, OddBytesAreJustBytes) {
  revocation_set s;
  const std::string with_nul("ab\0cd", 5);
  const std::string utf8 = "\xC3\xA9t\xC3\xA9-\xE2\x82\xAC-\xF0\x9F\x94\x91";  // été-€-🔑
  const std::string invalid_utf8 = "\xFF\xFE\xC0\x80";
  const std::string very_long(1 << 20, 'j');
  s.add("");  // an empty jti is a value like any other
  s.add(with_nul);
  s.add(utf8);
  s.add(invalid_utf8);
  s.add(very_long);
  EXPECT_EQ(s.size(), 5u);
  EXPECT_TRUE(s.contains(""));
  EXPECT_TRUE(s.contains(with_nul));
  EXPECT_FALSE(s.contains("ab"));                      // stops at the NUL: different value
  EXPECT_FALSE(s.contains(std::string("ab\0ce", 5)));  // differs after it
  EXPECT_TRUE(s.contains(utf8));
  EXPECT_TRUE(s.contains(invalid_utf8));
  EXPECT_TRUE(s.contains(very_long));
  EXPECT_FALSE(s.contains(very_long.substr(1)));
  EXPECT_FALSE(s.contains(very_long + "j"));
  EXPECT_TRUE(s.remove(""));
  EXPECT_FALSE(s.contains(""));
  EXPECT_TRUE(s.contains(with_nul));
}

TEST(Revocation, LaterExpWins) {
  revocation_options o;
  o.retention_seconds = 0;
  revocation_set s(o);
  s.add("x", kNow + 100);
  s.add("x", kNow + 10);  // earlier: ignored, and nothing is published for it
  EXPECT_EQ(s.stats().publications, 1u);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.purge_expired(kNow + 50), 0u);
  EXPECT_TRUE(s.contains("x"));
  s.add("x", kNow + 200);  // later: replaces
  EXPECT_EQ(s.purge_expired(kNow + 150), 0u);
  EXPECT_TRUE(s.contains("x"));
  EXPECT_EQ(s.purge_expired(kNow + 201), 1u);
  EXPECT_FALSE(s.contains("x"));
  // add_many with the same jti twice keeps the later one too.
  const std::vector<revocation_entry> twice = {{"y", kNow + 300}, {"y", kNow + 30}};
  s.add_many(twice);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.purge_expired(kNow + 100), 0u);
  EXPECT_TRUE(s.contains("y"));
}

TEST(Revocation, PurgeBoundaryIsExactlyExpPlusGrace) {
  revocation_options o;
  o.retention_seconds = 300;
  revocation_set s(o);
  s.add("edge", kNow);
  s.add("later", kNow + 1);
  s.add("forever");                            // default exp: +infinity
  s.add("nan", std::nan(""));                  // unknown exp: kept like +infinity
  EXPECT_EQ(s.purge_expired(kNow + 300), 0u);  // now == exp + grace: still kept
  EXPECT_TRUE(s.contains("edge"));
  EXPECT_EQ(s.purge_expired(std::nextafter(kNow + 300, kInf)), 1u);  // just past it: dropped
  EXPECT_FALSE(s.contains("edge"));
  EXPECT_TRUE(s.contains("later"));
  EXPECT_EQ(s.purge_expired(kNow + 1e9), 1u);
  EXPECT_EQ(s.purge_expired(kInf), 0u);  // inf > inf + grace is false: never purged
  EXPECT_TRUE(s.contains("forever"));
  EXPECT_TRUE(s.contains("nan"));
  EXPECT_EQ(s.size(), 2u);
  // A very negative exp (a token that expired long ago) purges at once.
  s.add("ancient", -1e18);
  EXPECT_EQ(s.purge_expired(0), 1u);
  EXPECT_EQ(s.size(), 2u);
}

TEST(Revocation, ReplaceAllDropsOnlyEntriesPastGrace) {
  revocation_options o;
  o.retention_seconds = 60;
  revocation_set s(o);
  s.add("old-1");
  s.add("old-2");
  const std::vector<revocation_entry> fresh = {
      {"keep-edge", kNow - 60},                    // now == exp + grace: kept
      {"drop", std::nextafter(kNow - 60, -kInf)},  // just past: dropped
      {"keep-future", kNow + 3600},
      {"keep-inf", kInf},
      {"dup", kNow - 1000},  // past grace on its own ...
      {"dup", kNow + 10},    // ... but this one is live
      {"", kNow},
  };
  s.replace_all(fresh, kNow);
  EXPECT_FALSE(s.contains("old-1"));
  EXPECT_FALSE(s.contains("old-2"));
  EXPECT_TRUE(s.contains("keep-edge"));
  EXPECT_FALSE(s.contains("drop"));
  EXPECT_TRUE(s.contains("keep-future"));
  EXPECT_TRUE(s.contains("keep-inf"));
  EXPECT_TRUE(s.contains("dup"));
  EXPECT_TRUE(s.contains(""));
  EXPECT_EQ(s.size(), 5u);
  s.replace_all({}, kNow);  // the fleet's list is empty
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.contains("keep-inf"));
}

TEST(Revocation, BloomFilterAnswersAbsentJtisAt100kEntries) {
  constexpr std::size_t kEntries = 100'000;
  revocation_set s;
  std::vector<revocation_entry> entries;
  entries.reserve(kEntries);
  for (std::size_t i = 0; i < kEntries; ++i) entries.push_back({jti_n(i), kNow + 3600});
  s.add_many(entries);
  EXPECT_EQ(s.size(), kEntries);
  EXPECT_EQ(s.stats().publications, 1u);
  for (std::size_t i = 0; i < kEntries; i += 97) ASSERT_TRUE(s.contains(jti_n(i))) << i;
  const revocation_stats before = s.stats();
  EXPECT_EQ(before.hits, before.lookups);
  constexpr std::size_t kAbsent = 100'000;
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < kAbsent; ++i) wrong += s.contains("absent-" + std::to_string(i));
  EXPECT_EQ(wrong, 0u);  // false positives cost a probe, never a wrong answer
  const revocation_stats after = s.stats();
  const std::uint64_t lookups = after.lookups - before.lookups;
  const std::uint64_t negatives = after.bloom_negatives - before.bloom_negatives;
  EXPECT_EQ(lookups, kAbsent);
  EXPECT_EQ(after.hits, before.hits);
  // 10 bits an entry (rounded up to a power of two) and k = 7: about 1 % false positives.
  const double fp_rate = 1.0 - static_cast<double>(negatives) / static_cast<double>(lookups);
  std::printf("[revocation] false-positive rate at %zu entries: %.4f\n", kEntries, fp_rate);
  EXPECT_LT(fp_rate, 0.02);
  EXPECT_GE(negatives, kAbsent * 98 / 100);
}

TEST(Revocation, FewerBitsPerEntryMeansMoreFalsePositivesButSameAnswers) {
  revocation_options o;
  o.bloom_bits_per_entry = 1;  // a deliberately weak filter: the exact table still decides
  revocation_set s(o);
  std::vector<revocation_entry> entries;
  for (std::size_t i = 0; i < 4096; ++i) entries.push_back({jti_n(i), kInf});
  s.add_many(entries);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < 20000; ++i) wrong += s.contains("other-" + std::to_string(i));
  for (std::size_t i = 0; i < 4096; ++i) wrong += !s.contains(jti_n(i));
  EXPECT_EQ(wrong, 0u);
  const revocation_stats st = s.stats();
  EXPECT_LT(st.bloom_negatives, 20000u * 9 / 10);  // the filter lets through far more
  EXPECT_EQ(st.hits, 4096u);
}

TEST(Revocation, SyncedAtSemantics) {
  revocation_set never_synced;
  EXPECT_EQ(never_synced.synced_at(), kInf);  // nobody syncs it: always fresh
  never_synced.mark_unsynced();
  EXPECT_EQ(never_synced.synced_at(), 0.0);  // a feed that never got through: stale since ever
  never_synced.mark_unsynced();
  EXPECT_EQ(never_synced.synced_at(), 0.0);

  revocation_set s;
  s.mark_synced(kNow);
  EXPECT_EQ(s.synced_at(), kNow);
  s.mark_unsynced();  // keeps the last good time: the list ages from there
  EXPECT_EQ(s.synced_at(), kNow);
  s.mark_synced(kNow + 5);
  EXPECT_EQ(s.synced_at(), kNow + 5);
  s.mark_unsynced();
  EXPECT_EQ(s.synced_at(), kNow + 5);
  // Freshness is independent of the content.
  s.add("x");
  s.replace_all({}, kNow);
  EXPECT_EQ(s.synced_at(), kNow + 5);
}

TEST(Revocation, ConcurrentReadersAlwaysSeeStableEntries) {
  // Readers look up a jti added before they start (must always be seen), one never added (must
  // never be seen) and churned ones (either answer is fine), while a writer adds, removes,
  // replaces everything and purges. Under TSan this also checks the RCU publication.
  revocation_set s;
  s.add("stable", kInf);
  std::atomic<bool> stop{false};
  std::atomic<long> missed_stable{0}, ghost{0}, reads{0};
  std::atomic<int> started{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      long n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (!s.contains("stable")) missed_stable++;
        if (s.contains("never-added")) ghost++;
        (void)s.contains(jti_n(static_cast<std::size_t>(n + t) % 64));
        (void)s.size();
        if (n++ == 0) started++;
      }
      reads += n;
    });
  }
  // On a loaded machine the writer could finish before any reader runs: start it once all read.
  while (started.load() < 3) std::this_thread::yield();
  for (int i = 0; i < 300; ++i) {
    s.add(jti_n(static_cast<std::size_t>(i) % 64), kNow + i);
    if (i % 3 == 0) s.remove(jti_n(static_cast<std::size_t>(i / 3) % 64));
    if (i % 50 == 0) {
      std::vector<revocation_entry> all = {{"stable", kInf}};
      for (int j = 0; j < 100; ++j) all.push_back({jti_n(static_cast<std::size_t>(j)), kNow});
      s.replace_all(all, kNow);
    }
    if (i % 25 == 0) s.purge_expired(kNow + 100);
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(missed_stable.load(), 0);
  EXPECT_EQ(ghost.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_TRUE(s.contains("stable"));
  const revocation_stats st = s.stats();
  EXPECT_GE(st.lookups, static_cast<std::uint64_t>(reads.load()) * 3);  // summed over stripes
  EXPECT_GT(st.publications, 300u);
}

// Sources compose: replacing one (a Redis reload) never drops another's entries (a file, the
// program's own adds); a jti listed by two sources stays until both drop it.
TEST(Revocation, SourcesAreReplacedIndependently) {
  revocation_set s;
  revocation_source file = s.source("file revoked.txt");
  revocation_source feed = s.source("redis a:1/k");
  EXPECT_EQ(s.source("file revoked.txt").size(), 0u);  // same name, same source
  EXPECT_EQ(file.add_lines("from-file\nshared\n"), 2u);
  s.add("from-program");
  const std::vector<revocation_entry> fleet = {{"from-redis", kInf}, {"shared", kNow + 60}};
  feed.replace_all(fleet, kNow);
  EXPECT_EQ(s.size(), 4u);  // distinct jtis over all sources
  EXPECT_EQ(file.size(), 2u);
  EXPECT_EQ(feed.size(), 2u);
  feed.replace_all({}, kNow);  // the fleet's list is now empty
  EXPECT_FALSE(s.contains("from-redis"));
  EXPECT_TRUE(s.contains("from-file"));
  EXPECT_TRUE(s.contains("shared"));  // still listed by the file
  EXPECT_TRUE(s.contains("from-program"));
  EXPECT_EQ(s.size(), 3u);
  feed.add("shared", kNow);
  EXPECT_TRUE(feed.remove("shared"));
  EXPECT_TRUE(s.contains("shared"));
  EXPECT_FALSE(feed.remove("from-file"));  // not this source's to remove
  EXPECT_TRUE(s.contains("from-file"));
  s.replace_all({}, kNow);  // the default source: the program's own entries only
  EXPECT_FALSE(s.contains("from-program"));
  EXPECT_TRUE(s.contains("from-file"));
  EXPECT_EQ(&file.set(), &s);
}

// The latest exp among the sources that list a jti decides when it is purged.
TEST(Revocation, PurgeUsesEachSourcesOwnExp) {
  revocation_options o;
  o.retention_seconds = 0;
  revocation_set s(o);
  revocation_source a = s.source("a");
  a.add("j", kNow + 10);
  s.add("j", kNow + 100);
  EXPECT_EQ(s.purge_expired(kNow + 50), 0u);  // left source a, still in the default source
  EXPECT_EQ(a.size(), 0u);
  EXPECT_TRUE(s.contains("j"));
  EXPECT_EQ(s.purge_expired(kNow + 101), 1u);
  EXPECT_FALSE(s.contains("j"));
}

TEST(Revocation, SyncedAtIsTheOldestSource) {
  revocation_set s;
  revocation_source a = s.source("a"), b = s.source("b");
  EXPECT_EQ(s.synced_at(), kInf);
  a.mark_synced(kNow);
  EXPECT_EQ(s.synced_at(), kNow);
  b.mark_unsynced();  // a feed that never got through makes the whole set stale
  EXPECT_EQ(s.synced_at(), 0.0);
  b.mark_synced(kNow + 10);
  EXPECT_EQ(s.synced_at(), kNow);
  a.mark_synced(kNow + 20);
  EXPECT_EQ(s.synced_at(), kNow + 10);
  EXPECT_EQ(a.synced_at(), kNow + 20);
}

// The bulk paths (add_lines, add_many) give exactly the set that one add() per entry gives.
TEST(Revocation, BulkLoadEqualsOneByOneAdds) {
  std::string text;
  std::vector<revocation_entry> entries;
  for (std::size_t i = 0; i < 3000; ++i) {
    const std::string jti = jti_n(i % 2500);  // some duplicates
    text += jti + (i % 7 == 0 ? "\r\n" : "\n");
    if (i % 11 == 0) text += "\n\r\n";  // blank lines (CRLF too) are skipped
    entries.push_back({jti, kInf});
  }
  text += " spaced \nlast-without-newline";
  entries.push_back({" spaced ", kInf});  // nothing but a trailing '\r' is trimmed
  entries.push_back({"last-without-newline", kInf});
  revocation_set one_by_one, lines, many;
  for (const auto& e : entries) one_by_one.add(e.jti, e.exp);
  EXPECT_EQ(lines.add_lines(text), entries.size());
  many.add_many(entries);
  EXPECT_EQ(lines.stats().publications, 1u);
  EXPECT_EQ(many.stats().publications, 1u);
  EXPECT_EQ(one_by_one.size(), 2502u);
  EXPECT_EQ(lines.size(), one_by_one.size());
  EXPECT_EQ(many.size(), one_by_one.size());
  for (std::size_t i = 0; i < 2600; ++i) {
    const std::string jti = jti_n(i);
    ASSERT_EQ(lines.contains(jti), one_by_one.contains(jti)) << jti;
    ASSERT_EQ(many.contains(jti), one_by_one.contains(jti)) << jti;
  }
  for (const char* odd : {" spaced ", "spaced", "last-without-newline", "", "\r"}) {
    EXPECT_EQ(lines.contains(odd), one_by_one.contains(odd)) << odd;
  }
}

// A revocation file of 200k lines loads in one publication and every jti is found (the CLI used
// to add them one copy-on-write publication at a time: quadratic, minutes for this size).
TEST(Revocation, LargeFileLoadsAndEveryJtiIsFound) {
  constexpr std::size_t kLines = 200'000;
  std::string text;
  for (std::size_t i = 0; i < kLines; ++i) text += jti_n(i) + "\n";
  revocation_set s;
  EXPECT_EQ(s.source("file big.txt").add_lines(text), kLines);
  EXPECT_EQ(s.size(), kLines);
  EXPECT_EQ(s.stats().publications, 1u);
  for (std::size_t i = 0; i < kLines; ++i) ASSERT_TRUE(s.contains(jti_n(i))) << i;
  EXPECT_FALSE(s.contains(jti_n(kLines)));
}

// A token verifies until exp + leeway; its revocation must be kept that long, whatever the
// set's own default retention (300 s). The verifier raises the set's retention to its leeway.
TEST(Revocation, RetentionCoversTheVerifierLeeway) {
  const auto& key = testing::key_for(algorithm::ES256);
  const std::string token =
      testing::craft(key, algorithm::ES256, testing::std_header(algorithm::ES256, ""),
                     testing::good_claims(R"("jti":"leewayed")"));
  constexpr double kExp = 1'700'000'600;  // good_claims' exp
  revocation_set s;
  EXPECT_EQ(s.retention_seconds(), 300);
  std::atomic<double> now{kExp + 500};
  verifier_options o = testing::default_options();
  o.claims.leeway_seconds = 600;
  o.claims.revoked = &s;
  o.claims.clock = [&now] { return now.load(); };
  const verifier v(testing::asymmetric_set(), o);
  EXPECT_EQ(s.retention_seconds(), 600);
  s.retain_at_least(60);  // never lowered
  EXPECT_EQ(s.retention_seconds(), 600);
  s.add("leewayed", kExp);  // revoked with the token's own exp

  EXPECT_EQ(s.purge_expired(now), 0u);  // the feed purges on its timer
  EXPECT_EQ(v.verify(token).status(), status::revoked);
  now = kExp + 599;
  EXPECT_EQ(s.purge_expired(now), 0u);
  EXPECT_EQ(v.verify(token).status(), status::revoked);
  const std::vector<revocation_entry> reload = {{"leewayed", kExp}};
  s.replace_all(reload, now);  // a reload keeps it too
  EXPECT_EQ(v.verify(token).status(), status::revoked);
  now = kExp + 600;  // the token is now expired: the entry may go
  EXPECT_EQ(v.verify(token).status(), status::expired);
  EXPECT_EQ(s.purge_expired(kExp + 601), 1u);
  EXPECT_EQ(v.verify(token).status(), status::expired);
  s.retain_at_least(std::nan(""));  // a broken leeway keeps entries rather than dropping them
  EXPECT_EQ(s.retention_seconds(), kInf);
}

// The verifier holds a key_store snapshot while it asks the revocation set: the inner RCU section
// must not end the outer one, or a key rotation could free the key set under the verifier.
TEST(RevocationRcu, NestedReadSectionsKeepTheOuterOneAlive) {
  key_set_builder b;
  b.add_jwk(testing::key_for(algorithm::EdDSA).public_jwk());
  auto first = b.build().set;
  key_store store(first);
  std::weak_ptr<const key_set> watch = first;
  first.reset();
  revocation_set s;
  s.add("x");
  std::atomic<bool> published{false};
  std::thread publisher;
  {
    key_store::snapshot outer = store.read();
    EXPECT_TRUE(s.contains("x"));  // enters and leaves a nested section
    EXPECT_FALSE(s.contains("y"));
    publisher = std::thread([&] {
      key_set_builder b2;
      b2.add_jwk(testing::key_for(algorithm::ES256).public_jwk());
      store.publish(b2.build().set);
      published = true;
    });
    // The publisher must still be waiting for |outer|; the old set must still be alive.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(published.load());
    EXPECT_FALSE(watch.expired());
    EXPECT_EQ(outer->keys().size(), 1u);
  }
  publisher.join();
  EXPECT_TRUE(published.load());
  EXPECT_TRUE(watch.expired());  // freed once the outer section ended
}

// More threads than RCU slots, every one of them inside a read section almost all the time (it
// sleeps while holding it): with one shared overflow counter that had to reach zero, publishers
// waited forever. Each publication must only wait for the sections already in progress.
TEST(RevocationRcu, OverflowReadersDoNotStarvePublishers) {
  revocation_set s;
  s.add("stable");
  std::atomic<bool> stop{false};
  std::atomic<int> overflow{0}, ready{0}, missed{0};
  std::vector<std::thread> readers;
  constexpr int kReaders = kRcuSlots + 48;
  for (int t = 0; t < kReaders; ++t) {
    readers.emplace_back([&] {
      if (rcu_thread_index() == kRcuSlots) overflow++;
      ready++;
      while (!stop.load()) {
        rcu_read_guard guard;
        if (!s.contains("stable")) missed++;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  while (ready.load() < kReaders) std::this_thread::yield();
  std::atomic<int> published{0};
  std::thread publisher([&] {
    for (int i = 0; i < 20; ++i) {
      s.add(jti_n(static_cast<std::size_t>(i)));
      published++;
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (published.load() < 20 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int done_in_time = published.load();
  stop = true;  // lets a starved publisher finish too, so the test ends either way
  publisher.join();
  for (auto& t : readers) t.join();
  EXPECT_GE(overflow.load(), 20);  // the test really ran threads without a slot
  EXPECT_EQ(done_in_time, 20) << "publications starved by overflow readers";
  EXPECT_EQ(missed.load(), 0);
  EXPECT_EQ(s.size(), 21u);
}

// More threads than RCU slots: the overflow readers still answer, and writers still finish.
TEST(Revocation, ManyThreadsBeyondTheSlotTable) {
  revocation_set s;
  s.add("stable");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 300; ++t) {
    threads.emplace_back([&] {
      if (s.contains("stable") && !s.contains("absent")) ok++;
    });
  }
  s.add("another");
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 300);
  EXPECT_EQ(s.stats().lookups, 600u);
}

}  // namespace
}  // namespace jwtx
