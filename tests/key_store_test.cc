// Rotation: publishing a new key set while verifications continue.
#include "engine/keys/key_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/test_support.h"

namespace jwtx {
namespace {

using testing::key_for;

std::shared_ptr<const key_set> set_of(std::initializer_list<algorithm> algs) {
  key_set_builder b;
  for (algorithm a : algs) b.add_jwk(key_for(a).public_jwk());
  auto r = b.build();
  if (!r) std::abort();
  return r.set;
}

TEST(Rotation, OldNewAndRemovedKeys) {
  auto store = std::make_shared<key_store>(set_of({algorithm::ES256}));
  verifier v(store, testing::default_options());
  const std::string old_token = key_for(algorithm::ES256).mint(testing::good_claims());
  const std::string new_token = key_for(algorithm::EdDSA).mint(testing::good_claims());
  EXPECT_EQ(v.verify(old_token).status(), status::ok);
  EXPECT_EQ(v.verify(new_token).status(), status::key_not_found);
  // Overlap period: both keys published.
  store->publish(set_of({algorithm::ES256, algorithm::EdDSA}));
  EXPECT_EQ(v.verify(old_token).status(), status::ok);
  EXPECT_EQ(v.verify(new_token).status(), status::ok);
  // Old key removed.
  store->publish(set_of({algorithm::EdDSA}));
  EXPECT_EQ(v.verify(old_token).status(), status::key_not_found);
  EXPECT_EQ(v.verify(new_token).status(), status::ok);
  EXPECT_EQ(store->current()->keys().size(), 1u);
}

TEST(Rotation, SnapshotKeepsTheSetItSawAndMoves) {
  auto first = set_of({algorithm::ES256});
  key_store store(first);
  {
    key_store::snapshot a = store.read();
    key_store::snapshot b = std::move(a);  // the moved-from guard releases nothing
    EXPECT_EQ(b.get(), first.get());
    EXPECT_EQ(b->keys().size(), 1u);
  }
  store.publish(set_of({algorithm::EdDSA, algorithm::ES384}));
  EXPECT_EQ(store.read()->keys().size(), 2u);
  EXPECT_EQ(store.current()->keys().size(), 2u);
  // The verifier exposes the store it reads and the options it was given.
  auto shared = std::make_shared<key_store>(first);
  verifier v(shared, testing::default_options());
  EXPECT_EQ(&v.keys(), shared.get());
  EXPECT_EQ(v.options().max_token_bytes, 16u * 1024);
}

TEST(Rotation, ConcurrentReadersSeeOnlyPublishedSets) {
  // Readers verify continuously while a writer flips between two sets; every answer must be
  // one that some published set gives, and no reader may observe a freed set (ASan/TSan).
  auto with_es = set_of({algorithm::ES256, algorithm::EdDSA});
  auto without_es = set_of({algorithm::EdDSA});
  auto store = std::make_shared<key_store>(with_es);
  verifier v(store, testing::default_options());
  const std::string es_token = key_for(algorithm::ES256).mint(testing::good_claims());
  const std::string ed_token = key_for(algorithm::EdDSA).mint(testing::good_claims());
  std::atomic<bool> stop{false};
  std::atomic<int> unexpected{0}, ok_es{0}, missing_es{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      verify_result r;
      while (!stop.load(std::memory_order_relaxed)) {
        v.verify(ed_token, r);
        if (!r.ok()) unexpected++;
        v.verify(es_token, r);
        if (r.ok()) {
          ok_es++;
        } else if (r.status() == status::key_not_found) {
          missing_es++;
        } else {
          unexpected++;
        }
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    store->publish(i % 2 ? with_es : set_of({algorithm::EdDSA}));
    std::this_thread::yield();
  }
  store->publish(with_es);
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_GT(ok_es.load() + missing_es.load(), 0);
  EXPECT_EQ(v.verify(es_token).status(), status::ok);
  (void)without_es;
}

TEST(Rotation, ManyThreadsBeyondTheSlotTableStillWork) {
  // More threads than reader slots fall back to the shared overflow counter.
  auto store = std::make_shared<key_store>(set_of({algorithm::EdDSA}));
  verifier v(store, testing::default_options());
  const std::string token = key_for(algorithm::EdDSA).mint(testing::good_claims());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 300; ++t) {
    threads.emplace_back([&] {
      if (v.verify(token).ok()) ok++;
    });
  }
  store->publish(set_of({algorithm::EdDSA}));
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 300);
}

}  // namespace
}  // namespace jwtx
