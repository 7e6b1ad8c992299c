// latency_histogram and status_counters: exact counts, percentile error bound against a sorted
// reference, edge values, merge, reset, and one writer + one concurrent reader (run under TSan).
#include "engine/runtime/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

namespace jwtx {
namespace {

using H = latency_histogram;

// The nearest-rank p-th percentile of a sorted reference, as the header defines it.
std::uint64_t reference_percentile(const std::vector<std::uint64_t>& sorted, double p) {
  if (p <= 0) return sorted.front();
  if (p >= 100) return sorted.back();
  const double r = std::ceil(p * static_cast<double>(sorted.size()) / 100.0);
  const auto rank = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(r), 1, sorted.size());
  return sorted[rank - 1];
}

// Checks the documented bound v <= x <= v + v/128 for many percentiles.
void expect_percentiles_within_bound(std::vector<std::uint64_t> values) {
  H h;
  for (std::uint64_t v : values) h.record(v);
  std::sort(values.begin(), values.end());
  ASSERT_EQ(h.count(), values.size());
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
  for (double p : {0.0, 0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    const std::uint64_t want = reference_percentile(values, p);
    const std::uint64_t got = h.value_at_percentile(p);
    EXPECT_GE(got, want) << "p=" << p;
    EXPECT_LE(got, want + want / H::kSubBuckets) << "p=" << p;
  }
}

TEST(LatencyHistogram, EmptyReportsZeros) {
  H h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.value_at_percentile(50), 0u);
  const latency_summary s = summarize(h);
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.p999, 0u);
}

TEST(LatencyHistogram, CountsMinMaxMeanAreExact) {
  H h;
  std::uint64_t sum = 0;
  for (std::uint64_t v = 1; v <= 100000; v += 7) {
    h.record(v * 13);
    sum += v * 13;
  }
  EXPECT_EQ(h.count(), 14286u);
  EXPECT_EQ(h.min(), 13u);
  EXPECT_EQ(h.max(), 99996u * 13u);
  EXPECT_DOUBLE_EQ(h.mean(), static_cast<double>(sum) / 14286.0);
  EXPECT_EQ(h.overflow(), 0u);
}

TEST(LatencyHistogram, BucketLayoutIsContiguousAndWithinRelativeError) {
  // Every bucket starts right after the previous one ends, maps back to itself, and is at most
  // 1/128 of its lower edge wide (exact, width 1, below 256).
  EXPECT_EQ(H::bucket_lower(0), 0u);
  for (std::size_t i = 0; i < H::kBucketCount; ++i) {
    const std::uint64_t lo = H::bucket_lower(i), hi = H::bucket_upper(i);
    ASSERT_EQ(H::bucket_index(lo), i);
    ASSERT_EQ(H::bucket_index(hi), i);
    if (i + 1 < H::kBucketCount) {
      ASSERT_EQ(H::bucket_lower(i + 1), hi + 1) << i;
    }
    if (lo < 256) {
      ASSERT_EQ(lo, hi);
    } else {
      ASSERT_LE(hi - lo + 1, lo / H::kSubBuckets) << i;
    }
  }
  EXPECT_EQ(H::bucket_upper(H::kBucketCount - 1), H::kMaxTrackable);
}

TEST(LatencyHistogram, EdgeValues) {
  H h;
  for (std::uint64_t v :
       {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{255}, std::uint64_t{256},
        std::uint64_t{257}, std::uint64_t{511}, std::uint64_t{512}, H::kMaxTrackable}) {
    h.reset();
    h.record(v);
    EXPECT_EQ(h.count(), 1u) << v;
    EXPECT_EQ(h.min(), v);
    EXPECT_EQ(h.max(), v);
    // A single value: every percentile is that value exactly (clamped to [min, max]).
    EXPECT_EQ(h.value_at_percentile(50), v);
    EXPECT_EQ(h.overflow(), 0u);
  }
  // Exact below 256: 0, 1 and 255 are told apart at every percentile.
  h.reset();
  h.record(0);
  h.record(1);
  h.record(255);
  EXPECT_EQ(h.value_at_percentile(33), 0u);
  EXPECT_EQ(h.value_at_percentile(34), 1u);
  EXPECT_EQ(h.value_at_percentile(67), 255u);
  // Above 256 the report is the bucket's upper edge: 257 shares [256, 257] with 256.
  h.reset();
  h.record(256);
  h.record(1000);
  EXPECT_EQ(h.value_at_percentile(50), 257u);
}

TEST(LatencyHistogram, ValuesAboveTheRangeClampAndCountAsOverflow) {
  H h;
  h.record(H::kMaxTrackable + 1);
  h.record(UINT64_MAX);
  h.record(5);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.overflow(), 2u);
  EXPECT_EQ(h.max(), H::kMaxTrackable);
  EXPECT_EQ(h.value_at_percentile(100), H::kMaxTrackable);
  EXPECT_EQ(h.value_at_percentile(50), H::kMaxTrackable);
  EXPECT_EQ(h.value_at_percentile(10), 5u);
}

TEST(LatencyHistogram, PercentilesOfUniformValuesWithinBound) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::uint64_t> d(0, 10'000'000);
  std::vector<std::uint64_t> v(200000);
  for (auto& x : v) x = d(rng);
  expect_percentiles_within_bound(std::move(v));
}

TEST(LatencyHistogram, PercentilesOfLogNormalValuesWithinBound) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> d(std::log(50'000.0), 1.5);  // ~50 µs median, long tail
  std::vector<std::uint64_t> v(200000);
  for (auto& x : v) x = static_cast<std::uint64_t>(std::min(d(rng), 3.6e12));
  expect_percentiles_within_bound(std::move(v));
}

TEST(LatencyHistogram, PercentilesOfFewValuesWithinBound) {
  std::mt19937_64 rng(3);
  for (int n : {1, 2, 3, 10, 99, 100, 101, 1000}) {
    std::uniform_int_distribution<std::uint64_t> d(0, 1'000'000'000);
    std::vector<std::uint64_t> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = d(rng);
    expect_percentiles_within_bound(std::move(v));
  }
}

TEST(LatencyHistogram, OddPercentileArgumentsAreSafe) {
  H h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.value_at_percentile(-5), 1u);
  EXPECT_EQ(h.value_at_percentile(250), 100u);
  EXPECT_EQ(h.value_at_percentile(std::nan("")), 0u);
  EXPECT_EQ(h.value_at_percentile(99), 99u);  // nearest rank: 99 of 100, not 100
  EXPECT_EQ(h.value_at_percentile(1e-9), 1u);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingIntoOne) {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> d(std::log(20'000.0), 2.0);
  H a, b, all;
  for (int i = 0; i < 50000; ++i) {
    const auto v = static_cast<std::uint64_t>(d(rng));
    (i % 3 == 0 ? a : b).record(v);
    all.record(v);
  }
  a.record(UINT64_MAX);
  all.record(UINT64_MAX);
  H merged;
  merged.merge_from(a);
  merged.merge_from(b);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_EQ(merged.overflow(), 1u);
  EXPECT_DOUBLE_EQ(merged.mean(), all.mean());
  for (double p = 0; p <= 100; p += 0.5) {
    EXPECT_EQ(merged.value_at_percentile(p), all.value_at_percentile(p)) << p;
  }
  // Merging an empty histogram changes nothing (its min must not leak in as UINT64_MAX or 0).
  H empty;
  merged.merge_from(empty);
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.count(), all.count());
}

TEST(LatencyHistogram, ResetForgetsEverything) {
  H h;
  for (std::uint64_t v = 1000; v < 2000; ++v) h.record(v);
  h.record(UINT64_MAX);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.overflow(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.value_at_percentile(99), 0u);
  h.record(7);
  EXPECT_EQ(h.min(), 7u);
  EXPECT_EQ(h.max(), 7u);
  EXPECT_EQ(h.value_at_percentile(1), 7u);
}

TEST(LatencyHistogram, SummaryMatchesTheQueries) {
  H h;
  for (std::uint64_t v = 1; v <= 10000; ++v) h.record(v * 100);
  const latency_summary s = summarize(h);
  EXPECT_EQ(s.count, 10000u);
  EXPECT_EQ(s.min, 100u);
  EXPECT_EQ(s.max, 1'000'000u);
  EXPECT_EQ(s.p50, h.value_at_percentile(50));
  EXPECT_EQ(s.p90, h.value_at_percentile(90));
  EXPECT_EQ(s.p99, h.value_at_percentile(99));
  EXPECT_EQ(s.p999, h.value_at_percentile(99.9));
  EXPECT_GE(s.p999, 999'000u);
  EXPECT_LE(s.p999, 999'000u + 999'000u / 128);
  EXPECT_DOUBLE_EQ(s.mean, 500'050.0);
}

TEST(LatencyHistogram, ConcurrentReaderSeesMonotonicCountsAndFinalMergeIsExact) {
  // One owner records; a reader merges snapshots the whole time. No RMW on the owner's side, so
  // this is the test TSan must pass (build-tsan).
  // The writer keeps recording until the reader has taken kSnapshots snapshots, so they overlap
  // however the two threads are scheduled.
  constexpr std::uint64_t kMinRecords = 200000;
  constexpr int kSnapshots = 50;
  H owner;
  std::atomic<int> snapshots{0};
  std::atomic<bool> done{false};
  std::uint64_t recorded = 0;
  std::thread writer([&] {
    for (std::uint64_t i = 0;
         i < kMinRecords || snapshots.load(std::memory_order_relaxed) < kSnapshots; ++i) {
      owner.record((i * 2654435761u) % 5'000'000);
      recorded = i + 1;
    }
    done.store(true, std::memory_order_release);
  });
  std::uint64_t last = 0;
  bool monotonic = true, bounded = true;
  H snap;
  while (!done.load(std::memory_order_acquire)) {
    snap.reset();
    snap.merge_from(owner);
    monotonic &= snap.count() >= last;
    // Torn or not, a snapshot never reports a value outside what was recorded.
    if (snap.count() > 0) bounded &= snap.value_at_percentile(99) <= 5'000'000 + 5'000'000 / 128;
    last = snap.count();
    snapshots.fetch_add(1, std::memory_order_relaxed);
  }
  writer.join();
  EXPECT_TRUE(monotonic);
  EXPECT_TRUE(bounded);
  EXPECT_GE(snapshots.load(), kSnapshots);
  H final_snap;
  final_snap.merge_from(owner);
  EXPECT_EQ(final_snap.count(), recorded);
  EXPECT_EQ(owner.count(), recorded);
  EXPECT_EQ(final_snap.max(), owner.max());
  EXPECT_EQ(final_snap.min(), owner.min());
  EXPECT_DOUBLE_EQ(final_snap.mean(), owner.mean());
  EXPECT_EQ(final_snap.value_at_percentile(50), owner.value_at_percentile(50));
}

TEST(StatusCounters, AddSnapshotTotalMergeReset) {
  status_counters a, b;
  for (int i = 0; i < 10; ++i) a.add(status::ok);
  a.add(status::bad_signature);
  b.add(status::expired);
  b.add(status::clock_invalid);  // the last value: the array covers kStatusCount
  b.add(status::ok);
  status_snapshot s = a.snapshot();
  EXPECT_EQ(s[status::ok], 10u);
  EXPECT_EQ(s[status::bad_signature], 1u);
  EXPECT_EQ(s.total(), 11u);
  a.merge_from(b);
  s = a.snapshot();
  EXPECT_EQ(s[status::ok], 11u);
  EXPECT_EQ(s[status::expired], 1u);
  EXPECT_EQ(s[status::clock_invalid], 1u);
  EXPECT_EQ(s.total(), 14u);
  a.reset();
  EXPECT_EQ(a.snapshot().total(), 0u);
  EXPECT_EQ(b.snapshot().total(), 3u);
}

TEST(StatusCounters, ConcurrentSnapshotsAreMonotonicAndFinalIsExact) {
  constexpr int kMinAdds = 200000;
  constexpr int kSnapshots = 50;
  status_counters owner;
  std::atomic<int> snapshots{0};
  std::atomic<bool> done{false};
  std::uint64_t added = 0;
  std::uint64_t added_ok = 0;
  std::thread writer([&] {
    for (int i = 0; i < kMinAdds || snapshots.load(std::memory_order_relaxed) < kSnapshots; ++i) {
      const auto s = static_cast<status>(i % kStatusCount);
      owner.add(s);
      ++added;
      added_ok += s == status::ok;
    }
    done.store(true, std::memory_order_release);
  });
  std::uint64_t last = 0;
  bool monotonic = true;
  while (!done.load(std::memory_order_acquire)) {
    status_counters merged;
    merged.merge_from(owner);
    const std::uint64_t t = merged.snapshot().total();
    monotonic &= t >= last;
    last = t;
    snapshots.fetch_add(1, std::memory_order_relaxed);
  }
  writer.join();
  EXPECT_TRUE(monotonic);
  const status_snapshot s = owner.snapshot();
  EXPECT_EQ(s.total(), added);
  EXPECT_EQ(s[status::ok], added_ok);
}

}  // namespace
}  // namespace jwtx
