// `jwtx serve` as a real process on a free loopback port, with real HTTP requests over a socket.
#ifdef JWTX_CLI_PATH
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "engine/fingerprint.h"
#include "tests/cli_fixture.h"
#include "tests/serve_fixture.h"

namespace jwtx::testing {
namespace {

class ServeTest : public CliTest {
 protected:
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    CliTest::TearDown();
  }

  void write_config(const std::string& extra = "") {
    std::ofstream(path("c.yaml")) << "providers:\n  corp:\n    issuer: https://issuer.example\n"
                                     "    audiences: [api]\n    algorithms: [ES256]\n"
                                     "    local_jwks: {filename: " +
                                         path(kid_ + ".public.jwks.json") +
                                         "}\n"
                                         "    claim_to_headers:\n"
                                         "      - {claim_name: sub, header_name: X-Jwt-Sub}\n" +
                                         extra;
  }

  // Starts the server and waits (up to 5 s) until /healthz answers.
  void start() {
    port_ = free_port();
    ASSERT_GT(port_, 0);
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      int out = ::open(path("access.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = ::open(path("stderr.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, 1);
      ::dup2(err, 2);
      std::string listen = "127.0.0.1:" + std::to_string(port_);
      std::string config = path("c.yaml");
      ::execl(JWTX_CLI_PATH, "jwtx", "serve", "--listen", listen.c_str(), "--config",
              config.c_str(), "--idle-timeout", "2", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (get(port_, "/healthz").find(" 200 ") == std::string::npos) {
      ASSERT_LT(std::chrono::steady_clock::now(), until) << slurp(path("stderr.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // SIGTERM, then the exit status (-1 if it did not exit within 5 s).
  int stop() {
    ::kill(pid_, SIGTERM);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int st = 0;
    while (::waitpid(pid_, &st, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > until) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }

  std::string token(const std::string& claims, const std::string& exp_in = "300") {
    auto t =
        mint({"--key", path(kid_ + ".private.jwk.json"), "--claims", claims, "--exp-in", exp_in});
    return t.empty() ? "" : t[0];
  }

  std::string kid_;
  pid_t pid_ = -1;
  int port_ = -1;
};

TEST_F(ServeTest, AnswersOverHttpAndLogsFingerprintsOnly) {
  kid_ = keygen("ES256");
  write_config();
  start();
  std::string good = token(R"({"iss":"https://issuer.example","aud":"api","sub":"alice"})");
  std::string expired =
      token(R"({"iss":"https://issuer.example","aud":"api","sub":"alice"})", "-600");
  std::string wrong_aud = token(R"({"iss":"https://issuer.example","aud":"web","sub":"a"})");

  std::string r =
      get(port_, "/auth?access_token=" + good, "Authorization: Bearer " + good + "\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200", 0), 0u) << r;
  EXPECT_NE(r.find("X-Jwt-Sub: alice\r\n"), std::string::npos) << r;
  r = get(port_, "/", "Authorization: Bearer " + expired + "\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 401", 0), 0u) << r;
  EXPECT_NE(r.find("WWW-Authenticate: Bearer error=\"invalid_token\", "
                   "error_description=\"expired\""),
            std::string::npos)
      << r;
  r = get(port_, "/", "Authorization: Bearer " + wrong_aud + "\r\n");
  EXPECT_NE(r.find("error_description=\"audience_mismatch\""), std::string::npos) << r;
  r = get(port_, "/", "Authorization: Bearer " + tamper_signature(good) + "\r\n");
  EXPECT_NE(r.find("error_description=\"bad_signature\""), std::string::npos) << r;
  r = get(port_, "/");
  EXPECT_EQ(r.rfind("HTTP/1.1 401", 0), 0u) << r;
  EXPECT_NE(r.find("WWW-Authenticate: Bearer\r\n"), std::string::npos) << r;
  r = get(port_, "/",
          "Authorization: Bearer " + good + "\r\nAuthorization: Bearer " + good + "\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 400", 0), 0u) << r;

  // Garbage and a huge header get a 4xx (or a closed connection); the server stays healthy.
  r = http_exchange(port_, "\x01\x02 nonsense\r\n\r\n");
  EXPECT_TRUE(r.empty() || r.rfind("HTTP/1.1 4", 0) == 0) << r;
  r = get(port_, "/", "X-Big: " + std::string(64 * 1024, 'a') + "\r\n");
  EXPECT_TRUE(r.empty() || r.rfind("HTTP/1.1 4", 0) == 0) << r.substr(0, 100);
  EXPECT_EQ(get(port_, "/healthz").rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(get(port_, "/readyz").rfind("HTTP/1.1 200", 0), 0u);

  EXPECT_EQ(stop(), 0);
  std::string log = slurp(path("access.log"));
  EXPECT_NE(
      log.find("status=200 verdict=ok token=" + std::string(jwtx::view(jwtx::fingerprint(good)))),
      std::string::npos)
      << log;
  EXPECT_NE(log.find("status=401 verdict=expired"), std::string::npos) << log;
  EXPECT_EQ(log.find("access_token"), std::string::npos) << "the query string is never logged";
  for (const std::string& t : {good, expired, wrong_aud}) {
    EXPECT_EQ(log.find(t), std::string::npos) << "raw token in the access log";
    EXPECT_EQ(slurp(path("stderr.log")).find(t), std::string::npos);
  }
}

TEST_F(ServeTest, ReloadKeepsTheOldConfigWhenTheNewOneIsBad) {
  kid_ = keygen("ES256");
  write_config();
  start();
  std::string t = token(R"({"iss":"https://issuer.example","aud":"api","sub":"alice"})");
  std::string auth = "Authorization: Bearer " + t + "\r\n";
  EXPECT_EQ(get(port_, "/", auth).rfind("HTTP/1.1 200", 0), 0u);
  // A good new config (a scope requirement this token lacks) takes effect...
  write_config("    requirements: {scopes: [admin]}\n");
  ::kill(pid_, SIGHUP);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (get(port_, "/", auth).rfind("HTTP/1.1 403", 0) != 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), until) << slurp(path("stderr.log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // ...a broken one is refused and the last good one keeps serving.
  std::ofstream(path("c.yaml")) << "providers: {corp: {algorithms: [ES256], bogus: 1}}\n";
  ::kill(pid_, SIGHUP);
  until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (slurp(path("stderr.log")).find("reload refused") == std::string::npos) {
    ASSERT_LT(std::chrono::steady_clock::now(), until) << slurp(path("stderr.log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(slurp(path("stderr.log")).find("providers.corp.bogus: unknown key"), std::string::npos);
  EXPECT_EQ(get(port_, "/", auth).rfind("HTTP/1.1 403", 0), 0u);
  EXPECT_EQ(stop(), 0);
}

TEST_F(ServeTest, BadConfigAtStartIsExit2WithThePath) {
  std::ofstream(path("c.yaml")) << "providers: {corp: {algorithms: [ES256], audience: [x]}}\n";
  run_result r = run({"serve", "--listen", "127.0.0.1:1", "--config", path("c.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("providers.corp.audience: unknown key"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace jwtx::testing
#endif  // JWTX_CLI_PATH
