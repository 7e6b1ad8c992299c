// The picture of a `jwtx bench` run for a capacity review: two panels side by side.
//  (a) throughput: tokens/s against workers (report.closed_loop), with the ideal linear scaling
//      from the 1-worker point and the raw BoringSSL ceiling x workers when it was measured;
//  (b) latency: p50/p90/p99/p99.9 in ms (log scale) against offered load (report.open_loop),
//      saturated points ringed, and the plan's p99 target as a horizontal line when planning was
//      requested.
// Plain string building: no library, no fonts or scripts fetched, nothing executed to display.
//
// Contract (both functions): pure functions of |r|, thread-safe, deterministic. Points with a
// NaN or infinite coordinate (or a non-positive latency on the log axis) are skipped; an empty
// sweep draws a "no data" panel. Every string taken from the report (CPU model, workload source,
// plan sentence, ...) is escaped for XML/HTML, invalid UTF-8 and control bytes replaced, and
// capped in length, so the output is well-formed for any report and bounded in size by the
// number of points. Never throws: on std::bad_alloc they return an empty string.
#pragma once

#include <string>

#include "tools/jwtx/bench/report.h"

namespace jwtx::capacity {

// A standalone SVG document (<svg xmlns=...> root, no XML prolog needed), 1000 x 480 user units.
// Elements the tests look for carry classes: "axis-label", "legend-label", "title", "plot-area",
// and every data marker "marker series-<name>" (names: measured, ideal, ceiling, p50, p90, p99,
// p999, saturated, target).
std::string render_svg(const report& r) noexcept;

// A self-contained HTML5 page: a short text header (machine, load average, CPU vs wall time,
// workload, the planning sentence) and the SVG above, inline.
std::string render_html(const report& r) noexcept;

}  // namespace jwtx::capacity
