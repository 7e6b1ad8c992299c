// `jwtx serve` in operation, as a real process: fleet revocation through Redis, /metrics, the
// connection/idle/size bounds (raw sockets), the SIGTERM drain and reloads under traffic.
#ifdef JWTX_CLI_PATH
#include <atomic>
#include <cerrno>
#include <memory>
#include <thread>
#include <vector>

#include "tests/redis_server.h"
#include "tests/serve_fixture.h"

namespace jwtx::testing {
namespace {

class ServeOps : public ServeTest {
 protected:
  // Polls |url| with |headers| until the answer starts with |prefix| (5 s at most).
  std::string wait_for(const std::string& prefix, const std::string& headers,
                       const std::string& url = "/") {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::string r;
    while ((r = get(port_, url, headers)).rfind(prefix, 0) != 0 &&
           std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return r;
  }
  // Waits (5 s at most) until the server's stderr contains |text|.
  bool stderr_says(const std::string& text) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (slurp(path("stderr.log")).find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }
  static std::string bearer(const std::string& t) { return "Authorization: Bearer " + t + "\r\n"; }
  std::string claims(const std::string& jti) {
    return R"({"iss":"https://issuer.example","aud":"api","sub":"alice","jti":")" + jti + "\"}";
  }
};

// Item 1: a jti revoked through Redis (`jwtx revoke`) is refused on the next request, cached or
// not; other tokens still pass; the list's size and age are in /metrics.
TEST_F(ServeOps, RevokedJtiThroughRedisIs401OnTheNextRequest) {
  redis_server redis;
  std::string why;
  ASSERT_TRUE(redis.start(&why)) << why;
  const std::string where = "127.0.0.1:" + std::to_string(redis.port()) + "/fleet:revoked";
  kid_ = keygen("ES256");
  write_config("revocation: {redis: \"" + where + "\", max_staleness: 30, fail_closed: false}\n");
  start();
  const std::string victim = token(claims("victim")), other = token(claims("other"));
  ASSERT_EQ(get(port_, "/", bearer(victim)).rfind("HTTP/1.1 200", 0), 0u);  // now cached
  run_result r = run({"revoke", "--redis", where, "--jti", "victim", "--ttl", "600"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string answer = wait_for("HTTP/1.1 401", bearer(victim));
  EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << answer;
  EXPECT_NE(answer.find("Bearer error=\"invalid_token\", error_description=\"revoked\""),
            std::string::npos)
      << answer;
  EXPECT_EQ(get(port_, "/", bearer(other)).rfind("HTTP/1.1 200", 0), 0u);
  auto m = scrape();
  EXPECT_EQ(m["jwtx_serve_revocation_entries"], 1) << get(port_, "/metrics");
  EXPECT_LT(m["jwtx_serve_revocation_sync_age_seconds"], 30);
  EXPECT_EQ(m["jwtx_serve_revocation_synced"], 1);
  EXPECT_EQ(m[R"(jwtx_serve_requests_total{provider="corp",status="revoked"})"], 1);
  EXPECT_EQ(stop(), 0);
  EXPECT_NE(slurp(path("access.log")).find("status=401 verdict=revoked"), std::string::npos);
}

// Item 1: fail_closed with Redis gone: once the list is older than max_staleness, a token with a
// jti gets 503 + Retry-After (the server cannot tell), never 401 and never 200.
TEST_F(ServeOps, FailClosedRevocationWithRedisDownIs503WithRetryAfter) {
  redis_server redis;
  std::string why;
  ASSERT_TRUE(redis.start(&why)) << why;
  const std::string where = "127.0.0.1:" + std::to_string(redis.port());
  kid_ = keygen("ES256");
  write_config("revocation: {redis: \"" + where + "\", max_staleness: 1, fail_closed: true}\n");
  start();
  const std::string t = token(claims("j1"));
  ASSERT_EQ(get(port_, "/", bearer(t)).rfind("HTTP/1.1 200", 0), 0u);
  redis.kill();
  std::string answer = wait_for("HTTP/1.1 503", bearer(t));
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
  EXPECT_NE(answer.find("Retry-After: 1\r\n"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("invalid_token"), std::string::npos) << answer;
  EXPECT_EQ(stop(), 0);
  EXPECT_NE(slurp(path("access.log")).find("status=503 verdict=revocation_unavailable"),
            std::string::npos);
}

// Item 1: the list cannot be added or moved by a reload (the old config keeps serving).
TEST_F(ServeOps, ReloadRefusesToAddARevocationList) {
  kid_ = keygen("ES256");
  write_config();
  start();
  write_config("revocation: {redis: \"127.0.0.1:1\"}\n");
  ::kill(pid_, SIGHUP);
  ASSERT_TRUE(stderr_says("reload refused")) << slurp(path("stderr.log"));
  EXPECT_NE(slurp(path("stderr.log")).find("revocation.redis cannot change on reload"),
            std::string::npos);
  EXPECT_EQ(get(port_, "/", bearer(token(claims("x")))).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(stop(), 0);
}

// Item 2: /metrics in the Prometheus text format; the counts move with requests, and a reload
// neither resets nor doubles them (the same series go on, each listed once).
TEST_F(ServeOps, MetricsCountRequestsAndSurviveReloads) {
  kid_ = keygen("ES256");
  write_config();
  start();
  std::string raw = get(port_, "/metrics");
  EXPECT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw;
  EXPECT_NE(raw.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos)
      << raw.substr(0, 300);
  EXPECT_NE(raw.find("# TYPE jwtx_serve_requests_total counter\n"), std::string::npos);
  const std::string ok = R"(jwtx_serve_requests_total{provider="corp",status="ok"})";
  const std::string expired = R"(jwtx_serve_requests_total{provider="corp",status="expired"})";
  auto m = scrape();
  ASSERT_EQ(m.count(ok), 1u) << raw;
  EXPECT_EQ(m[ok], 0);
  const std::string good = token(claims("a"));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get(port_, "/", bearer(good)).rfind("HTTP/1.1 200", 0), 0u);
  get(port_, "/", bearer(token(claims("b"), "-600")));
  get(port_, "/");
  m = scrape();
  EXPECT_EQ(m[ok], 3);
  EXPECT_EQ(m[expired], 1);
  EXPECT_EQ(m[R"(jwtx_serve_responses_total{code="200"})"], 3);
  EXPECT_EQ(m[R"(jwtx_serve_responses_total{code="401"})"], 2);
  EXPECT_EQ(m[R"(jwtx_serve_unverified_total{reason="no_token"})"], 1);
  EXPECT_EQ(m[R"(jwtx_serve_request_duration_seconds_count{provider="corp"})"], 4);
  EXPECT_EQ(m[R"(jwtx_serve_request_duration_seconds_count{provider="-"})"], 1);
  EXPECT_EQ(m[R"(jwtx_serve_cache_hits_total{provider="corp"})"], 2);
  EXPECT_EQ(m[R"(jwtx_serve_cache_entries{provider="corp"})"], 1);
  // The pipeline counts a token until its completion returns, which may be just after the answer.
  const std::string depth = R"(jwtx_serve_pipeline_in_flight{provider="corp"})";
  ASSERT_EQ(m.count(depth), 1u);
  for (int i = 0; i < 100 && m[depth] != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    m = scrape();
  }
  EXPECT_EQ(m[depth], 0);
  EXPECT_EQ(m["jwtx_serve_in_flight"], 0);

  write_config("    clock_skew_seconds: 30\n");
  ::kill(pid_, SIGHUP);
  ASSERT_TRUE(stderr_says("config reloaded")) << slurp(path("stderr.log"));
  ASSERT_EQ(get(port_, "/", bearer(good)).rfind("HTTP/1.1 200", 0), 0u);
  raw = get(port_, "/metrics");
  m = scrape();
  EXPECT_EQ(m[ok], 4) << raw;
  std::size_t listed = 0;
  for (std::size_t at = raw.find(ok + " "); at != std::string::npos;
       at = raw.find(ok + " ", at + 1))
    ++listed;
  EXPECT_EQ(listed, 1u) << raw;
  // The new verifier's cache: one miss, no hit yet.
  EXPECT_EQ(m[R"(jwtx_serve_cache_misses_total{provider="corp"})"], 1);
  EXPECT_EQ(m[R"(jwtx_serve_cache_hits_total{provider="corp"})"], 0);
  EXPECT_EQ(stop(), 0);
}

// Item 5: a reason with spaces is quoted in the access log, so every line splits as key=value.
TEST_F(ServeOps, AccessLogReasonIsQuoted) {
  kid_ = keygen("ES256");
  write_config("    requirements: {scopes: [admin]}\n");
  start();
  EXPECT_EQ(get(port_, "/", bearer(token(claims("a")))).rfind("HTTP/1.1 403", 0), 0u);
  EXPECT_EQ(stop(), 0);
  std::string log = slurp(path("access.log"));
  EXPECT_NE(log.find("reason=\"missing scope admin\" us="), std::string::npos) << log;
}

// Item 3: past --max-connections a new connection is closed at once (no answer), counted in
// /metrics; once one closes, new connections are served again.
TEST_F(ServeOps, ConnectionCapClosesNewConnectionsAtOnce) {
  kid_ = keygen("ES256");
  write_config();
  start({"--max-connections", "3"});
  std::vector<std::unique_ptr<raw_conn>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<raw_conn>(port_));
    ASSERT_TRUE(held.back()->ok());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // all three accepted
  {
    raw_conn extra(port_);
    ASSERT_TRUE(extra.ok());  // the kernel accepts; the server closes it
    extra.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(extra.response(), "");
  }
  held.pop_back();
  std::string r = wait_for("HTTP/1.1 200", "", "/healthz");
  EXPECT_EQ(r.rfind("HTTP/1.1 200", 0), 0u) << r;
  held.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto m = scrape();
  EXPECT_GE(m["jwtx_serve_connections_refused_total"], 1);
  EXPECT_EQ(m["jwtx_serve_connections"], 1) << "only the scrape's own connection is open";
  EXPECT_EQ(stop(), 0);
}

// Item 3: a silent connection and a slowloris one (a header byte every 0.5 s, which restarts
// evhttp's own read timeout each time) are both closed after --idle-timeout (2 s here).
TEST_F(ServeOps, IdleAndSlowlorisConnectionsAreClosed) {
  kid_ = keygen("ES256");
  write_config();
  start();
  raw_conn silent(port_), slow(port_);
  ASSERT_TRUE(silent.ok() && slow.ok());
  const auto t0 = std::chrono::steady_clock::now();
  bool slow_open = slow.send("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  int bytes = 0;
  while (slow_open && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(8)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    slow_open = slow.send("a");
    ++bytes;
  }
  EXPECT_FALSE(slow_open) << "slowloris still connected after " << bytes << " bytes";
  EXPECT_TRUE(silent.closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_EQ(get(port_, "/healthz").rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(stop(), 0);
}

// Item 3: a header block or a body past the bounds gets a 4xx and the server stays healthy.
TEST_F(ServeOps, OversizedHeaderAndBodyGet4xx) {
  kid_ = keygen("ES256");
  write_config();
  start({"--max-header-bytes", "2048", "--max-body-bytes", "1024"});
  raw_conn body(port_);
  ASSERT_TRUE(body.ok());
  body.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" + std::string(4096, 'b'));
  std::string r = body.response();
  EXPECT_EQ(r.rfind("HTTP/1.1 413", 0), 0u) << r;
  raw_conn header(port_);
  ASSERT_TRUE(header.ok());
  header.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(3000, 'h') + "\r\n\r\n");
  r = header.response();
  EXPECT_TRUE(r.empty() || r.rfind("HTTP/1.1 4", 0) == 0) << r;
  EXPECT_EQ(get(port_, "/healthz").rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(stop(), 0);
}

// Drives |clients| keep-alive connections, each sending requests for |t| back to back until the
// server answers with Connection: close (or |stop_flag| is set). Counts complete answers by code
// and requests that got no complete answer.
struct load {
  std::atomic<int> ok{0}, other{0}, lost{0}, closed_gracefully{0};
  std::atomic<bool> stop_flag{false};
  std::vector<std::thread> threads;

  void run(int port, const std::string& token, int clients) {
    for (int i = 0; i < clients; ++i) {
      threads.emplace_back([this, port, token] {
        raw_conn c(port);
        if (!c.ok()) {
          ++lost;
          return;
        }
        const std::string req =
            "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n\r\n";
        while (!stop_flag) {
          if (!c.send(req)) {
            ++lost;
            return;
          }
          std::string r = c.response();
          if (r.empty()) {
            ++lost;
            return;
          }
          (r.rfind("HTTP/1.1 200", 0) == 0 ? ok : other)++;
          if (r.find("Connection: close\r\n") != std::string::npos) {
            ++closed_gracefully;
            return;
          }
        }
      });
    }
  }
  void join() {
    for (auto& t : threads) t.join();
  }
};

// Item 4: SIGTERM with requests in flight on keep-alive connections: every request sent gets a
// complete answer (the last one with Connection: close), none is dropped, exit 0.
TEST_F(ServeOps, SigtermDrainsEveryRequestAndExits0) {
  kid_ = keygen("RS256");
  std::ofstream(path("c.yaml")) << "providers:\n  corp:\n    issuer: https://issuer.example\n"
                                   "    audiences: [api]\n    algorithms: [RS256]\n"
                                   "    cache_entries: 0\n"
                                   "    local_jwks: {filename: " +
                                       path(kid_ + ".public.jwks.json") + "}\n";
  start({"--drain-seconds", "30"});
  const std::string t = token(claims("d"));
  // A keep-alive client that went quiet: the drain closes it instead of waiting 30 s for it.
  raw_conn idle(port_);
  ASSERT_TRUE(idle.send("GET / HTTP/1.1\r\nHost: x\r\n" + bearer(t) + "\r\n"));
  ASSERT_EQ(idle.response().rfind("HTTP/1.1 200", 0), 0u);
  load l;
  l.run(port_, t, 8);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (l.ok < 200 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid_, SIGTERM);
  l.join();
  EXPECT_TRUE(idle.closed_by_server());
  EXPECT_EQ(stop(10), 0);  // already exiting (well before --drain-seconds); reaps it
  EXPECT_EQ(l.lost, 0) << "requests without a complete answer";
  EXPECT_EQ(l.other, 0);
  EXPECT_EQ(l.closed_gracefully, 8) << "every client was told Connection: close";
  EXPECT_GE(l.ok, 200);
  EXPECT_NE(slurp(path("stderr.log")).find("stopping"), std::string::npos);
}

// Item 4: clients loop requests while SIGHUP arrives 20 times with good and bad configs: no request
// fails, and the last good config is in force.
TEST_F(ServeOps, ReloadUnderTrafficFailsNoRequest) {
  kid_ = keygen("ES256");
  write_config();
  start();
  const std::string t = token(claims("r"));
  load l;
  l.run(port_, t, 4);
  for (int i = 0; i < 20; ++i) {
    if (i % 2 == 0) {
      write_config("    clock_skew_seconds: " + std::to_string(10 + i) + "\n");
    } else {
      std::ofstream(path("c.yaml")) << "providers: {corp: {algorithms: [ES256], bogus: 1}}\n";
    }
    ::kill(pid_, SIGHUP);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  write_config();
  ::kill(pid_, SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  l.stop_flag = true;
  l.join();
  EXPECT_EQ(l.lost, 0);
  EXPECT_EQ(l.other, 0);
  EXPECT_GT(l.ok, 20);
  EXPECT_EQ(get(port_, "/", bearer(t)).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(stop(), 0);
  std::string err = slurp(path("stderr.log"));
  EXPECT_NE(err.find("reload refused"), std::string::npos);
  EXPECT_NE(err.find("config reloaded"), std::string::npos);
}

}  // namespace
}  // namespace jwtx::testing
#endif  // JWTX_CLI_PATH
