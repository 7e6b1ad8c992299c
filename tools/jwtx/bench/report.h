// The result of one `jwtx bench` run: what the runner measures and every output (terminal table,
// JSON, CSV, SVG/HTML plots, the planning sentence) reads. Plain values only, so that the plots
// and the planning arithmetic can be tested on hand-made reports without running anything.
//
// Units are in the field names or comments: rates in tokens per second, times in seconds unless a
// field says _ms, latencies in milliseconds. A value that was not measured is NaN (numbers) or
// empty (strings); writers print NaN as "null" (JSON) or an empty cell (CSV), never as 0.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace jwtx::capacity {

inline constexpr double kNotMeasured = std::numeric_limits<double>::quiet_NaN();

// Where the run happened, so a reader can tell a disturbed run from a clean one.
struct machine_info {
  std::string cpu_model;         // /proc/cpuinfo "model name"
  unsigned logical_cores = 0;    // std::thread::hardware_concurrency()
  std::string base64url_kernel;  // the kernel runtime dispatch chose: scalar, sse41, avx2, avx512
  std::string crypto_library;    // e.g. "BoringSSL (source build)"
  std::string jwtx_version;
  std::string started_utc;                                                     // ISO 8601
  double load_average_before[3] = {kNotMeasured, kNotMeasured, kNotMeasured};  // 1, 5, 15 min
  double load_average_after[3] = {kNotMeasured, kNotMeasured, kNotMeasured};
  double wall_seconds = kNotMeasured;  // the whole run
  double cpu_seconds = kNotMeasured;   // process user + system time over the whole run
  // CPU seconds the rest of the machine used during the run (every CPU's busy time in /proc/stat,
  // including time the hypervisor stole, minus cpu_seconds): the direct measure of a disturbed
  // run, which a 1-minute load average (still raised by the build just before) is not.
  double other_cpu_seconds = kNotMeasured;
  double machine_busy_seconds_at_start = kNotMeasured;  // the /proc/stat reading it starts from
};

// One line of the workload's description (e.g. {"RS256", 0.60}, {"invalid: expired", 0.01}).
struct workload_share {
  std::string name;
  double fraction = 0;  // of all tokens sent, in [0, 1]
};

struct workload_info {
  std::string source;  // "built-in", "file: <path>", "replay: <n> tokens"
  std::uint64_t distinct_tokens = 0;
  double zipf_exponent = kNotMeasured;  // NaN for replay (the file's order is kept)
  std::uint64_t cache_entries = 0;      // 0: cache off
  std::uint64_t revoked_jtis = 0;
  std::uint64_t min_token_bytes = 0, max_token_bytes = 0;
  std::vector<workload_share> algorithms;  // valid-token mix by algorithm
  std::vector<workload_share> invalid;     // invalid-token mix by expected status name
};

struct latency_ms {
  double p50 = kNotMeasured, p90 = kNotMeasured, p99 = kNotMeasured, p999 = kNotMeasured,
         max = kNotMeasured;
};

enum class loop_mode { closed, open };

// One measured point of a sweep.
struct point {
  loop_mode mode = loop_mode::closed;
  unsigned workers = 0;               // pipeline worker threads
  double offered_rps = kNotMeasured;  // open loop: the fixed arrival rate; closed: NaN
  double achieved_rps = 0;            // tokens completed / wall_seconds
  double rps_per_core = 0;            // achieved_rps / workers
  double wall_seconds = 0;
  double cpu_seconds = 0;                 // process CPU time during the point (all threads)
  double cpu_seconds_per_million = 0;     // cpu_seconds / tokens * 1e6
  std::uint64_t tokens = 0;               // completed
  std::uint64_t valid = 0;                // completed with status ok
  std::uint64_t rejected_overloaded = 0;  // not admitted (queue full): counted, never hidden
  // Open loop: from each token's intended send time to its completion (no coordinated omission).
  // Closed loop: from submit to completion.
  latency_ms latency;
  double cache_hit_ratio = kNotMeasured;  // cache hits / tokens
  double crypto_share = kNotMeasured;  // estimated share of cpu_seconds spent in signature checks
  bool saturated = false;  // open loop: could not keep up with offered_rps (see the runner)
};

// Raw BoringSSL signature verification for the same mix, measured in the same run, no jwtx code.
struct crypto_ceiling {
  struct algorithm_cost {
    std::string algorithm;
    double microseconds_per_verify = kNotMeasured;
  };
  std::vector<algorithm_cost> per_algorithm;
  double rps_per_core = kNotMeasured;  // 1 / mix-weighted cost
  // jwtx's 1-worker closed-loop rate with the cache off over rps_per_core (1.0 = no overhead).
  double jwtx_ratio = kNotMeasured;
  // The same with the cache as configured (can exceed 1: hits cost no crypto).
  double jwtx_ratio_with_cache = kNotMeasured;
};

// The answer to "how many cores (and nodes) for target_rps at p99 <= p99_ms".
struct plan {
  bool requested = false;
  double target_rps = kNotMeasured;
  double p99_ms = kNotMeasured;
  unsigned node_cores = 0;
  double headroom = kNotMeasured;             // fraction kept free, e.g. 0.3
  bool feasible = false;                      // some measured rate met p99_ms
  double rps_per_core_at_p99 = kNotMeasured;  // highest measured per-core rate meeting p99_ms
  double scaling_efficiency = kNotMeasured;   // measured: rate(N workers) / (N * rate(1 worker))
  unsigned cores = 0;
  unsigned nodes = 0;
  std::string method;    // how the numbers were derived, one sentence
  std::string sentence;  // the answer printed on the terminal
};

struct report {
  machine_info machine;
  workload_info workload;
  std::vector<point> closed_loop;  // workers 1..N
  std::vector<point> open_loop;    // rising offered_rps at the largest worker count
  crypto_ceiling ceiling;
  plan planning;
};

}  // namespace jwtx::capacity
