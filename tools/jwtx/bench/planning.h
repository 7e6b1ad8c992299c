// The planning answer: how many cores (and nodes) serve target_rps at p99 <= p99_ms, derived from
// a measured report. A pure function of its inputs (tested on hand-made reports).
//
// Method (also stated in plan::method). Nodes are independent processes, so the fleet scales
// linearly across nodes; only the scaling INSIDE a node (K = node_cores) can differ from what was
// measured:
//   per_core = the highest open-loop achieved rate that was not saturated and whose p99 <= L,
//              divided by that point's workers W (a rate the pipeline sustained at that latency);
//   E        = closed-loop scaling efficiency rate(N) / (N * rate(1)) over the largest N measured,
//              capped at 1 (1 when only one worker count was measured);
//   e        = 1 when K <= W (a node runs no more workers than were measured), else E (a node
//              larger than the measured range is assumed to lose again what the measured range
//              lost);
//   cores    = ceil(R / (per_core * e) / (1 - headroom));
//   nodes    = ceil(cores / K).
// No feasible point: feasible = false, cores = nodes = 0, and the sentence says so with the best
// p99 seen.
#pragma once

#include <optional>
#include <string>

#include "tools/jwtx/bench/report.h"

namespace jwtx::capacity {

struct plan_request {
  double target_rps = 0;    // > 0
  double p99_ms = 0;        // > 0
  unsigned node_cores = 0;  // >= 1
  double headroom = 0.3;    // in [0, 1)
};

// A sentence naming the first bad field, or nullopt when |r| is usable.
std::optional<std::string> check_plan_request(const plan_request& r);

// The plan for |r| from |measured|'s closed_loop and open_loop. |r| must pass
// check_plan_request (otherwise the plan says so and is not feasible).
plan make_plan(const report& measured, const plan_request& r);

}  // namespace jwtx::capacity
