#include "tools/jwtx/bench/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

namespace jwtx::capacity {
namespace {

// Beyond this a value is treated as garbage rather than drawn: axis arithmetic (max / step * step)
// must stay finite.
constexpr double kPlottableLimit = 1e300;
// Report strings are capped (input bytes) so a hostile workload path cannot blow up the page.
constexpr std::size_t kMaxTextBytes = 200;
// Lists from the report (the workload mix) shown in the HTML header at most this long.
constexpr std::size_t kMaxListedShares = 24;

bool plottable(double v) { return std::isfinite(v) && std::fabs(v) <= kPlottableLimit; }

std::string format(const char* spec, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, spec, v);
  return buffer;
}

// A coordinate in SVG user units.
std::string coord(double v) { return format("%.1f", v); }

// Length of the valid UTF-8 sequence starting |s|, or 0: XML parsers reject invalid UTF-8, so it
// never reaches the output. Rejects overlong forms, surrogates and code points above U+10FFFF, and
// (as XML forbids them or they render as nothing) C1 controls and U+FFFE/U+FFFF.
std::size_t valid_utf8_length(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = b(0);
  std::size_t length = lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
  if (lead < 0xc2 || lead > 0xf4 || s.size() < length) return 0;
  std::uint32_t cp = lead & (0x7f >> length);
  for (std::size_t i = 1; i < length; ++i) {
    if ((b(i) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i) & 0x3f);
  }
  const std::uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_length[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  if (cp < 0xa0 || cp == 0xfffe || cp == 0xffff) return 0;
  return length;
}

// |s| as XML/HTML character data or attribute value: markup characters escaped, control bytes
// and invalid UTF-8 replaced by '?', at most kMaxTextBytes input bytes (then an ellipsis).
std::string escaped(std::string_view s) {
  std::string out;
  out.reserve(std::min(s.size(), kMaxTextBytes) + 16);
  std::size_t i = 0;
  while (i < s.size() && i < kMaxTextBytes) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = valid_utf8_length(s.substr(i));
      if (n == 0) {
        out += '?';
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    }
    ++i;
  }
  if (i < s.size()) out += "\u2026";
  return out;
}

// ---- axes ---------------------------------------------------------------------------------------

// A 1-2-5 step giving at most about |max_ticks| intervals over |range| (> 0).
double nice_step(double range, int max_ticks) {
  const double raw = range / max_ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double normalized = raw / magnitude;
  const double nice = normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10;
  return nice * magnitude;
}

// A tick value in a short form: thousands as k/M/G/T once the axis reaches 10 000, and as many
// decimals as the step needs.
std::string tick_text(double v, double step, double axis_max) {
  if (v == 0) return "0";
  static constexpr std::pair<double, const char*> kSuffixes[] = {
      {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
  double divisor = 1;
  const char* suffix = "";
  if (axis_max < 1e15) {
    for (const auto& [d, name] : kSuffixes) {
      if (axis_max >= 10 * d) {
        divisor = d;
        suffix = name;
        break;
      }
    }
  } else {
    return format("%.3g", v);
  }
  const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step / divisor) - 1e-9)));
  if (decimals > 6) return format("%.3g", v);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f%s", decimals, v / divisor, suffix);
  return buffer;
}

struct tick {
  double value;
  std::string text;  // empty: a minor tick (grid line only)
};

// Maps data values to pixels on one axis; linear from 0, or log10.
struct axis {
  bool log = false;
  double lo = 0, hi = 1;              // data range (log: exponents of ten)
  double pixel_lo = 0, pixel_hi = 1;  // pixels of lo and hi
  std::vector<tick> ticks;

  double to_pixel(double v) const {
    const double t = log ? std::log10(v) : v;
    return pixel_lo + (t - lo) / (hi - lo) * (pixel_hi - pixel_lo);
  }
};

// A linear axis from 0 to a 1-2-5 multiple at or above |max|; |integer| keeps steps >= 1.
axis linear_axis(double max, bool integer, double pixel_lo, double pixel_hi) {
  axis a;
  a.pixel_lo = pixel_lo;
  a.pixel_hi = pixel_hi;
  if (!(max > 0)) max = 1;
  double step = nice_step(max, 5);
  if (integer) step = std::max(step, 1.0);
  a.hi = std::ceil(max / step - 1e-9) * step;
  for (int i = 0; i * step <= a.hi * (1 + 1e-9) && i <= 20; ++i)
    a.ticks.push_back({i * step, tick_text(i * step, step, a.hi)});
  return a;
}

std::string power_of_ten_text(int exponent) {
  if (exponent >= -3 && exponent <= 4) return format("%g", std::pow(10.0, exponent));
  return "1e" + std::to_string(exponent);
}

// A log10 axis over whole decades covering [min, max] (both > 0): minor ticks at 2 and 5 when
// there are few decades, labels thinned out when there are many.
axis log_axis(double min, double max, double pixel_lo, double pixel_hi) {
  axis a;
  a.log = true;
  a.pixel_lo = pixel_lo;
  a.pixel_hi = pixel_hi;
  a.lo = std::floor(std::log10(min));
  a.hi = std::ceil(std::log10(max));
  if (a.hi <= a.lo) a.hi = a.lo + 1;
  const int decades = static_cast<int>(a.hi - a.lo);
  const int label_every = std::max(1, (decades + 7) / 8);
  for (int e = static_cast<int>(a.lo); e <= static_cast<int>(a.hi); ++e) {
    const double decade = std::pow(10.0, e);
    const bool labelled = (e - static_cast<int>(a.lo)) % label_every == 0;
    a.ticks.push_back({decade, labelled ? power_of_ten_text(e) : ""});
    if (decades <= 3 && e < a.hi) {
      a.ticks.push_back({2 * decade, format("%g", 2 * decade)});
      a.ticks.push_back({5 * decade, format("%g", 5 * decade)});
    }
  }
  return a;
}

// ---- drawing ------------------------------------------------------------------------------------

struct xy {
  double x, y;
};

struct series {
  std::string name;   // class suffix: series-<name>
  std::string label;  // legend text (escaped on output)
  std::string color;
  std::string dash;  // stroke-dasharray, empty for solid
  bool markers = true;
  std::vector<xy> points;
};

// Keeps the points both axes can place, sorted by x so a line reads left to right.
std::vector<xy> drawable(std::vector<xy> points, bool log_y) {
  std::erase_if(points, [&](const xy& p) {
    return !plottable(p.x) || !plottable(p.y) || p.x < 0 || (log_y ? p.y <= 0 : p.y < 0);
  });
  std::stable_sort(points.begin(), points.end(),
                   [](const xy& a, const xy& b) { return a.x < b.x; });
  return points;
}

struct panel {
  std::string title, x_label, y_label;
  double left, top, right, bottom;  // the plot area, pixels
};

void text(std::string& svg, const char* cls, double x, double y, std::string_view anchor,
          std::string_view content, const char* extra = "") {
  svg += "<text class=\"" + std::string(cls) + "\" x=\"" + coord(x) + "\" y=\"" + coord(y) +
         "\" text-anchor=\"" + std::string(anchor) + "\"" + extra + ">" + escaped(content) +
         "</text>\n";
}

void draw_frame(std::string& svg, const panel& p) {
  svg += "<rect class=\"plot-area\" x=\"" + coord(p.left) + "\" y=\"" + coord(p.top) +
         "\" width=\"" + coord(p.right - p.left) + "\" height=\"" + coord(p.bottom - p.top) +
         "\" fill=\"#fbfbfb\" stroke=\"#444\"/>\n";
  const double center_x = (p.left + p.right) / 2, center_y = (p.top + p.bottom) / 2;
  text(svg, "panel-title", center_x, p.top - 14, "middle", p.title, " font-weight=\"bold\"");
  text(svg, "axis-label", center_x, p.bottom + 46, "middle", p.x_label);
  const std::string rotate =
      " transform=\"rotate(-90 " + coord(p.left - 58) + " " + coord(center_y) + ")\"";
  text(svg, "axis-label", p.left - 58, center_y, "middle", p.y_label, rotate.c_str());
}

void draw_no_data(std::string& svg, const panel& p, std::string_view why) {
  text(svg, "no-data", (p.left + p.right) / 2, (p.top + p.bottom) / 2, "middle", why,
       " font-size=\"16\" fill=\"#888\"");
}

void draw_axes(std::string& svg, const panel& p, const axis& x, const axis& y) {
  for (const tick& t : x.ticks) {
    const double px = x.to_pixel(t.value);
    svg += "<line x1=\"" + coord(px) + "\" y1=\"" + coord(p.top) + "\" x2=\"" + coord(px) +
           "\" y2=\"" + coord(p.bottom) + "\" stroke=\"#e4e4e4\"/>\n";
    if (!t.text.empty()) text(svg, "tick-label", px, p.bottom + 18, "middle", t.text);
  }
  for (const tick& t : y.ticks) {
    const double py = y.to_pixel(t.value);
    svg += "<line x1=\"" + coord(p.left) + "\" y1=\"" + coord(py) + "\" x2=\"" + coord(p.right) +
           "\" y2=\"" + coord(py) + "\" stroke=\"" + (t.text.empty() ? "#f0f0f0" : "#e4e4e4") +
           "\"/>\n";
    if (!t.text.empty()) text(svg, "tick-label", p.left - 6, py + 4, "end", t.text);
  }
}

void draw_series(std::string& svg, const series& s, const axis& x, const axis& y) {
  if (s.points.empty()) return;
  std::string stroke = "stroke=\"" + s.color + "\" stroke-width=\"2\"";
  if (!s.dash.empty()) stroke += " stroke-dasharray=\"" + s.dash + "\"";
  svg += "<polyline class=\"line series-" + s.name + "\" fill=\"none\" " + stroke + " points=\"";
  for (const xy& p : s.points) svg += coord(x.to_pixel(p.x)) + "," + coord(y.to_pixel(p.y)) + " ";
  svg += "\"/>\n";
  if (!s.markers) return;
  for (const xy& p : s.points)
    svg += "<circle class=\"marker series-" + s.name + "\" cx=\"" + coord(x.to_pixel(p.x)) +
           "\" cy=\"" + coord(y.to_pixel(p.y)) + "\" r=\"3.5\" fill=\"" + s.color + "\"/>\n";
}

// Legend in the plot area's top-left corner (lines start near the origin, so it is mostly empty).
void draw_legend(std::string& svg, const panel& p, const std::vector<series>& entries) {
  if (entries.empty()) return;
  const double row = 18, x = p.left + 10, y = p.top + 10;
  std::size_t longest = 0;
  for (const series& s : entries) longest = std::max(longest, s.label.size());
  const double width = 40 + 7.0 * static_cast<double>(std::min<std::size_t>(longest, 40));
  svg += "<rect class=\"legend\" x=\"" + coord(x) + "\" y=\"" + coord(y) + "\" width=\"" +
         coord(width) + "\" height=\"" + coord(row * static_cast<double>(entries.size()) + 8) +
         "\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#bbb\"/>\n";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const series& s = entries[i];
    const double cy = y + 13 + row * static_cast<double>(i);
    std::string stroke = "stroke=\"" + s.color + "\" stroke-width=\"2\"";
    if (!s.dash.empty()) stroke += " stroke-dasharray=\"" + s.dash + "\"";
    if (s.name == "saturated") {
      svg += "<circle cx=\"" + coord(x + 17) + "\" cy=\"" + coord(cy) +
             "\" r=\"6\" fill=\"none\" " + stroke + "/>\n";
    } else {
      svg += "<line x1=\"" + coord(x + 6) + "\" y1=\"" + coord(cy) + "\" x2=\"" + coord(x + 28) +
             "\" y2=\"" + coord(cy) + "\" " + stroke + "/>\n";
    }
    text(svg, "legend-label", x + 34, cy + 4, "start", s.label);
  }
}

constexpr double kWidth = 1000, kHeight = 480;

panel make_panel(int index, std::string title, std::string x_label, std::string y_label) {
  const double x0 = index * kWidth / 2;
  return {std::move(title), std::move(x_label), std::move(y_label), x0 + 90, 80, x0 + 475, 400};
}

void draw_throughput(std::string& svg, const report& r) {
  const panel p =
      make_panel(0, "Throughput vs workers (closed loop)", "workers", "throughput (tokens/s)");
  draw_frame(svg, p);
  series measured{"measured", "measured", "#1f77b4", "", true, {}};
  for (const point& pt : r.closed_loop)
    measured.points.push_back({static_cast<double>(pt.workers), pt.achieved_rps});
  measured.points = drawable(std::move(measured.points), false);
  if (measured.points.empty()) return draw_no_data(svg, p, "no data (no closed-loop points)");

  // Ideal linear scaling through the fewest-workers point (the 1-worker point when there is one),
  // and the ceiling, both as rays from the origin (so they show with a single measured point too).
  const xy base = measured.points.front();
  const double max_workers = measured.points.back().x;
  std::vector<series> lines;
  lines.push_back(std::move(measured));
  if (base.x > 0) {
    lines.push_back({"ideal", "ideal linear scaling", "#7f7f7f", "6 4", false,
                     drawable({{0, 0}, {max_workers, base.y / base.x * max_workers}}, false)});
  }
  const double ceiling = r.ceiling.rps_per_core;
  if (plottable(ceiling) && ceiling > 0) {
    lines.push_back({"ceiling", "BoringSSL ceiling \u00d7 workers", "#d62728", "2 3", false,
                     drawable({{0, 0}, {max_workers, ceiling * max_workers}}, false)});
  }
  double max_y = 0;
  for (const series& s : lines)
    for (const xy& q : s.points) max_y = std::max(max_y, q.y);
  const axis x = linear_axis(max_workers, true, p.left, p.right);
  const axis y = linear_axis(max_y, false, p.bottom, p.top);
  draw_axes(svg, p, x, y);
  for (const series& s : lines) draw_series(svg, s, x, y);
  draw_legend(svg, p, lines);
}

void draw_latency(std::string& svg, const report& r) {
  const panel p = make_panel(1, "Latency vs offered load (open loop)", "offered load (tokens/s)",
                             "latency (ms, log scale)");
  draw_frame(svg, p);
  std::vector<series> lines = {{"p50", "p50", "#2ca02c", "", true, {}},
                               {"p90", "p90", "#1f77b4", "", true, {}},
                               {"p99", "p99", "#ff7f0e", "", true, {}},
                               {"p999", "p99.9", "#9467bd", "", true, {}}};
  series saturated{"saturated", "saturated", "#d62728", "", false, {}};
  for (const point& pt : r.open_loop) {
    const double values[] = {pt.latency.p50, pt.latency.p90, pt.latency.p99, pt.latency.p999};
    for (std::size_t i = 0; i < 4; ++i) lines[i].points.push_back({pt.offered_rps, values[i]});
    if (!pt.saturated) continue;
    // Ring the highest percentile that was measured at this load.
    for (int i = 3; i >= 0; --i) {
      if (plottable(values[i]) && values[i] > 0) {
        saturated.points.push_back({pt.offered_rps, values[i]});
        break;
      }
    }
  }
  double max_x = 0, min_y = INFINITY, max_y = 0;
  for (series& s : lines) {
    s.points = drawable(std::move(s.points), true);
    for (const xy& q : s.points) {
      max_x = std::max(max_x, q.x);
      min_y = std::min(min_y, q.y);
      max_y = std::max(max_y, q.y);
    }
  }
  std::erase_if(lines, [](const series& s) { return s.points.empty(); });
  if (lines.empty()) return draw_no_data(svg, p, "no data (no open-loop points)");
  saturated.points = drawable(std::move(saturated.points), true);

  const double target = r.planning.p99_ms;
  const bool show_target = r.planning.requested && plottable(target) && target > 0;
  if (show_target) {
    min_y = std::min(min_y, target);
    max_y = std::max(max_y, target);
  }
  const axis x = linear_axis(max_x, false, p.left, p.right);
  const axis y = log_axis(min_y, max_y, p.bottom, p.top);
  draw_axes(svg, p, x, y);
  for (const series& s : lines) draw_series(svg, s, x, y);
  std::vector<series> legend = lines;
  if (!saturated.points.empty()) {
    for (const xy& q : saturated.points)
      svg += "<circle class=\"marker series-saturated\" cx=\"" + coord(x.to_pixel(q.x)) +
             "\" cy=\"" + coord(y.to_pixel(q.y)) +
             "\" r=\"7\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n";
    legend.push_back(std::move(saturated));
  }
  if (show_target) {
    const double py = y.to_pixel(target);
    svg += "<line class=\"marker series-target\" x1=\"" + coord(p.left) + "\" y1=\"" + coord(py) +
           "\" x2=\"" + coord(p.right) + "\" y2=\"" + coord(py) +
           "\" stroke=\"#d62728\" stroke-width=\"1.5\" stroke-dasharray=\"8 4\"/>\n";
    legend.push_back(
        {"target", "p99 target " + format("%g", target) + " ms", "#d62728", "8 4", false, {}});
  }
  draw_legend(svg, p, legend);
}

std::string title_of(const report& r) {
  const std::string& cpu = r.machine.cpu_model;
  const std::string& started = r.machine.started_utc;
  return "jwtx capacity \u2014 " + (cpu.empty() ? std::string("CPU not recorded") : cpu) +
         " \u2014 " + (started.empty() ? std::string("date not recorded") : started.substr(0, 10));
}

std::string svg_document(const report& r) {
  std::string svg;
  svg.reserve(16384);
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + coord(kWidth) + "\" height=\"" +
         coord(kHeight) + "\" viewBox=\"0 0 " + coord(kWidth) + " " + coord(kHeight) +
         "\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\" fill=\"#222\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  text(svg, "title", kWidth / 2, 28, "middle", title_of(r), " font-size=\"16\"");
  draw_throughput(svg, r);
  draw_latency(svg, r);
  svg += "</svg>\n";
  return svg;
}

// A number for the HTML header; "not measured" for NaN.
std::string number(double v, const char* spec = "%.3g") {
  return std::isfinite(v) ? format(spec, v) : "not measured";
}

std::string shares(const std::vector<workload_share>& list) {
  std::string out;
  for (std::size_t i = 0; i < list.size() && i < kMaxListedShares; ++i)
    out += (i ? ", " : "") + escaped(list[i].name) + " " + number(list[i].fraction * 100, "%.3g") +
           " %";
  if (list.size() > kMaxListedShares) out += ", \u2026";
  return out.empty() ? "none" : out;
}

std::string html_document(const report& r) {
  const machine_info& m = r.machine;
  const workload_info& w = r.workload;
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  html += "<title>" + escaped(title_of(r)) + "</title>\n";
  html +=
      "<style>body{font-family:'DejaVu Sans',Arial,sans-serif;margin:16px;color:#222}"
      "p{margin:4px 0;overflow-wrap:anywhere}h1{font-size:20px}</style>\n</head>\n<body>\n";
  html += "<h1>" + escaped(title_of(r)) + "</h1>\n";
  html += "<p class=\"machine\">Machine: " + escaped(m.cpu_model) + ", " +
          std::to_string(m.logical_cores) + " logical cores, base64url kernel " +
          escaped(m.base64url_kernel) + ", " + escaped(m.crypto_library) + ", jwtx " +
          escaped(m.jwtx_version) + ", started " + escaped(m.started_utc) + ".</p>\n";
  html += "<p class=\"load\">Load average (1/5/15 min) before " + number(m.load_average_before[0]) +
          " / " + number(m.load_average_before[1]) + " / " + number(m.load_average_before[2]) +
          ", after " + number(m.load_average_after[0]) + " / " + number(m.load_average_after[1]) +
          " / " + number(m.load_average_after[2]) + "; CPU time " + number(m.cpu_seconds) +
          " s over " + number(m.wall_seconds) + " s wall.</p>\n";
  html += "<p class=\"workload\">Workload: " + escaped(w.source) + "; " +
          std::to_string(w.distinct_tokens) + " distinct tokens, Zipf exponent " +
          number(w.zipf_exponent) + ", cache " +
          (w.cache_entries ? std::to_string(w.cache_entries) + " entries" : std::string("off")) +
          "; algorithms: " + shares(w.algorithms) + "; invalid: " + shares(w.invalid) + ".</p>\n";
  html += "<p class=\"ceiling\">BoringSSL ceiling for this mix: " +
          number(r.ceiling.rps_per_core, "%.0f") +
          " tokens/s per core; jwtx (1 worker, cache off) " + "at " +
          number(r.ceiling.jwtx_ratio, "%.2f") + " of it.</p>\n";
  if (r.planning.requested) {
    html += "<p class=\"plan\"><strong>" + escaped(r.planning.sentence) + "</strong></p>\n";
    html += "<p class=\"method\">" + escaped(r.planning.method) + "</p>\n";
  } else {
    html += "<p class=\"plan\">No planning target given (--target-rps R --p99-ms L).</p>\n";
  }
  html += svg_document(r);
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace

std::string render_svg(const report& r) noexcept {
  try {
    return svg_document(r);
  } catch (...) {  // std::bad_alloc: the documented empty result
    return {};
  }
}

std::string render_html(const report& r) noexcept {
  try {
    return html_document(r);
  } catch (...) {
    return {};
  }
}

}  // namespace jwtx::capacity
