// jwtx::batch_pipeline — the asynchronous engine a gateway calls from its own threads.
//
//   submit() ──copy token into a slot──► mpmc_ring ──► batcher thread ──► tbb::task_arena
//   (any thread, no lock, no allocation)    (bounded)   (64 tokens / 50 µs)  (one task per batch)
//
// Flow: submit() takes a free slot (a lock-free free list), copies the token into it and pushes
// the slot id onto a bounded MPMC ring (engine/runtime/mpmc_ring.h). One batcher thread pops ids
// and closes a batch at options.max_batch tokens or options.batch_deadline after the batch's first
// token, whichever comes first — or at once when the ring is empty and a worker is idle
// (options.dispatch_when_idle); it sleeps on a futex when the ring is empty (an idle pipeline
// burns no CPU). Each batch is split into up to `concurrency` tasks in the pipeline's own
// tbb::task_arena (so the first workers to free up share it), where a worker (1) answers the
// batch's cache hits first (verifier::verify_cached), (2) sorts the rest by their bytes, so
// identical tokens are adjacent and verified once, and tokens with the same header (same alg and
// kid, hence the same key) run back to back with the key state hot, (3) verifies each distinct
// token into its own per-worker verify_result and calls the completions.
//
// Contract
// - Accepted or not, at once: submit() returns status::ok when the token was accepted — its
//   completion will then be called exactly once, on a pipeline worker thread — or the reason it
//   was not (the completion is never called): overloaded (no free slot: the queue is full),
//   shutting_down (close() has begun), too_large (longer than the verifier's max_token_bytes;
//   verify() would answer the same). submit() never blocks, locks, allocates or throws;
//   submit_wait() waits up to a timeout for a free slot instead of answering overloaded.
// - Token bytes are copied: the caller's buffer may be reused as soon as submit() returns.
// - Completions run on arena workers while the worker holds its scratch result: they should be
//   short and must not throw (they are noexcept function pointers). The verify_result they get is
//   valid only during the call (copy what you need: claims, detail(), fingerprint()). A completion
//   may call submit(); it must not wait for the pipeline (close(), submit_wait(), a ticket's
//   wait()) — close() called from a completion only stops intake and returns.
// - Results equal verifier::verify's for the same token at the same moment: the pipeline adds no
//   rule and drops none. Key rotation and revocation apply per token (each verify reads the current
//   key and revocation snapshots), so a revocation that returned before a batch started is seen by
//   every token of that batch.
// - Shutdown: close() (and the destructor) stops intake (later submits: shutting_down), drains
//   every accepted token through verification, and returns after every completion has returned.
//   Idempotent; safe to race with submitters on other threads.
// - Threads: one batcher thread plus the arena's workers (options.concurrency, default every core).
//   TBB's worker pool leaves one core for a master thread by default, and this arena has no
//   master: create() therefore raises TBB's max_allowed_parallelism (a process-wide
//   tbb::global_control, kept for the rest of the process) to the largest concurrency + 1 any
//   pipeline asked for. An application's own global_control with a lower value wins (TBB takes
//   the smallest) and caps the pipeline. oneTBB terminates the process when the OS refuses it a
//   worker thread (RLIMIT_NPROC, address-space limits): size concurrency to what the process may
//   start (the jwtx CLI probes this before creating its pipeline).
//   The batcher thread is started in create(); failing to start it is reported (null + why).
// - Memory, all allocated in create(): queue_capacity × slot_bytes for ordinary tokens, plus
//   large_slots × max_token_bytes for tokens longer than slot_bytes, plus per-worker state (a
//   verify_result and four histograms of 36 KiB each). Nothing grows afterwards.
// - Instrumentation is per worker (one-writer histograms and counters, no shared counter on the
//   hot path) and merged when snapshot() is called.
#pragma once

#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/runtime/latency_histogram.h"
#include "engine/runtime/mpmc_ring.h"
#include "engine/status.h"
#include "engine/verifier.h"

namespace jwtx {

struct pipeline_options {
  // Worker threads in the arena; 0 = every core (tbb::info::default_concurrency()). In [0, 1024].
  std::size_t concurrency = 0;
  // Tokens accepted and not yet completed, at most (the slots of ordinary size). In [1, 2^20].
  std::size_t queue_capacity = 4096;
  // Bytes of an ordinary slot: tokens up to this size use one. In [64, 64 KiB]. A JWT in an HTTP
  // header is typically under 1.5 KiB.
  std::size_t slot_bytes = 2048;
  // Extra slots for tokens longer than slot_bytes (up to the verifier's max_token_bytes); when they
  // are all taken such a token gets overloaded. At most 1 GiB in total. 0: none.
  std::size_t large_slots = 16;
  // A batch closes at max_batch tokens (in [1, 4096]) or batch_deadline after its first token was
  // taken from the queue (in [0, 1 s]; 0 = never wait for more), whichever comes first.
  std::size_t max_batch = 64;
  std::chrono::nanoseconds batch_deadline = std::chrono::microseconds(50);
  // Also close a batch as soon as the queue is empty and a worker is idle: waiting for batch-mates
  // only pays while every worker is busy (at light load a token then starts at once; under load
  // batches still fill up to max_batch or the deadline). false: size or deadline only.
  bool dispatch_when_idle = true;
  // verify_batch(): tokens per parallel_for task (in [1, 65536]). Measured on two idle cores
  // (bench/pipeline_bench.cc BM_VerifyBatchGrain: RS256, ES256, EdDSA; batches of 64 to 4096;
  // grains 1 to 32): most differences are within the 2 % run-to-run noise, since a task costs
  // well under 1 µs next to 30 µs to 2 ms per asymmetric verify; 16 and 32 lose up to 8 % on
  // 64-token batches (too few tasks to balance two workers). 4 was best or within 1.5 % of the
  // best in 10 of 12 cells and at most 9 % behind (EdDSA, 256 tokens); it also cuts grain 1's
  // task overhead for cheap HS* tokens (about 2 µs each).
  std::size_t verify_batch_grain = 4;
};

// Checks every option's range (and the verifier's own options). ok, or options_invalid with one
// sentence in *why naming the option.
status validate_pipeline_options(const pipeline_options& o, const verifier_options& v,
                                 std::string* why = nullptr);

// Called once per accepted token, on a worker thread. |result| is valid only during the call.
using completion_fn = void (*)(void* context, std::uint64_t tag,
                               const verify_result& result) noexcept;

struct completion {
  completion_fn fn = nullptr;
  void* context = nullptr;
};

// Adapts any callable `void(std::uint64_t tag, const verify_result&) noexcept` held by reference
// (it must outlive every completion it is used for). No allocation.
template <class F>
completion completion_for(F& f) noexcept {
  return {[](void* c, std::uint64_t tag, const verify_result& r) noexcept {
            (*static_cast<F*>(c))(tag, r);
          },
          &f};
}

// A future-like handle for callers that prefer to wait: submit(token, ticket) fills it; wait()
// blocks (on a futex, no spinning, no mutex) until the token is done. Carries the outcome, not the
// claims (use a completion for those). Reusable once ready. Must outlive the request: the
// destructor waits for a pending one. One waiting thread at a time.
class verify_ticket {
 public:
  verify_ticket() = default;
  ~verify_ticket();
  verify_ticket(const verify_ticket&) = delete;
  verify_ticket& operator=(const verify_ticket&) = delete;

  bool ready() const noexcept { return state_.load(std::memory_order_acquire) == kDone; }
  // Blocks until ready; returns the status (a refusal such as overloaded is ready at once).
  jwtx::status wait() noexcept;
  // Waits at most |timeout|; std::nullopt if still pending.
  std::optional<jwtx::status> wait_for(std::chrono::nanoseconds timeout) noexcept;
  // Valid once ready.
  jwtx::status status() const noexcept { return status_; }
  bool from_cache() const noexcept { return from_cache_; }
  std::optional<algorithm> alg() const noexcept { return alg_; }

 private:
  friend class batch_pipeline;
  static constexpr std::uint32_t kPending = 0, kWaiting = 1, kDone = 2;
  void finish(const verify_result* r, jwtx::status s) noexcept;

  std::atomic<std::uint32_t> state_{kDone};
  jwtx::status status_ = jwtx::status::internal_error;
  bool from_cache_ = false;
  std::optional<algorithm> alg_;
};

// What snapshot() reads: totals since construction.
struct pipeline_snapshot {
  // Results delivered, by status (the async path and verify_batch together).
  status_snapshot results;
  // Tokens not accepted by submit(): overloaded, shutting_down, too_large.
  std::uint64_t refused_overloaded = 0;
  std::uint64_t refused_shutting_down = 0;
  std::uint64_t refused_too_large = 0;
  std::uint64_t batches = 0;
  std::uint64_t duplicates = 0;        // tokens answered by an identical token's verification
  std::uint64_t cache_first_hits = 0;  // tokens answered in the cache-first pass of a batch
  std::uint64_t in_flight = 0;         // accepted, completion not yet returned (approximate)
  latency_summary queue_wait_ns;       // submit -> its batch started
  latency_summary service_ns;          // one verification (a cache probe, or verify())
  latency_summary latency_ns;          // submit -> completion called
  latency_summary batch_size;          // tokens per batch (not nanoseconds)
};

class batch_pipeline {
 public:
  // Builds a pipeline around |v| (shared: the caller may keep verifying directly). Returns null
  // with *why set when validate_pipeline_options() refuses, or when memory or threads cannot be
  // had. Never throws.
  static std::unique_ptr<batch_pipeline> create(std::shared_ptr<const verifier> v,
                                                pipeline_options o = {},
                                                std::string* why = nullptr) noexcept;
  ~batch_pipeline();  // close()
  batch_pipeline(const batch_pipeline&) = delete;
  batch_pipeline& operator=(const batch_pipeline&) = delete;

  // See the contract above. |tag| is handed back to the completion unchanged.
  status submit(std::string_view token, completion done, std::uint64_t tag = 0) noexcept;
  // The ticket is reset to pending on acceptance, or made ready with the refusal.
  status submit(std::string_view token, verify_ticket& ticket) noexcept;
  // Like submit(), but waits up to |timeout| for a free slot instead of answering overloaded (on a
  // futex that workers signal when they free a slot; no spinning). Not from a completion.
  status submit_wait(std::string_view token, completion done, std::uint64_t tag,
                     std::chrono::nanoseconds timeout) noexcept;
  status submit_wait(std::string_view token, verify_ticket& ticket,
                     std::chrono::nanoseconds timeout) noexcept;

  // Verifies tokens[i] into results[i] on the arena (parallel_for, grain verify_batch_grain) and
  // returns when all are done. No batching delay, no dedup (each result is the caller's own).
  // Returns false, touching nothing, if results.size() < tokens.size(). Callable from any thread
  // (callers beyond the arena's free slots queue inside TBB), also after close().
  bool verify_batch(std::span<const std::string_view> tokens,
                    std::span<verify_result> results) noexcept;

  // Stops intake, drains, returns when every accepted token's completion has returned.
  void close() noexcept;
  bool closed() const noexcept { return closing_.load(std::memory_order_acquire); }

  // Merges every worker's counters and histograms. Any thread; allocates (the merged copies).
  pipeline_snapshot snapshot() const;
  // Same merge into caller-owned histograms (for exporters that want every bucket).
  void merge_histograms(latency_histogram* queue_wait, latency_histogram* service,
                        latency_histogram* latency, latency_histogram* batch_size) const noexcept;

  std::size_t concurrency() const noexcept { return concurrency_; }
  const pipeline_options& options() const noexcept { return options_; }
  const verifier& engine() const noexcept { return *verifier_; }

 private:
  struct slot;
  struct batch;
  struct worker;
  batch_pipeline(std::shared_ptr<const verifier> v, const pipeline_options& o,
                 std::size_t concurrency);

  static void finish_ticket(void* context, std::uint64_t tag, const verify_result& r) noexcept;
  status accept(std::string_view token, completion done, std::uint64_t tag) noexcept;
  void count_refusal(status s) noexcept;
  void batcher_loop() noexcept;
  bool all_slots_free() const noexcept;
  bool has_idle_worker() const noexcept;
  void dispatch(const std::uint32_t* ids, std::uint32_t n) noexcept;
  void run_batch(std::uint32_t batch_id) noexcept;
  void complete(worker& w, std::uint32_t slot_id, const verify_result& r,
                std::uint64_t now) noexcept;
  worker& current_worker() noexcept;
  void wake_batcher() noexcept;

  std::shared_ptr<const verifier> verifier_;
  const pipeline_options options_;
  const std::size_t concurrency_;
  const std::size_t max_token_bytes_;
  const std::uint32_t small_slots_;
  const std::uint32_t total_slots_;

  std::unique_ptr<slot[]> slots_;
  std::unique_ptr<char[]> small_bytes_;
  std::unique_ptr<char[]> large_bytes_;
  mpmc_ring<std::uint32_t> free_small_;
  mpmc_ring<std::uint32_t> free_large_;
  mpmc_ring<std::uint32_t> queue_;
  std::unique_ptr<batch[]> batches_;
  std::unique_ptr<std::uint32_t[]> batch_ids_;  // total_slots_ × max_batch slot ids
  mpmc_ring<std::uint32_t> free_batches_;
  std::unique_ptr<worker[]> workers_;

  // The batcher's sleep (eventcount): producers wake it only when it announced it sleeps, and
  // workers when it sleeps holding a partial batch (kSleepingWithBatch).
  static constexpr std::uint32_t kAwake = 0, kSleepingIdle = 1, kSleepingWithBatch = 2;
  alignas(kCacheLine) std::atomic<std::uint32_t> batcher_sleeping_{kAwake};
  alignas(kCacheLine) std::atomic<std::uint32_t> wake_seq_{0};
  // submit_wait(): sleepers announce themselves; workers wake them when they free a slot.
  alignas(kCacheLine) std::atomic<std::uint32_t> slot_waiters_{0};
  alignas(kCacheLine) std::atomic<std::uint32_t> slot_seq_{0};
  alignas(kCacheLine) std::atomic<bool> closing_{false};
  std::atomic<bool> closed_done_{false};
  std::atomic<std::uint32_t> close_started_{0};
  // Tasks dispatched and not finished: running_batches_ drops when a task is done with its
  // tokens (idle-worker detection), batches_in_flight_ is the task's very last touch (close()).
  alignas(kCacheLine) std::atomic<std::size_t> running_batches_{0};
  std::atomic<std::uint64_t> batches_in_flight_{0};
  // Refusals are counted from caller threads (not on the accept path): a few padded stripes.
  struct alignas(kCacheLine) refusal_stripe {
    std::atomic<std::uint64_t> overloaded{0}, shutting_down{0}, too_large{0};
  };
  static constexpr std::size_t kRefusalStripes = 8;
  std::unique_ptr<refusal_stripe[]> refusals_;

  tbb::task_arena arena_;
  std::thread batcher_;
};

}  // namespace jwtx
