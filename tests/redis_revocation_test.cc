// Fleet-wide revocation through a real redis-server (tests/redis_server.h starts a private one per
// test): endpoint parsing, the channel message format, the feed's load / pub-sub / reconnect
// behaviour, the publisher's retries, and `jwtx revoke` end to end. No skips: a machine without
// redis-server fails here (scripts/deps.sh installs it).
#include "engine/revocation/redis_revocation.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/revocation/revocation.h"
#include "engine/verifier.h"
#include "tests/redis_server.h"
#include "tests/slow_redis.h"
#include "tests/test_support.h"

namespace {

using jwtx::parse_redis_endpoint;
using jwtx::publish_revocation;
using jwtx::redis_endpoint;
using jwtx::redis_feed_options;
using jwtx::redis_revocation_feed;
using jwtx::revocation_set;
using jwtx::testing::redis_client;
using jwtx::testing::redis_reply;
using jwtx::testing::redis_server;
using steady = std::chrono::steady_clock;

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double seconds_since(steady::time_point t) {
  return std::chrono::duration<double>(steady::now() - t).count();
}

// Polls |done| every millisecond for up to |seconds|.
bool eventually(const std::function<bool()>& done, double seconds = 5) {
  const auto start = steady::now();
  while (seconds_since(start) < seconds) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

// Fast timings so the reconnect tests stay well under a second each.
redis_feed_options fast_feed() {
  redis_feed_options o;
  o.connect_timeout_seconds = 0.5;
  o.command_timeout_seconds = 1;
  o.ping_interval_seconds = 0.05;
  o.pong_timeout_seconds = 0.5;
  o.backoff.initial_seconds = 0.01;
  o.backoff.max_seconds = 0.1;
  return o;
}

jwtx::redis_publish_options fast_publish() {
  jwtx::redis_publish_options o;
  o.connect_timeout_seconds = 0.5;
  o.backoff.initial_seconds = 0.01;
  o.backoff.max_seconds = 0.1;
  return o;
}

// An endpoint nothing listens on: the port of a server that has been stopped.
redis_endpoint dead_endpoint() {
  redis_server server;
  std::string error;
  EXPECT_TRUE(server.start(&error)) << error;
  return server.endpoint();
}

// How long destroying |feed| takes (the destructor must not wait out a backoff or a timeout).
double seconds_to_destroy(std::unique_ptr<redis_revocation_feed>& feed) {
  const auto start = steady::now();
  feed.reset();
  return seconds_since(start);
}

std::unique_ptr<redis_revocation_feed> start_feed(const redis_endpoint& ep, revocation_set& set,
                                                  redis_feed_options o = fast_feed()) {
  std::string error;
  auto feed = redis_revocation_feed::start(ep, set, std::move(o), &error);
  EXPECT_NE(feed, nullptr) << error;
  return feed;
}

// --- Endpoint and message format ------------------------------------------------------------

TEST(RedisRevocationEndpoint, ParsesHostPortAndKey) {
  std::string error;
  auto ep = parse_redis_endpoint("127.0.0.1:6379", &error);
  ASSERT_TRUE(ep) << error;
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, 6379);
  EXPECT_EQ(ep->key, "jwtx:revoked");
  EXPECT_EQ(ep->channel(), "jwtx:revoked:events");
  EXPECT_EQ(ep->to_string(), "127.0.0.1:6379/jwtx:revoked");

  ep = parse_redis_endpoint("redis.internal:7000/fleet:eu-1", &error);
  ASSERT_TRUE(ep) << error;
  EXPECT_EQ(ep->host, "redis.internal");
  EXPECT_EQ(ep->port, 7000);
  EXPECT_EQ(ep->key, "fleet:eu-1");
  EXPECT_EQ(ep->channel(), "fleet:eu-1:events");

  ep = parse_redis_endpoint("[::1]:65535/k", &error);
  ASSERT_TRUE(ep) << error;
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->port, 65535);
  EXPECT_EQ(ep->to_string(), "[::1]:65535/k");
}

TEST(RedisRevocationEndpoint, RejectsBadInput) {
  for (const char* bad : {"", "host", ":6379", "host:", "host:0", "host:65536", "host:123456",
                          "host:12a", "host:-1", "host:+1", "host:6379/", "host:6379/a b",
                          "::1:6379", "[::1:6379", "[::1]6379", "[]:6379", "ho st:1", "a/b:1"}) {
    std::string error;
    EXPECT_FALSE(parse_redis_endpoint(bad, &error)) << bad;
    EXPECT_NE(error.find("expected HOST:PORT[/KEY]"), std::string::npos) << bad << ": " << error;
  }
  EXPECT_FALSE(parse_redis_endpoint("host", nullptr));  // error output is optional
}

TEST(RedisRevocationMessage, FormatAndParse) {
  EXPECT_EQ(jwtx::format_revocation_message("a b", 1700000000), "1700000000 a b");
  EXPECT_EQ(jwtx::format_revocation_message("x", std::numeric_limits<double>::infinity()),
            "+inf x");
  EXPECT_EQ(jwtx::format_revocation_message("x", 1700000000.25), "1700000000.25 x");
  EXPECT_EQ(jwtx::format_revocation_message("x", 1e300), "1e+300 x");
  double exp = 0;
  std::string_view jti;
  ASSERT_TRUE(jwtx::parse_revocation_message("1700000000.5 id with  spaces ", &exp, &jti));
  EXPECT_EQ(exp, 1700000000.5);
  EXPECT_EQ(jti, "id with  spaces ");
  ASSERT_TRUE(jwtx::parse_revocation_message("+inf x", &exp, &jti));
  EXPECT_TRUE(std::isinf(exp));
  ASSERT_TRUE(jwtx::parse_revocation_message("inf y", &exp, &jti));
  EXPECT_EQ(jti, "y");
  for (const char* bad :
       {"", "123", "123 ", " x", "abc x", "nan x", "12z x", "++1 x", "1e999x y"}) {
    EXPECT_FALSE(jwtx::parse_revocation_message(bad, &exp, &jti)) << bad;
  }
}

// --- Feed ---------------------------------------------------------------------------------------

class RedisRevocationFeed : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(server_.start(&error)) << error;
  }
  redis_reply cmd(const std::vector<std::string>& args) {
    redis_client c(server_.port());
    redis_reply r = c.run(args);
    EXPECT_TRUE(r) << "redis command failed: " << args[0];
    return r;
  }
  void publish_raw(const std::string& payload) {
    cmd({"PUBLISH", server_.endpoint().channel(), payload});
  }
  static std::string exp_text(double exp) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.0f", exp);
    return buf;
  }

  redis_server server_;
};

TEST_F(RedisRevocationFeed, InitialLoadDropsExpiredMembers) {
  const double now = unix_now();
  const std::string key = server_.endpoint().key;
  cmd({"ZADD", key, exp_text(now + 3600), "live", "+inf", "forever", exp_text(now - 1000),
       "expired-long-ago", exp_text(now - 10), "expired-within-grace"});
  revocation_set set;
  EXPECT_TRUE(std::isinf(set.synced_at()));  // nobody syncs it yet: always fresh
  auto feed = start_feed(server_.endpoint(), set);
  ASSERT_TRUE(eventually([&] { return feed->synced(); }));
  EXPECT_TRUE(set.contains("live"));
  EXPECT_TRUE(set.contains("forever"));
  EXPECT_TRUE(set.contains("expired-within-grace"));  // its token may still pass with leeway
  EXPECT_FALSE(set.contains("expired-long-ago"));
  EXPECT_EQ(set.size(), 3u);
  EXPECT_GE(set.synced_at(), now - 1);
  EXPECT_LE(set.synced_at(), unix_now());
  const auto s = feed->stats();
  EXPECT_EQ(s.connects, 1u);
  EXPECT_EQ(s.reconnects, 0u);
  EXPECT_EQ(s.loads, 1u);
  EXPECT_EQ(feed->status(), "synced");
}

TEST_F(RedisRevocationFeed, PubSubPropagatesPublishedRevocations) {
  revocation_set set;
  auto feed = start_feed(server_.endpoint(), set);
  ASSERT_TRUE(eventually([&] { return feed->synced(); }));
  const double exp = unix_now() + 600;
  const std::string binary_jti = std::string("nul\0and\nnewline and spaces", 26);
  for (const std::string& jti : {std::string("plain"), std::string("with spaces"), binary_jti}) {
    auto r = publish_revocation(server_.endpoint(), jti, exp, 2, fast_publish());
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.attempts, 1);
    EXPECT_TRUE(eventually([&] { return set.contains(jti); })) << jti;
  }
  // The count follows the publication (whoever sees it sees the jtis), so it may lag a lookup.
  EXPECT_TRUE(eventually([&] { return feed->stats().messages == 3u; })) << feed->stats().messages;
  EXPECT_EQ(feed->stats().loads, 1u);  // they came over the channel, not by a reload
  // The sorted set holds them too (what a newly started feed loads), scored by exp.
  redis_reply score = cmd({"ZSCORE", server_.endpoint().key, binary_jti});
  ASSERT_EQ(score->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::stod(std::string(score->str, score->len)), exp);  // exact: shortest round trip
}

TEST_F(RedisRevocationFeed, PublishKeepsTheLaterExpAndTrimsExpired) {
  const std::string key = server_.endpoint().key;
  const double now = unix_now();
  cmd({"ZADD", key, exp_text(now - 100000), "stale"});  // past the 1-day retention
  ASSERT_TRUE(publish_revocation(server_.endpoint(), "j", now + 900, 2, fast_publish()).ok);
  ASSERT_TRUE(publish_revocation(server_.endpoint(), "j", now + 100, 2, fast_publish()).ok);
  redis_reply score = cmd({"ZSCORE", key, "j"});
  ASSERT_EQ(score->type, REDIS_REPLY_STRING);
  EXPECT_DOUBLE_EQ(std::stod(std::string(score->str, score->len)), now + 900);
  EXPECT_EQ(cmd({"ZSCORE", key, "stale"})->type, REDIS_REPLY_NIL);
}

// Each publication copies the whole set: applying a burst one message at a time was quadratic
// (the pattern of the one-add-per-line file load). Buffered messages are applied together.
TEST_F(RedisRevocationFeed, ABurstOfMessagesIsAppliedInBatches) {
  constexpr int kBurst = 2000;
  revocation_set set;
  auto feed = start_feed(server_.endpoint(), set);
  ASSERT_TRUE(eventually([&] { return feed->synced(); }));
  const std::uint64_t before = set.stats().publications;
  // One Lua script: Redis publishes the whole burst before the feed reads any of it.
  cmd({"EVAL",
       "for i = 1, tonumber(ARGV[2]) do redis.call('PUBLISH', KEYS[1], ARGV[1] .. ' burst-' .. i) "
       "end",
       "1", server_.endpoint().channel(), exp_text(unix_now() + 600), std::to_string(kBurst)});
  ASSERT_TRUE(eventually([&] { return feed->stats().messages == kBurst; }))
      << feed->stats().messages;
  for (int i = 1; i <= kBurst; ++i) ASSERT_TRUE(set.contains("burst-" + std::to_string(i))) << i;
  const std::uint64_t publications = set.stats().publications - before;
  EXPECT_LT(publications, static_cast<std::uint64_t>(kBurst / 10)) << publications;
}

TEST_F(RedisRevocationFeed, MalformedMessagesAreCountedAndIgnored) {
  revocation_set set;
  auto feed = start_feed(server_.endpoint(), set);
  ASSERT_TRUE(eventually([&] { return feed->synced(); }));
  for (const char* bad : {"garbage", "123", "nan x", " x", "123 "}) publish_raw(bad);
  publish_raw(exp_text(unix_now() + 60) + " good one");  // arrives after the bad ones
  ASSERT_TRUE(eventually([&] { return feed->stats().messages == 1u; }));
  EXPECT_TRUE(set.contains("good one"));
  const auto s = feed->stats();
  EXPECT_EQ(s.malformed, 5u);
  EXPECT_EQ(s.messages, 1u);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(set.size(), 1u);
  EXPECT_TRUE(feed->synced());
}

TEST_F(RedisRevocationFeed, SyncedAtStopsWhenRedisDiesAndResumesAfterRestart) {
  revocation_set set;
  auto feed = start_feed(server_.endpoint(), set);
  ASSERT_TRUE(eventually([&] { return feed->synced(); }));
  // PONGs keep moving synced_at forward.
  const double first = set.synced_at();
  ASSERT_TRUE(eventually([&] { return set.synced_at() > first; }));

  server_.kill();
  ASSERT_TRUE(eventually([&] { return !feed->synced(); }));
  const double frozen = set.synced_at();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(set.synced_at(), frozen);  // no more progress while Redis is gone
  EXPECT_GE(feed->stats().errors, 1u);
  EXPECT_FALSE(feed->last_error().empty());
  // The status alternates between "retrying in ..." (the backoff) and "connecting" (each attempt),
  // so wait for the backoff state instead of sampling once (it flaked on a loaded machine).
  EXPECT_TRUE(eventually([&] { return feed->status().find("retrying") != std::string::npos; }))
      << feed->status();

  std::string error;
  ASSERT_TRUE(server_.start(&error)) << error;
  ASSERT_TRUE(eventually([&] { return feed->synced() && set.synced_at() > frozen; }));
  const auto s = feed->stats();
  EXPECT_EQ(s.connects, 2u);
  EXPECT_EQ(s.reconnects, 1u);
  EXPECT_EQ(s.loads, 2u);  // a full reload after the reconnect
}

TEST_F(RedisRevocationFeed, NothingIsLostWhenRedisDiesMidStream) {
  constexpr int kCount = 150;
  revocation_set set;
  auto feed = start_feed(server_.endpoint(), set);
  ASSERT_TRUE(eventually([&] { return feed->synced(); }));
  const redis_endpoint ep = server_.endpoint();
  const double exp = unix_now() + 3600;

  // Revocations flow one after the other; each publish retries until Redis takes it.
  std::atomic<int> published{0};
  std::atomic<int> failures{0};
  std::thread publisher([&] {
    for (int i = 0; i < kCount; ++i) {
      auto r = publish_revocation(ep, "stream-" + std::to_string(i), exp, 10, fast_publish());
      if (!r.ok) failures.fetch_add(1);
      published.fetch_add(1);
      // A steady trickle, so the kill below lands mid-stream even on a slow machine.
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  ASSERT_TRUE(eventually([&] { return published.load() >= kCount / 3; }));
  server_.kill();
  // Revoked while Redis is down: must land once it is back.
  auto while_down = std::async(std::launch::async, [&] {
    return publish_revocation(ep, "revoked-while-down", exp, 10, fast_publish());
  });
  ASSERT_TRUE(eventually([&] { return !feed->synced(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int during_outage = published.load();

  std::string error;
  ASSERT_TRUE(server_.start(&error)) << error;
  publisher.join();
  const auto down = while_down.get();
  EXPECT_TRUE(down.ok) << down.error;
  EXPECT_GT(down.attempts, 1);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LT(during_outage, kCount);  // the stream really was blocked by the outage

  ASSERT_TRUE(eventually([&] {
    if (!set.contains("revoked-while-down")) return false;
    for (int i = 0; i < kCount; ++i) {
      if (!set.contains("stream-" + std::to_string(i))) return false;
    }
    return true;
  })) << "missing revocations after the restart; feed: "
      << feed->status();
  EXPECT_EQ(set.size(), static_cast<std::size_t>(kCount + 1));
  EXPECT_GE(feed->stats().reconnects, 1u);
  // The AOF kept everything acknowledged before the kill.
  redis_reply card = cmd({"ZCARD", ep.key});
  EXPECT_EQ(card->integer, kCount + 1);
}

TEST_F(RedisRevocationFeed, DestructorReturnsPromptlyWhileRedisIsDown) {
  revocation_set set;
  auto feed = start_feed(server_.endpoint(), set);
  ASSERT_TRUE(eventually([&] { return feed->synced(); }));
  server_.kill();
  ASSERT_TRUE(eventually([&] { return !feed->synced(); }));
  EXPECT_LT(seconds_to_destroy(feed), 0.5);
}

TEST(RedisRevocationFeedNoServer, FreshFeedIsStaleAndStopsPromptly) {
  const redis_endpoint ep = dead_endpoint();
  revocation_set set;
  redis_feed_options o = fast_feed();
  o.backoff.max_seconds = 2;  // a long wait in progress must not delay the destructor
  auto feed = start_feed(ep, set, o);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(set.synced_at(), 0);  // mark_unsynced() at start: stale until the first load
  EXPECT_FALSE(feed->synced());
  EXPECT_GE(feed->stats().errors, 2u);
  EXPECT_NE(feed->last_error().find("cannot connect"), std::string::npos) << feed->last_error();
  EXPECT_LT(seconds_to_destroy(feed), 0.5);
}

TEST(RedisRevocationFeedNoServer, RejectsBadOptions) {
  revocation_set set;
  redis_feed_options o;
  o.ping_interval_seconds = 0;
  std::string error;
  EXPECT_EQ(redis_revocation_feed::start(redis_endpoint{"127.0.0.1", 1}, set, o, &error), nullptr);
  EXPECT_FALSE(error.empty());
}

// A reload (the first load, and every reconnect) replaces the feed's own entries only: jtis
// revoked from a file or by the program stay revoked.
TEST_F(RedisRevocationFeed, ReloadKeepsEntriesOfOtherSources) {
  cmd({"ZADD", server_.endpoint().key, "+inf", "from-redis"});
  revocation_set set;
  set.add("added-locally");
  set.source("file revoked.txt").add_lines("from-file\n");
  auto feed = start_feed(server_.endpoint(), set);
  ASSERT_TRUE(eventually([&] { return feed->synced(); }));
  EXPECT_TRUE(set.contains("from-redis"));
  EXPECT_TRUE(set.contains("added-locally"));
  EXPECT_TRUE(set.contains("from-file"));
  // A reconnect reloads: Redis lost its list meanwhile (e.g. a fresh server without the data).
  cmd({"DEL", server_.endpoint().key});
  server_.kill();
  ASSERT_TRUE(eventually([&] { return !feed->synced(); }));
  std::string error;
  ASSERT_TRUE(server_.start(&error)) << error;
  ASSERT_TRUE(eventually([&] { return feed->synced(); }));
  EXPECT_EQ(feed->stats().loads, 2u);
  EXPECT_FALSE(set.contains("from-redis"));  // the fleet's own list did change
  EXPECT_TRUE(set.contains("added-locally"));
  EXPECT_TRUE(set.contains("from-file"));
}

// A verifier with leeway 600 accepts a token until exp + 600: the load keeps revocations that
// recent, not only the default 300 s.
TEST_F(RedisRevocationFeed, LoadKeepsEntriesWithinTheVerifierLeeway) {
  const double now = unix_now();
  cmd({"ZADD", server_.endpoint().key, exp_text(now - 500), "within-leeway", exp_text(now - 900),
       "past-leeway"});
  revocation_set set;
  jwtx::verifier_options vo = jwtx::testing::default_options();
  vo.claims.leeway_seconds = 600;
  vo.claims.revoked = &set;
  const jwtx::verifier v(jwtx::testing::asymmetric_set(), vo);
  auto feed = start_feed(server_.endpoint(), set);
  ASSERT_TRUE(eventually([&] { return feed->synced(); }));
  EXPECT_TRUE(set.contains("within-leeway"));
  EXPECT_FALSE(set.contains("past-leeway"));
}

// --- Publisher ----------------------------------------------------------------------------------

TEST(RedisRevocationPublish, GivesUpAfterTheTimeoutWhenRedisIsUnreachable) {
  const redis_endpoint ep = dead_endpoint();
  const auto start = steady::now();
  auto r = publish_revocation(ep, "x", unix_now() + 60, 0.3, fast_publish());
  const double took = seconds_since(start);
  EXPECT_FALSE(r.ok);
  EXPECT_GT(r.attempts, 1);
  EXPECT_GE(took, 0.3);
  EXPECT_LT(took, 1.5);
  EXPECT_NE(r.error.find("cannot connect"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("gave up after"), std::string::npos) << r.error;
}

TEST(RedisRevocationPublish, RejectsBadArgumentsWithoutConnecting) {
  redis_endpoint ep{"127.0.0.1", 1};
  auto r = publish_revocation(ep, "", 1, 1);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 0);
  EXPECT_EQ(r.error, "empty jti");
  r = publish_revocation(ep, "x", std::nan(""), 1);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 0);
}

// The publish trims members past exp + retention in the same transaction: an exp that old is
// refused rather than reported revoked (and then trimmed at once).
TEST_F(RedisRevocationFeed, PublishRefusesARevocationItsOwnTrimWouldDrop) {
  const double now = unix_now();
  jwtx::redis_publish_options o = fast_publish();
  auto r = publish_revocation(server_.endpoint(), "dead", now - 100000, 2, o);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.expired);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_NE(r.error.find("nothing was revoked"), std::string::npos) << r.error;
  EXPECT_EQ(cmd({"ZSCORE", server_.endpoint().key, "dead"})->type, REDIS_REPLY_NIL);
  // Within the retention: taken, and still there afterwards.
  r = publish_revocation(server_.endpoint(), "recent", now - 1000, 2, o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.expired);
  EXPECT_EQ(cmd({"ZSCORE", server_.endpoint().key, "recent"})->type, REDIS_REPLY_STRING);
  o.retention_seconds = 600;
  r = publish_revocation(server_.endpoint(), "recent-2", now - 1000, 2, o);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.expired);
}

TEST_F(RedisRevocationFeed, PublishFailsAtOnceOnAPermanentError) {
  cmd({"SET", server_.endpoint().key, "not a sorted set"});
  auto r = publish_revocation(server_.endpoint(), "x", unix_now() + 60, 5, fast_publish());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_NE(r.error.find("WRONGTYPE"), std::string::npos) << r.error;
}

// --- A server that dribbles its replies ---------------------------------------------------------

// Runs |f| on another thread and waits up to |seconds| for it. On a timeout, |unblock| is called
// (it must make |f| return) so the test fails instead of hanging.
bool finishes_within(double seconds, const std::function<void()>& f,
                     const std::function<void()>& unblock) {
  auto done = std::async(std::launch::async, f);
  if (done.wait_for(std::chrono::duration<double>(seconds)) == std::future_status::ready) {
    return true;
  }
  unblock();
  done.wait();
  return false;
}

TEST(RedisRevocationSlowServer, FeedGivesUpTheLoadAtItsDeadlineAndStopsPromptly) {
  auto server = std::make_unique<jwtx::testing::slow_redis>();
  ASSERT_NE(server->port(), 0);
  redis_feed_options o = fast_feed();
  o.load_timeout_seconds = 0.3;
  revocation_set set;
  set.add("kept");
  auto feed = start_feed(redis_endpoint{"127.0.0.1", server->port(), "k"}, set, o);
  // The load misses its deadline, is reported, and the feed reconnects (after a backoff).
  EXPECT_TRUE(eventually([&] { return feed->stats().errors >= 2; }, 10))
      << feed->status() << " / " << feed->last_error();
  EXPECT_NE(feed->last_error().find("did not finish within 0.3 s"), std::string::npos)
      << feed->last_error();
  EXPECT_GE(server->accepted(), 4);  // two connections per attempt, at least two attempts
  EXPECT_FALSE(feed->synced());
  EXPECT_EQ(set.synced_at(), 0);  // stale: the policy decides, the feed never claimed a sync
  EXPECT_TRUE(set.contains("kept"));
  // Destroyed mid-load: the stop signal wins over the dribbling reply.
  ASSERT_TRUE(eventually([&] { return feed->status() == "loading"; }, 10)) << feed->status();
  double took = 0;
  EXPECT_TRUE(finishes_within(
      5, [&] { took = seconds_to_destroy(feed); }, [&] { server.reset(); }));
  EXPECT_LT(took, 1.0);
}

TEST(RedisRevocationSlowServer, PublishEndsByItsTimeout) {
  auto server = std::make_unique<jwtx::testing::slow_redis>();
  ASSERT_NE(server->port(), 0);
  jwtx::redis_publish_result r;
  double took = 0;
  EXPECT_TRUE(finishes_within(
      10,
      [&] {
        const auto start = steady::now();
        jwtx::redis_publish_options o = fast_publish();
        o.command_timeout_seconds = 0.3;
        r = publish_revocation(redis_endpoint{"127.0.0.1", server->port(), "k"}, "x",
                               unix_now() + 60, 0.5, o);
        took = seconds_since(start);
      },
      [&] { server.reset(); }));
  EXPECT_FALSE(r.ok);
  EXPECT_LT(took, 2.0);
  EXPECT_NE(r.error.find("no reply"), std::string::npos) << r.error;
}

// --- jwtx revoke ------------------------------------------------------------------------------

#ifdef JWTX_CLI_PATH

struct cli_result {
  int exit_code = -1;
  std::string err;
};

// Runs the CLI without a shell; stdout and stderr go to files in |dir|.
cli_result run_cli(const std::filesystem::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), JWTX_CLI_PATH);
  const std::string err = (dir / "stderr").string();
  cli_result r;
  r.exit_code = jwtx::testing::run_process(std::move(args), (dir / "stdout").string(), err);
  std::ifstream in(err);
  std::stringstream ss;
  ss << in.rdbuf();
  r.err = ss.str();
  return r;
}

TEST_F(RedisRevocationFeed, CliRevokeReachesTheFeed) {
  std::string templ = (std::filesystem::temp_directory_path() / "jwtx_revoke.XXXXXX").string();
  ASSERT_NE(::mkdtemp(templ.data()), nullptr);
  const std::filesystem::path dir = templ;
  revocation_set set;
  auto feed = start_feed(server_.endpoint(), set);
  ASSERT_TRUE(eventually([&] { return feed->synced(); }));
  const std::string where = "127.0.0.1:" + std::to_string(server_.port()) + "/jwtx:test";

  const double before = unix_now();
  cli_result r = run_cli(dir, {"revoke", "--redis", where, "--jti", "cli jti", "--ttl", "600"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(eventually([&] { return set.contains("cli jti"); }));
  redis_reply score = cmd({"ZSCORE", "jwtx:test", "cli jti"});
  ASSERT_EQ(score->type, REDIS_REPLY_STRING);
  const double exp = std::stod(std::string(score->str, score->len));
  EXPECT_GE(exp, std::floor(before) + 600);
  EXPECT_LE(exp, unix_now() + 601);

  r = run_cli(dir, {"revoke", "--redis", where, "--jti", "abs", "--exp", "4102444800"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(eventually([&] { return set.contains("abs"); }));

  // Usage errors: 2, with a reason.
  r = run_cli(dir, {"revoke", "--redis", "nohost", "--jti", "x", "--ttl", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("expected HOST:PORT[/KEY]"), std::string::npos) << r.err;
  r = run_cli(dir, {"revoke", "--redis", where, "--jti", "x", "--ttl", "1", "--exp", "5"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_cli(dir, {"revoke", "--redis", where, "--jti", "", "--ttl", "1"});
  EXPECT_EQ(r.exit_code, 2);

  // Redis unreachable past --timeout: 1, naming the endpoint.
  server_.kill();
  r = run_cli(dir,
              {"revoke", "--redis", where, "--jti", "late", "--ttl", "60", "--timeout", "0.2"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(where), std::string::npos) << r.err;

  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

#endif  // JWTX_CLI_PATH

}  // namespace
