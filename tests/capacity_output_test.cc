// `jwtx bench`'s writers (tools/jwtx/bench/output.h): the JSON parses back with the fields the
// report holds, NaN becomes null / an empty CSV cell, the table labels its units.
#ifdef JWTX_CAPACITY

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <string>

#include "tools/jwtx/bench/output.h"
#include "tools/jwtx/bench/runner.h"

namespace {

using namespace jwtx::capacity;

report sample_report() {
  report r;
  r.machine.cpu_model = "Test CPU \"quoted\"";
  r.machine.logical_cores = 2;
  r.machine.base64url_kernel = "avx2";
  r.machine.load_average_before[0] = 3.5;  // busy
  r.workload.source = "built-in";
  r.workload.distinct_tokens = 100;
  r.workload.algorithms = {{"RS256", 0.57}, {"ES256", 0.38}};
  r.workload.invalid = {{"expired", 0.05}};
  point c;
  c.workers = 1;
  c.achieved_rps = 1234.5;
  c.rps_per_core = 1234.5;
  c.latency.p50 = 0.25;
  c.latency.p99 = 1.5;  // p90, p99.9, max stay NaN
  c.tokens = 1000;
  r.closed_loop.push_back(c);
  point o = c;
  o.mode = loop_mode::open;
  o.workers = 2;
  o.offered_rps = 1000;
  o.saturated = true;
  o.rejected_overloaded = 7;
  r.open_loop.push_back(o);
  r.ceiling.per_algorithm = {{"RS256", 30.5}};
  r.planning.requested = true;
  r.planning.cores = 4;
  r.planning.sentence = "four cores";
  return r;
}

TEST(CapacityOutput, JsonParsesBackWithNullForNotMeasured) {
  const std::string json = render_json(sample_report());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  std::string_view s;
  ASSERT_EQ(doc["machine"]["cpu_model"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "Test CPU \"quoted\"");
  bool busy = false;
  ASSERT_EQ(doc["machine"]["busy_before"].get(busy), simdjson::SUCCESS);
  EXPECT_TRUE(doc["machine"]["other_cpu_seconds"].is_null());  // not measured: null, never 0
  bool disturbed_run = true;
  ASSERT_EQ(doc["machine"]["disturbed"].get(disturbed_run), simdjson::SUCCESS);
  EXPECT_FALSE(disturbed_run);
  EXPECT_TRUE(busy);
  EXPECT_TRUE(doc["machine"]["wall_seconds"].is_null());
  EXPECT_TRUE(doc["machine"]["load_average_before"].at(1).is_null());
  double v = 0;
  ASSERT_EQ(doc["closed_loop"].at(0)["achieved_rps"].get(v), simdjson::SUCCESS);
  EXPECT_DOUBLE_EQ(v, 1234.5);
  ASSERT_EQ(doc["closed_loop"].at(0)["latency_ms"]["p99"].get(v), simdjson::SUCCESS);
  EXPECT_DOUBLE_EQ(v, 1.5);
  EXPECT_TRUE(doc["closed_loop"].at(0)["latency_ms"]["p90"].is_null());
  EXPECT_TRUE(doc["closed_loop"].at(0)["offered_rps"].is_null());
  ASSERT_EQ(doc["open_loop"].at(0)["mode"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "open");
  ASSERT_EQ(doc["open_loop"].at(0)["saturated"].get(busy), simdjson::SUCCESS);
  EXPECT_TRUE(busy);
  ASSERT_EQ(doc["ceiling"]["per_algorithm"].at(0)["microseconds_per_verify"].get(v),
            simdjson::SUCCESS);
  EXPECT_DOUBLE_EQ(v, 30.5);
  EXPECT_TRUE(doc["ceiling"]["rps_per_core"].is_null());
  std::uint64_t cores = 0;
  ASSERT_EQ(doc["plan"]["cores"].get(cores), simdjson::SUCCESS);
  EXPECT_EQ(cores, 4u);
  ASSERT_EQ(doc["plan"]["sentence"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "four cores");
  ASSERT_EQ(doc["workload"]["invalid"].at(0)["name"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "expired");
}

TEST(CapacityOutput, EmptyReportIsStillValidJson) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(render_json(report{})).get(doc), simdjson::SUCCESS);
  simdjson::dom::array a;
  ASSERT_EQ(doc["closed_loop"].get(a), simdjson::SUCCESS);
  EXPECT_EQ(a.size(), 0u);
}

TEST(CapacityOutput, CsvHasOneRowPerPointAndEmptyCellsForNaN) {
  const std::string csv = render_csv(sample_report());
  std::vector<std::string> lines;
  for (std::size_t at = 0, nl; (nl = csv.find('\n', at)) != std::string::npos; at = nl + 1)
    lines.push_back(csv.substr(at, nl - at));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[0].starts_with("mode,workers,offered_rps,achieved_rps"));
  // closed, 1 worker, offered NaN -> empty; p90 NaN -> empty.
  EXPECT_TRUE(lines[1].starts_with("closed,1,,1234.5,1234.5,")) << lines[1];
  EXPECT_NE(lines[1].find(",0.25,,1.5,,,"), std::string::npos) << lines[1];
  EXPECT_TRUE(lines[2].starts_with("open,2,1000,")) << lines[2];
  EXPECT_TRUE(lines[2].ends_with(",true")) << lines[2];
  for (const std::string& l : lines) EXPECT_EQ(l.find("nan"), std::string::npos) << l;
}

TEST(CapacityOutput, TableLabelsUnitsAndWarnsWhenDisturbed) {
  report r = sample_report();
  r.machine.wall_seconds = 10;
  r.machine.other_cpu_seconds = 5;  // half a core used by others during the run
  const std::string t = render_table(r, 1.0);
  for (const char* label :
       {"tokens/s", "p50 ms", "p99 ms", "p99.9 ms", "CPU s/Mt", "cache %", "offered/s", "load avg",
        "saturated", "plan: four cores", "5.0 s CPU used by other processes"})
    EXPECT_NE(t.find(label), std::string::npos) << label;
  EXPECT_NE(t.find("warning:  other processes used 0.50 cores"), std::string::npos) << t;
  EXPECT_EQ(t.find("nan"), std::string::npos);
}

TEST(CapacityOutput, HighLoadAverageButQuietRunIsANoteNotAWarning) {
  report r = sample_report();  // load average 3.5 before: busy_before
  r.machine.wall_seconds = 10;
  r.machine.other_cpu_seconds = 0.2;  // 0.02 cores
  const std::string t = render_table(r, 1.0);
  EXPECT_EQ(t.find("warning:"), std::string::npos) << t;
  EXPECT_NE(t.find("note:     the load average was 3.50"), std::string::npos) << t;
}

TEST(CapacityOutput, DisturbedIsOtherCpuOverWall) {
  machine_info m;
  EXPECT_FALSE(disturbed(m));  // not measured
  m.wall_seconds = 10;
  m.other_cpu_seconds = 0.9;
  EXPECT_FALSE(disturbed(m));
  m.other_cpu_seconds = 1.0;
  EXPECT_TRUE(disturbed(m));
  m.wall_seconds = 0;
  EXPECT_FALSE(disturbed(m));
}

TEST(CapacityOutput, MachineBusySecondsIsReadAndNeverGoesBack) {
  const double a = machine_busy_seconds();
  ASSERT_TRUE(std::isfinite(a));  // Linux: /proc/stat
  volatile double x = 0;
  for (int i = 0; i < 2000000; ++i) x = x + 1;
  EXPECT_GE(machine_busy_seconds(), a);
}

TEST(CapacityOutput, QuietMachineIsNotBusy) {
  machine_info m;
  m.logical_cores = 16;
  m.load_average_before[0] = 3.0;  // below a quarter of 16 cores
  EXPECT_FALSE(busy_before(m));
  m.load_average_before[0] = 4.0;
  EXPECT_TRUE(busy_before(m));
}

TEST(CapacityOutput, ProgressBarDrawsInPlaceAndErasesItself) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    progress_bar bar(f, true);
    bar.update(0.5, "closed loop");
  }  // the destructor erases
  std::rewind(f);
  char buf[256] = {};
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  const std::string out(buf, n);
  EXPECT_TRUE(out.starts_with("\r\033[K[###############")) << out;
  EXPECT_NE(out.find(" 50 % closed loop"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("\r\033[K")) << out;

  std::FILE* g = std::tmpfile();
  ASSERT_NE(g, nullptr);
  {
    progress_bar off(g, false);
    off.update(0.5, "closed loop");
  }
  EXPECT_EQ(std::ftell(g), 0);  // disabled: not a byte
  std::fclose(g);
}

}  // namespace

#endif  // JWTX_CAPACITY
