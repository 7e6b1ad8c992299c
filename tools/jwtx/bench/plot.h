// PLACEHOLDER, replaced by the plot branch (the plot helper's tools/jwtx/bench/plot.{h,cc}):
// declares the two renderers `jwtx bench --svg/--html` call, so the CLI builds before the merge.
#pragma once

#include <string>

#include "tools/jwtx/bench/report.h"

namespace jwtx::capacity {

// A standalone SVG document (throughput vs workers, latency percentiles vs offered load).
std::string render_svg(const report& r);
// A standalone HTML page embedding the same pictures.
std::string render_html(const report& r);

}  // namespace jwtx::capacity
