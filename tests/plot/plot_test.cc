// The capacity plots (tools/jwtx/bench/plot.h) on hand-made reports: labels, legend, data
// placement, escaping, and the awkward reports. XML well-formedness of the same reports is
// checked by tests/plot/wellformed_test.py, and the rendered picture by render_test.py.
#include "tools/jwtx/bench/plot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <new>
#include <regex>
#include <string>
#include <vector>

#include "tests/plot/sample_reports.h"

// Allocation failure injection for the noexcept contract: while g_allocations_left >= 0, the
// allocation that finds it at 0 throws std::bad_alloc. Replaces the global operator new of this
// test binary only (plot.cc has no other way to run out of memory on demand).
namespace {
thread_local long g_allocations_left = -1;  // -1: no limit
}  // namespace

void* operator new(std::size_t size) {
  if (g_allocations_left == 0) throw std::bad_alloc();
  if (g_allocations_left > 0) --g_allocations_left;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// GCC flags free() in a replaced operator delete once inlined next to a new-expression; the pair
// above and below is matched by construction.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace jwtx::capacity {
namespace {

using testing::all_sample_reports;
using testing::closed_point;
using testing::hostile_report;
using testing::open_point;
using testing::typical_report;

// The texts of every <text class="|cls|"> element, in document order.
std::vector<std::string> texts_of_class(const std::string& svg, const std::string& cls) {
  std::vector<std::string> out;
  const std::regex re("<text class=\"" + cls + "\"[^>]*>([^<]*)</text>");
  for (std::sregex_iterator it(svg.begin(), svg.end(), re), end; it != end; ++it)
    out.push_back((*it)[1]);
  return out;
}

// The (cx, cy) of every marker circle of series |name|, in document order.
std::vector<std::pair<double, double>> markers(const std::string& svg, const std::string& name) {
  std::vector<std::pair<double, double>> out;
  const std::regex re("<circle class=\"marker series-" + name +
                      "\" cx=\"([-0-9.]+)\" cy=\"([-0-9.]+)\"");
  for (std::sregex_iterator it(svg.begin(), svg.end(), re), end; it != end; ++it)
    out.emplace_back(std::stod((*it)[1]), std::stod((*it)[2]));
  return out;
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

TEST(Plot, AxisLabelsWithUnitsAndTitle) {
  const std::string svg = render_svg(typical_report());
  const auto labels = texts_of_class(svg, "axis-label");
  EXPECT_TRUE(contains(labels, "workers"));
  EXPECT_TRUE(contains(labels, "throughput (tokens/s)"));
  EXPECT_TRUE(contains(labels, "offered load (tokens/s)"));
  EXPECT_TRUE(contains(labels, "latency (ms, log scale)"));
  const auto title = texts_of_class(svg, "title");
  ASSERT_EQ(title.size(), 1u);
  EXPECT_NE(title[0].find("Intel(R) Xeon(R) CPU @ 2.20GHz"), std::string::npos);
  EXPECT_NE(title[0].find("2026-12-02"), std::string::npos);
}

TEST(Plot, LegendNamesEverySeriesDrawn) {
  const auto legend = texts_of_class(render_svg(typical_report()), "legend-label");
  for (const char* entry : {"measured", "ideal linear scaling", "BoringSSL ceiling \u00d7 workers",
                            "p50", "p90", "p99", "p99.9", "saturated", "p99 target 2 ms"})
    EXPECT_TRUE(contains(legend, entry)) << entry;
}

TEST(Plot, OptionalLinesOnlyWhenMeasuredOrRequested) {
  report r = typical_report();
  r.ceiling.rps_per_core = kNotMeasured;
  r.planning.requested = false;
  r.open_loop.back().saturated = false;
  const std::string svg = render_svg(r);
  const auto legend = texts_of_class(svg, "legend-label");
  EXPECT_FALSE(contains(legend, "BoringSSL ceiling \u00d7 workers"));
  EXPECT_FALSE(contains(legend, "p99 target 2 ms"));
  EXPECT_FALSE(contains(legend, "saturated"));
  EXPECT_EQ(svg.find("series-ceiling"), std::string::npos);
  EXPECT_EQ(svg.find("series-target"), std::string::npos);
}

TEST(Plot, TickLabelsUseNiceSteps) {
  const auto ticks = texts_of_class(render_svg(typical_report()), "tick-label");
  // Throughput up to 100k at 20k steps; workers 0..4; latency decades 0.01 .. 1000 ms.
  for (const char* t : {"0", "20k", "40k", "100k", "1", "4", "0.01", "1000"})
    EXPECT_TRUE(contains(ticks, t)) << t;
}

TEST(Plot, HigherRatePlotsFurtherRightAndHigher) {
  report r = typical_report();
  // Unsorted input: the plot orders by rate, so x must follow the rate, not the input order.
  std::swap(r.open_loop[0], r.open_loop[3]);
  std::swap(r.closed_loop[0], r.closed_loop[2]);
  const std::string svg = render_svg(r);
  const auto p50 = markers(svg, "p50");
  ASSERT_EQ(p50.size(), r.open_loop.size());
  for (std::size_t i = 1; i < p50.size(); ++i) {
    EXPECT_GT(p50[i].first, p50[i - 1].first);
    EXPECT_LE(p50[i].second, p50[i - 1].second);  // latency rises with load: y grows downwards
  }
  const auto measured = markers(svg, "measured");
  ASSERT_EQ(measured.size(), r.closed_loop.size());
  for (std::size_t i = 1; i < measured.size(); ++i) {
    EXPECT_GT(measured[i].first, measured[i - 1].first);
    EXPECT_LT(measured[i].second, measured[i - 1].second);
  }
  // p99 above p50 at every load (smaller y), on the same x.
  const auto p99 = markers(svg, "p99");
  ASSERT_EQ(p99.size(), p50.size());
  for (std::size_t i = 0; i < p99.size(); ++i) {
    EXPECT_DOUBLE_EQ(p99[i].first, p50[i].first);
    EXPECT_LT(p99[i].second, p50[i].second);
  }
}

// The "x,y x,y ..." points of the polyline of series |name|.
std::vector<std::pair<double, double>> line_points(const std::string& svg,
                                                   const std::string& name) {
  std::vector<std::pair<double, double>> out;
  std::smatch m;
  const std::regex line_re("<polyline class=\"line series-" + name + "\"[^>]* points=\"([^\"]*)\"");
  if (!std::regex_search(svg, m, line_re)) return out;
  const std::string points = m[1];
  const std::regex pair_re("([-0-9.]+),([-0-9.]+)");
  for (std::sregex_iterator it(points.begin(), points.end(), pair_re), end; it != end; ++it)
    out.emplace_back(std::stod((*it)[1]), std::stod((*it)[2]));
  return out;
}

TEST(Plot, ReferenceLinesScaleTheOneWorkerPointAndTheCeiling) {
  const std::string svg = render_svg(typical_report());
  const auto measured = markers(svg, "measured");
  const auto ideal = line_points(svg, "ideal");
  const auto ceiling = line_points(svg, "ceiling");
  ASSERT_EQ(measured.size(), 4u);
  ASSERT_EQ(ideal.size(), 2u);
  ASSERT_EQ(ceiling.size(), 2u);
  // Pixels per token/s from the origin (y = bottom) and the 1-worker point (21000 tokens/s).
  const double bottom = ideal[0].second, per_rps = (bottom - measured[0].second) / 21000;
  EXPECT_DOUBLE_EQ(ideal[1].first, measured[3].first);  // both end at 4 workers
  EXPECT_NEAR(bottom - ideal[1].second, 4 * 21000 * per_rps, 0.2);
  EXPECT_NEAR(bottom - ceiling[1].second, 4 * 25000 * per_rps, 0.2);
  EXPECT_NEAR(bottom - measured[3].second, 70000 * per_rps, 0.2);
}

TEST(Plot, TargetLineSitsAtItsLatency) {
  const std::string svg = render_svg(typical_report());
  const std::regex re("<line class=\"marker series-target\"[^>]* y1=\"([-0-9.]+)\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, re));
  const double target_y = std::stod(m[1]);
  const auto p99 = markers(svg, "p99");  // 0.4, 0.6, 1.5, 9, 150 ms
  ASSERT_EQ(p99.size(), 5u);
  EXPECT_LT(target_y, p99[2].second);  // 2 ms is above 1.5 ms
  EXPECT_GT(target_y, p99[3].second);  // and below 9 ms
  // Log scale: 0.4 -> 0.6 ms spans log10(1.5) of a decade, 1.5 -> 9 ms log10(6).
  const double per_decade = (p99[0].second - p99[1].second) / std::log10(1.5);
  EXPECT_NEAR(p99[2].second - p99[3].second, per_decade * std::log10(6), 0.5);
}

TEST(Plot, SaturatedPointsAreRinged) {
  const std::string svg = render_svg(typical_report());
  const auto rings = markers(svg, "saturated");
  const auto p999 = markers(svg, "p999");
  ASSERT_EQ(rings.size(), 1u);
  EXPECT_EQ(rings[0], p999.back());
}

TEST(Plot, EmptySweepsDrawNoDataPanels) {
  const std::string svg = render_svg(report{});
  EXPECT_EQ(texts_of_class(svg, "no-data").size(), 2u);
  EXPECT_TRUE(markers(svg, "measured").empty());
  EXPECT_EQ(texts_of_class(svg, "axis-label").size(), 4u);
}

TEST(Plot, NanFieldsAreSkippedNotDrawnAsZero) {
  const std::string svg = render_svg(testing::nan_report());
  EXPECT_EQ(markers(svg, "measured").size(), 3u);  // one achieved_rps is NaN
  EXPECT_EQ(markers(svg, "p50").size(), 2u);       // NaN rate, infinite p50, NaN latencies
  EXPECT_EQ(markers(svg, "p99").size(), 2u);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(Plot, AllNanLatenciesGiveNoDataPanel) {
  report r = typical_report();
  for (point& p : r.open_loop) p.latency = latency_ms{};
  const std::string svg = render_svg(r);
  EXPECT_EQ(texts_of_class(svg, "no-data").size(), 1u);
  EXPECT_FALSE(markers(svg, "measured").empty());
}

TEST(Plot, StringsAreEscaped) {
  const report r = hostile_report();
  for (const std::string& doc : {render_svg(r), render_html(r)}) {
    ASSERT_FALSE(doc.empty());
    EXPECT_EQ(doc.find("<script"), std::string::npos);
    EXPECT_EQ(doc.find("</p><b>"), std::string::npos);
    EXPECT_EQ(doc.find("a<b>"), std::string::npos);
    EXPECT_EQ(doc.find('\x01'), std::string::npos);
    EXPECT_EQ(doc.find('\x7f'), std::string::npos);
    EXPECT_EQ(doc.find('\xff'), std::string::npos);
    EXPECT_EQ(doc.find("\xed\xa0\x80"), std::string::npos);  // a surrogate is not UTF-8
  }
  const std::string html = render_html(r);
  EXPECT_NE(html.find("file: /tmp/a&lt;b&gt;&amp;c&quot;d&#39;e.yaml]]&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("caf\xc3\xa9"), std::string::npos);  // valid UTF-8 is kept
  // The 5000-character sentence is capped.
  std::string many_escaped_lt;
  for (int i = 0; i < 201; ++i) many_escaped_lt += "&lt;";
  EXPECT_EQ(html.find(many_escaped_lt), std::string::npos);
  EXPECT_LT(html.size(), render_html(typical_report()).size() + 4000);
}

TEST(Plot, HtmlHasHeaderAndTheSvg) {
  const std::string html = render_html(typical_report());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("200000 tokens/s at p99 &lt;= 2 ms: 14 cores (2 nodes of 8 cores)."),
            std::string::npos);
  EXPECT_NE(html.find("Intel(R) Xeon(R) CPU @ 2.20GHz"), std::string::npos);
  EXPECT_NE(html.find("RS256 60 %"), std::string::npos);
  EXPECT_NE(html.find(render_svg(typical_report())), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://", html.find("<svg") + 50), std::string::npos);  // no fetches
}

TEST(Plot, EveryReportRendersDeterministically) {
  for (const auto& [name, r] : all_sample_reports()) {
    const std::string svg = render_svg(r);
    ASSERT_FALSE(svg.empty()) << name;
    EXPECT_EQ(svg, render_svg(r)) << name;
    EXPECT_LT(svg.size(), 64u * 1024) << name;
    EXPECT_FALSE(render_html(r).empty()) << name;
  }
}

// Out of memory at every point of rendering: an empty string, never an exception or a partial
// document.
TEST(Plot, AllocationFailureGivesEmptyResult) {
  const report r = hostile_report();
  const std::string full_svg = render_svg(r), full_html = render_html(r);
  g_allocations_left = 1L << 40;
  (void)render_html(r);
  const long needed = (1L << 40) - g_allocations_left;
  g_allocations_left = -1;
  ASSERT_GT(needed, 10);
  int failed = 0;
  for (long budget = 0; budget <= needed; budget += std::max(1L, needed / 300)) {
    g_allocations_left = budget;
    const std::string svg = render_svg(r);
    const std::string html = render_html(r);
    g_allocations_left = -1;
    EXPECT_TRUE(svg.empty() || svg == full_svg) << budget;
    EXPECT_TRUE(html.empty() || html == full_html) << budget;
    failed += html.empty() ? 1 : 0;
  }
  EXPECT_GT(failed, 100);
  g_allocations_left = needed + 100;  // enough for both documents
  EXPECT_EQ(render_html(r), full_html);
  g_allocations_left = -1;
}

TEST(Plot, SinglePointIsDrawn) {
  const std::string svg = render_svg(testing::single_point_report());
  EXPECT_EQ(markers(svg, "measured").size(), 1u);
  EXPECT_EQ(markers(svg, "p99").size(), 1u);
  EXPECT_TRUE(texts_of_class(svg, "no-data").empty());
}

TEST(Plot, ExtremeValuesStayInsideThePlotArea) {
  const std::string svg = render_svg(testing::extreme_report());
  for (const char* series : {"measured", "p50", "p999"}) {
    const auto points = markers(svg, series);
    EXPECT_FALSE(points.empty()) << series;
    for (const auto& [x, y] : points) {
      EXPECT_GE(x, 0);
      EXPECT_LE(x, 1000);
      EXPECT_GE(y, 0);
      EXPECT_LE(y, 480);
    }
  }
  EXPECT_EQ(markers(svg, "p50").size(), 2u);  // 1e308 is beyond what the axes place
}

}  // namespace
}  // namespace jwtx::capacity
