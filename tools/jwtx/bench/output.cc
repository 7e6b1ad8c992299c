#include "tools/jwtx/bench/output.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>

#include "engine/json_writer.h"

namespace jwtx::capacity {
namespace {

void appendf(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void appendf(std::string& out, const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  const int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) out.append(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
}

// A table cell: |v| with |decimals|, or "-" when not measured.
std::string cell(double v, int decimals) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string percent(double share) { return std::isfinite(share) ? cell(share * 100, 1) : "-"; }

// JSON / CSV number: NaN and infinities -> |missing|.
std::string number(double v, const char* missing) {
  if (!std::isfinite(v)) return missing;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

const char* mode_name(loop_mode m) { return m == loop_mode::open ? "open" : "closed"; }

void table_rows(std::string& out, const std::vector<point>& points, bool open) {
  if (open)
    appendf(out, "%10s %10s ", "offered/s", "achieved/s");
  else
    appendf(out, "%7s %10s ", "workers", "tokens/s");
  appendf(out, "%9s %9s %7s %7s %7s %8s %8s %7s %7s%s\n", "per core", "CPU s/Mt", "p50 ms",
          "p90 ms", "p99 ms", "p99.9 ms", "max ms", "cache %", "crypto%", open ? "  refused" : "");
  for (const point& p : points) {
    if (open) {
      appendf(out, "%10s %10s ", cell(p.offered_rps, 0).c_str(), cell(p.achieved_rps, 0).c_str());
    } else {
      appendf(out, "%7u %10s ", p.workers, cell(p.achieved_rps, 0).c_str());
    }
    appendf(out, "%9s %9s %7s %7s %7s %8s %8s %7s %7s", cell(p.rps_per_core, 0).c_str(),
            cell(p.cpu_seconds_per_million, 1).c_str(), cell(p.latency.p50, 3).c_str(),
            cell(p.latency.p90, 3).c_str(), cell(p.latency.p99, 3).c_str(),
            cell(p.latency.p999, 3).c_str(), cell(p.latency.max, 3).c_str(),
            percent(p.cache_hit_ratio).c_str(), percent(p.crypto_share).c_str());
    if (open)
      appendf(out, "  %7llu%s", static_cast<unsigned long long>(p.rejected_overloaded),
              p.saturated ? "  saturated" : "");
    out += '\n';
  }
}

void json_latency(std::string& out, const latency_ms& l) {
  out += "{\"p50\":" + number(l.p50, "null") + ",\"p90\":" + number(l.p90, "null") +
         ",\"p99\":" + number(l.p99, "null") + ",\"p999\":" + number(l.p999, "null") +
         ",\"max\":" + number(l.max, "null") + "}";
}

void json_key(std::string& out, const char* key) {
  out += '"';
  out += key;
  out += "\":";
}

void json_text(std::string& out, const char* key, const std::string& v) {
  json_key(out, key);
  append_json_string(out, v);
  out += ',';
}

void json_num(std::string& out, const char* key, double v) {
  json_key(out, key);
  out += number(v, "null");
  out += ',';
}

void json_points(std::string& out, const std::vector<point>& points) {
  out += '[';
  for (const point& p : points) {
    out += '{';
    json_text(out, "mode", mode_name(p.mode));
    json_num(out, "workers", p.workers);
    json_num(out, "offered_rps", p.offered_rps);
    json_num(out, "achieved_rps", p.achieved_rps);
    json_num(out, "rps_per_core", p.rps_per_core);
    json_num(out, "wall_seconds", p.wall_seconds);
    json_num(out, "cpu_seconds", p.cpu_seconds);
    json_num(out, "cpu_seconds_per_million", p.cpu_seconds_per_million);
    json_num(out, "tokens", static_cast<double>(p.tokens));
    json_num(out, "valid", static_cast<double>(p.valid));
    json_num(out, "rejected_overloaded", static_cast<double>(p.rejected_overloaded));
    json_key(out, "latency_ms");
    json_latency(out, p.latency);
    out += ',';
    json_num(out, "cache_hit_ratio", p.cache_hit_ratio);
    json_num(out, "crypto_share", p.crypto_share);
    json_key(out, "saturated");
    out += p.saturated ? "true}," : "false},";
  }
  if (out.back() == ',') out.pop_back();
  out += ']';
}

void json_shares(std::string& out, const char* key, const std::vector<workload_share>& shares) {
  json_key(out, key);
  out += '[';
  for (const workload_share& s : shares) {
    out += '{';
    json_text(out, "name", s.name);
    json_key(out, "fraction");
    out += number(s.fraction, "null") + "},";
  }
  if (out.back() == ',') out.pop_back();
  out += "],";
}

}  // namespace

bool busy_before(const machine_info& m) noexcept {
  const double load1 = m.load_average_before[0];
  return std::isfinite(load1) && load1 >= std::max(0.5, 0.25 * m.logical_cores);
}

bool disturbed(const machine_info& m) noexcept {
  return std::isfinite(m.other_cpu_seconds) && m.wall_seconds > 0 &&
         m.other_cpu_seconds / m.wall_seconds >= 0.1;
}

std::string render_table(const report& r, double duration_seconds) {
  std::string out;
  const machine_info& m = r.machine;
  const workload_info& w = r.workload;
  appendf(out, "jwtx bench (%s), %s\n", m.jwtx_version.c_str(), m.started_utc.c_str());
  appendf(out, "machine:  %s, %u logical cores, base64url kernel %s, %s\n", m.cpu_model.c_str(),
          m.logical_cores, m.base64url_kernel.c_str(), m.crypto_library.c_str());
  appendf(out, "load avg: before %s %s %s, after %s %s %s (1, 5, 15 min)\n",
          cell(m.load_average_before[0], 2).c_str(), cell(m.load_average_before[1], 2).c_str(),
          cell(m.load_average_before[2], 2).c_str(), cell(m.load_average_after[0], 2).c_str(),
          cell(m.load_average_after[1], 2).c_str(), cell(m.load_average_after[2], 2).c_str());
  appendf(out, "run:      %s s wall, %s s CPU (%s cores busy on average)\n",
          cell(m.wall_seconds, 1).c_str(), cell(m.cpu_seconds, 1).c_str(),
          cell(m.cpu_seconds / m.wall_seconds, 2).c_str());
  if (std::isfinite(m.other_cpu_seconds))
    appendf(out,
            "others:   %s s CPU used by other processes during the run (%s cores on average)\n",
            cell(m.other_cpu_seconds, 1).c_str(),
            cell(m.other_cpu_seconds / m.wall_seconds, 2).c_str());
  if (disturbed(m))
    appendf(out,
            "warning:  other processes used %.2f cores on average during the run: the rates below "
            "are lower than on an idle machine\n",
            m.other_cpu_seconds / m.wall_seconds);
  else if (busy_before(m))
    appendf(out,
            "note:     the load average was %.2f before the run (recent work, e.g. the build), "
            "but the run itself was not disturbed\n",
            m.load_average_before[0]);
  appendf(out, "workload: %s, %llu distinct tokens of %llu..%llu bytes", w.source.c_str(),
          static_cast<unsigned long long>(w.distinct_tokens),
          static_cast<unsigned long long>(w.min_token_bytes),
          static_cast<unsigned long long>(w.max_token_bytes));
  if (std::isfinite(w.zipf_exponent)) appendf(out, ", Zipf s = %g", w.zipf_exponent);
  appendf(out, ", cache %llu entries, %llu revoked jti\n",
          static_cast<unsigned long long>(w.cache_entries),
          static_cast<unsigned long long>(w.revoked_jtis));
  out += "sent:    ";
  for (const workload_share& s : w.algorithms)
    appendf(out, " %s %s %%", s.name.c_str(), percent(s.fraction).c_str());
  if (!w.invalid.empty()) {
    out += "; invalid:";
    for (const workload_share& s : w.invalid)
      appendf(out, " %s %s %%", s.name.c_str(), cell(s.fraction * 100, 2).c_str());
  }
  out += '\n';

  const crypto_ceiling& c = r.ceiling;
  out += "\nBoringSSL ceiling (one core, signature checks only):";
  for (const auto& a : c.per_algorithm)
    appendf(out, " %s %s us", a.algorithm.c_str(), cell(a.microseconds_per_verify, 1).c_str());
  appendf(out,
          "\n  the mix: %s tokens/s per core; jwtx 1 worker / ceiling: %s with the cache off, "
          "%s with the cache\n",
          cell(c.rps_per_core, 0).c_str(), cell(c.jwtx_ratio, 2).c_str(),
          cell(c.jwtx_ratio_with_cache, 2).c_str());

  appendf(out, "\nclosed loop (saturated pipeline, %.2f s per point; latency submit -> done)\n",
          duration_seconds);
  table_rows(out, r.closed_loop, false);
  if (!r.open_loop.empty()) {
    appendf(out,
            "\nopen loop at %u workers (fixed arrival rate; latency from the intended send time)\n",
            r.open_loop.front().workers);
    table_rows(out, r.open_loop, true);
  }
  out +=
      "(per core = tokens/s / workers; CPU s/Mt = process CPU seconds per million tokens; "
      "cache % = verified-token\n cache hits / tokens (repeats inside one batch are verified once "
      "and not counted); crypto % = estimated\n share of that CPU in signature checks; saturated "
      "= achieved < 95 % of offered or a token refused)\n";
  if (r.planning.requested) out += "\nplan: " + r.planning.sentence + "\n";
  return out;
}

std::string render_verdicts(const std::vector<verdict_row>& rows, bool expected_known) {
  std::string out = "verdicts (every distinct token verified once)\n";
  if (expected_known) {
    appendf(out, "%-30s %8s  %-18s %-40s %s\n", "category", "tokens", "expected", "returned",
            "as expected");
  } else {
    appendf(out, "%-30s %8s  %s\n", "category", "tokens", "returned");
  }
  for (const verdict_row& r : rows) {
    std::string got;
    for (const auto& [s, n] : r.returned) {
      if (!got.empty()) got += ", ";
      got += std::string(status_name(s)) + " x" + std::to_string(n);
    }
    if (!expected_known) {
      appendf(out, "%-30s %8llu  %s\n", r.category.c_str(),
              static_cast<unsigned long long>(r.tokens), got.c_str());
      continue;
    }
    appendf(out, "%-30s %8llu  %-18s %-40s %llu/%llu%s\n", r.category.c_str(),
            static_cast<unsigned long long>(r.tokens), std::string(status_name(r.expected)).c_str(),
            got.c_str(), static_cast<unsigned long long>(r.as_expected),
            static_cast<unsigned long long>(r.tokens), r.as_expected == r.tokens ? "" : "  <-- !");
  }
  return out;
}

std::string render_json(const report& r) {
  std::string out = "{\"machine\":{";
  const machine_info& m = r.machine;
  json_text(out, "cpu_model", m.cpu_model);
  json_num(out, "logical_cores", m.logical_cores);
  json_text(out, "base64url_kernel", m.base64url_kernel);
  json_text(out, "crypto_library", m.crypto_library);
  json_text(out, "jwtx_version", m.jwtx_version);
  json_text(out, "started_utc", m.started_utc);
  json_key(out, "load_average_before");
  out += "[" + number(m.load_average_before[0], "null") + "," +
         number(m.load_average_before[1], "null") + "," + number(m.load_average_before[2], "null") +
         "],";
  json_key(out, "load_average_after");
  out += "[" + number(m.load_average_after[0], "null") + "," +
         number(m.load_average_after[1], "null") + "," + number(m.load_average_after[2], "null") +
         "],";
  json_key(out, "busy_before");
  out += busy_before(m) ? "true," : "false,";
  json_num(out, "other_cpu_seconds", m.other_cpu_seconds);
  json_key(out, "disturbed");
  out += disturbed(m) ? "true," : "false,";
  json_num(out, "wall_seconds", m.wall_seconds);
  json_num(out, "cpu_seconds", m.cpu_seconds);
  out.back() = '}';

  const workload_info& w = r.workload;
  out += ",\"workload\":{";
  json_text(out, "source", w.source);
  json_num(out, "distinct_tokens", static_cast<double>(w.distinct_tokens));
  json_num(out, "zipf_exponent", w.zipf_exponent);
  json_num(out, "cache_entries", static_cast<double>(w.cache_entries));
  json_num(out, "revoked_jtis", static_cast<double>(w.revoked_jtis));
  json_num(out, "min_token_bytes", static_cast<double>(w.min_token_bytes));
  json_num(out, "max_token_bytes", static_cast<double>(w.max_token_bytes));
  json_shares(out, "algorithms", w.algorithms);
  json_shares(out, "invalid", w.invalid);
  out.back() = '}';

  out += ",\"ceiling\":{\"per_algorithm\":[";
  for (const auto& a : r.ceiling.per_algorithm) {
    out += '{';
    json_text(out, "algorithm", a.algorithm);
    json_key(out, "microseconds_per_verify");
    out += number(a.microseconds_per_verify, "null") + "},";
  }
  if (out.back() == ',') out.pop_back();
  out += "],";
  json_num(out, "rps_per_core", r.ceiling.rps_per_core);
  json_num(out, "jwtx_ratio", r.ceiling.jwtx_ratio);
  json_num(out, "jwtx_ratio_with_cache", r.ceiling.jwtx_ratio_with_cache);
  out.back() = '}';

  out += ",\"closed_loop\":";
  json_points(out, r.closed_loop);
  out += ",\"open_loop\":";
  json_points(out, r.open_loop);

  const plan& p = r.planning;
  out += ",\"plan\":{";
  json_key(out, "requested");
  out += p.requested ? "true," : "false,";
  json_num(out, "target_rps", p.target_rps);
  json_num(out, "p99_ms", p.p99_ms);
  json_num(out, "node_cores", p.node_cores);
  json_num(out, "headroom", p.headroom);
  json_key(out, "feasible");
  out += p.feasible ? "true," : "false,";
  json_num(out, "rps_per_core_at_p99", p.rps_per_core_at_p99);
  json_num(out, "scaling_efficiency", p.scaling_efficiency);
  json_num(out, "cores", p.cores);
  json_num(out, "nodes", p.nodes);
  json_text(out, "method", p.method);
  json_text(out, "sentence", p.sentence);
  out.back() = '}';
  out += "}\n";
  return out;
}

std::string render_csv(const report& r) {
  std::string out =
      "mode,workers,offered_rps,achieved_rps,rps_per_core,wall_seconds,cpu_seconds,"
      "cpu_seconds_per_million,tokens,valid,rejected_overloaded,p50_ms,p90_ms,p99_ms,p999_ms,"
      "max_ms,cache_hit_ratio,crypto_share,saturated\n";
  for (const std::vector<point>* points : {&r.closed_loop, &r.open_loop}) {
    for (const point& p : *points) {
      out += std::string(mode_name(p.mode)) + "," + std::to_string(p.workers);
      for (const double v :
           {p.offered_rps, p.achieved_rps, p.rps_per_core, p.wall_seconds, p.cpu_seconds,
            p.cpu_seconds_per_million, static_cast<double>(p.tokens), static_cast<double>(p.valid),
            static_cast<double>(p.rejected_overloaded), p.latency.p50, p.latency.p90, p.latency.p99,
            p.latency.p999, p.latency.max, p.cache_hit_ratio, p.crypto_share})
        out += "," + number(v, "");
      out += p.saturated ? ",true\n" : ",false\n";
    }
  }
  return out;
}

void progress_bar::update(double done, const std::string& what) {
  if (!enabled_) return;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(std::clamp(done, 0.0, 1.0) * kWidth);
  std::fprintf(out_, "\r\033[K[%.*s%*s] %3.0f %% %.60s", filled, "##############################",
               kWidth - filled, "", done * 100, what.c_str());
  std::fflush(out_);
  drawn_ = true;
}

void progress_bar::finish() {
  if (!enabled_ || !drawn_) return;
  std::fputs("\r\033[K", out_);  // erase the line: the report starts clean
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace jwtx::capacity
