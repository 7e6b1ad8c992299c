// batch_pipeline: results equal the synchronous verifier's, exactly-once completion (also across
// shutdown), backpressure, batching rules, rotation and revocation under load.
#include "engine/runtime/batch_pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/keys/key_store.h"
#include "engine/revocation/revocation.h"
#include "engine/runtime/futex.h"
#include "tests/test_support.h"

namespace jwtx {
namespace {

using namespace std::chrono_literals;
using testing::asymmetric_set;
using testing::b64;
using testing::default_options;
using testing::good_claims;
using testing::key_for;

std::shared_ptr<const key_set> union_set() {
  key_set_builder b;
  for (algorithm a : {algorithm::RS256, algorithm::ES256, algorithm::EdDSA})
    if (b.add_jwk(key_for(a).public_jwk(), "test") != status::ok) std::abort();
  auto r = b.build();
  if (!r) std::abort();
  return r.set;
}

std::shared_ptr<const key_set> set_of(std::initializer_list<algorithm> algs) {
  key_set_builder b;
  for (algorithm a : algs)
    if (b.add_jwk(key_for(a).public_jwk(), "test") != status::ok) std::abort();
  auto r = b.build();
  if (!r) std::abort();
  return r.set;
}

// Good tokens of several algorithms, and every kind of bad one the verifier distinguishes.
std::vector<std::string> mixed_tokens() {
  std::vector<std::string> t;
  for (algorithm a : {algorithm::RS256, algorithm::ES256, algorithm::EdDSA})
    t.push_back(key_for(a).mint(good_claims()));
  const std::string good = key_for(algorithm::ES256).mint(good_claims());
  t.push_back(key_for(algorithm::EdDSA).mint(good_claims("\"jti\":\"j-1\"")));
  t.push_back(key_for(algorithm::EdDSA)
                  .mint("{\"sub\":\"a\",\"iss\":\"https://"
                        "issuer.example\",\"aud\":\"api\",\"exp\":1600000000}"));
  t.push_back(key_for(algorithm::ES256).mint(good_claims("\"iss\":\"x\"")));
  std::string tampered = good;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  t.push_back(tampered);
  t.push_back("");
  t.push_back("a.b");
  t.push_back("a.b.c.d.e");
  t.push_back("!!!.e30.sig");
  t.push_back(b64("{\"alg\":\"none\"}") + "." + b64(good_claims()) + ".");
  t.push_back(b64("{\"alg\":\"ES256\",\"alg\":\"ES256\"}") + "." + b64(good_claims()) + ".AAAA");
  t.push_back(b64("[1]") + "." + b64(good_claims()) + ".AAAA");
  t.push_back(b64("{\"alg\":\"ES256\",\"kid\":\"nope\"}") + "." + b64(good_claims()) + ".AAAA");
  t.push_back(std::string(3000, 'a') + ".e30.AAAA");  // a large slot, bad_base64 or malformed
  return t;
}

struct recorder {
  std::vector<std::atomic<int>> calls;
  std::vector<status> statuses;
  std::vector<char> cached;  // not vector<bool>: completions on two workers write neighbours
  explicit recorder(std::size_t n) : calls(n), statuses(n, status::internal_error), cached(n) {}
  void operator()(std::uint64_t tag, const verify_result& r) noexcept {
    statuses[tag] = r.status();
    cached[tag] = r.from_cache() ? 1 : 0;
    calls[tag].fetch_add(1, std::memory_order_acq_rel);
  }
};

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds limit = 20s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

pipeline_options small_options() {
  pipeline_options o;
  o.concurrency = 2;
  o.queue_capacity = 256;
  return o;
}

TEST(BatchPipeline, ResultsEqualTheVerifiersForGoodAndBadTokens) {
  auto v = std::make_shared<const verifier>(union_set(), default_options());
  std::string why;
  auto p = batch_pipeline::create(v, small_options(), &why);
  ASSERT_TRUE(p) << why;
  const auto tokens = mixed_tokens();
  recorder rec(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i)
    ASSERT_EQ(p->submit(tokens[i], completion_for(rec), i), status::ok) << i;
  p->close();
  std::set<status> seen;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(rec.calls[i].load(), 1) << i;
    EXPECT_EQ(rec.statuses[i], v->verify(tokens[i]).status()) << i;
    seen.insert(rec.statuses[i]);
  }
  EXPECT_GE(seen.size(), 8u);  // the table really covers many outcomes
  EXPECT_TRUE(seen.count(status::ok));
  // Longer than max_token_bytes: refused at once with the verifier's own answer.
  const std::string huge(v->options().max_token_bytes + 1, 'a');
  auto p2 = batch_pipeline::create(v, small_options());
  EXPECT_EQ(p2->submit(huge, completion_for(rec), 0), status::too_large);
  EXPECT_EQ(v->verify(huge).status(), status::too_large);
  EXPECT_EQ(p2->snapshot().refused_too_large, 1u);
}

TEST(BatchPipeline, TicketsWaitForTheirResult) {
  auto v = std::make_shared<const verifier>(asymmetric_set(), default_options());
  auto p = batch_pipeline::create(v, small_options());
  ASSERT_TRUE(p);
  const std::string good = key_for(algorithm::EdDSA).mint(good_claims());
  verify_ticket a, b;
  ASSERT_EQ(p->submit(good, a), status::ok);
  ASSERT_EQ(p->submit("x.y", b), status::ok);
  EXPECT_EQ(a.wait(), status::ok);
  EXPECT_EQ(a.alg(), algorithm::EdDSA);
  auto got = b.wait_for(10s);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, status::malformed);
  // Reusable once ready.
  ASSERT_EQ(p->submit(good, a), status::ok);
  EXPECT_EQ(a.wait(), status::ok);
  // A refusal makes the ticket ready at once with the reason.
  p->close();
  EXPECT_EQ(p->submit(good, a), status::shutting_down);
  EXPECT_TRUE(a.ready());
  EXPECT_EQ(a.wait(), status::shutting_down);
}

TEST(BatchPipeline, VerifyBatchEqualsTheVerifier) {
  auto v = std::make_shared<const verifier>(union_set(), default_options());
  auto p = batch_pipeline::create(v, small_options());
  ASSERT_TRUE(p);
  const auto base = mixed_tokens();
  std::vector<std::string> tokens;
  for (int r = 0; r < 7; ++r) tokens.insert(tokens.end(), base.begin(), base.end());
  std::vector<std::string_view> views(tokens.begin(), tokens.end());
  std::vector<verify_result> results(tokens.size());
  ASSERT_TRUE(p->verify_batch(views, results));
  for (std::size_t i = 0; i < tokens.size(); ++i)
    EXPECT_EQ(results[i].status(), v->verify(tokens[i]).status()) << i;
  EXPECT_EQ(p->snapshot().results.total(), tokens.size());
  // Too few results: refused without touching anything.
  std::vector<verify_result> short_results(2);
  EXPECT_FALSE(p->verify_batch(views, short_results));
  EXPECT_EQ(short_results[0].status(), status::internal_error);  // a fresh result's state
  // Still usable after close(): it does not depend on the queue.
  p->close();
  ASSERT_TRUE(p->verify_batch(std::span(views).first(3), results));
  EXPECT_TRUE(results[0].ok());
}

TEST(BatchPipeline, BatchClosesAtItsSizeLimitAndIdenticalTokensVerifyOnce) {
  auto v = std::make_shared<const verifier>(asymmetric_set(), default_options());
  pipeline_options o = small_options();
  o.max_batch = 4;
  o.batch_deadline = 1s;  // only the size limit can close these batches quickly
  o.dispatch_when_idle = false;
  o.concurrency = 1;
  auto p = batch_pipeline::create(v, o);
  ASSERT_TRUE(p);
  const std::string same = key_for(algorithm::ES256).mint(good_claims());
  recorder rec(8);
  for (std::uint64_t i = 0; i < 8; ++i)
    ASSERT_EQ(p->submit(same, completion_for(rec), i), status::ok);
  p->close();  // drains: every completion has returned (rec outlives them)
  const pipeline_snapshot s = p->snapshot();
  EXPECT_EQ(s.batches, 2u);
  EXPECT_EQ(s.batch_size.max, 4u);
  EXPECT_EQ(s.duplicates, 6u);  // one verification per batch of four identical tokens
  EXPECT_EQ(s.results[status::ok], 8u);
  EXPECT_EQ(s.latency_ns.count, 8u);
  EXPECT_EQ(s.queue_wait_ns.count, 8u);
  EXPECT_EQ(s.service_ns.count, 2u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(rec.calls[i].load(), 1);
}

TEST(BatchPipeline, BatchClosesAtItsDeadline) {
  auto v = std::make_shared<const verifier>(asymmetric_set(), default_options());
  pipeline_options o = small_options();
  o.max_batch = 1000;
  o.batch_deadline = 20ms;
  o.dispatch_when_idle = false;
  auto p = batch_pipeline::create(v, o);
  ASSERT_TRUE(p);
  verify_ticket t;
  ASSERT_EQ(p->submit(key_for(algorithm::EdDSA).mint(good_claims()), t), status::ok);
  EXPECT_EQ(t.wait(), status::ok);  // far below max_batch: only the deadline closed it
  const pipeline_snapshot s = p->snapshot();
  EXPECT_EQ(s.batches, 1u);
  EXPECT_GE(s.queue_wait_ns.max, 19'000'000u);  // it did wait for more tokens first
}

TEST(BatchPipeline, AnIdleWorkerTakesABatchBeforeItsDeadline) {
  auto v = std::make_shared<const verifier>(asymmetric_set(), default_options());
  pipeline_options o = small_options();
  o.max_batch = 1000;
  o.batch_deadline = 1s;  // dispatch_when_idle (the default) must not wait for it
  auto p = batch_pipeline::create(v, o);
  ASSERT_TRUE(p);
  verify_ticket t;
  ASSERT_EQ(p->submit(key_for(algorithm::EdDSA).mint(good_claims()), t), status::ok);
  EXPECT_EQ(t.wait(), status::ok);
  EXPECT_LT(p->snapshot().queue_wait_ns.max, 500'000'000u);  // far from the 1 s deadline
}

// A batch closed while every worker is busy is split: both workers share it.
TEST(BatchPipeline, ABatchIsSharedByTheWorkers) {
  auto v = std::make_shared<const verifier>(asymmetric_set(), default_options());
  pipeline_options o = small_options();
  o.max_batch = 8;
  o.batch_deadline = 1s;
  o.dispatch_when_idle = false;
  auto p = batch_pipeline::create(v, o);
  ASSERT_TRUE(p);
  const std::string token = key_for(algorithm::EdDSA).mint(good_claims());
  recorder rec(8);
  for (std::uint64_t i = 0; i < 8; ++i)
    ASSERT_EQ(p->submit(token, completion_for(rec), i), status::ok);
  p->close();  // drains: every completion has returned (rec outlives them)
  const pipeline_snapshot s = p->snapshot();
  EXPECT_EQ(s.batches, 2u);  // one batch of 8, two tasks of 4
  EXPECT_EQ(s.batch_size.max, 4u);
}

TEST(BatchPipeline, CacheHitsAreAnsweredFirstAndStillRecheckRevocation) {
  verifier_options vo = default_options();
  vo.cache_entries = 1024;
  revocation_set revoked;
  vo.claims.revoked = &revoked;
  auto v = std::make_shared<const verifier>(asymmetric_set(), vo);
  auto p = batch_pipeline::create(v, small_options());
  ASSERT_TRUE(p);
  const std::string token = key_for(algorithm::ES256).mint(good_claims("\"jti\":\"c-1\""));
  recorder rec(3);
  ASSERT_EQ(p->submit(token, completion_for(rec), 0), status::ok);
  ASSERT_TRUE(wait_until([&] { return rec.calls[0].load() == 1; }));
  ASSERT_EQ(p->submit(token, completion_for(rec), 1), status::ok);
  ASSERT_TRUE(wait_until([&] { return rec.calls[1].load() == 1; }));
  EXPECT_FALSE(rec.cached[0]);
  EXPECT_TRUE(rec.cached[1]);
  EXPECT_EQ(rec.statuses[1], status::ok);
  EXPECT_EQ(p->snapshot().cache_first_hits, 1u);
  // One lookup per token: the miss of pass 1 is not looked up again (verify_after_miss).
  EXPECT_EQ(v->cache()->stats().misses, 1u);
  EXPECT_EQ(v->cache()->stats().hits, 1u);
  EXPECT_EQ(v->cache()->stats().inserts, 1u);
  revoked.add("c-1", testing::kNow + 600);
  ASSERT_EQ(p->submit(token, completion_for(rec), 2), status::ok);
  ASSERT_TRUE(wait_until([&] { return rec.calls[2].load() == 1; }));
  EXPECT_EQ(rec.statuses[2], status::revoked);
}

TEST(BatchPipeline, AFullQueueAnswersOverloadedWithoutBlocking) {
  auto v = std::make_shared<const verifier>(asymmetric_set(), default_options());
  pipeline_options o = small_options();
  o.queue_capacity = 8;
  o.max_batch = 1;
  o.batch_deadline = 0ns;
  auto p = batch_pipeline::create(v, o);
  ASSERT_TRUE(p);
  std::atomic<std::uint32_t> gate{0};
  std::atomic<int> done{0};
  auto stall = [&](std::uint64_t, const verify_result&) noexcept {
    while (gate.load() == 0) futex_wait(gate, 0);
    done.fetch_add(1);
  };
  const std::string token = key_for(algorithm::EdDSA).mint(good_claims());
  int accepted = 0;
  status last = status::ok;
  for (int i = 0; i < 100 && last == status::ok; ++i) {
    last = p->submit(token, completion_for(stall), static_cast<std::uint64_t>(i));
    if (last == status::ok) ++accepted;
  }
  EXPECT_EQ(last, status::overloaded);
  EXPECT_EQ(accepted, 8);  // exactly the slots: every accepted token holds one until completed
  // submit_wait gives up at its timeout while the pipeline stays stalled...
  EXPECT_EQ(p->submit_wait(token, completion_for(stall), 99, 20ms), status::overloaded);
  // ...and succeeds once a slot frees up.
  std::thread release([&] {
    std::this_thread::sleep_for(20ms);
    gate.store(1);
    futex_wake(gate);
  });
  EXPECT_EQ(p->submit_wait(token, completion_for(stall), 100, 20s), status::ok);
  release.join();
  p->close();
  EXPECT_EQ(done.load(), accepted + 1);
  const pipeline_snapshot s = p->snapshot();
  EXPECT_EQ(s.refused_overloaded, 2u);
  EXPECT_EQ(s.results.total(), static_cast<std::uint64_t>(accepted + 1));
  EXPECT_EQ(s.in_flight, 0u);
}

TEST(BatchPipeline, CloseWhileProducersSubmitCompletesEveryAcceptedTokenOnce) {
  auto v = std::make_shared<const verifier>(union_set(), default_options());
  pipeline_options o = small_options();
  o.queue_capacity = 64;
  auto p = batch_pipeline::create(v, o);
  ASSERT_TRUE(p);
  const auto tokens = mixed_tokens();
  constexpr int kProducers = 4, kPerProducer = 4000;
  std::vector<std::atomic<int>> calls(kProducers * kPerProducer);
  std::atomic<int> accepted{0}, wrong{0};
  std::vector<status> expected;
  for (const auto& t : tokens) expected.push_back(v->verify(t).status());
  auto done = [&](std::uint64_t tag, const verify_result& r) noexcept {
    if (r.status() != expected[(tag % tokens.size())]) wrong.fetch_add(1);
    calls[tag].fetch_add(1);
  };
  std::atomic<int> started{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < kProducers; ++t) {
    producers.emplace_back([&, t] {
      started.fetch_add(1);
      for (int i = 0; i < kPerProducer; ++i) {
        const std::uint64_t tag = static_cast<std::uint64_t>(t * kPerProducer + i);
        for (;;) {
          const status s = p->submit(tokens[tag % tokens.size()], completion_for(done), tag);
          if (s == status::ok) {
            accepted.fetch_add(1);
            break;
          }
          if (s == status::shutting_down) return;
          ASSERT_EQ(s, status::overloaded);
          std::this_thread::yield();
        }
      }
    });
  }
  ASSERT_TRUE(wait_until([&] { return accepted.load() > 500; }));
  p->close();  // producers are still submitting
  // Every submit that starts from now on is refused (checked below, and each producer stops at
  // its first shutting_down); a producer may still be counting a submit that returned ok before.
  for (auto& t : producers) t.join();
  int completed = 0;
  for (auto& c : calls) {
    EXPECT_LE(c.load(), 1);
    completed += c.load();
  }
  EXPECT_EQ(completed, accepted.load());
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(p->snapshot().in_flight, 0u);
  EXPECT_EQ(p->submit(tokens[0], completion_for(done), 0), status::shutting_down);
  p.reset();  // the destructor after close(): nothing left to do, returns
}

TEST(BatchPipeline, DestructorDrainsLikeClose) {
  auto v = std::make_shared<const verifier>(asymmetric_set(), default_options());
  std::atomic<int> done{0};
  auto count = [&](std::uint64_t, const verify_result& r) noexcept {
    if (r.ok()) done.fetch_add(1);
  };
  const std::string token = key_for(algorithm::RS256).mint(good_claims());
  {
    auto p = batch_pipeline::create(v, small_options());
    ASSERT_TRUE(p);
    for (int i = 0; i < 200; ++i) ASSERT_EQ(p->submit(token, completion_for(count)), status::ok);
  }
  EXPECT_EQ(done.load(), 200);
}

TEST(BatchPipeline, CloseFromACompletionStopsIntakeWithoutDeadlock) {
  auto v = std::make_shared<const verifier>(asymmetric_set(), default_options());
  auto p = batch_pipeline::create(v, small_options());
  ASSERT_TRUE(p);
  std::atomic<int> done{0};
  batch_pipeline* raw = p.get();
  auto closer = [&](std::uint64_t, const verify_result&) noexcept {
    raw->close();
    done.fetch_add(1);
  };
  ASSERT_EQ(p->submit(key_for(algorithm::EdDSA).mint(good_claims()), completion_for(closer)),
            status::ok);
  ASSERT_TRUE(wait_until([&] { return done.load() == 1; }));
  EXPECT_TRUE(p->closed());
  EXPECT_EQ(p->submit("a.b.c", completion_for(closer)), status::shutting_down);
  p->close();
}

// Rotation and revocation while the pipeline is saturated (several producers, a small queue).
TEST(BatchPipeline, RotationAndRevocationUnderLoad) {
  // Tokens valid in both sets: RS256 and EdDSA keys are in both; ES256 only in |with_es|.
  auto with_es = set_of({algorithm::RS256, algorithm::EdDSA, algorithm::ES256});
  auto without_es = set_of({algorithm::EdDSA, algorithm::RS256});
  auto store = std::make_shared<key_store>(with_es);
  verifier_options vo = default_options();
  revocation_set revoked;
  vo.claims.revoked = &revoked;
  auto v = std::make_shared<const verifier>(store, vo);
  pipeline_options o = small_options();
  o.queue_capacity = 128;
  auto p = batch_pipeline::create(v, o);
  ASSERT_TRUE(p);
  const std::string both_a = key_for(algorithm::EdDSA).mint(good_claims("\"jti\":\"keep\""));
  const std::string both_b = key_for(algorithm::RS256).mint(good_claims());
  const std::string es_only = key_for(algorithm::ES256).mint(good_claims());
  const std::string victim = key_for(algorithm::EdDSA).mint(good_claims("\"jti\":\"victim\""));

  std::atomic<bool> stop{false};
  std::atomic<int> both_failed{0}, es_unexpected{0}, revoked_late{0}, completed{0};
  // Set by the test thread after revoke() returned: submissions after it must come back revoked.
  std::atomic<std::uint64_t> revoked_epoch{UINT64_MAX};
  std::atomic<std::uint64_t> clock{0};
  auto check = [&](std::uint64_t tag, const verify_result& r) noexcept {
    const std::uint64_t kind = tag & 3, when = tag >> 2;
    if (kind <= 1 && !r.ok()) both_failed.fetch_add(1);
    if (kind == 2 && !(r.ok() || r.status() == status::key_not_found)) es_unexpected.fetch_add(1);
    if (kind == 3 && when > revoked_epoch.load() && r.status() != status::revoked)
      revoked_late.fetch_add(1);
    if (kind == 3 && !(r.ok() || r.status() == status::revoked)) revoked_late.fetch_add(1);
    completed.fetch_add(1);
  };
  std::atomic<int> submitted{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < 3; ++t) {
    producers.emplace_back([&, t] {
      const std::string* tokens[] = {&both_a, &both_b, &es_only, &victim};
      for (std::uint64_t i = 0; !stop.load(); ++i) {
        const std::uint64_t kind = (i + t) & 3;
        const std::uint64_t tag = (clock.fetch_add(1) << 2) | kind;
        if (p->submit_wait(*tokens[kind], completion_for(check), tag, 10s) == status::ok)
          submitted.fetch_add(1);
      }
    });
  }
  for (int round = 0; round < 60; ++round) {
    store->publish(round % 2 ? with_es : without_es);
    if (round == 30) {
      revoked.add("victim", testing::kNow + 600);
      revoked_epoch.store(clock.load());  // every tag taken from now on was submitted later
    }
    std::this_thread::sleep_for(2ms);
  }
  stop = true;
  for (auto& t : producers) t.join();
  p->close();
  EXPECT_EQ(completed.load(), submitted.load());
  EXPECT_GT(submitted.load(), 100);  // the queue alone (128) fills at once
  EXPECT_EQ(both_failed.load(), 0);
  EXPECT_EQ(es_unexpected.load(), 0);
  EXPECT_EQ(revoked_late.load(), 0);
}

TEST(BatchPipeline, StressManyProducersMatchTheVerifier) {
  auto v = std::make_shared<const verifier>(union_set(), default_options());
  pipeline_options o = small_options();
  o.queue_capacity = 512;
  o.max_batch = 32;
  auto p = batch_pipeline::create(v, o);
  ASSERT_TRUE(p);
  const auto tokens = mixed_tokens();
  std::vector<status> expected;
  for (const auto& t : tokens) expected.push_back(v->verify(t).status());
  constexpr int kProducers = 4, kPerProducer = 3000;
  std::vector<std::atomic<int>> calls(kProducers * kPerProducer);
  std::atomic<int> wrong{0};
  auto done = [&](std::uint64_t tag, const verify_result& r) noexcept {
    if (r.status() != expected[tag % tokens.size()]) wrong.fetch_add(1);
    calls[tag].fetch_add(1);
  };
  std::vector<std::thread> producers;
  for (int t = 0; t < kProducers; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < kPerProducer; ++i) {
        const std::uint64_t tag = static_cast<std::uint64_t>(t * kPerProducer + i);
        ASSERT_EQ(p->submit_wait(tokens[tag % tokens.size()], completion_for(done), tag, 30s),
                  status::ok);
      }
    });
  }
  for (auto& t : producers) t.join();
  p->close();
  for (auto& c : calls) ASSERT_EQ(c.load(), 1);
  EXPECT_EQ(wrong.load(), 0);
  const pipeline_snapshot s = p->snapshot();
  EXPECT_EQ(s.results.total(), static_cast<std::uint64_t>(kProducers * kPerProducer));
  EXPECT_GT(s.batches, 0u);
  EXPECT_GT(s.duplicates, 0u);  // the table repeats: identical tokens met in a batch
}

TEST(BatchPipeline, AnIdlePipelineBurnsNoCpu) {
  auto v = std::make_shared<const verifier>(asymmetric_set(), default_options());
  auto p = batch_pipeline::create(v, small_options());
  ASSERT_TRUE(p);
  verify_ticket t;
  ASSERT_EQ(p->submit(key_for(algorithm::EdDSA).mint(good_claims()), t), status::ok);
  t.wait();
  std::this_thread::sleep_for(50ms);  // let TBB's workers park
  timespec a{}, b{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
  std::this_thread::sleep_for(500ms);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
  const double cpu =
      static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_nsec - a.tv_nsec) * 1e-9;
  // A spinning batcher or worker would burn ~0.5 s per thread here.
  EXPECT_LT(cpu, 0.1) << cpu;
}

TEST(BatchPipeline, RefusesBadOptions) {
  auto v = std::make_shared<const verifier>(asymmetric_set(), default_options());
  auto bad = [&](auto mutate) {
    pipeline_options o;
    mutate(o);
    std::string why;
    EXPECT_EQ(batch_pipeline::create(v, o, &why), nullptr);
    EXPECT_NE(why.find("pipeline option"), std::string::npos) << why;
    return why;
  };
  bad([](pipeline_options& o) { o.queue_capacity = 0; });
  bad([](pipeline_options& o) { o.max_batch = 0; });
  bad([](pipeline_options& o) { o.slot_bytes = 1; });
  bad([](pipeline_options& o) { o.batch_deadline = -1ns; });
  bad([](pipeline_options& o) { o.batch_deadline = 2s; });
  bad([](pipeline_options& o) { o.concurrency = 5000; });
  bad([](pipeline_options& o) { o.verify_batch_grain = 0; });
  bad([](pipeline_options& o) { o.large_slots = 1u << 20; });
  std::string why;
  EXPECT_EQ(batch_pipeline::create(nullptr, {}, &why), nullptr);
  verifier_options broken = default_options();
  broken.max_json_depth = 0;
  EXPECT_EQ(
      batch_pipeline::create(std::make_shared<const verifier>(asymmetric_set(), broken), {}, &why),
      nullptr);
  EXPECT_NE(why.find("max_json_depth"), std::string::npos) << why;
}

}  // namespace
}  // namespace jwtx
