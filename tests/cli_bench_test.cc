// `jwtx bench` through the built binary: structure of the JSON report, exit codes of bad flags and
// files, and a replay that never prints a token.
#if defined(JWTX_CLI_PATH) && defined(JWTX_CAPACITY)

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "engine/signer.h"
#include "tests/cli_fixture.h"

namespace {

using namespace jwtx::testing;

// Tiny runs: 150 distinct tokens, 0.05 s per point, one worker, two open-loop rates.
const std::vector<std::string> kTiny = {"bench",  "--distinct-tokens", "150", "--duration",
                                        "0.05",   "--workers",         "1",   "--rates",
                                        "200,400"};

std::vector<std::string> tiny(std::vector<std::string> extra) {
  std::vector<std::string> args = kTiny;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

class CliBench : public CliTest {};

TEST_F(CliBench, JsonOnStdoutHasEveryPart) {
  const run_result r = run(tiny({"--json", "-", "--target-rps", "1000", "--p99-ms", "50"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  simdjson::dom::array closed, open;
  ASSERT_EQ(doc["closed_loop"].get(closed), simdjson::SUCCESS);
  ASSERT_EQ(closed.size(), 1u);
  ASSERT_EQ(doc["open_loop"].get(open), simdjson::SUCCESS);
  EXPECT_GE(open.size(), 1u);
  double rate = 0;
  ASSERT_EQ(closed.at(0)["achieved_rps"].get(rate), simdjson::SUCCESS);
  EXPECT_GT(rate, 0);
  std::uint64_t tokens = 0, valid = 0;
  ASSERT_EQ(closed.at(0)["tokens"].get(tokens), simdjson::SUCCESS);
  ASSERT_EQ(closed.at(0)["valid"].get(valid), simdjson::SUCCESS);
  EXPECT_GT(valid, 0u);
  EXPECT_LT(valid, tokens);  // the invalid share
  std::string_view s;
  ASSERT_EQ(doc["machine"]["base64url_kernel"].get(s), simdjson::SUCCESS);
  EXPECT_FALSE(s.empty());
  ASSERT_EQ(doc["workload"]["source"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "built-in");
  bool requested = false;
  ASSERT_EQ(doc["plan"]["requested"].get(requested), simdjson::SUCCESS);
  EXPECT_TRUE(requested);
  ASSERT_EQ(doc["plan"]["sentence"].get(s), simdjson::SUCCESS);
  EXPECT_FALSE(s.empty());
  EXPECT_EQ(r.out.find("verdicts"), std::string::npos);  // stdout is the JSON alone
}

TEST_F(CliBench, TableCsvAndPlotFiles) {
  const run_result r =
      run(tiny({"--csv", path("p.csv"), "--svg", path("p.svg"), "--html", path("p.html")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("verdicts"), std::string::npos);
  EXPECT_NE(r.out.find("closed loop"), std::string::npos);
  EXPECT_NE(r.out.find("open loop"), std::string::npos);
  EXPECT_EQ(r.err.find('\r'), std::string::npos);  // no progress bar: stdout is not a TTY
  EXPECT_TRUE(slurp(path("p.csv")).starts_with("mode,workers,"));
  EXPECT_NE(slurp(path("p.svg")).find("<svg"), std::string::npos);
  EXPECT_NE(slurp(path("p.html")).find("<html"), std::string::npos);
}

TEST_F(CliBench, BadFlagsAndFilesExitTwoWithOneLine) {
  std::ofstream(path("bad.yaml")) << "mix: {RS999: 1}\n";
  const std::vector<std::vector<std::string>> cases = {
      {"bench", "--headroom", "1"},
      {"bench", "--target-rps", "1000", "--p99-ms", "5", "--headroom", "1"},
      {"bench", "--target-rps", "0", "--p99-ms", "5"},
      {"bench", "--target-rps", "1000"},
      {"bench", "--node-cores", "4"},
      {"bench", "--workers", "0"},
      {"bench", "--workers", "1,x"},
      {"bench", "--rates", "-5"},
      {"bench", "--duration", "nan"},
      {"bench", "--tokens", path("t.txt")},
      {"bench", "--json", "-", "--csv", "-"},
      {"bench", "--json", path("no/such/dir/x.json")},
      {"bench", "--workload", path("missing.yaml")},
      {"bench", "--workload", path("bad.yaml")},
      {"bench", "--iss", "x"},
      {"bench", "--tokens", path("t.txt"), "--jwks", path("j.json"), "--distinct-tokens", "5"},
  };
  for (const auto& args : cases) {
    const run_result r = run(args);
    EXPECT_EQ(r.exit_code, 2) << args[1] << ": " << r.err;
    EXPECT_TRUE(r.err.starts_with("jwtx: ")) << r.err;
  }
  const run_result bad = run({"bench", "--workload", path("bad.yaml")});
  EXPECT_NE(bad.err.find("mix.RS999: unknown algorithm"), std::string::npos) << bad.err;
}

TEST_F(CliBench, WorkloadFileIsUsed) {
  std::ofstream(path("w.json"))
      << R"({"mix": {"ES256": 1}, "distinct_tokens": 50, "invalid": {"fraction": 0},)"
      << R"( "duration_seconds": 0.05, "workers": [1], "rate_fractions": [0.5]})";
  const run_result r = run({"bench", "--workload", path("w.json"), "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  std::string_view s;
  ASSERT_EQ(doc["workload"]["algorithms"].at(0)["name"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "ES256");
  simdjson::dom::array invalid;
  ASSERT_EQ(doc["workload"]["invalid"].get(invalid), simdjson::SUCCESS);
  EXPECT_EQ(invalid.size(), 0u);
}

TEST_F(CliBench, ReplayRefusesAnOversizedTokenNamingItsLine) {
  std::string error;
  auto key = jwtx::signing_key::generate(jwtx::algorithm::ES256, "replay-1", 2048, &error);
  ASSERT_TRUE(key) << error;
  std::ofstream(path("jwks.json")) << jwtx::make_jwks({key->public_jwk()});
  std::ofstream(path("huge.txt")) << "a.b.c\n" << std::string(70000, 'x') << "\n";
  const run_result r = run({"bench", "--tokens", path("huge.txt"), "--jwks", path("jwks.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("line 2: a token of 70000 bytes"), std::string::npos) << r.err;
  EXPECT_LT(r.err.size(), 300u);  // one line, not the token
}

TEST_F(CliBench, ReplayNeverPrintsAToken) {
  std::string error;
  auto key = jwtx::signing_key::generate(jwtx::algorithm::ES256, "replay-1", 2048, &error);
  ASSERT_TRUE(key) << error;
  std::ofstream(path("jwks.json")) << jwtx::make_jwks({key->public_jwk()});
  std::vector<std::string> tokens;
  std::string lines;
  for (int i = 0; i < 20; ++i) {
    tokens.push_back(key->mint(R"({"iss":"https://idp","aud":"api","exp":2000000000,"sub":"u)" +
                               std::to_string(i) + "\"}"));
    lines += tokens.back() + "\n";
  }
  tokens.push_back(tamper_signature(tokens[0]));
  lines += tokens.back() + "\n";
  std::ofstream(path("tokens.txt")) << lines;
  const std::vector<std::string> replay = {"bench",
                                           "--tokens",
                                           path("tokens.txt"),
                                           "--jwks",
                                           path("jwks.json"),
                                           "--iss",
                                           "https://idp",
                                           "--aud",
                                           "api",
                                           "--now",
                                           "1900000000",
                                           "--duration",
                                           "0.05",
                                           "--workers",
                                           "1",
                                           "--rates",
                                           "100"};
  const run_result table = run(replay);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("replay: 21 tokens"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("bad_signature x1"), std::string::npos) << table.out;
  expect_no_token(table, tokens);
  std::vector<std::string> json_args = replay;
  json_args.insert(json_args.end(), {"--json", "-"});
  const run_result json = run(json_args);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  expect_no_token(json, tokens);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json.out).get(doc), simdjson::SUCCESS) << json.out;
  double ceiling = 0;
  EXPECT_EQ(doc["ceiling"]["rps_per_core"].get(ceiling), simdjson::SUCCESS);  // the replay's key
  EXPECT_GT(ceiling, 0);
  // Nor a signature segment alone.
  for (const std::string& t : tokens) {
    EXPECT_EQ(table.out.find(t.substr(t.rfind('.') + 1)), std::string::npos);
  }
}

}  // namespace

#endif  // JWTX_CLI_PATH && JWTX_CAPACITY
