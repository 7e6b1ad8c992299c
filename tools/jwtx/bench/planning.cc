#include "tools/jwtx/bench/planning.h"

#include <cmath>
#include <cstdio>

namespace jwtx::capacity {

std::optional<std::string> check_plan_request(const plan_request& r) {
  if (!(r.target_rps > 0) || !std::isfinite(r.target_rps))
    return "--target-rps must be a positive number of tokens/s";
  if (!(r.p99_ms > 0) || !std::isfinite(r.p99_ms))
    return "--p99-ms must be a positive number of milliseconds";
  if (r.node_cores < 1) return "--node-cores must be at least 1";
  if (!(r.headroom >= 0 && r.headroom < 1)) return "--headroom must be in [0, 1)";
  return std::nullopt;
}

namespace {

double scaling_efficiency(const report& m) {
  const point* one = nullptr;
  const point* most = nullptr;
  for (const point& p : m.closed_loop) {
    if (p.workers == 1) one = &p;
    if (!most || p.workers > most->workers) most = &p;
  }
  if (!one || !most || most->workers <= 1 || !(one->achieved_rps > 0)) return 1.0;
  return std::min(1.0, most->achieved_rps / (most->workers * one->achieved_rps));
}

std::string format(const char* fmt, double a, double b = 0, double c = 0, double d = 0) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, a, b, c, d);
  return buf;
}

}  // namespace

plan make_plan(const report& m, const plan_request& r) {
  plan p;
  p.requested = true;
  p.target_rps = r.target_rps;
  p.p99_ms = r.p99_ms;
  p.node_cores = r.node_cores;
  p.headroom = r.headroom;
  p.method =
      "per-core rate = highest unsaturated open-loop rate with p99 <= target, over its workers; "
      "cores = ceil(target / (per-core rate * e) / (1 - headroom)), e = the closed-loop scaling "
      "efficiency when a node has more cores than the workers measured, else 1; nodes = "
      "ceil(cores / node cores)";
  if (const std::optional<std::string> bad = check_plan_request(r)) {
    p.sentence = "No plan: " + *bad + ".";
    return p;
  }
  const point* best = nullptr;  // highest per-core rate meeting the target
  const point* lowest_p99 = nullptr;
  for (const point& pt : m.open_loop) {
    if (std::isfinite(pt.latency.p99) && (!lowest_p99 || pt.latency.p99 < lowest_p99->latency.p99))
      lowest_p99 = &pt;
    if (pt.saturated || !(pt.latency.p99 <= r.p99_ms) || pt.workers == 0) continue;
    if (!best || pt.rps_per_core > best->rps_per_core) best = &pt;
  }
  p.scaling_efficiency = scaling_efficiency(m);
  if (!best || !(best->rps_per_core > 0)) {
    p.sentence = format("No measured rate met p99 <= %g ms", r.p99_ms);
    p.sentence += lowest_p99 ? format(" (best p99 seen: %.3g ms at %.0f tokens/s)",
                                      lowest_p99->latency.p99, lowest_p99->achieved_rps)
                             : std::string(" (no open-loop point was measured)");
    p.sentence += ": this run cannot size a deployment for that target.";
    return p;
  }
  p.feasible = true;
  p.rps_per_core_at_p99 = best->rps_per_core;
  const bool extrapolated = r.node_cores > best->workers;
  const double e = extrapolated ? p.scaling_efficiency : 1.0;
  // The epsilon keeps an exact quotient (10000 / 1000 / 0.7 * 0.7...) from rounding up a core.
  const double cores =
      std::ceil(r.target_rps / (p.rps_per_core_at_p99 * e) / (1 - r.headroom) - 1e-9);
  p.cores = static_cast<unsigned>(std::min(cores, 4e9));
  p.nodes = (p.cores + r.node_cores - 1) / r.node_cores;
  p.sentence = format("%.0f tokens/s at p99 <= %g ms with %.0f %% headroom needs ", r.target_rps,
                      r.p99_ms, r.headroom * 100);
  p.sentence += std::to_string(p.cores) + (p.cores == 1 ? " core" : " cores") + " = " +
                std::to_string(p.nodes) + (p.nodes == 1 ? " node" : " nodes") + " of " +
                std::to_string(r.node_cores) + (r.node_cores == 1 ? " core" : " cores");
  p.sentence += format(" (measured %.0f tokens/s per core at p99 %.3g ms", p.rps_per_core_at_p99,
                       best->latency.p99);
  p.sentence += extrapolated ? format(
                                   "; scaling efficiency %.2f applied: a node has more cores "
                                   "than the %.0f workers measured).",
                                   p.scaling_efficiency, best->workers)
                             : ").";
  return p;
}

}  // namespace jwtx::capacity
