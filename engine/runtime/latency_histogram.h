// jwtx::latency_histogram and jwtx::status_counters — the instrumentation building blocks of the
// pipeline: per-worker, written by one thread, merged on read. No shared counter on the hot path.
//
// Layout (log-linear, HDR-style): values 0..255 ns each have their own bucket (exact); above that,
// every power of two [2^e, 2^(e+1)) is split into kSubBuckets = 128 linear sub-buckets of width
// 2^(e-7). A bucket's width is therefore at most 1/128 of its lower edge: any value reported for a
// bucket is within 0.79 % (1/128) of every value the bucket holds. The range is 0 .. kMaxTrackable
// = 2^42 - 1 ns (~73 minutes); a larger value is recorded as kMaxTrackable and counted in
// overflow(). 4608 buckets, 36 KiB, allocated once in the constructor (one 64-byte-aligned block,
// so two workers' histograms never share a cache line); nothing allocates afterwards.
//
// Percentiles (nearest rank): value_at_percentile(p) finds the rank r = max(1, ceil(p/100 * count))
// -th smallest recorded value and returns the UPPER edge of its bucket (the largest value that
// maps to that bucket), clamped to [min(), max()]. If the true r-th value is v, the result x
// satisfies v <= x <= v + v/128 (exact, x == v, below 256 ns). p <= 0 gives min(), p >= 100 max().
//
// Concurrency — ONE WRITER: every mutating call (record, merge_from into this, reset) must come
// from the single thread that owns the histogram (each pipeline worker owns its own). Any other
// thread may concurrently READ it (count, min, max, mean, value_at_percentile, or merge_from it
// into the reader's own histogram). Every field is a std::atomic written with a relaxed load +
// relaxed store (no read-modify-write, no lock prefix: a record costs the same as a plain
// increment) and read with relaxed loads, so this is race-free (TSan-clean) without making the
// owner pay for a shared atomic. The price: a snapshot taken while the owner records may be torn
// across buckets by the records in flight. Bucket counts only grow, so successive snapshots are
// monotonic; merge_from() takes the snapshot's count from the bucket counts it read, so the merged
// histogram is self-consistent, and its percentiles are off by at most the in-flight records;
// min/max/mean may lag or lead by those records too. Once the owner is quiescent (e.g. joined),
// a merge is exact.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>

#include "engine/status.h"

namespace jwtx {

class latency_histogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBucketBits;  // 128
  static constexpr int kMaxBits = 42;
  static constexpr std::uint64_t kMaxTrackable = (std::uint64_t{1} << kMaxBits) - 1;  // ~73 min
  static constexpr std::size_t kBucketCount =
      static_cast<std::size_t>((kMaxBits - kSubBucketBits + 1) * kSubBuckets);  // 4608

  // Allocates the buckets (the only allocation this class ever makes). Throws std::bad_alloc.
  latency_histogram();
  // Movable (to place per-worker histograms in containers); a moved-from histogram may only be
  // destroyed or assigned to.
  latency_histogram(latency_histogram&&) noexcept = default;
  latency_histogram& operator=(latency_histogram&&) noexcept = default;
  latency_histogram(const latency_histogram&) = delete;
  latency_histogram& operator=(const latency_histogram&) = delete;
  ~latency_histogram();

  // Records one value (nanoseconds). O(1), no allocation, no lock, no atomic RMW. Owner only.
  void record(std::uint64_t ns) noexcept {
    state& s = *state_;
    if (ns > kMaxTrackable) [[unlikely]] {
      bump(s.overflow, 1);
      ns = kMaxTrackable;
    }
    bump(s.buckets[bucket_index(ns)], 1);
    bump(s.count, 1);
    bump(s.sum, ns);
    if (ns < s.min.load(std::memory_order_relaxed)) s.min.store(ns, std::memory_order_relaxed);
    if (ns > s.max.load(std::memory_order_relaxed)) s.max.store(ns, std::memory_order_relaxed);
  }

  // Adds every value recorded in `other` to this histogram. `other` may be recording concurrently
  // on its own thread (see the header comment); this histogram's owner calls it. O(kBucketCount).
  void merge_from(const latency_histogram& other) noexcept;

  // Forgets everything. Owner only.
  void reset() noexcept;

  std::uint64_t count() const noexcept { return state_->count.load(std::memory_order_relaxed); }
  // Values above kMaxTrackable (recorded as kMaxTrackable).
  std::uint64_t overflow() const noexcept {
    return state_->overflow.load(std::memory_order_relaxed);
  }
  // Exact smallest / largest recorded value (after clamping); 0 when empty.
  std::uint64_t min() const noexcept;
  std::uint64_t max() const noexcept;
  // Exact mean of the recorded (clamped) values; 0 when empty.
  double mean() const noexcept;
  // See the header comment for the definition and the error bound. 0 when empty; NaN p gives 0.
  std::uint64_t value_at_percentile(double p) const noexcept;

  // The bucket a value falls in, and the value range a bucket covers (for tests and exporters).
  static constexpr std::size_t bucket_index(std::uint64_t v) noexcept {
    // Values below 2^(kSubBucketBits+1) map to themselves; above, shift so the top 8 bits remain.
    const int width = static_cast<int>(std::bit_width(v));
    const int shift = width > kSubBucketBits + 1 ? width - (kSubBucketBits + 1) : 0;
    return static_cast<std::size_t>((static_cast<std::uint64_t>(shift) << kSubBucketBits) +
                                    (v >> shift));
  }
  static constexpr std::uint64_t bucket_lower(std::size_t i) noexcept {
    const std::uint64_t octave = i >> kSubBucketBits;
    const std::uint64_t shift = octave > 0 ? octave - 1 : 0;
    return (i - (shift << kSubBucketBits)) << shift;
  }
  static constexpr std::uint64_t bucket_upper(std::size_t i) noexcept {
    const std::uint64_t octave = i >> kSubBucketBits;
    const std::uint64_t shift = octave > 0 ? octave - 1 : 0;
    return bucket_lower(i) + (std::uint64_t{1} << shift) - 1;
  }

 private:
  // One block, cache-line aligned, so neighbouring workers' histograms do not false-share.
  struct alignas(64) state {
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum{0};
    std::atomic<std::uint64_t> min{UINT64_MAX};
    std::atomic<std::uint64_t> max{0};
    std::atomic<std::uint64_t> overflow{0};
    std::array<std::atomic<std::uint64_t>, kBucketCount> buckets{};
  };
  // The one-writer increment: a relaxed load and store, not a fetch_add (no locked RMW).
  static void bump(std::atomic<std::uint64_t>& a, std::uint64_t by) noexcept {
    a.store(a.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }

  std::unique_ptr<state> state_;
};

// The figures a summary line, the capacity harness or a metrics exporter reads.
struct latency_summary {
  std::uint64_t count = 0;
  std::uint64_t min = 0;
  std::uint64_t p50 = 0;
  std::uint64_t p90 = 0;
  std::uint64_t p99 = 0;
  std::uint64_t p999 = 0;
  std::uint64_t max = 0;
  double mean = 0;
};
latency_summary summarize(const latency_histogram& h) noexcept;

// A copy of per-status counts (plain integers), as read from a status_counters.
struct status_snapshot {
  std::array<std::uint64_t, kStatusCount> counts{};
  std::uint64_t operator[](status s) const noexcept { return counts[static_cast<std::size_t>(s)]; }
  std::uint64_t total() const noexcept;
};

// How many results ended in each status. Same one-writer scheme as latency_histogram: add(),
// merge_from() into this and reset() by the owner only; snapshot() and merging it elsewhere from
// any thread (a snapshot may miss in-flight adds; counts only grow). No allocation at all.
class alignas(64) status_counters {
 public:
  void add(status s) noexcept {
    auto i = static_cast<std::size_t>(s);
    if (i >= counts_.size()) [[unlikely]] {
      i = static_cast<std::size_t>(status::internal_error);  // never for a real status value
    }
    counts_[i].store(counts_[i].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  void merge_from(const status_counters& other) noexcept;
  void reset() noexcept;
  status_snapshot snapshot() const noexcept;

 private:
  std::array<std::atomic<std::uint64_t>, kStatusCount> counts_{};
};

}  // namespace jwtx
