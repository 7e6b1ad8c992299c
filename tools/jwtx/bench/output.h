// Everything `jwtx bench` writes: the terminal table, the verdict table, JSON, CSV and the
// progress bar. Pure functions of a report (strings out), so tests parse what they produce.
//
// Conventions: a NaN (not measured) value prints as "null" in JSON, an empty cell in CSV and "-"
// in the table, never as 0. Rates in tokens/s, latencies in ms, CPU in seconds.
// Thread-safety: the functions are reentrant; a progress_bar belongs to one thread.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "tools/jwtx/bench/report.h"
#include "tools/jwtx/bench/workload.h"

namespace jwtx::capacity {

// The human report: machine, workload, ceiling, closed- and open-loop tables, planning sentence.
std::string render_table(const report& r, double duration_seconds);
// The verdict pre-check table ("category, tokens, expected, returned, as expected"). With
// |expected_known| false (replay) the expected column is left out: counts by status only.
std::string render_verdicts(const std::vector<verdict_row>& rows, bool expected_known);
// One JSON object: machine, workload, ceiling, closed_loop, open_loop, plan.
std::string render_json(const report& r);
// One header line, then one row per point (closed loop first); the planning fields are in the
// JSON only.
std::string render_csv(const report& r);

// True when the 1-minute load average before the run shows other work on the machine
// (at least 0.5, or a quarter of the cores when more): the report then carries a warning.
bool busy_before(const machine_info& m) noexcept;

// True when other processes (or the hypervisor's steal) used at least a tenth of a core on
// average during the run (machine_info::other_cpu_seconds over wall_seconds): the report then
// warns that the rates are lower than on an idle machine. The measured answer; busy_before() only
// hints (a build that just finished still raises the 1-minute load average).
bool disturbed(const machine_info& m) noexcept;

// A one-line bar on |out| (stderr), redrawn in place; finish() erases it. Disabled: does nothing.
class progress_bar {
 public:
  progress_bar(std::FILE* out, bool enabled) : out_(out), enabled_(enabled) {}
  ~progress_bar() { finish(); }
  void update(double done, const std::string& what);
  void finish();

 private:
  std::FILE* out_;
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace jwtx::capacity
