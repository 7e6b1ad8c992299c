// engine/runtime/metrics.h: the exact exposition text of a small fixed registry, escaping, and a
// promtool-free check of the text format 0.0.4 grammar.
#include "engine/runtime/metrics.h"

// GCC 12 with -fsanitize=address,undefined -O2 reports a false -Wmaybe-uninitialized inside
// libstdc++'s <regex> (std::function in the NFA's state); the grammar check below needs regex.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace jwtx::metrics {
namespace {

// Checks |text| against the text format 0.0.4: every line is a HELP, a TYPE or a sample; a
// family's HELP and TYPE come once, before its samples; sample names belong to the family of the
// last TYPE (histograms: _bucket/_sum/_count); label values are properly escaped; values parse;
// histogram buckets are cumulative, end in le="+Inf" and that bucket equals _count. Returns ""
// or the first problem.
std::string check_exposition(const std::string& text) {
  if (!text.empty() && text.back() != '\n') return "no final newline";
  static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) ((?:[^\\\n]|\\\\|\\n)*))");
  static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  static const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*")(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*")*\})? (\S+))");
  static const std::regex value(R"([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]Inf|NaN)");
  std::set<std::string> helped, typed;
  std::string family, family_type;
  std::map<std::string, double> last_bucket;  // per label set without le
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string where = "line " + std::to_string(n) + " \"" + line + "\": ";
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      if (!helped.insert(m[1]).second) return where + "second HELP";
      if (typed.count(m[1])) return where + "HELP after TYPE";
      continue;
    }
    if (std::regex_match(line, m, type)) {
      if (!typed.insert(m[1]).second) return where + "second TYPE";
      family = m[1];
      family_type = m[2];
      last_bucket.clear();
      continue;
    }
    if (!std::regex_match(line, m, sample)) return where + "not a sample";
    if (!std::regex_match(m[3].str(), value)) return where + "bad value";
    const std::string name = m[1];
    const std::string labels = m[2];
    if (family_type == "histogram") {
      const double v = std::stod(m[3].str() == "+Inf" ? "inf" : m[3].str());
      const auto le = labels.find("le=\"");
      if (name == family + "_bucket") {
        if (le == std::string::npos) return where + "bucket without le";
        std::string key = labels.substr(0, le);
        if (last_bucket.count(key) && v < last_bucket[key]) return where + "not cumulative";
        last_bucket[key] = v;
      } else if (name == family + "_count") {
        std::string key = labels.empty() ? "{" : labels.substr(0, labels.size() - 1) + ",";
        if (!last_bucket.count(key) || last_bucket[key] != v) return where + "+Inf != _count";
      } else if (name != family + "_sum") {
        return where + "sample outside its family";
      }
    } else if (name != family) {
      return where + "sample outside its family";
    }
  }
  return "";
}

TEST(Metrics, ExactTextOfAFixedRegistry) {
  registry r;
  counter* ok = r.add_counter("jwtx_verdicts_total", "Verdicts by status and provider.",
                              {{"status", "ok"}, {"provider", "idp-a"}});
  counter* expired = r.add_counter("jwtx_verdicts_total", "Verdicts by status and provider.",
                                   {{"status", "token_expired"}, {"provider", "idp-a"}});
  gauge* depth = r.add_gauge("jwtx_queue_depth", "Tokens waiting in the pipeline.", {});
  histogram* lat = r.add_histogram("jwtx_request_seconds", "Request latency.\nIn seconds.",
                                   {{"provider", "idp-a"}}, {0.001, 0.01, 0.1});
  ASSERT_TRUE(r.add_gauge_fn("jwtx_jwks_key_set_age_seconds", "Age of the key set.",
                             {{"provider", "we\"ird\\name\n"}}, [] { return 12.5; }));
  ASSERT_TRUE(ok && expired && depth && lat);
  ok->inc(3);
  expired->inc();
  depth->set(7);
  depth->add(-2);
  lat->observe(0.0005);
  lat->observe(0.001);  // on the bound: le is "less than or equal"
  lat->observe(0.05);
  lat->observe(3);
  EXPECT_EQ(r.render(),
            "# HELP jwtx_verdicts_total Verdicts by status and provider.\n"
            "# TYPE jwtx_verdicts_total counter\n"
            "jwtx_verdicts_total{status=\"ok\",provider=\"idp-a\"} 3\n"
            "jwtx_verdicts_total{status=\"token_expired\",provider=\"idp-a\"} 1\n"
            "# HELP jwtx_queue_depth Tokens waiting in the pipeline.\n"
            "# TYPE jwtx_queue_depth gauge\n"
            "jwtx_queue_depth 5\n"
            "# HELP jwtx_request_seconds Request latency.\\nIn seconds.\n"
            "# TYPE jwtx_request_seconds histogram\n"
            "jwtx_request_seconds_bucket{provider=\"idp-a\",le=\"0.001\"} 2\n"
            "jwtx_request_seconds_bucket{provider=\"idp-a\",le=\"0.01\"} 2\n"
            "jwtx_request_seconds_bucket{provider=\"idp-a\",le=\"0.1\"} 3\n"
            "jwtx_request_seconds_bucket{provider=\"idp-a\",le=\"+Inf\"} 4\n"
            "jwtx_request_seconds_sum{provider=\"idp-a\"} 3.0515\n"
            "jwtx_request_seconds_count{provider=\"idp-a\"} 4\n"
            "# HELP jwtx_jwks_key_set_age_seconds Age of the key set.\n"
            "# TYPE jwtx_jwks_key_set_age_seconds gauge\n"
            "jwtx_jwks_key_set_age_seconds{provider=\"we\\\"ird\\\\name\\n\"} 12.5\n");
  EXPECT_EQ(check_exposition(r.render()), "");
}

TEST(Metrics, FormatCheckerRejectsBadText) {
  // The checker itself must catch what it claims to.
  EXPECT_NE(check_exposition("# TYPE a counter\na{l=\"x\"y\"} 1\n"), "");
  EXPECT_NE(check_exposition("# TYPE a counter\nb 1\n"), "");
  EXPECT_NE(check_exposition("# TYPE a counter\na one\n"), "");
  EXPECT_NE(check_exposition("# TYPE a counter\n# TYPE a counter\n"), "");
  EXPECT_NE(check_exposition("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                             "h_count 1\n"),
            "");
  EXPECT_NE(check_exposition("# TYPE a counter\na 1"), "");
  EXPECT_EQ(check_exposition("# HELP a x\\\\y\n# TYPE a counter\na{l=\"\\\"\"} 1e+06\n"), "");
}

TEST(Metrics, ValueFormatting) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(0.1), "0.1");
  EXPECT_EQ(format_value(1e-5), "1e-05");
  EXPECT_EQ(format_value(123456789), "123456789");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escape_help("a\\b\"c\nd"), "a\\\\b\"c\\nd");
}

TEST(Metrics, RegistrationErrors) {
  registry r;
  std::string why;
  EXPECT_EQ(r.add_counter("1bad", "h", {}, &why), nullptr);
  EXPECT_NE(why.find("invalid metric name"), std::string::npos);
  EXPECT_EQ(r.add_counter("good", "h", {{"__reserved", "x"}}, &why), nullptr);
  EXPECT_EQ(r.add_counter("good", "h", {{"a", "x"}, {"a", "y"}}, &why), nullptr);
  EXPECT_NE(why.find("given twice"), std::string::npos);
  ASSERT_NE(r.add_counter("good", "h", {{"a", "x"}}), nullptr);
  EXPECT_EQ(r.add_gauge("good", "h", {{"a", "y"}}, &why), nullptr);  // type disagrees
  EXPECT_EQ(r.add_counter("good", "other help", {{"a", "y"}}, &why), nullptr);
  EXPECT_EQ(r.add_histogram("h", "h", {{"le", "1"}}, {1}, &why), nullptr);
  EXPECT_EQ(r.add_histogram("h", "h", {}, {2, 1}, &why), nullptr);
  EXPECT_EQ(r.add_histogram("h", "h", {}, {1, std::numeric_limits<double>::infinity()}, &why),
            nullptr);
  // The same series twice is the same object.
  EXPECT_EQ(r.add_counter("good", "h", {{"a", "x"}}), r.add_counter("good", "h", {{"a", "x"}}));
  EXPECT_EQ(check_exposition(r.render()), "");
}

TEST(Metrics, PerStatusCountersCoverEveryStatus) {
  registry r;
  per_status_counters c;
  std::string why;
  ASSERT_TRUE(add_per_status_counters(r, "jwtx_requests_total", "Requests by verdict.",
                                      {{"provider", "idp-a"}}, &c, &why))
      << why;
  c.inc(status::ok);
  c.inc(status::ok);
  c.inc(status::expired);
  const std::string text = r.render();
  EXPECT_NE(text.find("jwtx_requests_total{provider=\"idp-a\",status=\"ok\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("jwtx_requests_total{provider=\"idp-a\",status=\"expired\"} 1\n"),
            std::string::npos);
  for (int i = 0; i < kStatusCount; ++i) {
    const std::string series =
        "status=\"" + std::string(status_name(static_cast<status>(i))) + "\"}";
    EXPECT_NE(text.find(series), std::string::npos) << series;
  }
  EXPECT_EQ(check_exposition(text), "");
  // A registry refusal leaves the output untouched.
  per_status_counters untouched;
  EXPECT_FALSE(add_per_status_counters(r, "jwtx_requests_total", "Other help.", {}, &untouched));
  EXPECT_EQ(untouched.by_status[0], nullptr);
}

TEST(Metrics, ConcurrentUpdatesAreAllCounted) {
  registry r;
  counter* c = r.add_counter("c_total", "c", {});
  histogram* h = r.add_histogram("h_seconds", "h", {}, default_latency_buckets());
  gauge* g = r.add_gauge("g", "g", {});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        c->inc();
        h->observe(0.0001 * (t + 1));
        g->add(1);
      }
    });
  }
  std::string mid = r.render();  // concurrent with the updates: still well-formed
  for (auto& t : threads) t.join();
  EXPECT_EQ(check_exposition(mid), "");
  EXPECT_EQ(c->value(), 80000u);
  EXPECT_EQ(g->value(), 80000);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= h->upper_bounds().size(); ++i) total += h->bucket(i);
  EXPECT_EQ(total, 80000u);
  EXPECT_NEAR(h->sum(), 10000 * 0.0001 * 36, 1e-6);
  EXPECT_NE(r.render().find("h_seconds_count 80000\n"), std::string::npos);
  EXPECT_EQ(check_exposition(r.render()), "");
}

}  // namespace
}  // namespace jwtx::metrics
