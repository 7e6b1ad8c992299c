#include "tools/jwtx/bench/runner.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include "bench/pipeline_load.h"
#include "engine/jws/base64url/base64url.h"
#include "engine/runtime/batch_pipeline.h"
#include "engine/version.h"
#include "tools/jwtx/bench/ceiling.h"

namespace jwtx::capacity {

double cpu_now() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double machine_busy_seconds() noexcept {
  // First line: "cpu  user nice system idle iowait irq softirq steal guest guest_nice" in ticks;
  // guest time is already inside user. Busy = everything but idle and iowait.
  std::FILE* f = std::fopen("/proc/stat", "r");
  if (f == nullptr) return kNotMeasured;
  unsigned long long v[8] = {};
  const int n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                            &v[3], &v[4], &v[5], &v[6], &v[7]);
  std::fclose(f);
  const long ticks = ::sysconf(_SC_CLK_TCK);
  if (n < 7 || ticks <= 0) return kNotMeasured;
  const unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + (n == 8 ? v[7] : 0);
  return static_cast<double>(busy) / static_cast<double>(ticks);
}

double monotonic_now() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("model name")) continue;
    const std::size_t colon = line.find(':');
    const std::size_t first = line.find_first_not_of(" \t", colon + 1);
    if (colon != line.npos && first != line.npos) return line.substr(first);
  }
  return "unknown";
}

void load_average(double (&out)[3]) {
  double l[3];
  if (::getloadavg(l, 3) == 3) std::copy(l, l + 3, out);
}

double ms(std::uint64_t ns) { return static_cast<double>(ns) * 1e-6; }

latency_ms to_ms(const latency_summary& s) {
  latency_ms l;
  if (s.count == 0) return l;
  l.p50 = ms(s.p50);
  l.p90 = ms(s.p90);
  l.p99 = ms(s.p99);
  l.p999 = ms(s.p999);
  l.max = ms(s.max);
  return l;
}

// The signature checks of the first |tokens| sends, priced at |cost| (µs), minus |skipped| (cache
// hits and batch duplicates) priced at the mean cost of the cacheable valid sends (see runner.h).
// Seconds.
double crypto_seconds(const workload& w, const std::map<algorithm, double>& cost,
                      std::uint64_t tokens, std::uint64_t skipped) {
  const verifier_options& o = w.engine->options();
  double checks_us = 0, cacheable_us = 0, cacheable = 0;
  for (std::uint64_t k = 0; k < tokens; ++k) {
    const workload_token& t = w.tokens[w.sequence[k % w.sequence.size()]];
    if (!t.reaches_signature || !t.alg) continue;
    const auto it = cost.find(*t.alg);
    if (it == cost.end()) return kNotMeasured;
    checks_us += it->second;
    if (t.expected == status::ok && o.cache_algorithms.contains(*t.alg)) {
      cacheable_us += it->second;
      cacheable += 1;
    }
  }
  if (skipped > 0 && cacheable > 0)
    checks_us -= static_cast<double>(skipped) * cacheable_us / cacheable;
  return std::max(0.0, checks_us * 1e-6);
}

struct point_request {
  std::shared_ptr<const verifier> engine;
  unsigned workers = 1;
  double rate = 0;  // 0: closed loop
  double seconds = 1;
};

std::unique_ptr<batch_pipeline> make_pipeline(const workload& w, const point_request& r,
                                              std::string* why) {
  pipeline_options po;
  po.concurrency = r.workers;
  // Every token of the workload fits an ordinary slot (up to 64 KiB; larger ones use the large
  // slots), so the large-slot pool never refuses the long tail of the size distribution.
  po.slot_bytes = std::clamp<std::size_t>((w.max_token_bytes + 63) / 64 * 64, 64, 64 * 1024);
  po.queue_capacity = po.slot_bytes > 8192 ? 1024 : 4096;
  return batch_pipeline::create(r.engine, po, why);
}

bool measure(const workload& w, const point_request& r, const std::map<algorithm, double>& cost,
             point* out, std::string* why) {
  std::unique_ptr<batch_pipeline> p = make_pipeline(w, r, why);
  if (!p) return false;
  const token_cache* cache = r.engine->cache();
  const token_cache_stats before = cache ? cache->stats() : token_cache_stats{};
  const double cpu0 = cpu_now();
  const std::span<const std::string_view> sends(w.sends);
  const bench::load_result load =
      r.rate > 0 ? bench::open_loop(*p, sends, r.rate, r.seconds)
                 : bench::closed_loop(*p, sends, r.seconds, bench::producer_wait::poll_1ms);
  const double cpu = cpu_now() - cpu0;
  const token_cache_stats after = cache ? cache->stats() : token_cache_stats{};

  point& pt = *out;
  pt.mode = r.rate > 0 ? loop_mode::open : loop_mode::closed;
  pt.workers = static_cast<unsigned>(p->concurrency());
  pt.offered_rps = r.rate > 0 ? r.rate : kNotMeasured;
  pt.tokens = load.completed;
  pt.wall_seconds = load.seconds;
  pt.achieved_rps = load.tokens_per_second();
  pt.rps_per_core = pt.achieved_rps / pt.workers;
  pt.cpu_seconds = cpu;
  pt.cpu_seconds_per_million = pt.tokens > 0 ? cpu / static_cast<double>(pt.tokens) * 1e6 : 0;
  pt.valid = load.pipeline.results[status::ok];
  pt.rejected_overloaded = load.dropped;  // the closed loop retries refusals: none are lost
  pt.latency = to_ms(r.rate > 0 ? load.latency : load.pipeline.latency_ns);
  const std::uint64_t hits = after.hits - before.hits;
  pt.cache_hit_ratio =
      pt.tokens == 0 ? kNotMeasured : static_cast<double>(hits) / static_cast<double>(pt.tokens);
  // A batch answers repeats of one token with one verification (pipeline dedup): no crypto either.
  const double crypto =
      crypto_seconds(w, cost, load.offered - load.dropped, hits + load.pipeline.duplicates);
  pt.crypto_share = cpu > 0 ? crypto / cpu : kNotMeasured;
  pt.saturated = r.rate > 0 && (load.dropped > 0 || pt.achieved_rps < 0.95 * r.rate);
  return true;
}

}  // namespace

machine_info probe_machine() {
  machine_info m;
  m.cpu_model = cpu_model();
  m.logical_cores = std::max(1u, std::thread::hardware_concurrency());
  m.base64url_kernel = std::string(base64url::kernel_name(base64url::active_kernel()));
  m.crypto_library = "BoringSSL";
  m.jwtx_version = jwtx_version();
  char when[32];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
  m.started_utc = when;
  load_average(m.load_average_before);
  m.machine_busy_seconds_at_start = machine_busy_seconds();
  return m;
}

void finish_machine(machine_info& m, double wall_seconds, double cpu_seconds) {
  load_average(m.load_average_after);
  m.wall_seconds = wall_seconds;
  m.cpu_seconds = cpu_seconds;
  // Ticks are coarse (10 ms per CPU): a small negative difference is rounding, not a measurement.
  m.other_cpu_seconds =
      std::max(0.0, machine_busy_seconds() - m.machine_busy_seconds_at_start - cpu_seconds);
}

bool run_bench(const workload& w, const run_options& o, report* out, std::string* why) {
  std::vector<unsigned> workers = o.workers;
  if (workers.empty()) {
    // 1, 2, 4, ... and every core: the curve's shape without a point per core on a large host.
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned n = 1; n < cores; n *= 2) workers.push_back(n);
    workers.push_back(cores);
  }
  std::sort(workers.begin(), workers.end());
  workers.erase(std::unique(workers.begin(), workers.end()), workers.end());
  const std::size_t open_points = o.rates.empty() ? o.rate_fractions.size() : o.rates.size();
  const double steps = static_cast<double>(workers.size() + 2 + open_points);
  double step = 0;
  auto progress = [&](const std::string& next) {
    if (o.progress) o.progress(step / steps, next);
    step += 1;
  };

  progress("BoringSSL ceiling");
  const std::map<algorithm, double> cost = measure_ceiling(w, o.ceiling_seconds);
  out->ceiling = ceiling_for(w, cost);

  // Warm the cache with the most popular tokens (the built-in workload's token i is popularity
  // rank i; a replay's first tokens come first), so the first point does not start cold and the
  // points compare at the same steady hit ratio.
  if (const token_cache* cache = w.engine->cache()) {
    verify_result r;
    const std::size_t n = std::min(w.tokens.size(), cache->capacity());
    for (std::size_t i = 0; i < n; ++i) w.engine->verify(w.tokens[i].token, r);
  }
  for (const unsigned n : workers) {
    progress("closed loop, " + std::to_string(n) + " worker" + (n == 1 ? "" : "s"));
    point pt;
    if (!measure(w, {w.engine, n, 0, o.duration_seconds}, cost, &pt, why)) return false;
    out->closed_loop.push_back(pt);
  }
  progress("closed loop, 1 worker, cache off");
  point nocache;
  if (!measure(w, {w.engine_nocache, 1, 0, o.duration_seconds}, cost, &nocache, why)) return false;
  crypto_ceiling& c = out->ceiling;
  if (std::isfinite(c.rps_per_core) && c.rps_per_core > 0) {
    c.jwtx_ratio = nocache.achieved_rps / c.rps_per_core;
    if (out->closed_loop.front().workers == 1 && w.engine->cache() != nullptr)  // else no cache
      c.jwtx_ratio_with_cache = out->closed_loop.front().achieved_rps / c.rps_per_core;
  }

  const point& top = out->closed_loop.back();
  std::vector<double> rates = o.rates;
  if (rates.empty()) {
    for (const double f : o.rate_fractions) rates.push_back(f * top.achieved_rps);
  }
  std::sort(rates.begin(), rates.end());
  for (const double rate : rates) {
    if (!(rate > 0)) continue;
    char label[64];
    std::snprintf(label, sizeof label, "open loop, %.0f tokens/s", rate);
    progress(label);
    point pt;
    if (!measure(w, {w.engine, top.workers, rate, o.duration_seconds}, cost, &pt, why))
      return false;
    out->open_loop.push_back(pt);
    if (pt.saturated) break;
  }
  if (o.progress) o.progress(1.0, "done");
  return true;
}

}  // namespace jwtx::capacity
