#include "engine/runtime/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace jwtx {

// The last bucket ends exactly at the range: a clamped value can never index past the array.
static_assert(latency_histogram::bucket_index(latency_histogram::kMaxTrackable) ==
              latency_histogram::kBucketCount - 1);
static_assert(latency_histogram::bucket_upper(latency_histogram::kBucketCount - 1) ==
              latency_histogram::kMaxTrackable);

latency_histogram::latency_histogram() : state_(std::make_unique<state>()) {}

latency_histogram::~latency_histogram() = default;

void latency_histogram::merge_from(const latency_histogram& other) noexcept {
  state& to = *state_;
  const state& from = *other.state_;
  // Read the summary fields before the buckets: whatever the owner records meanwhile lands in the
  // buckets too, and the count we add is the sum of the buckets we actually read, so the merged
  // histogram stays self-consistent (count == sum of buckets) even when the snapshot is torn.
  const std::uint64_t sum = from.sum.load(std::memory_order_relaxed);
  const std::uint64_t lo = from.min.load(std::memory_order_relaxed);
  const std::uint64_t hi = from.max.load(std::memory_order_relaxed);
  const std::uint64_t over = from.overflow.load(std::memory_order_relaxed);
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    const std::uint64_t c = from.buckets[i].load(std::memory_order_relaxed);
    if (c == 0) continue;
    n += c;
    bump(to.buckets[i], c);
  }
  if (n == 0) return;
  bump(to.count, n);
  bump(to.sum, sum);
  bump(to.overflow, over);
  if (lo < to.min.load(std::memory_order_relaxed)) to.min.store(lo, std::memory_order_relaxed);
  if (hi > to.max.load(std::memory_order_relaxed)) to.max.store(hi, std::memory_order_relaxed);
}

void latency_histogram::reset() noexcept {
  state& s = *state_;
  for (auto& b : s.buckets) b.store(0, std::memory_order_relaxed);
  s.count.store(0, std::memory_order_relaxed);
  s.sum.store(0, std::memory_order_relaxed);
  s.min.store(UINT64_MAX, std::memory_order_relaxed);
  s.max.store(0, std::memory_order_relaxed);
  s.overflow.store(0, std::memory_order_relaxed);
}

std::uint64_t latency_histogram::min() const noexcept {
  const std::uint64_t v = state_->min.load(std::memory_order_relaxed);
  return v == UINT64_MAX ? 0 : v;
}

std::uint64_t latency_histogram::max() const noexcept {
  return state_->max.load(std::memory_order_relaxed);
}

double latency_histogram::mean() const noexcept {
  const std::uint64_t n = count();
  if (n == 0) return 0;
  return static_cast<double>(state_->sum.load(std::memory_order_relaxed)) / static_cast<double>(n);
}

std::uint64_t latency_histogram::value_at_percentile(double p) const noexcept {
  const std::uint64_t n = count();
  if (n == 0 || std::isnan(p)) return 0;
  const std::uint64_t lo = min(), hi = max();
  if (p <= 0) return lo;
  if (p >= 100) return hi;
  // p * n / 100 rather than p / 100 * n: exact for integral p (99 of 100 is rank 99, not 100).
  const double exact_rank = std::ceil(p * static_cast<double>(n) / 100.0);
  const std::uint64_t rank =
      std::clamp<std::uint64_t>(static_cast<std::uint64_t>(exact_rank), 1, n);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    seen += state_->buckets[i].load(std::memory_order_relaxed);
    if (seen >= rank) return std::clamp(bucket_upper(i), std::min(lo, hi), hi);
  }
  return hi;  // only when read torn while the owner records: the rank lies in a bucket not seen yet
}

latency_summary summarize(const latency_histogram& h) noexcept {
  latency_summary s;
  s.count = h.count();
  s.min = h.min();
  s.p50 = h.value_at_percentile(50);
  s.p90 = h.value_at_percentile(90);
  s.p99 = h.value_at_percentile(99);
  s.p999 = h.value_at_percentile(99.9);
  s.max = h.max();
  s.mean = h.mean();
  return s;
}

std::uint64_t status_snapshot::total() const noexcept {
  std::uint64_t t = 0;
  for (std::uint64_t c : counts) t += c;
  return t;
}

void status_counters::merge_from(const status_counters& other) noexcept {
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    const std::uint64_t c = other.counts_[i].load(std::memory_order_relaxed);
    counts_[i].store(counts_[i].load(std::memory_order_relaxed) + c, std::memory_order_relaxed);
  }
}

void status_counters::reset() noexcept {
  for (auto& c : counts_) c.store(0, std::memory_order_relaxed);
}

status_snapshot status_counters::snapshot() const noexcept {
  status_snapshot s;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    s.counts[i] = counts_[i].load(std::memory_order_relaxed);
  }
  return s;
}

}  // namespace jwtx
