// `jwtx verify` as a stream (issue 10, "Streaming CLI"): stdin goes through the batch pipeline,
// results come out in input order through a bounded reorder window, and output starts before
// stdin ends. OutputBeginsBeforeStdinCloses and SummaryPrintsPipelinePercentiles fail on the CLI of
// 7e2f900 (it read all of stdin first and had no pipeline figures in --summary); the others guard,
// through the new path, what the old CLI already did (order, blank and too-long lines, volume).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "engine/fingerprint.h"
#include "tests/cli_fixture.h"

#ifdef JWTX_CLI_PATH

namespace {

using namespace jwtx::testing;

class CliStreamTest : public CliTest {
 protected:
  std::vector<std::string> verify_args(const std::string& alg, const std::string& kid,
                                       const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"verify"};
    for (auto& a : key_args(alg, kid)) args.push_back(a);
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  static std::string fp(const std::string& token) {
    return std::string(jwtx::view(jwtx::fingerprint(token)));
  }
  static std::vector<std::string> member_of(const std::string& out, const char* name) {
    std::vector<std::string> values;
    simdjson::dom::parser parser;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
      values.push_back(str(parse_line(parser, line), name));
    return values;
  }
  // A mix of good and bad lines, |n| of them, and the token each line carries (as verified).
  std::string mixed_input(const std::vector<std::string>& good, std::size_t n,
                          std::vector<std::string>* as_verified) {
    std::string input;
    for (std::size_t i = 0; i < n; ++i) {
      std::string t;
      switch (i % 7) {
        case 0:
        case 1:
        case 3:
          t = good[i % good.size()];
          break;
        case 2:
          t = tamper_signature(good[(i / 7) % good.size()]);
          break;
        case 4:
          t = "not-a-token-" + std::to_string(i);
          break;
        case 5:
          t = good[(i * 31) % good.size()];
          break;
        default:
          t = "";  // blank: malformed
          break;
      }
      as_verified->push_back(t);
      input += t + "\n";
    }
    return input;
  }
};

// Many lines (more than the reorder window of 4096) with --threads 2 print exactly what one
// worker prints, byte for byte, and line N names input line N.
TEST_F(CliStreamTest, OrderIsPreservedWithManyLinesAndTwoThreads) {
  const std::string kid = keygen("ES256");
  const auto good =
      mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600", "--count", "40"});
  ASSERT_EQ(good.size(), 40u);
  std::vector<std::string> tokens;
  const std::string input = mixed_input(good, 9000, &tokens);
  const run_result one = run(verify_args("ES256", kid, {"--threads", "1"}), input);
  const run_result two = run(verify_args("ES256", kid, {"--threads", "2"}), input);
  EXPECT_EQ(one.exit_code, 1) << one.err;
  EXPECT_EQ(two.exit_code, 1) << two.err;
  EXPECT_EQ(two.out, one.out);
  const auto fps = member_of(two.out, "fingerprint");
  ASSERT_EQ(fps.size(), tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) ASSERT_EQ(fps[i], fp(tokens[i])) << "line " << i;
  const auto errors = member_of(two.out, "error");
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const char* want = i % 7 == 2                   ? "bad_signature"
                       : (i % 7 == 4 || i % 7 == 6) ? "malformed"
                                                    : "ok";
    ASSERT_EQ(errors[i], want) << "line " << i;
  }
  expect_no_token(two, good);
}

// A child `jwtx verify` with pipes on stdin and stdout.
struct child {
  pid_t pid = -1;
  int in = -1;   // the child's stdin (we write)
  int out = -1;  // the child's stdout (we read)
};

child spawn(const std::vector<std::string>& args) {
  int to[2], from[2];
  EXPECT_EQ(::pipe(to), 0);
  EXPECT_EQ(::pipe(from), 0);
  child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::dup2(to[0], 0);
    ::dup2(from[1], 1);
    ::close(to[0]);
    ::close(to[1]);
    ::close(from[0]);
    ::close(from[1]);
    std::vector<char*> argv;
    std::string path = JWTX_CLI_PATH;
    argv.push_back(path.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(to[0]);
  ::close(from[1]);
  c.in = to[1];
  c.out = from[0];
  return c;
}

// Reads from |fd| until |text| holds |lines| newlines or |limit| passes. Returns false on timeout.
bool read_lines(int fd, std::string& text, std::size_t lines, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto count = [&] { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); };
  while (count() < lines) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return false;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

// Results of the first lines are printed while stdin is still open: the reader does not wait for
// the end of the input (the old CLI read all of stdin before verifying anything).
TEST_F(CliStreamTest, OutputBeginsBeforeStdinCloses) {
  const std::string kid = keygen("ES256");
  const auto good =
      mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600", "--count", "3"});
  ASSERT_EQ(good.size(), 3u);
  ::signal(SIGPIPE, SIG_IGN);
  child c = spawn(verify_args("ES256", kid, {"--threads", "2"}));
  ASSERT_GT(c.pid, 0);
  const std::string first = good[0] + "\n" + tamper_signature(good[1]) + "\n";
  ASSERT_EQ(::write(c.in, first.data(), first.size()), static_cast<ssize_t>(first.size()));
  std::string text;
  // Generous bound: the answer takes milliseconds; only a CLI that waits for EOF misses it.
  const bool early = read_lines(c.out, text, 2, std::chrono::seconds(10));
  EXPECT_TRUE(early) << "no output before stdin closed: " << text;
  // A third line, then the end of the input.
  const std::string last = good[2] + "\n";
  ASSERT_EQ(::write(c.in, last.data(), last.size()), static_cast<ssize_t>(last.size()));
  ::close(c.in);
  EXPECT_TRUE(read_lines(c.out, text, 3, std::chrono::seconds(30))) << text;
  ::close(c.out);
  int status = 0;
  ASSERT_EQ(::waitpid(c.pid, &status, 0), c.pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_EQ(member_of(text, "error"), (std::vector<std::string>{"ok", "bad_signature", "ok"}));
  EXPECT_EQ(member_of(text, "fingerprint"),
            (std::vector<std::string>{fp(good[0]), fp(tamper_signature(good[1])), fp(good[2])}));
}

// Lines the CLI answers itself (blank: malformed; longer than --max-bytes: too_large while read)
// take their places among the pipeline's answers.
TEST_F(CliStreamTest, BlankAndTooLargeLinesKeepTheirPlace) {
  const std::string kid = keygen("HS256");
  const auto good =
      mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600", "--count", "4"});
  ASSERT_EQ(good.size(), 4u);
  const std::string huge(5000, 'A');
  std::vector<std::string> want;
  std::string input;
  for (int round = 0; round < 300; ++round) {
    input += good[round % 4] + "\n\n" + huge + "\r\n" + good[(round + 1) % 4] + "\n\r\n";
    for (const char* e : {"ok", "malformed", "too_large", "ok", "malformed"}) want.push_back(e);
  }
  const run_result r =
      run(verify_args("HS256", kid, {"--threads", "2", "--max-bytes", "1000"}), input);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(member_of(r.out, "error"), want);
  const auto fps = member_of(r.out, "fingerprint");
  ASSERT_EQ(fps.size(), want.size());
  EXPECT_EQ(fps[0], fp(good[0]));
  EXPECT_EQ(fps[1], fp(""));
  EXPECT_EQ(fps[2], fp(huge));
  EXPECT_EQ(fps[3], fp(good[1]));
  EXPECT_EQ(fps[4], fp(""));
  EXPECT_EQ(fps[fps.size() - 3], fp(huge));
}

// --summary keeps its members and adds the pipeline's latency percentiles.
TEST_F(CliStreamTest, SummaryPrintsPipelinePercentiles) {
  const std::string kid = keygen("ES256");
  const auto good =
      mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600", "--count", "20"});
  ASSERT_EQ(good.size(), 20u);
  std::vector<std::string> tokens;
  const std::string input = mixed_input(good, 700, &tokens);
  const run_result r =
      run(verify_args("ES256", kid, {"--threads", "2", "--summary", "--max-bytes", "4096"}),
          input + std::string(5000, 'x') + "\n");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  ASSERT_EQ(lines_of(r.out).size(), 1u) << r.out;
  simdjson::dom::parser parser;
  auto obj = parse_line(parser, lines_of(r.out).at(0));
  std::uint64_t total = 0, too_large = 0;
  EXPECT_EQ(obj["total"].get_uint64().get(total), simdjson::SUCCESS);
  EXPECT_EQ(total, 701u);
  EXPECT_EQ(obj["counts"]["too_large"].get_uint64().get(too_large), simdjson::SUCCESS);
  EXPECT_EQ(too_large, 1u);
  std::uint64_t threads = 0, batches = 0;
  EXPECT_EQ(obj["pipeline"]["threads"].get_uint64().get(threads), simdjson::SUCCESS) << r.out;
  EXPECT_EQ(threads, 2u);
  EXPECT_EQ(obj["pipeline"]["batches"].get_uint64().get(batches), simdjson::SUCCESS);
  EXPECT_GE(batches, 1u);
  for (const char* name : {"latency_ns", "queue_wait_ns", "service_ns", "batch_size"}) {
    SCOPED_TRACE(name);
    simdjson::dom::object h;
    ASSERT_EQ(obj["pipeline"][name].get_object().get(h), simdjson::SUCCESS) << r.out;
    std::uint64_t count = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
    EXPECT_EQ(h["count"].get_uint64().get(count), simdjson::SUCCESS);
    EXPECT_EQ(h["p50"].get_uint64().get(p50), simdjson::SUCCESS);
    EXPECT_EQ(h["p90"].get_uint64().get(p90), simdjson::SUCCESS);
    EXPECT_EQ(h["p99"].get_uint64().get(p99), simdjson::SUCCESS);
    EXPECT_EQ(h["p999"].get_uint64().get(p999), simdjson::SUCCESS);
    EXPECT_EQ(h["max"].get_uint64().get(max), simdjson::SUCCESS);
    EXPECT_LE(p50, p90);
    EXPECT_LE(p90, p99);
    EXPECT_LE(p99, p999);
    EXPECT_LE(p999, max);
    if (std::string_view(name) == "batch_size") {
      EXPECT_EQ(count, batches);
      EXPECT_GE(p50, 1u);
    } else if (std::string_view(name) != "service_ns") {
      // Every line but the one answered while reading (too_large) went through the pipeline.
      EXPECT_EQ(count, 700u);
      EXPECT_GT(p50, 0u);
    }
  }
}

// A large input streams through with every line answered in order (guards the window's wrap).
TEST_F(CliStreamTest, LargeInputWorks) {
  const std::string kid = keygen("HS256");
  const auto good =
      mint({"--key", path(kid + ".private.jwk.json"), "--exp-in", "600", "--count", "50"});
  ASSERT_EQ(good.size(), 50u);
  std::vector<std::string> tokens;
  const std::string input = mixed_input(good, 120000, &tokens);
  const run_result r = run(verify_args("HS256", kid, {"--threads", "2"}), input);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto fps = member_of(r.out, "fingerprint");
  ASSERT_EQ(fps.size(), tokens.size());
  for (std::size_t i = 0; i < tokens.size(); i += 997) EXPECT_EQ(fps[i], fp(tokens[i])) << i;
  EXPECT_EQ(fps.back(), fp(tokens.back()));
  const run_result s = run(verify_args("HS256", kid, {"--threads", "2", "--summary"}), input);
  simdjson::dom::parser parser;
  std::uint64_t total = 0, ok = 0;
  auto obj = parse_line(parser, lines_of(s.out).at(0));
  EXPECT_EQ(obj["total"].get_uint64().get(total), simdjson::SUCCESS);
  EXPECT_EQ(obj["counts"]["ok"].get_uint64().get(ok), simdjson::SUCCESS);
  EXPECT_EQ(total, 120000u);
  std::uint64_t want_ok = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i)
    want_ok += (i % 7 == 0 || i % 7 == 1 || i % 7 == 3 || i % 7 == 5);
  EXPECT_EQ(ok, want_ok);
}

}  // namespace

#endif  // JWTX_CLI_PATH
