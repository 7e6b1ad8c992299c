// Revocation through the built `jwtx` binary: a --revoked-jti file and a Redis feed compose, the
// leeway keeps revocations alive, `jwtx revoke` never claims a revocation its own trim drops, a
// slow Redis cannot keep `jwtx verify` from exiting, and a large file loads.
#ifdef JWTX_CLI_PATH

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "tests/cli_fixture.h"
#include "tests/redis_server.h"
#include "tests/slow_redis.h"

namespace {

using namespace jwtx::testing;

long unix_now() {
  return static_cast<long>(
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
}

class CliRevocation : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    kid_ = keygen("ES256");
  }
  // A token with |jti| and the given exp.
  std::string token(const std::string& jti, long exp) {
    return mint({"--key", path(kid_ + ".private.jwk.json"), "--claims",
                 R"({"jti":")" + jti + R"(","exp":)" + std::to_string(exp) + "}"})
        .at(0);
  }
  std::vector<std::string> verify_args() {
    std::vector<std::string> args = {"verify"};
    for (auto& a : key_args("ES256", kid_)) args.push_back(a);
    return args;
  }
  // Runs the CLI under `timeout`, so a hang fails the test (exit 124) instead of blocking it.
  int run_bounded(double seconds, std::vector<std::string> args, double* took) {
    args.insert(args.begin(), {"timeout", std::to_string(seconds), JWTX_CLI_PATH});
    const auto start = std::chrono::steady_clock::now();
    const int rc = run_process(std::move(args), path("bounded.out"), path("bounded.err"));
    *took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return rc;
  }
  static std::string where(const redis_server& redis) {
    return "127.0.0.1:" + std::to_string(redis.port()) + "/fleet:revoked";
  }

  std::string kid_;
};

// Item: a token revoked in the file verified with exit 0 once Redis was also used (the feed's
// load replaced the whole set).
TEST_F(CliRevocation, FileAndRedisRevocationsCompose) {
  redis_server redis;
  std::string why;
  ASSERT_TRUE(redis.start(&why)) << why;
  const long exp = unix_now() + 600;
  const std::string in_file = token("in-file", exp), in_redis = token("in-redis", exp),
                    fine = token("fine", exp);
  std::ofstream(path("revoked.txt")) << "in-file\n";
  run_result r = run({"revoke", "--redis", where(redis), "--jti", "in-redis", "--ttl", "600"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  auto args = verify_args();
  args.insert(args.end(), {"--revoked-jti", path("revoked.txt"), "--revocation-redis", where(redis),
                           "--revocation-wait", "5"});
  r = run(args, in_file + "\n" + in_redis + "\n" + fine + "\n");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out << r.err;
  EXPECT_NE(lines[0].find(R"("error":"revoked")"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(R"("error":"revoked")"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find(R"("error":"ok")"), std::string::npos) << lines[2];
  expect_no_token(r, {in_file, in_redis, fine});
}

// Item: with --leeway 600 a token revoked with its own exp was accepted again 300 s after exp,
// and `jwtx revoke --exp` printed "revoked":true for an entry its own transaction trimmed.
TEST_F(CliRevocation, LeewayKeepsRevocationsAliveAndRevokeNeverClaimsATrimmedEntry) {
  redis_server redis;
  std::string why;
  ASSERT_TRUE(redis.start(&why)) << why;
  const long exp = unix_now() - 400;  // expired 400 s ago: still valid under leeway 600
  const std::string t = token("late", exp);
  run_result r =
      run({"revoke", "--redis", where(redis), "--jti", "late", "--exp", std::to_string(exp)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("revoked":true)"), std::string::npos) << r.out;
  redis_client c(redis.port());
  EXPECT_EQ(c.run({"ZSCORE", "fleet:revoked", "late"})->type, REDIS_REPLY_STRING);

  auto args = verify_args();
  args.insert(args.end(),
              {"--leeway", "600", "--revocation-redis", where(redis), "--revocation-wait", "5"});
  r = run(args, t + "\n");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find(R"("error":"revoked")"), std::string::npos) << r.out << r.err;
  // The same token through a file.
  std::ofstream(path("revoked.txt")) << "late\n";
  args = verify_args();
  args.insert(args.end(), {"--leeway", "600", "--revoked-jti", path("revoked.txt"), t});
  r = run(args);
  EXPECT_NE(r.out.find(R"("error":"revoked")"), std::string::npos) << r.out << r.err;

  // Past the publisher's retention: refused, clearly, and not in Redis.
  const long ancient = unix_now() - 200000;
  r = run(
      {"revoke", "--redis", where(redis), "--jti", "ancient", "--exp", std::to_string(ancient)});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out.find("revoked\":true"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("not revoked"), std::string::npos) << r.err;
  EXPECT_EQ(c.run({"ZSCORE", "fleet:revoked", "ancient"})->type, REDIS_REPLY_NIL);
  r = run({"revoke", "--redis", where(redis), "--jti", "late", "--exp", std::to_string(exp),
           "--retention", "60"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  r = run({"revoke", "--redis", where(redis), "--jti", "x", "--ttl", "1", "--retention", "-1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

// Item: a Redis that dribbles its reply hung `jwtx verify --revocation-redis` at exit.
TEST_F(CliRevocation, VerifyExitsAgainstARedisThatDribbles) {
  slow_redis server;
  ASSERT_NE(server.port(), 0);
  const std::string t = token("j", unix_now() + 600);
  auto args = verify_args();
  args.insert(args.end(), {"--revocation-redis", "127.0.0.1:" + std::to_string(server.port()),
                           "--revocation-wait", "0.5", t});
  double took = 0;
  const int rc = run_bounded(60, args, &took);
  EXPECT_EQ(rc, 0) << slurp(path("bounded.err"));  // fail-open by default: the token is fine
  EXPECT_LT(took, 20);
  EXPECT_NE(slurp(path("bounded.err")).find("not loaded yet"), std::string::npos);
  EXPECT_NE(slurp(path("bounded.out")).find(R"("error":"ok")"), std::string::npos);
}

// Item: loading the file was quadratic (200k lines took many minutes); every jti is found.
TEST_F(CliRevocation, LargeRevokedJtiFileLoads) {
  constexpr int kLines = 200'000;
  {
    std::ofstream out(path("big.txt"));
    for (int i = 0; i < kLines; ++i) out << "jti-" << i << "\n";
  }
  const long exp = unix_now() + 600;
  const std::string first = token("jti-0", exp), last = token("jti-199999", exp),
                    absent = token("jti-200000", exp);
  auto args = verify_args();
  args.insert(args.end(), {"--revoked-jti", path("big.txt"), first, last, absent});
  double took = 0;
  const int rc = run_bounded(120, args, &took);
  EXPECT_EQ(rc, 1) << slurp(path("bounded.err"));
  const auto lines = lines_of(slurp(path("bounded.out")));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find(R"("error":"revoked")"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(R"("error":"revoked")"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find(R"("error":"ok")"), std::string::npos) << lines[2];
}

}  // namespace

#endif  // JWTX_CLI_PATH
