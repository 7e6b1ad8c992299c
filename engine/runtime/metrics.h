// jwtx::metrics — a small metrics registry and its Prometheus text exposition (format 0.0.4).
//
// Why not prometheus-cpp: Debian 12's prometheus-cpp-dev depends on libcurl4-openssl-dev (it
// conflicts with the GnuTLS flavour the JWKS fetcher uses, and would bring OpenSSL) and on
// civetweb; the runtime package alone ships no headers. The exposition format is small and
// specified; this file implements it and tests/metrics_test.cc checks the exact text.
//
// Model: a family is a metric name with one type and one HELP text; its series differ by label
// values. Series are registered up front (server start, config reload): registration and
// render() take the registry's mutex; updating a series never does: counter::inc, gauge::set/add
// and histogram::observe are lock-free atomics (no allocation, no exception), safe on the hot
// path from any number of threads. Callback series (counter_fn / gauge_fn) read a value at
// render time (queue depth, cache size, a remote_jwks's stats).
//
// Errors: registering an invalid metric or label name, a type or HELP that disagrees with the
// family's, a histogram with unsorted/non-finite bounds or an "le" label returns nullptr / false
// and sets *why. Registering the same family + labels twice returns the existing series.
// Ownership: series live as long as the registry; pointers to them stay valid.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/status.h"

namespace jwtx::metrics {

// Label name/value pairs, in the order they are rendered.
using labels = std::vector<std::pair<std::string, std::string>>;

class counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double d) noexcept {
    double cur = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
    }
  }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Fixed buckets (upper bounds, ascending, finite; +Inf is implicit). observe() is one atomic
// increment of a bucket plus a CAS loop on the sum: lock-free. A render concurrent with
// observations is consistent per bucket (the +Inf bucket and _count are the sum of the buckets
// it read); _sum may include observations whose bucket it did not read yet.
class histogram {
 public:
  explicit histogram(std::vector<double> upper_bounds);
  void observe(double v) noexcept;
  std::span<const double> upper_bounds() const noexcept { return bounds_; }
  // Non-cumulative count of bucket |i| (i == upper_bounds().size(): above the last bound).
  std::uint64_t bucket(std::size_t i) const noexcept {
    return buckets_[i].load(std::memory_order_relaxed);
  }
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 50 µs .. 2.5 s: token verification is tens of microseconds cached,
// a few hundred uncached; the tail shows queueing.
std::vector<double> default_latency_buckets();

class registry {
 public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  counter* add_counter(std::string_view name, std::string_view help, labels l,
                       std::string* why = nullptr);
  gauge* add_gauge(std::string_view name, std::string_view help, labels l,
                   std::string* why = nullptr);
  histogram* add_histogram(std::string_view name, std::string_view help, labels l,
                           std::vector<double> upper_bounds, std::string* why = nullptr);
  // Series whose value |fn| returns at render time (called under the registry's mutex, from the
  // rendering thread: must be thread-safe, quick and must not throw or touch the registry).
  // A second registration of the same family + labels replaces the callback.
  bool add_counter_fn(std::string_view name, std::string_view help, labels l,
                      std::function<double()> fn, std::string* why = nullptr);
  bool add_gauge_fn(std::string_view name, std::string_view help, labels l,
                    std::function<double()> fn, std::string* why = nullptr);

  // Every family in registration order, series in registration order, as Prometheus text format
  // 0.0.4 (Content-Type: text/plain; version=0.0.4; charset=utf-8). Families without series are
  // left out.
  std::string render() const;

  static bool valid_metric_name(std::string_view name) noexcept;
  static bool valid_label_name(std::string_view name) noexcept;

 private:
  struct family;
  struct series;
  enum class kind : std::uint8_t { counter, gauge, histogram };
  series* find_or_add(std::string_view name, std::string_view help, kind k, labels l,
                      std::string* why, bool* created);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<family>> families_;
};

// One counter per status (engine/status.h), e.g. requests by verdict for one provider: the series
// all exist from registration (at 0, so a rate() over them never starts from nothing) and the hot
// path indexes an array instead of looking labels up.
struct per_status_counters {
  std::array<counter*, kStatusCount> by_status{};
  void inc(status s) noexcept { by_status[static_cast<std::size_t>(s)]->inc(); }
};
// Registers |name|{<extra...>, status="<status_name>"} for every status into *out. False with
// *why (and *out untouched) if the registry refuses one.
bool add_per_status_counters(registry& r, std::string_view name, std::string_view help,
                             const labels& extra, per_status_counters* out,
                             std::string* why = nullptr);

// Text-format escaping (exposed for tests): HELP escapes \ and newline; label values also ".
std::string escape_help(std::string_view s);
std::string escape_label_value(std::string_view s);
// A sample value as Prometheus parses it: shortest round-trip decimal, "+Inf", "-Inf", "NaN".
std::string format_value(double v);

}  // namespace jwtx::metrics
