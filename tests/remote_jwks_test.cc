// engine/keys/remote_jwks.h against servers the tests start on loopback: a small programmable
// HTTP/1.1 server below (status, headers, body and delay per path; counts requests), and python3's
// ssl for the HTTPS tests (a self-signed certificate made by the openssl CLI at test time).
#include "engine/keys/remote_jwks.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/keys/http_fetch.h"
#include "engine/signer.h"
#include "engine/verifier.h"
#include "tests/http_test_server.h"

namespace jwtx {
namespace {

using namespace std::chrono_literals;

using jwtx::testing::test_http_server;

// Polls |pred| up to |limit| (generous: these are "eventually" checks, not timings).
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

std::string jwks_with(const std::vector<std::string>& kids) {
  std::vector<std::string> jwks;
  for (const auto& kid : kids) {
    auto k = signing_key::generate(algorithm::ES256, kid);
    jwks.push_back(k->public_jwk());
  }
  return make_jwks(jwks);
}

bool has_kid(const remote_jwks& r, std::string_view kid) {
  auto snap = r.store()->read();
  return snap->find(kid) != nullptr;
}

std::uint64_t failures(const remote_jwks& r, jwks_failure f) {
  return r.stats().failures_by_kind[static_cast<std::size_t>(f)];
}

remote_jwks_options options_for(const std::string& uri) {
  remote_jwks_options o;
  o.uri = uri;
  return o;
}

std::unique_ptr<remote_jwks> start_ok(remote_jwks_options o) {
  std::string why;
  auto r = remote_jwks::start(std::move(o), &why);
  EXPECT_NE(r, nullptr) << why;
  return r;
}

TEST(RemoteJwksParseMaxAge, Directives) {
  EXPECT_EQ(remote_jwks::parse_max_age("max-age=120"), 120u);
  EXPECT_EQ(remote_jwks::parse_max_age("public, MAX-AGE=60 , must-revalidate"), 60u);
  EXPECT_EQ(remote_jwks::parse_max_age("max-age=\"30\""), 30u);
  EXPECT_EQ(remote_jwks::parse_max_age("s-maxage=5, max-age=7"), 7u);
  EXPECT_EQ(remote_jwks::parse_max_age("no-store"), 0u);
  EXPECT_EQ(remote_jwks::parse_max_age("max-age=600, no-cache"), 0u);
  EXPECT_EQ(remote_jwks::parse_max_age("max-age=99999999999999999999999"), 2147483648u);
  EXPECT_EQ(remote_jwks::parse_max_age(""), std::nullopt);
  EXPECT_EQ(remote_jwks::parse_max_age("public"), std::nullopt);
  EXPECT_EQ(remote_jwks::parse_max_age("max-age=-1"), std::nullopt);
  EXPECT_EQ(remote_jwks::parse_max_age("max-age=12abc"), std::nullopt);
  EXPECT_EQ(remote_jwks::parse_max_age("max-age="), std::nullopt);
}

TEST(RemoteJwksStart, RefusesBadOptions) {
  std::string why;
  EXPECT_EQ(remote_jwks::start({}, &why), nullptr);
  EXPECT_NE(why.find("neither uri nor issuer"), std::string::npos) << why;
  EXPECT_EQ(remote_jwks::start(options_for("ftp://127.0.0.1/jwks"), &why), nullptr);
  EXPECT_NE(why.find("not an http(s) URL"), std::string::npos) << why;
  EXPECT_EQ(remote_jwks::start(options_for("http://idp.example.com/jwks"), &why), nullptr);
  EXPECT_NE(why.find("plain http"), std::string::npos) << why;
  auto o = options_for("https://idp.example.com/jwks");
  o.min_cache = 100s;
  o.max_cache = 10s;
  EXPECT_EQ(remote_jwks::start(o, &why), nullptr);
  EXPECT_NE(why.find("min_cache <= max_cache"), std::string::npos) << why;
  // Plain http to a non-loopback host when allowed explicitly: starts (the fetch then fails).
  o = options_for("http://192.0.2.1/jwks");
  o.allow_http = true;
  o.timeout = 100ms;
  EXPECT_NE(remote_jwks::start(o, &why), nullptr) << why;
}

TEST(RemoteJwks, FirstFetchPublishes) {
  test_http_server server;
  server.set("/jwks", {200, "", jwks_with({"k1", "k2"})});
  auto r = start_ok(options_for(server.url("/jwks")));
  ASSERT_TRUE(r->wait_ready(20s)) << r->last_error();
  EXPECT_TRUE(has_kid(*r, "k1"));
  EXPECT_TRUE(has_kid(*r, "k2"));
  const remote_jwks_stats s = r->stats();
  EXPECT_EQ(s.successes, 1u);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_NE(s.generation, 0u);
  EXPECT_EQ(s.generation, r->store()->current()->generation());
  EXPECT_GT(s.last_success_unix, 1.7e9);
  EXPECT_GE(s.key_set_age_seconds, 0);
  EXPECT_EQ(server.count("/jwks"), 1);
  EXPECT_EQ(r->jwks_uri(), server.url("/jwks"));
}

TEST(RemoteJwks, BeforeFirstFetchTheStoreIsEmptyNotNull) {
  test_http_server server;
  server.set("/jwks", {200, "", jwks_with({"k1"}), 3s});
  auto o = options_for(server.url("/jwks"));
  o.timeout = 10s;
  auto r = start_ok(o);
  EXPECT_FALSE(r->ready());
  ASSERT_NE(r->store(), nullptr);
  EXPECT_TRUE(r->store()->current()->empty());
  EXPECT_EQ(r->stats().key_set_age_seconds, -1);
}

// Cache-Control max-age, clamped to [min_cache, max_cache]; default_cache without one.
TEST(RemoteJwks, MaxAgeHonouredAndClamped) {
  test_http_server server;
  const std::string jwks = jwks_with({"k1"});
  struct {
    std::string headers;
    std::int64_t expected;
  } cases[] = {
      {"Cache-Control: public, max-age=120\r\n", 120},
      {"Cache-Control: max-age=5\r\n", 60},                              // below min_cache
      {"Cache-Control: max-age=100000\r\n", 3600},                       // above max_cache
      {"", 300},                                                         // no header: default_cache
      {"Cache-Control: max-age=soon\r\n", 300},                          // invalid: default_cache
      {"Cache-Control: no-store\r\n", 60},                               // max-age 0, clamped up
      {"Cache-Control: max-age=90\r\nCache-Control: no-cache\r\n", 60},  // joined headers
  };
  for (const auto& c : cases) {
    server.set("/jwks", {200, c.headers, jwks});
    auto o = options_for(server.url("/jwks"));
    o.min_cache = 60s;
    o.max_cache = 3600s;
    o.default_cache = 300s;
    auto r = start_ok(o);
    ASSERT_TRUE(r->wait_ready(20s)) << r->last_error();
    EXPECT_EQ(r->stats().cache_seconds, c.expected) << c.headers;
  }
}

TEST(RemoteJwks, RefetchesWhenMaxAgeExpires) {
  test_http_server server;
  server.set("/jwks", {200, "Cache-Control: max-age=1\r\n", jwks_with({"k1"})});
  auto o = options_for(server.url("/jwks"));
  o.min_cache = 1s;
  auto r = start_ok(o);
  ASSERT_TRUE(r->wait_ready(10s));
  EXPECT_TRUE(eventually([&] { return server.count("/jwks") >= 2; }));
  EXPECT_TRUE(eventually([&] { return r->stats().successes >= 2; }));
}

TEST(RemoteJwks, UnknownKidRefetchesOnceThenRateLimited) {
  test_http_server server;
  server.set("/jwks", {200, "", jwks_with({"k1"})});
  auto o = options_for(server.url("/jwks"));
  o.min_refetch_interval = 1s;
  auto r = start_ok(o);
  ASSERT_TRUE(r->wait_ready(10s));
  // Inside the interval since the first fetch: dropped.
  EXPECT_FALSE(r->request_refresh());
  EXPECT_EQ(r->stats().refresh_rate_limited, 1u);
  // The IdP rotates; past the interval an unknown kid triggers exactly one fetch.
  server.set("/jwks", {200, "", jwks_with({"k2"})});
  std::this_thread::sleep_for(1100ms);
  EXPECT_TRUE(r->request_refresh());
  ASSERT_TRUE(eventually([&] { return has_kid(*r, "k2"); })) << r->last_error();
  EXPECT_FALSE(has_kid(*r, "k1"));
  EXPECT_EQ(server.count("/jwks"), 2);
  // And again right after: inside the interval, no fetch.
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(r->request_refresh());
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(server.count("/jwks"), 2);
  EXPECT_EQ(r->stats().refresh_requests, 1u);
  EXPECT_EQ(r->stats().refresh_rate_limited, 101u);
}

TEST(RemoteJwks, ConcurrentRefreshRequestsMakeOneFetch) {
  test_http_server server;
  // A slow response keeps the fetch in flight while the callers pile up.
  server.set("/jwks", {200, "", jwks_with({"k1"}), 300ms});
  auto o = options_for(server.url("/jwks"));
  o.min_refetch_interval = 1s;
  std::atomic<int> done_callbacks{0};
  o.on_fetch_done = [&] { done_callbacks.fetch_add(1); };
  auto r = start_ok(o);
  ASSERT_TRUE(r->wait_ready(10s));
  std::this_thread::sleep_for(1100ms);  // past the interval
  constexpr int kThreads = 20;
  std::barrier gate(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      gate.arrive_and_wait();
      for (int j = 0; j < 50; ++j) r->request_refresh();
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(eventually([&] { return r->stats().fetches >= 2; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(server.count("/jwks"), 2);
  EXPECT_EQ(r->stats().fetches, 2u);
  // Usually 1; a caller that raced with the fetch's start is folded into that fetch (counted, no
  // second fetch).
  EXPECT_GE(r->stats().refresh_requests, 1u);
  EXPECT_LE(r->stats().refresh_requests, 2u);
  EXPECT_EQ(done_callbacks.load(), 2);
}

// Every kind of failure keeps the last good set and is counted under its own kind.
TEST(RemoteJwks, FailuresKeepLastGoodKeys) {
  auto server = std::make_unique<test_http_server>();
  server->set("/jwks", {200, "Cache-Control: max-age=1\r\n", jwks_with({"k1"})});
  auto o = options_for(server->url("/jwks"));
  o.min_cache = 1s;
  o.min_refetch_interval = 1s;  // the retry delay after a failure
  o.timeout = 500ms;
  o.max_body_bytes = 4096;
  auto r = start_ok(o);
  ASSERT_TRUE(r->wait_ready(10s));
  const std::uint64_t gen = r->stats().generation;

  struct {
    test_http_server::route route;
    jwks_failure kind;
    std::string message;
  } cases[] = {
      {{500, "", "oops"}, jwks_failure::http_status, "HTTP 500"},
      {{200, "", "this is not json"}, jwks_failure::invalid_jwks, ""},
      {{200, "", "{\"keys\":[]}"}, jwks_failure::empty_set, "no usable verification key"},
      {{200, "", "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"enc\"}]}"},
       jwks_failure::empty_set,
       "1 skipped"},
      {{200, "", std::string(8192, ' ')}, jwks_failure::too_large, "body over 4096 bytes"},
      {{200, "", jwks_with({"k9"}), 2s}, jwks_failure::timeout, "timed out"},
  };
  for (const auto& c : cases) {
    const std::uint64_t before = failures(*r, c.kind);
    server->set("/jwks", c.route);
    ASSERT_TRUE(eventually([&] { return failures(*r, c.kind) > before; }))
        << jwks_failure_name(c.kind) << ": " << r->last_error();
    EXPECT_TRUE(has_kid(*r, "k1")) << jwks_failure_name(c.kind);
    EXPECT_EQ(r->stats().generation, gen);
    EXPECT_NE(r->last_error().find(jwks_failure_name(c.kind)), std::string::npos)
        << r->last_error();
    EXPECT_NE(r->last_error().find(c.message), std::string::npos) << r->last_error();
  }
  server.reset();  // down: connections refused
  ASSERT_TRUE(eventually([&] { return failures(*r, jwks_failure::network) >= 1; }))
      << r->last_error();
  EXPECT_TRUE(has_kid(*r, "k1"));
  EXPECT_TRUE(r->ready());
  const remote_jwks_stats s = r->stats();
  EXPECT_EQ(s.successes, 1u);
  EXPECT_GE(s.failures, 6u);
  EXPECT_EQ(s.fetches, s.successes + s.failures);
}

// Rotation at the endpoint is picked up; readers see a usable set at every moment.
TEST(RemoteJwks, RotationPickedUpWithoutReaderFailures) {
  test_http_server server;
  server.set("/jwks", {200, "Cache-Control: max-age=1\r\n", jwks_with({"k1"})});
  auto o = options_for(server.url("/jwks"));
  o.min_cache = 1s;
  auto r = start_ok(o);
  ASSERT_TRUE(r->wait_ready(10s));
  std::atomic<bool> stop{false};
  std::atomic<long> empty_reads{0}, reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto snap = r->store()->read();
        if (snap->find("k1") == nullptr && snap->find("k2") == nullptr) empty_reads.fetch_add(1);
        reads.fetch_add(1);
      }
    });
  }
  server.set("/jwks", {200, "Cache-Control: max-age=1\r\n", jwks_with({"k2"})});
  const bool rotated = eventually([&] { return has_kid(*r, "k2"); });
  stop = true;
  for (auto& t : readers) t.join();
  ASSERT_TRUE(rotated) << r->last_error();
  EXPECT_FALSE(has_kid(*r, "k1"));
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(empty_reads.load(), 0);
}

TEST(RemoteJwks, OpenIdDiscovery) {
  test_http_server server;
  const std::string issuer = server.base() + "/realms/a";
  server.set("/realms/a/.well-known/openid-configuration",
             {200, "",
              "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + server.url("/certs") +
                  "\",\"id_token_signing_alg_values_supported\":[\"ES256\"]}"});
  server.set("/certs", {200, "", jwks_with({"k1"})});
  remote_jwks_options o;
  o.issuer = issuer + "/";  // a trailing slash is dropped before the well-known path
  // The configured issuer must be the document's exactly: with the slash it is not.
  {
    auto r = start_ok(o);
    ASSERT_TRUE(eventually([&] { return failures(*r, jwks_failure::discovery) >= 1; }));
    EXPECT_FALSE(r->ready());
    EXPECT_NE(r->last_error().find("\"issuer\" is not"), std::string::npos) << r->last_error();
    EXPECT_EQ(server.count("/certs"), 0);
  }
  o.issuer = issuer;
  auto r = start_ok(o);
  ASSERT_TRUE(r->wait_ready(20s)) << r->last_error();
  EXPECT_TRUE(has_kid(*r, "k1"));
  EXPECT_EQ(r->jwks_uri(), server.url("/certs"));
  EXPECT_EQ(server.count("/certs"), 1);
}

TEST(RemoteJwks, DiscoveryWithoutJwksUriFails) {
  test_http_server server;
  const std::string issuer = server.base();
  server.set("/.well-known/openid-configuration", {200, "", "{\"issuer\":\"" + issuer + "\"}"});
  remote_jwks_options o;
  o.issuer = issuer;
  auto r = start_ok(o);
  ASSERT_TRUE(eventually([&] { return failures(*r, jwks_failure::discovery) >= 1; }));
  EXPECT_NE(r->last_error().find("jwks_uri"), std::string::npos) << r->last_error();
  EXPECT_FALSE(r->ready());
}

TEST(RemoteJwks, DestructorInterruptsSlowFetch) {
  test_http_server server;
  server.set("/jwks", {200, "", jwks_with({"k1"}), 30s});
  auto o = options_for(server.url("/jwks"));
  o.timeout = 20s;
  auto r = start_ok(o);
  ASSERT_TRUE(eventually([&] { return server.count("/jwks") == 1; }));
  const auto t0 = std::chrono::steady_clock::now();
  r.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);  // generous bound: it takes milliseconds
}

// The flow a server runs: a verifier on store() meets an unknown kid, asks for a refresh, and
// verifies the same token once on_fetch_done says the fetch ended.
TEST(RemoteJwks, VerifierPicksUpANewKidAfterRequestRefresh) {
  auto k1 = signing_key::generate(algorithm::ES256, "k1");
  auto k2 = signing_key::generate(algorithm::ES256, "k2");
  test_http_server server;
  server.set("/jwks", {200, "", make_jwks({k1->public_jwk()})});
  auto o = options_for(server.url("/jwks"));
  o.min_refetch_interval = 1s;
  std::atomic<int> done{0};
  o.on_fetch_done = [&] { done.fetch_add(1); };
  auto r = start_ok(o);
  ASSERT_TRUE(r->wait_ready(10s));
  verifier_options vo;
  vo.algorithms = algorithm_set::all();
  vo.claims.clock = [] { return 1'700'000'000.0; };
  verifier v(r->store(), vo);
  const std::string payload = "{\"sub\":\"a\",\"exp\":1700000600}";
  EXPECT_EQ(v.verify(k1->mint(payload)).status(), status::ok);
  const std::string token = k2->mint(payload);
  EXPECT_EQ(v.verify(token).status(), status::key_not_found);
  server.set("/jwks", {200, "", make_jwks({k1->public_jwk(), k2->public_jwk()})});
  std::this_thread::sleep_for(1100ms);  // past the interval
  const int before = done.load();
  ASSERT_TRUE(r->request_refresh());
  ASSERT_TRUE(eventually([&] { return done.load() > before; }));
  EXPECT_EQ(v.verify(token).status(), status::ok) << r->last_error();
}

TEST(RemoteJwks, ExportsMetrics) {
  test_http_server server;
  server.set("/jwks", {200, "", jwks_with({"k1"})});
  metrics::registry registry;
  auto r = start_ok(options_for(server.url("/jwks")));
  std::string why;
  ASSERT_TRUE(r->export_metrics(registry, "idp-a", &why)) << why;
  ASSERT_TRUE(r->wait_ready(10s));
  std::string text = registry.render();
  EXPECT_NE(text.find("jwtx_jwks_fetch_successes_total{provider=\"idp-a\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("jwtx_jwks_fetch_failures_total{provider=\"idp-a\",kind=\"timeout\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("jwtx_jwks_ready{provider=\"idp-a\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE jwtx_jwks_key_set_age_seconds gauge\n"), std::string::npos);
  r.reset();  // the series outlive the fetcher and then read NaN
  text = registry.render();
  EXPECT_NE(text.find("jwtx_jwks_ready{provider=\"idp-a\"} NaN\n"), std::string::npos) << text;
}

// --- HTTPS: python3's ssl serving a self-signed certificate made with the openssl CLI ----------

class RemoteJwksTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v openssl >/dev/null && command -v python3 >/dev/null") != 0) {
      GTEST_SKIP() << "needs the openssl CLI and python3";
    }
    dir_ = std::filesystem::temp_directory_path() /
           ("jwtx_tls_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "www");
    ASSERT_TRUE(make_cert("server")) << "openssl req failed";
    ASSERT_TRUE(make_cert("other"));
    std::ofstream(dir_ / "www" / "jwks.json") << jwks_with({"tls-key"});
    std::ofstream(dir_ / "serve.py") << R"PY(
import functools, http.server, ssl, sys
d = sys.argv[1]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(d + "/server.crt", d + "/server.key")
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
srv = http.server.HTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=d + "/www"))
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(d + "/port.tmp", "w") as f: f.write(str(srv.server_address[1]))
import os; os.rename(d + "/port.tmp", d + "/port")
srv.serve_forever()
)PY";
    pid_ = fork();
    if (pid_ == 0) {
      execlp("python3", "python3", (dir_ / "serve.py").c_str(), dir_.c_str(), nullptr);
      _exit(127);
    }
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(dir_ / "port"); }));
    std::ifstream(dir_ / "port") >> port_;
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  bool make_cert(const std::string& name) {
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "
        "/CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
        (dir_ / (name + ".key")).string() + "' -out '" + (dir_ / (name + ".crt")).string() +
        "' 2>/dev/null";
    return std::system(cmd.c_str()) == 0;
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/jwks.json"; }
  // Python's TLS handshake on a loaded CI machine can take seconds: a generous timeout, and a
  // quick retry if the first attempt still misses it.
  remote_jwks_options tls_options() const {
    remote_jwks_options o = options_for(url());
    o.timeout = std::chrono::milliseconds(8000);
    o.min_refetch_interval = std::chrono::seconds(1);
    return o;
  }

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST_F(RemoteJwksTls, FetchesWithTheRightCa) {
  auto o = tls_options();
  o.ca_file = (dir_ / "server.crt").string();
  auto r = start_ok(o);
  ASSERT_TRUE(r->wait_ready(20s)) << r->last_error();
  EXPECT_TRUE(has_kid(*r, "tls-key"));
}

TEST_F(RemoteJwksTls, WrongCaFails) {
  auto o = tls_options();
  o.ca_file = (dir_ / "other.crt").string();
  auto r = start_ok(o);
  ASSERT_TRUE(eventually([&] { return failures(*r, jwks_failure::tls) >= 1; })) << r->last_error();
  EXPECT_FALSE(r->ready());
  EXPECT_EQ(r->stats().successes, 0u);
}

TEST(HttpFetch, LoopbackHosts) {
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("127.0.0.1.evil.example"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(is_loopback_host("localhost.example"));
}

TEST(HttpFetch, InterruptedClientRefusesAtOnce) {
  test_http_server server;
  server.set("/x", {200, "", "hello"});
  std::string why;
  auto c = http_client::create(&why);
  ASSERT_NE(c, nullptr) << why;
  http_result ok = c->get(server.url("/x"), {});
  ASSERT_EQ(ok.error, http_error::none) << ok.message;
  EXPECT_EQ(ok.response.status, 200);
  EXPECT_EQ(ok.response.body, "hello");
  c->interrupt();
  EXPECT_EQ(c->get(server.url("/x"), {}).error, http_error::interrupted);
  EXPECT_EQ(server.count("/x"), 1);
}

}  // namespace
}  // namespace jwtx
