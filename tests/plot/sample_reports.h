// Hand-made `jwtx bench` reports for the plot tests (tests/plot/plot_test.cc) and the render
// driver (tests/plot/render_main.cc): a typical run, and the awkward ones (empty sweeps, one
// point, NaN fields, hostile strings, extreme magnitudes).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tools/jwtx/bench/report.h"

namespace jwtx::capacity::testing {

inline point closed_point(unsigned workers, double rps) {
  point p;
  p.mode = loop_mode::closed;
  p.workers = workers;
  p.achieved_rps = rps;
  p.rps_per_core = rps / workers;
  return p;
}

inline point open_point(double offered, double p50, double p90, double p99, double p999,
                        bool saturated = false) {
  point p;
  p.mode = loop_mode::open;
  p.workers = 2;
  p.offered_rps = offered;
  p.achieved_rps = saturated ? offered * 0.8 : offered;
  p.latency = {p50, p90, p99, p999, p999 * 2};
  p.saturated = saturated;
  return p;
}

// A 4-worker closed-loop sweep, a rising open-loop sweep ending saturated, a ceiling and a plan.
inline report typical_report() {
  report r;
  r.machine.cpu_model = "Intel(R) Xeon(R) CPU @ 2.20GHz";
  r.machine.logical_cores = 4;
  r.machine.base64url_kernel = "avx2";
  r.machine.crypto_library = "BoringSSL (source build)";
  r.machine.jwtx_version = "0.1.0";
  r.machine.started_utc = "2026-12-02T12:00:00Z";
  r.machine.load_average_before[0] = 0.5;
  r.machine.load_average_after[0] = 3.9;
  r.machine.wall_seconds = 60;
  r.machine.cpu_seconds = 200;
  r.workload.source = "built-in";
  r.workload.distinct_tokens = 10000;
  r.workload.zipf_exponent = 1.1;
  r.workload.cache_entries = 4096;
  r.workload.algorithms = {{"RS256", 0.6}, {"ES256", 0.25}, {"EdDSA", 0.1}, {"HS256", 0.05}};
  r.workload.invalid = {{"expired", 0.01}, {"bad_signature", 0.01}};
  r.closed_loop = {closed_point(1, 21000), closed_point(2, 40000), closed_point(3, 56000),
                   closed_point(4, 70000)};
  r.open_loop = {open_point(10000, 0.08, 0.15, 0.4, 1.2), open_point(30000, 0.1, 0.2, 0.6, 2.0),
                 open_point(50000, 0.15, 0.4, 1.5, 5.0), open_point(65000, 0.4, 2.0, 9.0, 20.0),
                 open_point(80000, 30, 80, 150, 200, true)};
  r.ceiling.per_algorithm = {{"RS256", 30.0}, {"ES256", 60.0}};
  r.ceiling.rps_per_core = 25000;
  r.ceiling.jwtx_ratio = 0.84;
  r.planning.requested = true;
  r.planning.target_rps = 200000;
  r.planning.p99_ms = 2;
  r.planning.node_cores = 8;
  r.planning.headroom = 0.3;
  r.planning.feasible = true;
  r.planning.cores = 14;
  r.planning.nodes = 2;
  r.planning.method = "highest per-core rate with p99 <= 2 ms, scaled by the measured efficiency";
  r.planning.sentence = "200000 tokens/s at p99 <= 2 ms: 14 cores (2 nodes of 8 cores).";
  return r;
}

inline report empty_report() { return report{}; }

inline report single_point_report() {
  report r;
  r.closed_loop = {closed_point(1, 12345)};
  r.open_loop = {open_point(5000, 0.2, 0.3, 0.5, 0.9)};
  return r;
}

// NaN (and infinite) fields everywhere the runner may leave them unmeasured.
inline report nan_report() {
  report r = typical_report();
  r.closed_loop[1].achieved_rps = kNotMeasured;
  r.open_loop[0].offered_rps = kNotMeasured;
  r.open_loop[1].latency.p99 = kNotMeasured;
  r.open_loop[2].latency.p50 = std::numeric_limits<double>::infinity();
  r.open_loop[3].latency = latency_ms{};
  r.ceiling.rps_per_core = kNotMeasured;
  r.planning.p99_ms = kNotMeasured;
  return r;
}

// Strings that are markup, quotes, control bytes, invalid UTF-8, and very long.
inline report hostile_report() {
  report r = typical_report();
  r.machine.cpu_model = "<script>alert('x')</script> & \"quoted\" \x01\x7f\xff\xc0\xaf caf\xc3\xa9";
  r.workload.source = "file: /tmp/a<b>&c\"d'e.yaml]]>";
  r.workload.algorithms.push_back({"</p><b>", 0.5});
  r.planning.sentence = std::string(5000, '<');
  r.planning.method = "\xed\xa0\x80 surrogate, \xf4\x90\x80\x80 too high, \xe2\x82 cut";
  return r;
}

// Rates near the largest and smallest doubles the axes must still place (or skip) sanely.
inline report extreme_report() {
  report r = typical_report();
  r.closed_loop = {closed_point(1, 1e-9), closed_point(2, 3e-9), closed_point(64, 1e12)};
  r.open_loop = {open_point(1e-6, 1e-7, 1e-6, 1e-5, 1e-4), open_point(1e15, 1e5, 1e6, 1e7, 1e9),
                 open_point(1e308, 1e308, 1e308, 1e308, 1e308)};
  r.ceiling.rps_per_core = 1e-300;
  return r;
}

inline std::vector<std::pair<std::string, report>> all_sample_reports() {
  return {{"typical", typical_report()},     {"empty", empty_report()},
          {"single", single_point_report()}, {"nan", nan_report()},
          {"hostile", hostile_report()},     {"extreme", extreme_report()}};
}

}  // namespace jwtx::capacity::testing
