// Heap allocations per verification, counted by interposing malloc and friends (this binary
// only: the interposer would fight the sanitizers' own allocators, so it is not built with them).
//
// Guarantee under test (engine/verifier.h): once a verify_result has seen a token of similar size,
// verify() allocates nothing, for HS*, ES* and EdDSA. BoringSSL's RSA verification allocates
// internally (BN_CTX, the padded block); that count is measured and bounded here so any increase
// — from jwtx or BoringSSL — is noticed.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <openssl/digest.h>
#include <openssl/nid.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <pthread.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/revocation/revocation.h"
#include "engine/runtime/batch_pipeline.h"
#include "engine/runtime/latency_histogram.h"
#include "engine/runtime/mpmc_ring.h"
#include "tests/test_support.h"

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {
thread_local bool t_counting = false;
// Counts on every thread (the pipeline's workers too), not only the one that set t_counting.
std::atomic<bool> g_counting_everywhere{false};
std::atomic<long> g_allocations{0};
std::atomic<long> g_mutex_locks{0};
inline bool counting() {
  return t_counting || g_counting_everywhere.load(std::memory_order_relaxed);
}
inline void note() {
  if (counting()) g_allocations.fetch_add(1, std::memory_order_relaxed);
}
template <class Fn>
Fn next_symbol(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}
}  // namespace

// Mutexes, counted the same way (the pipeline's submit path promises none): every
// pthread_mutex_* / pthread_rwlock_* lock call made through the PLT (std::mutex, TBB's and
// libstdc++'s locks) lands here first.
extern "C" {
int pthread_mutex_lock(pthread_mutex_t* m) {
  static auto next = next_symbol<int (*)(pthread_mutex_t*)>("pthread_mutex_lock");
  if (t_counting) g_mutex_locks.fetch_add(1, std::memory_order_relaxed);
  return next(m);
}
int pthread_mutex_trylock(pthread_mutex_t* m) {
  static auto next = next_symbol<int (*)(pthread_mutex_t*)>("pthread_mutex_trylock");
  if (t_counting) g_mutex_locks.fetch_add(1, std::memory_order_relaxed);
  return next(m);
}
int pthread_rwlock_rdlock(pthread_rwlock_t* l) {
  static auto next = next_symbol<int (*)(pthread_rwlock_t*)>("pthread_rwlock_rdlock");
  if (t_counting) g_mutex_locks.fetch_add(1, std::memory_order_relaxed);
  return next(l);
}
int pthread_rwlock_wrlock(pthread_rwlock_t* l) {
  static auto next = next_symbol<int (*)(pthread_rwlock_t*)>("pthread_rwlock_wrlock");
  if (t_counting) g_mutex_locks.fetch_add(1, std::memory_order_relaxed);
  return next(l);
}
}

extern "C" {
void* malloc(size_t n) {
  note();
  return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
  note();
  return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
  note();
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
void* memalign(size_t align, size_t n) {
  note();
  return __libc_memalign(align, n);
}
void* aligned_alloc(size_t align, size_t n) {
  note();
  return __libc_memalign(align, n);
}
int posix_memalign(void** out, size_t align, size_t n) {
  note();
  void* p = __libc_memalign(align, n);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
}

namespace jwtx {
namespace {

using testing::asymmetric_set;
using testing::default_options;
using testing::good_claims;
using testing::hmac_set;
using testing::key_for;

long allocations_per_verify(algorithm a, std::string_view claims) {
  auto set = required_key_type(a) == key_type::oct ? hmac_set() : asymmetric_set();
  verifier v(set, default_options());
  const std::string token = key_for(a).mint(claims);
  verify_result r;
  for (int i = 0; i < 200; ++i) v.verify(token, r);  // warm-up: buffers grow to size
  if (!r.ok()) return -1;
  constexpr int kRuns = 3000;
  g_allocations = 0;
  t_counting = true;
  for (int i = 0; i < kRuns; ++i) v.verify(token, r);
  t_counting = false;
  return g_allocations.load() / kRuns + (g_allocations.load() % kRuns != 0);
}

TEST(Allocation, InterposerCountsAllocations) {
  t_counting = true;
  g_allocations = 0;
  void* p = std::malloc(16);
  auto* q = new std::string(100, 'x');
  t_counting = false;
  std::free(p);
  delete q;
  EXPECT_GE(g_allocations.load(), 2);
}

// HMAC, ECDSA and Ed25519: nothing at all on a warm path.
TEST(Allocation, HmacEcdsaAndEd25519VerifyAllocateNothing) {
  for (algorithm a : {algorithm::HS256, algorithm::HS384, algorithm::HS512, algorithm::ES256,
                      algorithm::ES384, algorithm::ES512, algorithm::EdDSA}) {
    EXPECT_EQ(allocations_per_verify(a, good_claims(R"("scope":"a b c","roles":["x","y"])")), 0)
        << algorithm_name(a);
  }
}

TEST(Allocation, RejectedTokensAllocateNothing) {
  verifier v(asymmetric_set(), default_options());
  const std::string good = key_for(algorithm::ES256).mint(good_claims());
  std::string bad_sig = good.substr(0, good.rfind('.') + 1) + std::string(86, 'A');
  const std::string cases[] = {"a.b", "a.b.c.d.e", std::string(20000, 'x'), good + "=", bad_sig};
  verify_result r;
  for (int i = 0; i < 50; ++i)
    for (const auto& c : cases) v.verify(c, r);
  g_allocations = 0;
  t_counting = true;
  for (int i = 0; i < 1000; ++i)
    for (const auto& c : cases) v.verify(c, r);
  t_counting = false;
  EXPECT_EQ(g_allocations.load(), 0);
}

// RSA: jwtx adds nothing; BoringSSL's RSA_verify / RSA_verify_pss_mgf1 allocate 19-20 blocks
// per call, measured the same with Debian's android-libboringssl and with BoringSSL built from
// its source package (JWTX_BORINGSSL=source: RS 19, PS 20). The bound catches any growth.
TEST(Allocation, RsaAllocatesOnlyInsideBoringSsl) {
  for (algorithm a : {algorithm::RS256, algorithm::RS512, algorithm::PS256, algorithm::PS512}) {
    const long n = allocations_per_verify(a, good_claims());
    std::printf("[alloc] %s: %ld allocations per verify (inside BoringSSL)\n",
                std::string(algorithm_name(a)).c_str(), n);
    EXPECT_GE(n, 1) << algorithm_name(a);  // proves the interposer sees BoringSSL's mallocs
    EXPECT_LE(n, 20) << algorithm_name(a);
  }
}

// The raw BoringSSL call on the same input allocates exactly as often as jwtx's whole verify.
TEST(Allocation, RsaVerifyAllocatesNoMoreThanTheRawPrimitive) {
  auto set = asymmetric_set();
  for (algorithm a : {algorithm::RS256, algorithm::PS256}) {
    const std::string token = key_for(a).mint(good_claims());
    const std::size_t dot = token.rfind('.');
    std::string sig;
    ASSERT_TRUE(base64url::decode(token.substr(dot + 1), &sig));
    std::uint8_t digest[32];
    SHA256(reinterpret_cast<const std::uint8_t*>(token.data()), dot, digest);
    RSA* rsa = set->find(key_for(a).kid())->rsa();
    auto raw = [&] {
      const auto* s8 = reinterpret_cast<const std::uint8_t*>(sig.data());
      return a == algorithm::RS256 ? RSA_verify(NID_sha256, digest, 32, s8, sig.size(), rsa)
                                   : RSA_verify_pss_mgf1(rsa, digest, 32, EVP_sha256(),
                                                         EVP_sha256(), 32, s8, sig.size());
    };
    for (int i = 0; i < 50; ++i) ASSERT_EQ(raw(), 1);
    g_allocations = 0;
    t_counting = true;
    for (int i = 0; i < 1000; ++i) raw();
    t_counting = false;
    const long raw_per_call = g_allocations.load() / 1000;
    EXPECT_EQ(allocations_per_verify(a, good_claims()), raw_per_call) << algorithm_name(a);
  }
}

// revocation_set::contains (engine/revocation/revocation.h): after the calling thread's first RCU
// read, lookups of present and absent jtis, and of the empty set, allocate nothing.
TEST(Allocation, RevocationContainsAllocatesNothing) {
  revocation_set empty;
  revocation_set s;
  std::vector<revocation_entry> entries;
  for (int i = 0; i < 1000; ++i) entries.push_back({"revoked-" + std::to_string(i), 2e9});
  s.add_many(entries);
  const std::string present = "revoked-500", absent = "never-revoked";
  const std::string long_absent(4096, 'z');
  for (int i = 0; i < 100; ++i) s.contains(present), s.contains(absent), empty.contains(absent);
  int found = 0;
  g_allocations = 0;
  t_counting = true;
  for (int i = 0; i < 10000; ++i) {
    found += s.contains(present);
    found += s.contains(absent);
    found += s.contains(long_absent);
    found += empty.contains(present);
  }
  t_counting = false;
  EXPECT_EQ(g_allocations.load(), 0);
  EXPECT_EQ(found, 10000);
}

// engine/runtime/mpmc_ring.h: once constructed, pushes (including refused ones on a full ring)
// and pops allocate nothing — the guarantee the pipeline's submit path relies on.
TEST(Allocation, MpmcRingPushPopAllocateNothing) {
  struct slot {
    const char* token;
    std::size_t size;
    std::uint64_t id;
  };
  static_assert(std::is_trivially_copyable_v<slot>);
  mpmc_ring<slot> ring(64);
  slot out{};
  std::size_t pushed = 0, refused = 0, popped = 0;
  g_allocations = 0;
  t_counting = true;
  for (std::uint64_t i = 0; i < 10000; ++i) {
    for (int k = 0; k < 70; ++k) (ring.try_push(slot{"t", 1, i}) ? pushed : refused)++;
    while (ring.try_pop(out)) ++popped;
  }
  t_counting = false;
  EXPECT_EQ(g_allocations.load(), 0);
  EXPECT_EQ(pushed, 10000u * 64);
  EXPECT_EQ(refused, 10000u * 6);
  EXPECT_EQ(popped, pushed);
}

// Cache hits (engine/verifier.h): no allocation for any algorithm — RS256 too, which allocates
// inside BoringSSL on every real verification, so zero here also shows that no crypto ran — and
// none for a hit whose jti is revoked.
TEST(Allocation, CacheHitsAllocateNothing) {
  revocation_set revoked;
  revoked.add("revoked-jti", 2e9);
  verifier_options o = default_options();
  o.cache_entries = 1024;
  o.claims.revoked = &revoked;
  verifier v(asymmetric_set(), o);
  const std::string tokens[] = {
      key_for(algorithm::RS256).mint(good_claims(R"("jti":"a","scope":"x y")")),
      key_for(algorithm::ES256).mint(good_claims(R"("jti":"b")")),
      key_for(algorithm::EdDSA).mint(good_claims()),
  };
  const std::string revoked_token = key_for(algorithm::RS256).mint(good_claims(R"("jti":"c")"));
  verify_result r;
  for (int i = 0; i < 50; ++i)
    for (const auto& t : tokens) v.verify(t, r);
  v.verify(revoked_token, r);
  ASSERT_TRUE(r.ok());
  revoked.add("c", 2e9);
  v.verify(revoked_token, r);
  int hits = 0, revoked_hits = 0;
  g_allocations = 0;
  t_counting = true;
  for (int i = 0; i < 1000; ++i) {
    for (const auto& t : tokens) {
      v.verify(t, r);
      hits += r.ok() && r.from_cache();
    }
    v.verify(revoked_token, r);
    revoked_hits += r.status() == status::revoked && r.from_cache();
  }
  t_counting = false;
  EXPECT_EQ(g_allocations.load(), 0);
  EXPECT_EQ(hits, 3000);
  EXPECT_EQ(revoked_hits, 1000);
}

// The pipeline records every token's latencies and status on its worker: after construction,
// record(), add(), merge_from() and the read side allocate nothing.
TEST(Allocation, LatencyHistogramAndStatusCountersAllocateNothing) {
  latency_histogram h, merged;
  status_counters c, c_merged;
  std::uint64_t sink = 0;
  g_allocations = 0;
  t_counting = true;
  for (std::uint64_t i = 0; i < 100000; ++i) {
    h.record(i * 7919);
    c.add(static_cast<status>(i % kStatusCount));
  }
  h.record(UINT64_MAX);  // the overflow path too
  merged.merge_from(h);
  c_merged.merge_from(c);
  const latency_summary s = summarize(merged);
  sink += s.p999 + c_merged.snapshot().total();
  merged.reset();
  t_counting = false;
  EXPECT_EQ(g_allocations.load(), 0);
  EXPECT_GT(sink, 0u);
}

}  // namespace
}  // namespace jwtx

namespace jwtx {
namespace {

// engine/runtime/batch_pipeline.h: submit() takes no mutex and allocates nothing (the token is
// copied into a preallocated slot, the slot id goes through the ring), whether it accepts or
// refuses (overloaded, too_large, shutting_down). Counted on the submitting thread only.
TEST(Allocation, PipelineSubmitAllocatesNothingAndLocksNoMutex) {
  auto v = std::make_shared<const verifier>(asymmetric_set(), default_options());
  pipeline_options o;
  o.concurrency = 2;
  o.queue_capacity = 1024;
  auto p = batch_pipeline::create(v, o);
  ASSERT_TRUE(p);
  const std::string tokens[] = {key_for(algorithm::EdDSA).mint(good_claims()),
                                key_for(algorithm::ES256).mint(good_claims()), "a.b.c",
                                std::string(4000, 'x')};  // the last one takes a large slot
  std::atomic<long> done{0};
  auto count = [&](std::uint64_t, const verify_result&) noexcept { done.fetch_add(1); };
  long accepted = 0;
  for (int i = 0; i < 50; ++i)  // warm-up (TBB's first tasks, the workers' scratch)
    for (const auto& t : tokens) accepted += p->submit(t, completion_for(count)) == status::ok;
  while (done.load() != accepted) std::this_thread::yield();

  const std::string huge(v->options().max_token_bytes + 1, 'x');
  g_allocations = 0;
  g_mutex_locks = 0;
  t_counting = true;
  long counted_accepted = 0, refused = 0;
  for (int i = 0; i < 500; ++i) {
    for (const auto& t : tokens) {
      const status s = p->submit(t, completion_for(count));
      (s == status::ok ? counted_accepted : refused)++;
    }
  }
  accepted += counted_accepted;
  const status too_large = p->submit(huge, completion_for(count));
  t_counting = false;
  EXPECT_EQ(too_large, status::too_large);
  EXPECT_EQ(g_allocations.load(), 0);
  EXPECT_EQ(g_mutex_locks.load(), 0);
  EXPECT_GT(counted_accepted, 500);
  p->close();
  EXPECT_EQ(done.load(), accepted);
  // After close(): refused with shutting_down, still without allocating or locking.
  t_counting = true;
  const status after = p->submit(tokens[0], completion_for(count));
  t_counting = false;
  EXPECT_EQ(after, status::shutting_down);
  EXPECT_EQ(g_allocations.load(), 0);
  EXPECT_EQ(g_mutex_locks.load(), 0);
  std::cout << "counted submits: " << counted_accepted << " accepted, " << refused
            << " refused (queue full)\n";
}

// The whole path, all threads: a warm pipeline (submit, batcher, TBB's task per batch — TBB
// recycles task memory —, verification, completion) allocates nothing for ES256/EdDSA.
TEST(Allocation, WarmPipelineAllocatesNothingOnAnyThread) {
  auto v = std::make_shared<const verifier>(asymmetric_set(), default_options());
  pipeline_options o;
  o.concurrency = 2;
  auto p = batch_pipeline::create(v, o);
  ASSERT_TRUE(p);
  const std::string tokens[] = {key_for(algorithm::EdDSA).mint(good_claims()),
                                key_for(algorithm::ES256).mint(good_claims())};
  std::atomic<long> done{0};
  auto count = [&](std::uint64_t, const verify_result&) noexcept { done.fetch_add(1); };
  auto run = [&](int n) {
    const long target = done.load() + n;
    for (int i = 0; i < n; ++i)
      p->submit_wait(tokens[i % 2], completion_for(count), 0, std::chrono::seconds(10));
    while (done.load() != target) std::this_thread::yield();
  };
  run(2000);
  const std::uint64_t batches_before = p->snapshot().batches;
  g_allocations = 0;
  g_counting_everywhere = true;
  run(2000);
  g_counting_everywhere = false;
  const std::uint64_t batches = p->snapshot().batches - batches_before;
  std::cout << "2000 tokens, " << batches << " batches, " << g_allocations.load()
            << " allocations on all threads\n";
  EXPECT_GT(batches, 0u);
  EXPECT_EQ(g_allocations.load(), 0);
}

TEST(Allocation, InterposerCountsMutexLocks) {
  std::mutex m;
  g_mutex_locks = 0;
  t_counting = true;
  m.lock();
  m.unlock();
  t_counting = false;
  EXPECT_EQ(g_mutex_locks.load(), 1);
}

}  // namespace
}  // namespace jwtx
