// engine/runtime/mpmc_ring.h: FIFO order, full/empty answers, capacity rounding, non-trivial
// payloads, and a multi-producer multi-consumer stress run (also run under TSan).
#include "engine/runtime/mpmc_ring.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace jwtx {
namespace {

template <class T>
concept can_push_copy = requires(mpmc_ring<T>& r, const T& v) {
  r.try_push(v);
};

TEST(MpmcRing, CapacityIsRoundedUpToAPowerOfTwoOfAtLeastTwo) {
  EXPECT_EQ(mpmc_ring<int>(0).capacity(), 2u);
  EXPECT_EQ(mpmc_ring<int>(1).capacity(), 2u);
  EXPECT_EQ(mpmc_ring<int>(2).capacity(), 2u);
  EXPECT_EQ(mpmc_ring<int>(3).capacity(), 4u);
  EXPECT_EQ(mpmc_ring<int>(64).capacity(), 64u);
  EXPECT_EQ(mpmc_ring<int>(65).capacity(), 128u);
  EXPECT_EQ(mpmc_ring<int>(1000).capacity(), 1024u);
  EXPECT_THROW(mpmc_ring<int>(mpmc_ring<int>::kMaxCapacity + 1), std::length_error);
}

TEST(MpmcRing, SingleThreadFifoAcrossManyWrapArounds) {
  mpmc_ring<std::uint64_t> ring(8);
  std::uint64_t next_in = 0, next_out = 0;
  // Uneven batch sizes so head and tail cross the array end at every offset.
  for (int round = 0; round < 5000; ++round) {
    const int batch = 1 + round % 8;
    for (int i = 0; i < batch; ++i) ASSERT_TRUE(ring.try_push(next_in++));
    EXPECT_EQ(ring.size(), static_cast<std::size_t>(batch));
    for (int i = 0; i < batch; ++i) {
      std::uint64_t v = 0;
      ASSERT_TRUE(ring.try_pop(v));
      ASSERT_EQ(v, next_out++);
    }
    EXPECT_EQ(ring.size(), 0u);
  }
  EXPECT_GT(next_in, 8u * 1000);  // wrapped thousands of times
}

TEST(MpmcRing, FullRefusesPushAndEmptyRefusesPop) {
  mpmc_ring<int> ring(4);
  int out = -1;
  EXPECT_FALSE(ring.try_pop(out));
  EXPECT_EQ(out, -1);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ring.try_push(i));
  EXPECT_EQ(ring.size(), 4u);
  EXPECT_FALSE(ring.try_push(99));
  const int lvalue = 100;
  EXPECT_FALSE(ring.try_push(lvalue));
  ASSERT_TRUE(ring.try_pop(out));
  EXPECT_EQ(out, 0);
  EXPECT_TRUE(ring.try_push(4));  // one slot freed: exactly one push fits
  EXPECT_FALSE(ring.try_push(5));
  for (int want = 1; want <= 4; ++want) {
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out, want);
  }
  EXPECT_FALSE(ring.try_pop(out));
  EXPECT_EQ(ring.size(), 0u);
}

TEST(MpmcRing, MovesNonTrivialPayloadsWithoutLeaks) {
  mpmc_ring<std::string> strings(4);
  const std::string long_text(1000, 'x');  // beyond the small-string buffer: a heap block
  // std::string's copy may throw, so try_push(const T&) is not offered for it: the caller copies.
  static_assert(!can_push_copy<std::string>);
  static_assert(can_push_copy<int>);
  ASSERT_TRUE(strings.try_push(std::string(long_text)));
  std::string moved = long_text + "y";
  ASSERT_TRUE(strings.try_push(std::move(moved)));
  std::string out;
  ASSERT_TRUE(strings.try_pop(out));
  EXPECT_EQ(out, long_text);
  ASSERT_TRUE(strings.try_pop(out));
  EXPECT_EQ(out, long_text + "y");

  mpmc_ring<std::unique_ptr<int>> ptrs(2);
  auto p = std::make_unique<int>(7);
  ASSERT_TRUE(ptrs.try_push(std::move(p)));
  EXPECT_EQ(p, nullptr);
  ASSERT_TRUE(ptrs.try_push(std::make_unique<int>(8)));
  auto refused = std::make_unique<int>(9);
  EXPECT_FALSE(ptrs.try_push(std::move(refused)));
  ASSERT_NE(refused, nullptr);  // a refused push leaves the argument intact
  EXPECT_EQ(*refused, 9);
  std::unique_ptr<int> got;
  ASSERT_TRUE(ptrs.try_pop(got));
  EXPECT_EQ(*got, 7);
  // One item (8) and long strings stay queued: the destructors must free them (ASan: no leak).
  ASSERT_TRUE(strings.try_push(std::string(long_text)));
}

// Counts live objects so the test sees the ring destroy what is left in it.
struct counted {
  static inline std::atomic<int> live{0};
  int value = 0;
  counted() noexcept { ++live; }
  explicit counted(int v) noexcept : value(v) { ++live; }
  counted(counted&& o) noexcept : value(o.value) { ++live; }
  counted& operator=(counted&& o) noexcept = default;
  ~counted() { --live; }
};

TEST(MpmcRing, DestructorDestroysQueuedItemsOnly) {
  {
    mpmc_ring<counted> ring(8);
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(ring.try_push(counted(i)));
    counted out;
    ASSERT_TRUE(ring.try_pop(out));
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(counted::live.load(), 4 + 1);  // 4 queued + `out`
  }
  EXPECT_EQ(counted::live.load(), 0);
}

// 4 producers × 4 consumers: every item popped exactly once, and each consumer sees each
// producer's items in increasing order (FIFO per producer).
TEST(MpmcRing, StressEveryItemPoppedOnceInPerProducerOrder) {
  constexpr int kProducers = 4, kConsumers = 4;
  constexpr std::uint32_t kPerProducer = 100000;
  mpmc_ring<std::uint64_t> ring(64);  // small, so producers hit "full" and wrap constantly
  std::vector<std::atomic<std::uint8_t>> seen(kProducers * kPerProducer);
  std::atomic<std::uint64_t> popped{0};
  std::atomic<int> order_violations{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&ring, p] {
      for (std::uint32_t i = 0; i < kPerProducer; ++i) {
        const std::uint64_t tagged = (std::uint64_t(p) << 32) | i;
        while (!ring.try_push(tagged)) std::this_thread::yield();
      }
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      std::int64_t last[kProducers] = {-1, -1, -1, -1};
      std::uint64_t v = 0;
      while (popped.load(std::memory_order_relaxed) < kProducers * kPerProducer) {
        if (!ring.try_pop(v)) {
          std::this_thread::yield();
          continue;
        }
        popped.fetch_add(1, std::memory_order_relaxed);
        const auto p = static_cast<int>(v >> 32);
        const auto i = static_cast<std::uint32_t>(v);
        if (i <= last[p]) order_violations.fetch_add(1, std::memory_order_relaxed);
        last[p] = i;
        seen[std::size_t(p) * kPerProducer + i].fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(order_violations.load(), 0);
  std::size_t missing = 0, duplicated = 0;
  for (auto& s : seen) {
    missing += s.load() == 0;
    duplicated += s.load() > 1;
  }
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicated, 0u);
  std::uint64_t leftover = 0;
  EXPECT_FALSE(ring.try_pop(leftover));
}

// Consumers stalled: producers on several threads fill the ring, then every further push returns
// false at once (a generous bound, not a timing assertion).
TEST(MpmcRing, PushNeverBlocksWhenFullWithConsumersStalled) {
  mpmc_ring<int> ring(16);
  std::atomic<int> accepted{0}, refused{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> producers;
  for (int t = 0; t < 3; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) (ring.try_push(i) ? accepted : refused)++;
    });
  }
  for (auto& t : producers) t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(accepted.load(), 16);
  EXPECT_EQ(refused.load(), 3 * 10000 - 16);
  EXPECT_EQ(ring.size(), 16u);
}

}  // namespace
}  // namespace jwtx
