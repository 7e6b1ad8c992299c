// Runs a workload through the real engine (jwtx::batch_pipeline over the workload's verifier, with
// its cache and revocation set) and fills a report.
//
// - Before the first point the cache is warmed with the most popular tokens (one verification
//   each, as many as the cache holds), so every point runs at the steady hit ratio.
// - Closed loop, per worker count: one producer keeps the pipeline saturated (bench/pipeline_load.h
//   closed_loop: on a full queue it sleeps 1 ms, so the queue refills in bursts and batches fill),
//   for the duration, then drains; latency is submit -> completion (the pipeline's histogram).
// - Open loop, at the largest worker count: a fixed arrival schedule (pipeline_load.h open_loop)
//   at rising rates, latency from each token's INTENDED send time to its completion, so a pipeline
//   that falls behind cannot hide its queueing (no coordinated omission). The sweep stops after
//   the first saturated point. Saturated: achieved < 95 % of offered, or any token refused
//   (overloaded: the queue was full). A backlog that grows without yet filling the queue shows
//   as the first condition (the drain stretches the elapsed time), so it is not tested apart.
// - CPU: CLOCK_PROCESS_CPUTIME_ID around each point (every thread of the process: producer,
//   batcher, workers).
// - Crypto share (an estimate, nothing is timed inside the engine): the signature checks a point
//   performed, priced at the ceiling's cost per algorithm, over the point's CPU time. Checks
//   performed = sends whose token reaches the signature check (valid ones and failures found
//   after it) minus the cache hits and the batch duplicates (a batch verifies repeats of one
//   token once), priced at the mean cost of the cacheable valid sends (the popular tokens those
//   come from). Counted from the exact send order, so only the hit split is
//   an approximation. Not clamped: a value above 1 means the ceiling was measured in a slower
//   moment than the point (a busy machine), and the reader should see that.
//
// Thread-safety: one run at a time per process (it creates pipelines that use every core).
// Errors: nothing throws; a pipeline that cannot be created fails the run with *why.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tools/jwtx/bench/report.h"
#include "tools/jwtx/bench/workload.h"

namespace jwtx::capacity {

struct run_options {
  double duration_seconds = 3;    // per point
  std::vector<unsigned> workers;  // closed-loop worker counts; empty: 1, 2, 4, ... all cores
  // Open-loop rates as fractions of the closed-loop maximum at the largest worker count...
  // (the sweep stops at the first saturated point, so fine steps cost time only below it).
  std::vector<double> rate_fractions = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2};
  std::vector<double> rates;     // ...or absolute tokens/s (non-empty: wins)
  double ceiling_seconds = 0.3;  // per algorithm
  // Called between points with the share of the run done, in [0, 1], and what runs next.
  std::function<void(double done, const std::string& next)> progress;
};

// The machine and its state before the run (load average before, start time); the caller ends
// it with finish_machine() after its last measurement.
machine_info probe_machine();
// Fills load_average_after, the whole run's wall and CPU seconds (the caller's deltas of
// monotonic_now() and cpu_now()) and other_cpu_seconds.
void finish_machine(machine_info& m, double wall_seconds, double cpu_seconds);
double cpu_now() noexcept;  // process CPU seconds (all threads)
// Busy CPU seconds of the whole machine so far (all CPUs, /proc/stat; steal included); NaN when
// /proc/stat cannot be read.
double machine_busy_seconds() noexcept;
double monotonic_now() noexcept;  // steady seconds

// Measures everything except planning. false (with *why) when a pipeline could not be created.
bool run_bench(const workload& w, const run_options& o, report* out, std::string* why);

}  // namespace jwtx::capacity
