// `jwtx serve` with remote JWKS providers, as a real process: the JWKS comes from a small HTTP
// server in the test (tests/http_test_server.h), tokens go over real sockets. Also the
// single-provider CLI flags.
#if defined(JWTX_CLI_PATH) && defined(JWTX_HAVE_REMOTE_JWKS)
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/fingerprint.h"
#include "tests/cli_fixture.h"
#include "tests/http_test_server.h"
#include "tests/serve_fixture.h"

namespace jwtx::testing {
namespace {

constexpr const char* kIss = "https://issuer.example";

class ServeRemoteTest : public CliTest {
 protected:
  void TearDown() override {
    kill_now(pid_);
    CliTest::TearDown();
  }

  // An ES256 key pair with |kid| in the scratch dir.
  void make_key(const std::string& kid) {
    run_result r = run({"keygen", "--alg", "ES256", "--kid", kid, "--out-dir", dir_.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // The JWKS endpoint answers with |kid|'s public key only (an IdP that rotated to it).
  void publish(const std::string& kid) {
    jwks_.set("/jwks", {200, "", slurp(path(kid + ".public.jwks.json"))});
  }

  std::string token(const std::string& kid, const std::string& aud = "api") {
    auto t = mint({"--key", path(kid + ".private.jwk.json"), "--claims",
                   std::string(R"({"iss":")") + kIss + R"(","aud":")" + aud + R"(","sub":"alice"})",
                   "--exp-in", "300"});
    return t.empty() ? "" : t[0];
  }

  // |remote| is the remote_jwks map's body; |extra| more provider lines.
  void write_config(const std::string& remote, const std::string& extra = "") {
    std::ofstream(path("c.yaml")) << "providers:\n  corp:\n    issuer: " << kIss
                                  << "\n    audiences: [api]\n    algorithms: [ES256]\n"
                                     "    remote_jwks: {"
                                  << remote << "}\n"
                                  << extra;
  }
  std::string remote(const std::string& more = "") {
    return "uri: " + jwks_.url("/jwks") + ", timeout: 0.5, min_refetch_interval: 1" + more;
  }

  // Starts `jwtx serve --listen <free port> |args|...` and waits until /healthz answers.
  void start(std::vector<std::string> args) {
    port_ = free_port();
    ASSERT_GT(port_, 0);
    args.insert(args.begin(), {JWTX_CLI_PATH, "serve", "--listen",
                               "127.0.0.1:" + std::to_string(port_), "--idle-timeout", "2"});
    pid_ = spawn(args, path("access.log"), path("stderr.log"));
    ASSERT_GT(pid_, 0);
    ASSERT_TRUE(poll_until([&] { return status_is(get(port_, "/healthz"), 200); }))
        << slurp(path("stderr.log"));
  }
  void start_with_config() { start({"--config", path("c.yaml")}); }

  std::string ask(const std::string& t) {
    return get(port_, "/", "Authorization: Bearer " + t + "\r\n");
  }
  bool stderr_has(const std::string& text) {
    return poll_until([&] { return slurp(path("stderr.log")).find(text) != std::string::npos; });
  }
  int stop() {
    int rc = terminate_and_wait(pid_);
    pid_ = -1;
    return rc;
  }

  test_http_server jwks_;
  pid_t pid_ = -1;
  int port_ = -1;
};

TEST_F(ServeRemoteTest, ValidTokenWithRemoteKeys) {
  make_key("k1");
  publish("k1");
  write_config(remote());
  start_with_config();
  EXPECT_TRUE(status_is(get(port_, "/readyz"), 200));
  std::string r = ask(token("k1"));
  EXPECT_TRUE(status_is(r, 200)) << r << slurp(path("stderr.log"));
  r = ask(token("k1", "web"));
  EXPECT_NE(r.find("error_description=\"audience_mismatch\""), std::string::npos) << r;
  EXPECT_EQ(jwks_.count("/jwks"), 1);
  EXPECT_EQ(stop(), 0);
}

TEST_F(ServeRemoteTest, OpenIdDiscoveryFindsTheJwksUri) {
  make_key("k1");
  publish("k1");
  // The issuer is the test server itself (http to loopback is allowed).
  const std::string issuer = jwks_.base();
  jwks_.set(
      "/.well-known/openid-configuration",
      {200, "", R"({"issuer":")" + issuer + R"(","jwks_uri":")" + jwks_.url("/jwks") + R"("})"});
  std::ofstream(path("c.yaml")) << "providers:\n  corp:\n    issuer: \"" << issuer
                                << "\"\n    algorithms: [ES256]\n"
                                   "    remote_jwks: {discovery: true, timeout: 0.5}\n";
  start_with_config();
  auto t = mint({"--key", path("k1.private.jwk.json"), "--claims",
                 R"({"iss":")" + issuer + R"(","sub":"alice"})", "--exp-in", "300"});
  ASSERT_EQ(t.size(), 1u);
  std::string r = ask(t[0]);
  EXPECT_TRUE(status_is(r, 200)) << r << slurp(path("stderr.log"));
  EXPECT_EQ(jwks_.count("/.well-known/openid-configuration"), 1);
  EXPECT_EQ(stop(), 0);
}

TEST_F(ServeRemoteTest, ReadinessWaitsForTheFirstKeySetAndRequestsGet503Meanwhile) {
  make_key("k1");
  jwks_.set("/jwks", {500, "", "down"});
  write_config(remote());
  start_with_config();
  EXPECT_TRUE(stderr_has("no keys yet for provider(s) 'corp'"));
  std::string r = get(port_, "/readyz");
  EXPECT_TRUE(status_is(r, 503)) << r;
  r = ask(token("k1"));
  EXPECT_TRUE(status_is(r, 503)) << r;  // not 401: the token may well be good
  EXPECT_NE(r.find("Retry-After: 1\r\n"), std::string::npos) << r;
  // The fetcher retries after min_refetch_interval (1 s); then the keys are there.
  publish("k1");
  EXPECT_TRUE(
      poll_until([&] { return status_is(get(port_, "/readyz"), 200); }, std::chrono::seconds(10)))
      << slurp(path("stderr.log"));
  r = ask(token("k1"));
  EXPECT_TRUE(status_is(r, 200)) << r;
  EXPECT_EQ(stop(), 0);
}

TEST_F(ServeRemoteTest, RotationIsPickedUpOnFirstUseAndEndpointDownKeepsTheLastKeys) {
  make_key("k1");
  make_key("k2");
  make_key("k3");
  publish("k1");
  write_config(remote());
  start_with_config();
  std::string t1 = token("k1"), t2 = token("k2"), t3 = token("k3");
  EXPECT_TRUE(status_is(ask(t1), 200));
  // min_refetch_interval is 1 s from the first fetch: let it pass, then the IdP rotates.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  publish("k2");
  std::string r = ask(t2);  // the very first request with the new kid
  EXPECT_TRUE(status_is(r, 200)) << r << slurp(path("stderr.log"));
  EXPECT_EQ(jwks_.count("/jwks"), 2);
  // Within the interval another unknown kid is not refetched: 401 at once.
  r = ask(t3);
  EXPECT_NE(r.find("error_description=\"key_not_found\""), std::string::npos) << r;
  EXPECT_EQ(jwks_.count("/jwks"), 2);

  // The endpoint goes down; an unknown kid's refetch fails; the last good set keeps working.
  jwks_.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  r = ask(t3);
  EXPECT_NE(r.find("error_description=\"key_not_found\""), std::string::npos) << r;
  EXPECT_TRUE(status_is(ask(t2), 200));
  EXPECT_TRUE(status_is(get(port_, "/readyz"), 200));
  EXPECT_EQ(stop(), 0);
  std::string log = slurp(path("access.log"));
  EXPECT_EQ(log.find("status=401 verdict=key_not_found token=" +
                     std::string(jwtx::view(jwtx::fingerprint(t2)))),
            std::string::npos)
      << "the rotated kid was never refused\n"
      << log;
}

TEST_F(ServeRemoteTest, ReloadKeepsAnUnchangedFetcherAndRefusesKeylessOnes) {
  make_key("k1");
  publish("k1");
  write_config(remote());
  start_with_config();
  std::string t = token("k1");
  EXPECT_TRUE(status_is(ask(t), 200));
  ASSERT_EQ(jwks_.count("/jwks"), 1);

  // Same remote_jwks, another requirement: the fetcher is kept, nothing is refetched.
  write_config(remote(), "    requirements: {scopes: [admin]}\n");
  ::kill(pid_, SIGHUP);
  EXPECT_TRUE(stderr_has("config reloaded (1 remote JWKS fetcher(s) kept)"));
  EXPECT_TRUE(status_is(ask(t), 403));
  EXPECT_EQ(jwks_.count("/jwks"), 1);

  // Changed remote_jwks options: a new fetcher, swapped in once it has keys.
  write_config(remote(", cache_duration: 600"));
  ::kill(pid_, SIGHUP);
  EXPECT_TRUE(stderr_has("config reloaded (0 remote JWKS fetcher(s) kept)"));
  EXPECT_EQ(jwks_.count("/jwks"), 2);
  EXPECT_TRUE(status_is(ask(t), 200));

  // A new URL that serves no keys: never swapped in; the old config keeps serving.
  jwks_.set("/broken", {500, "", "down"});
  write_config("uri: " + jwks_.url("/broken") + ", timeout: 0.5");
  ::kill(pid_, SIGHUP);
  EXPECT_TRUE(stderr_has("reload waits up to"));
  EXPECT_TRUE(status_is(get(port_, "/readyz"), 200));
  EXPECT_TRUE(status_is(ask(t), 200));
  EXPECT_TRUE(
      stderr_has("reload refused, the old config keeps serving: no keys for provider(s) "
                 "'corp' in time"));
  EXPECT_TRUE(status_is(ask(t), 200));
  EXPECT_EQ(stop(), 0);
}

TEST_F(ServeRemoteTest, SingleProviderFromFlags) {
  make_key("k1");
  publish("k1");
  start({"--jwks-url", jwks_.url("/jwks"), "--algs", "ES256", "--iss", kIss, "--aud", "api",
         "--leeway", "30"});
  EXPECT_TRUE(status_is(ask(token("k1")), 200));
  std::string r = ask(token("k1", "web"));
  EXPECT_NE(r.find("error_description=\"audience_mismatch\""), std::string::npos) << r;
  EXPECT_EQ(stop(), 0);

  start({"--jwks", path("k1.public.jwks.json"), "--alg", "ES256", "--aud", "api"});
  EXPECT_TRUE(status_is(ask(token("k1")), 200));
  EXPECT_EQ(stop(), 0);
}

TEST_F(ServeRemoteTest, FlagsAndConfigExcludeEachOther) {
  make_key("k1");
  write_config(remote());
  run_result r = run({"serve", "--listen", "127.0.0.1:1", "--config", path("c.yaml"), "--jwks",
                      path("k1.public.jwks.json"), "--algs", "ES256"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--config and the provider flags"), std::string::npos) << r.err;
  r = run({"serve", "--listen", "127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("give --config FILE, or a provider"), std::string::npos) << r.err;
  r = run({"serve", "--listen", "127.0.0.1:1", "--jwks", path("k1.public.jwks.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--algs is required"), std::string::npos) << r.err;
  r = run({"serve", "--listen", "127.0.0.1:1", "--jwks", path("k1.public.jwks.json"), "--pem",
           path("k1.public.pem"), "--algs", "ES256"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("exactly one key source"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace jwtx::testing
#endif
