// `jwtx bench`: capacity planning. Sends a workload (built-in, a workload file, or a replay of
// real tokens) through the real engine, prints throughput and latency per point, and answers
// "how many cores for R tokens/s at p99 <= L" (tools/jwtx/bench/: workload, runner, ceiling,
// planning, output). Tokens are never printed: counts, sizes and statuses only.
//
// Exit: 0 done; 1 a token's verdict differed from the workload's expectation (the table says
// which); 2 bad flag, bad workload file, unreadable or unwritable file.
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/jwtx/bench/output.h"
#include "tools/jwtx/bench/planning.h"
#include "tools/jwtx/bench/plot.h"
#include "tools/jwtx/bench/runner.h"
#include "tools/jwtx/bench/workload.h"
#include "tools/jwtx/common.h"

namespace jwtx::cli {
namespace {

using namespace jwtx::capacity;

struct bench_flags {
  std::string workload_file, tokens_file, jwks_file, iss, algs;
  std::vector<std::string> audiences;
  double now = 0, leeway = 60, duration = 0;
  bool quick = false;
  std::string workers, rates;
  std::size_t cache_entries = 0, distinct_tokens = 0;
  double target_rps = 0, p99_ms = 0, headroom = 0.3;
  unsigned node_cores = 0;
  std::string json, csv, svg, html;
  CLI::Option *now_opt = nullptr, *cache_opt = nullptr, *distinct_opt = nullptr,
              *duration_opt = nullptr, *target_opt = nullptr, *p99_opt = nullptr,
              *node_opt = nullptr, *headroom_opt = nullptr, *leeway_opt = nullptr;
};

// "N" -> 1..N; "a,b,c" -> {a, b, c}. Each in [1, 1024].
std::optional<std::vector<unsigned>> parse_workers(const std::string& text, std::string* why) {
  std::vector<unsigned> out;
  const std::vector<std::string> items = split_csv(text);
  for (const std::string& item : items) {
    char* end = nullptr;
    const unsigned long n = std::strtoul(item.c_str(), &end, 10);
    if (item.empty() || item[0] == '-' || *end != '\0' || n < 1 || n > 1024) {
      *why = "--workers: " + quote_input(item) + " is not a count in [1, 1024]";
      return std::nullopt;
    }
    out.push_back(static_cast<unsigned>(n));
  }
  if (out.empty()) {
    *why = "--workers: give N (1..N) or a list such as 1,2,4";
    return std::nullopt;
  }
  if (items.size() == 1) {
    const unsigned n = out[0];
    out.clear();
    for (unsigned k = 1; k <= n; ++k) out.push_back(k);
  }
  return out;
}

std::optional<std::vector<double>> parse_rates(const std::string& text, std::string* why) {
  std::vector<double> out;
  for (const std::string& item : split_csv(text)) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (*end != '\0' || !std::isfinite(v) || v <= 0 || v > 1e9) {
      *why = "--rates: " + quote_input(item) + " is not a rate in (0, 1e9] tokens/s";
      return std::nullopt;
    }
    out.push_back(v);
  }
  if (out.empty()) *why = "--rates: give a list of tokens/s, e.g. 1000,5000,10000";
  return out.empty() ? std::nullopt : std::optional(out);
}

// A finite decimal in [lo, hi] for the planning flags (seconds_in() names its unit "seconds").
CLI::Validator plain_number_in(double lo, double hi, const char* unit) {
  char range[96];
  std::snprintf(range, sizeof range, "%s in [%g, %g]", unit, lo, hi);
  const std::string description = range;
  return CLI::Validator(
      [lo, hi, description](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        const bool ok = !text.empty() && *end == '\0' && std::isfinite(v) && v >= lo && v <= hi;
        return ok ? std::string() : "expected " + description + ", got " + quote_input(text);
      },
      description);
}

// An output destination opened before the run (so a bad path fails at once). "-": stdout.
struct sink {
  std::string path;
  std::FILE* f = nullptr;
  bool owned = false;
  ~sink() {
    if (owned) std::fclose(f);
  }
  bool open(const std::string& p, const char* flag, std::string* why) {
    path = p;
    if (p.empty()) return true;
    if (p == "-") {
      f = stdout;
      return true;
    }
    f = std::fopen(p.c_str(), "wb");
    owned = f != nullptr;
    if (!f) *why = std::string(flag) + " " + quote_input(p) + ": " + std::strerror(errno);
    return f != nullptr;
  }
  bool write(const std::string& text, std::string* why) {
    if (!f) return true;
    const bool ok =
        std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0;
    if (!ok) *why = "writing " + quote_input(path) + " failed: " + std::strerror(errno);
    return ok;
  }
};

std::optional<workload> load_workload(const bench_flags& f, workload_config* cfg_out,
                                      std::string* why) {
  if (!f.tokens_file.empty()) {
    replay_config rc;
    rc.tokens_name = f.tokens_file;
    rc.jwks_name = f.jwks_file;
    std::string err;
    if (!read_file(f.tokens_file, &rc.tokens_text, &err)) {
      *why = "--tokens " + quote_input(f.tokens_file) + ": " + err;
      return std::nullopt;
    }
    if (!read_file(f.jwks_file, &rc.jwks_text, &err)) {
      *why = "--jwks " + quote_input(f.jwks_file) + ": " + err;
      return std::nullopt;
    }
    if (!f.algs.empty()) {
      std::optional<algorithm_set> a = parse_algorithms_flag("--algs", f.algs, why);
      if (!a) return std::nullopt;
      rc.algs = *a;
    }
    rc.issuer = f.iss;
    rc.audiences = f.audiences;
    rc.leeway_seconds = f.leeway;
    if (f.now_opt->count() > 0) rc.now = f.now;
    if (f.cache_opt->count() > 0) rc.cache_entries = f.cache_entries;
    std::optional<workload> w = load_replay(rc, why);
    if (!w) *why = "replay: " + sanitized(*why);
    return w;
  }
  workload_config cfg;
  if (f.quick) {
    // The demo's preset: fewer distinct tokens (minting RS256 costs ~1 ms each) and a cache
    // scaled with them (distinct / cache as in the default, ~5).
    cfg.distinct_tokens = 5000;
    cfg.cache_entries = 1024;
  }
  if (!f.workload_file.empty()) {
    std::string text, err;
    if (!read_file(f.workload_file, &text, &err)) {
      *why = "--workload " + quote_input(f.workload_file) + ": " + err;
      return std::nullopt;
    }
    std::optional<workload_config> parsed = parse_workload(text, &err, cfg);
    if (!parsed) {
      *why = "--workload " + quote_input(f.workload_file) + ": " + sanitized(err);
      return std::nullopt;
    }
    cfg = *parsed;
  }
  if (f.cache_opt->count() > 0) cfg.cache_entries = f.cache_entries;
  if (f.distinct_opt->count() > 0) cfg.distinct_tokens = f.distinct_tokens;
  if (f.leeway_opt->count() > 0) cfg.leeway_seconds = f.leeway;
  *cfg_out = cfg;
  std::optional<workload> w = build_workload(cfg, why);
  if (w && !f.workload_file.empty()) w->info.source = "file: " + f.workload_file;
  return w;
}

int run(const bench_flags& f) {
  const double wall0 = monotonic_now(), cpu0 = cpu_now();
  report rep;
  rep.machine = probe_machine();
  std::string why;

  // Flag combinations.
  if (!f.tokens_file.empty() != !f.jwks_file.empty())
    return fail("bench: --tokens and --jwks go together (replay)");
  if (!f.tokens_file.empty() && !f.workload_file.empty())
    return fail("bench: --workload and --tokens exclude each other");
  if (f.tokens_file.empty() &&
      (!f.iss.empty() || !f.audiences.empty() || !f.algs.empty() || f.now_opt->count() > 0))
    return fail("bench: --iss, --aud, --algs and --now apply to a replay (--tokens)");
  if (!f.tokens_file.empty() && f.distinct_opt->count() > 0)
    return fail("bench: --distinct-tokens applies to the generated workload, not to a replay");
  if (f.json == "-" && f.csv == "-") return fail("bench: only one of --json and --csv can be -");
  const bool planning = f.target_opt->count() > 0 || f.p99_opt->count() > 0;
  if (planning && (f.target_opt->count() == 0 || f.p99_opt->count() == 0))
    return fail("bench: --target-rps and --p99-ms go together");
  if (!planning && (f.node_opt->count() > 0 || f.headroom_opt->count() > 0))
    return fail("bench: --node-cores and --headroom need --target-rps and --p99-ms");
  plan_request pr{f.target_rps, f.p99_ms,
                  f.node_opt->count() > 0 ? f.node_cores : rep.machine.logical_cores, f.headroom};
  if (planning) {
    if (const std::optional<std::string> bad = check_plan_request(pr))
      return fail("bench: " + *bad);
  }
  run_options ro;
  if (!f.workers.empty()) {
    std::optional<std::vector<unsigned>> w = parse_workers(f.workers, &why);
    if (!w) return fail("bench: " + why);
    ro.workers = *w;
  }
  if (!f.rates.empty()) {
    std::optional<std::vector<double>> r = parse_rates(f.rates, &why);
    if (!r) return fail("bench: " + why);
    ro.rates = *r;
  }
  sink json, csv, svg, html;
  if (!json.open(f.json, "--json", &why) || !csv.open(f.csv, "--csv", &why) ||
      !svg.open(f.svg, "--svg", &why) || !html.open(f.html, "--html", &why))
    return fail("bench: " + why);
  if (f.svg == "-" || f.html == "-") return fail("bench: --svg and --html need a file name");
  const bool table = f.json != "-" && f.csv != "-";
  std::FILE* text_out = table ? stdout : stderr;

  progress_bar bar(stderr, table && ::isatty(STDOUT_FILENO) == 1);
  bar.update(0, f.tokens_file.empty() ? "generating keys, minting tokens" : "reading tokens");
  workload_config cfg;
  std::optional<workload> w = load_workload(f, &cfg, &why);
  bar.finish();
  if (!w) return fail("bench: " + why);
  rep.workload = w->info;

  // The verdict pre-check: a benchmark of wrong answers measures nothing.
  const std::vector<verdict_row> verdicts = check_verdicts(*w);
  if (w->expected_known && !all_as_expected(verdicts)) {
    std::fputs(render_verdicts(verdicts, true).c_str(), text_out);
    std::fputs("jwtx: bench: some tokens did not get their expected status (see above)\n", stderr);
    return kExitInvalid;
  }
  if (table) std::fputs((render_verdicts(verdicts, w->expected_known) + "\n").c_str(), stdout);
  std::fflush(stdout);

  ro.duration_seconds = f.duration_opt->count() > 0 ? f.duration
                        : cfg.duration_seconds      ? *cfg.duration_seconds
                        : f.quick                   ? 2.0
                                                    : 3.0;
  if (ro.workers.empty()) ro.workers = cfg.workers;
  if (!cfg.rate_fractions.empty()) ro.rate_fractions = cfg.rate_fractions;
  if (ro.duration_seconds < 0.5) ro.ceiling_seconds = std::max(0.01, ro.duration_seconds / 4);
  ro.progress = [&bar](double done, const std::string& next) { bar.update(done, next); };
  if (!run_bench(*w, ro, &rep, &why)) {
    bar.finish();
    return fail("bench: " + sanitized(why));
  }
  bar.finish();
  finish_machine(rep.machine, monotonic_now() - wall0, cpu_now() - cpu0);
  if (planning) rep.planning = make_plan(rep, pr);

  if (table) std::fputs(render_table(rep, ro.duration_seconds).c_str(), stdout);
  if (!json.write(render_json(rep), &why) || !csv.write(render_csv(rep), &why) ||
      !svg.write(render_svg(rep), &why) || !html.write(render_html(rep), &why))
    return fail("bench: " + why);
  return kExitOk;
}

}  // namespace

verb add_bench(CLI::App& app) {
  auto f = std::make_shared<bench_flags>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Capacity planning: throughput and latency of a token workload, cores needed");
  cmd->add_option("--workload", f->workload_file,
                  "Workload file (JSON or YAML) overriding the built-in workload");
  cmd->add_option("--tokens", f->tokens_file, "Replay: file of tokens, one per line");
  cmd->add_option("--jwks", f->jwks_file, "Replay: JWKS file with the verification keys");
  cmd->add_option("--iss", f->iss, "Replay: allowed issuer");
  cmd->add_option("--aud", f->audiences, "Replay: allowed audience (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--algs", f->algs, "Replay: allowed algorithms (default: all)");
  f->now_opt = cmd->add_option("--now", f->now, "Replay: Unix time to verify at (default: now)")
                   ->check(seconds_in(0, static_cast<double>(kMaxUnixTime)));
  f->leeway_opt = cmd->add_option("--leeway", f->leeway, "Clock leeway in seconds (default 60)")
                      ->check(seconds_in(0, kMaxLeewaySeconds));
  f->cache_opt = cmd->add_option("--cache-entries", f->cache_entries,
                                 "Verified-token cache entries, 0 = off (default 4096)")
                     ->check(count_in(0, kMaxCacheEntries));
  f->distinct_opt = cmd->add_option("--distinct-tokens", f->distinct_tokens,
                                    "Distinct tokens of the generated workload (default 20000)")
                        ->check(count_in(1, kMaxDistinctTokens));
  f->duration_opt = cmd->add_option("--duration", f->duration, "Seconds per point (default 3)")
                        ->check(seconds_in(0.01, 3600));
  cmd->add_flag("--quick", f->quick,
                "Demo preset: 5000 distinct tokens, cache 1024, 2 s per point");
  cmd->add_option("--workers", f->workers,
                  "Closed-loop worker counts: N (1..N) or a list 1,2,4 (default: 1, 2, 4, ... all "
                  "cores)");
  cmd->add_option("--rates", f->rates,
                  "Open-loop rates in tokens/s, e.g. 5000,10000 (default: 0.1..1.2 x the "
                  "closed-loop maximum)");
  f->target_opt = cmd->add_option("--target-rps", f->target_rps, "Planning: target tokens/s")
                      ->check(plain_number_in(1e-9, 1e12, "TOKENS/S"));
  f->p99_opt = cmd->add_option("--p99-ms", f->p99_ms, "Planning: p99 latency bound in ms")
                   ->check(plain_number_in(1e-6, 1e7, "MS"));
  f->node_opt = cmd->add_option("--node-cores", f->node_cores,
                                "Planning: cores per node (default: this machine's)")
                    ->check(count_in(1, 1 << 20));
  f->headroom_opt = cmd->add_option("--headroom", f->headroom,
                                    "Planning: share of each core kept free, in [0, 1) (default "
                                    "0.3)")
                        ->check(plain_number_in(0, 1, "SHARE"));
  cmd->add_option("--json", f->json, "Write the report as JSON to FILE (- = stdout, no table)");
  cmd->add_option("--csv", f->csv, "Write the points as CSV to FILE (- = stdout, no table)");
  cmd->add_option("--svg", f->svg, "Write the plots as SVG to FILE");
  cmd->add_option("--html", f->html, "Write the plots as an HTML page to FILE");
  return {cmd, [f] { return run(*f); }};
}

}  // namespace jwtx::cli
