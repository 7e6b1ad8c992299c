#include "engine/runtime/batch_pipeline.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <mutex>
#include <new>
#include <sstream>

#include "engine/runtime/fence.h"
#include "engine/runtime/futex.h"

// ThreadSanitizer builds compile this file uninstrumented (CMakeLists.txt); these annotations
// then tell TSan about the hand-overs between the threads the pipeline connects, which run through
// the ring and TBB where it cannot see. Each HANDOFF_RELEASE(x) happens-before the
// HANDOFF_ACQUIRE(x) that follows it. No-ops otherwise.
#ifdef JWTX_TSAN_HANDOFF
#include <sanitizer/tsan_interface.h>
#define HANDOFF_RELEASE(p) __tsan_release(const_cast<void*>(static_cast<const void*>(p)))
#define HANDOFF_ACQUIRE(p) __tsan_acquire(const_cast<void*>(static_cast<const void*>(p)))
#else
#define HANDOFF_RELEASE(p) static_cast<void>(0)
#define HANDOFF_ACQUIRE(p) static_cast<void>(0)
#endif

namespace jwtx {

namespace {

std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

// The one-writer increment (see latency_histogram.h): relaxed load + store, no locked RMW.
void bump(std::atomic<std::uint64_t>& a, std::uint64_t by = 1) noexcept {
  a.store(a.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

// Non-null while this thread runs a completion of some pipeline: waiting for that pipeline from
// there would wait for itself.
thread_local const void* tls_in_completion = nullptr;

// Pushes onto a ring that cannot be logically full (it has room for every id): a false answer
// only means a consumer of the previous lap was preempted mid-pop (mpmc_ring.h), so retry.
void push_id(mpmc_ring<std::uint32_t>& ring, std::uint32_t id) noexcept {
  while (!ring.try_push(id)) std::this_thread::yield();
}

constexpr std::size_t kMaxLargeBytes = std::size_t{1} << 30;

// Raises TBB's worker pool to at least |workers| threads for the rest of the process (see the
// header). Only on create(), never on a hot path: a mutex is fine here.
void ensure_tbb_workers(std::size_t workers) {
  static std::mutex m;
  static std::unique_ptr<tbb::global_control> control;
  static std::size_t current = 0;
  std::lock_guard<std::mutex> lock(m);
  if (workers <= current) return;
  // The new control first: while both exist TBB applies the smaller (the old) value.
  auto next =
      std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, workers);
  control = std::move(next);
  current = workers;
}

}  // namespace

// --- options ------------------------------------------------------------------------------------

status validate_pipeline_options(const pipeline_options& o, const verifier_options& v,
                                 std::string* why) {
  if (status s = validate_options(v, why); s != status::ok) return s;
  auto refuse = [&](const char* name, std::uint64_t value, std::uint64_t lo, std::uint64_t hi) {
    if (why) {
      std::ostringstream m;
      m << "pipeline option " << name << " is " << value << ", not in [" << lo << ", " << hi << "]";
      *why = m.str();
    }
    return status::options_invalid;
  };
  if (o.concurrency > 1024) return refuse("concurrency", o.concurrency, 0, 1024);
  if (o.queue_capacity < 1 || o.queue_capacity > (std::size_t{1} << 20))
    return refuse("queue_capacity", o.queue_capacity, 1, std::size_t{1} << 20);
  if (o.slot_bytes < 64 || o.slot_bytes > 64 * 1024)
    return refuse("slot_bytes", o.slot_bytes, 64, 64 * 1024);
  if (o.max_batch < 1 || o.max_batch > 4096) return refuse("max_batch", o.max_batch, 1, 4096);
  if (o.batch_deadline.count() < 0 || o.batch_deadline > std::chrono::seconds(1))
    return refuse("batch_deadline (ns)", static_cast<std::uint64_t>(o.batch_deadline.count()), 0,
                  1'000'000'000);
  if (o.verify_batch_grain < 1 || o.verify_batch_grain > 65536)
    return refuse("verify_batch_grain", o.verify_batch_grain, 1, 65536);
  const std::size_t max_large = kMaxLargeBytes / std::max<std::size_t>(v.max_token_bytes, 1);
  if (o.large_slots > max_large) return refuse("large_slots", o.large_slots, 0, max_large);
  return status::ok;
}

// --- ticket -------------------------------------------------------------------------------------

verify_ticket::~verify_ticket() {
  if (state_.load(std::memory_order_acquire) != kDone) wait();
}

void verify_ticket::finish(const verify_result* r, jwtx::status s) noexcept {
  status_ = s;
  from_cache_ = r != nullptr && r->from_cache();
  alg_ = r != nullptr ? r->alg() : std::nullopt;
  if (state_.exchange(kDone, std::memory_order_acq_rel) == kWaiting) futex_wake(state_);
}

jwtx::status verify_ticket::wait() noexcept {
  for (;;) {
    std::uint32_t s = state_.load(std::memory_order_acquire);
    if (s == kDone) return status_;
    if (s == kPending && !state_.compare_exchange_weak(s, kWaiting, std::memory_order_acq_rel))
      continue;
    futex_wait(state_, kWaiting);
  }
}

std::optional<jwtx::status> verify_ticket::wait_for(std::chrono::nanoseconds timeout) noexcept {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::uint32_t s = state_.load(std::memory_order_acquire);
    if (s == kDone) return status_;
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::nanoseconds::zero()) return std::nullopt;
    if (s == kPending && !state_.compare_exchange_weak(s, kWaiting, std::memory_order_acq_rel))
      continue;
    futex_wait(state_, kWaiting, left);
  }
}

void batch_pipeline::finish_ticket(void* context, std::uint64_t, const verify_result& r) noexcept {
  static_cast<verify_ticket*>(context)->finish(&r, r.status());
}

// --- state --------------------------------------------------------------------------------------

// One cache line per slot: a submitter filling slot i and a worker completing slot i + 1 never
// write the same line.
struct alignas(kCacheLine) batch_pipeline::slot {
  char* bytes = nullptr;
  std::uint32_t length = 0;
  completion done;
  std::uint64_t tag = 0;
  std::uint64_t submitted_ns = 0;
  // 1 from the moment a submitter took the slot until its completion returned: close() scans these
  // to know that every accepted token is done (see all_slots_free()).
  std::atomic<std::uint32_t> busy{0};
  std::string_view token() const noexcept { return {bytes, length}; }
};

struct batch_pipeline::batch {
  // Stored with release by the batcher after the ids, loaded with acquire by the worker: the
  // happens-before edge for the batch's contents does not rest on TBB's internals alone (which
  // ThreadSanitizer cannot see into).
  std::atomic<std::uint32_t> count{0};
};

// Everything one arena slot writes on the hot path, on its own cache lines.
struct alignas(kCacheLine) batch_pipeline::worker {
  verify_result scratch;
  latency_histogram queue_wait, service, latency, batch_size;
  status_counters statuses;
  std::atomic<std::uint64_t> batches{0}, duplicates{0}, cache_first_hits{0};
  std::vector<std::uint32_t> order;  // reserved to max_batch: sorting allocates nothing
  // 1 while a task runs on this arena slot. Several OS threads may hold the same slot index over
  // time; the acquire/release pair orders their use of |scratch| (and checks the one-writer rule).
  std::atomic<std::uint32_t> in_use{0};
};

std::unique_ptr<batch_pipeline> batch_pipeline::create(std::shared_ptr<const verifier> v,
                                                       pipeline_options o,
                                                       std::string* why) noexcept {
  if (!v) {
    if (why) *why = "no verifier";
    return nullptr;
  }
  if (validate_pipeline_options(o, v->options(), why) != status::ok) return nullptr;
  try {
    const std::size_t n =
        o.concurrency != 0
            ? o.concurrency
            : static_cast<std::size_t>(std::max(1, tbb::info::default_concurrency()));
    ensure_tbb_workers(n + 1);
    return std::unique_ptr<batch_pipeline>(new batch_pipeline(std::move(v), o, n));
  } catch (const std::exception& e) {
    if (why) *why = std::string("cannot start the pipeline: ") + e.what();
    return nullptr;
  }
}

batch_pipeline::batch_pipeline(std::shared_ptr<const verifier> v, const pipeline_options& o,
                               std::size_t concurrency)
    : verifier_(std::move(v)),
      options_(o),
      concurrency_(concurrency),
      max_token_bytes_(verifier_->options().max_token_bytes),
      small_slots_(static_cast<std::uint32_t>(o.queue_capacity)),
      total_slots_(static_cast<std::uint32_t>(
          o.queue_capacity + (o.slot_bytes >= max_token_bytes_ ? 0 : o.large_slots))),
      slots_(new slot[total_slots_]),
      small_bytes_(new char[small_slots_ * std::min(o.slot_bytes, max_token_bytes_)]),
      large_bytes_(new char[(total_slots_ - small_slots_) * max_token_bytes_ + 1]),
      free_small_(small_slots_),
      free_large_(std::max<std::size_t>(total_slots_ - small_slots_, 1)),
      queue_(total_slots_),
      batches_(new batch[total_slots_]),
      batch_ids_(new std::uint32_t[std::size_t{total_slots_} * o.max_batch]),
      free_batches_(total_slots_),
      workers_(new worker[concurrency]),
      refusals_(new refusal_stripe[kRefusalStripes]),
      arena_(static_cast<int>(concurrency), 0) {
  const std::size_t small_bytes = std::min(o.slot_bytes, max_token_bytes_);
  for (std::uint32_t i = 0; i < total_slots_; ++i) {
    slots_[i].bytes = i < small_slots_
                          ? small_bytes_.get() + std::size_t{i} * small_bytes
                          : large_bytes_.get() + std::size_t{i - small_slots_} * max_token_bytes_;
    push_id(i < small_slots_ ? free_small_ : free_large_, i);
    push_id(free_batches_, i);
  }
  for (std::size_t i = 0; i < concurrency; ++i) workers_[i].order.reserve(o.max_batch);
  arena_.initialize();
  batcher_ = std::thread([this] { batcher_loop(); });
}

batch_pipeline::~batch_pipeline() { close(); }

// --- submit: any thread, no lock, no allocation ------------------------------------------------

void batch_pipeline::count_refusal(status s) noexcept {
  // Refusals are rare (overload, shutdown) and come from any thread: a striped counter.
  const std::size_t stripe =
      std::hash<std::thread::id>{}(std::this_thread::get_id()) % kRefusalStripes;
  refusal_stripe& r = refusals_[stripe];
  auto& counter = s == status::overloaded      ? r.overloaded
                  : s == status::shutting_down ? r.shutting_down
                                               : r.too_large;
  counter.fetch_add(1, std::memory_order_relaxed);
}

status batch_pipeline::accept(std::string_view token, completion done, std::uint64_t tag) noexcept {
  if (closing_.load(std::memory_order_acquire)) return status::shutting_down;
  if (token.size() > max_token_bytes_) return status::too_large;
  const bool small = token.size() <= options_.slot_bytes;
  std::uint32_t id = 0;
  if (!(small ? free_small_ : free_large_).try_pop(id)) return status::overloaded;
  slot& s = slots_[id];
  HANDOFF_ACQUIRE(&s);  // the previous user of the slot is done with it
  s.busy.store(1, std::memory_order_relaxed);
  // Pairs with close(): it stores closing_, fences, then scans the busy flags. Either this load
  // sees closing_ (the slot goes back unused), or close()'s scan sees busy == 1 and waits for it.
  store_load_fence();
  if (closing_.load(std::memory_order_relaxed)) {
    s.busy.store(0, std::memory_order_relaxed);
    push_id(small ? free_small_ : free_large_, id);
    return status::shutting_down;
  }
  std::memcpy(s.bytes, token.data(), token.size());
  s.length = static_cast<std::uint32_t>(token.size());
  s.done = done;
  s.tag = tag;
  s.submitted_ns = now_ns();
  HANDOFF_RELEASE(&s);  // the token and whatever the caller did before submit
  push_id(queue_, id);  // the ring has room for every slot: never logically full
  // Pairs with the batcher's announce-then-recheck (batcher_loop): either it sees the item, or
  // this load sees it asleep and wakes it.
  store_load_fence();
  if (batcher_sleeping_.load(std::memory_order_relaxed) != 0) wake_batcher();
  return status::ok;
}

void batch_pipeline::wake_batcher() noexcept {
  wake_seq_.fetch_add(1, std::memory_order_release);
  futex_wake(wake_seq_, 1);
}

status batch_pipeline::submit(std::string_view token, completion done, std::uint64_t tag) noexcept {
  const status s = accept(token, done, tag);
  if (s != status::ok) count_refusal(s);
  return s;
}

status batch_pipeline::submit(std::string_view token, verify_ticket& ticket) noexcept {
  ticket.state_.store(verify_ticket::kPending, std::memory_order_relaxed);
  const status s = submit(token, completion{&finish_ticket, &ticket}, 0);
  if (s != status::ok) ticket.finish(nullptr, s);
  return s;
}

status batch_pipeline::submit_wait(std::string_view token, completion done, std::uint64_t tag,
                                   std::chrono::nanoseconds timeout) noexcept {
  status s = accept(token, done, tag);
  if (s != status::overloaded || tls_in_completion == this) {
    if (s != status::ok) count_refusal(s);
    return s;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  slot_waiters_.fetch_add(1, std::memory_order_seq_cst);
  for (;;) {
    const std::uint32_t seen = slot_seq_.load(std::memory_order_acquire);
    s = accept(token, done, tag);
    if (s != status::overloaded) break;
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::nanoseconds::zero()) break;
    futex_wait(slot_seq_, seen, left);
  }
  slot_waiters_.fetch_sub(1, std::memory_order_relaxed);
  if (s != status::ok) count_refusal(s);
  return s;
}

status batch_pipeline::submit_wait(std::string_view token, verify_ticket& ticket,
                                   std::chrono::nanoseconds timeout) noexcept {
  ticket.state_.store(verify_ticket::kPending, std::memory_order_relaxed);
  const status s = submit_wait(token, completion{&finish_ticket, &ticket}, 0, timeout);
  if (s != status::ok) ticket.finish(nullptr, s);
  return s;
}

// --- the batcher --------------------------------------------------------------------------------

bool batch_pipeline::all_slots_free() const noexcept {
  for (std::uint32_t i = 0; i < total_slots_; ++i)
    if (slots_[i].busy.load(std::memory_order_acquire) != 0) return false;
  return true;
}

void batch_pipeline::batcher_loop() noexcept {
  // A 50 µs deadline needs a timer that fires near 50 µs: Linux's default slack is 50 µs.
  ::prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  const std::uint64_t deadline_ns = static_cast<std::uint64_t>(options_.batch_deadline.count());
  std::vector<std::uint32_t> staged(options_.max_batch);  // the batch being collected
  for (;;) {
    std::uint32_t n = 0;
    std::uint64_t first_ns = 0;
    for (;;) {
      std::uint32_t id = 0;
      if (queue_.try_pop(id)) {
        if (n == 0) first_ns = now_ns();
        staged[n++] = id;
        if (n == options_.max_batch) break;
        continue;
      }
      std::chrono::nanoseconds wait(-1);  // no limit: idle until woken
      std::uint32_t mode = kSleepingIdle;
      if (n > 0) {
        // Nothing more queued: waiting for batch-mates only pays while every worker is busy.
        if (options_.dispatch_when_idle && has_idle_worker()) break;
        const std::uint64_t waited = now_ns() - first_ns;
        if (waited >= deadline_ns) break;
        wait = std::chrono::nanoseconds(deadline_ns - waited);
        mode = kSleepingWithBatch;  // a worker that goes idle wakes us (run_batch)
      } else if (closing_.load(std::memory_order_acquire)) {
        // Draining: done once every accepted token completed (a submitter that raced close() has
        // either seen closing_ or is visible here as busy).
        store_load_fence();
        if (all_slots_free()) return;
        wait = std::chrono::microseconds(200);  // outstanding tokens are completing
      }
      // Announce the sleep, then look again (pairs with accept()'s and run_batch()'s fences).
      const std::uint32_t seq = wake_seq_.load(std::memory_order_acquire);
      batcher_sleeping_.store(mode, std::memory_order_relaxed);
      store_load_fence();
      if (mode == kSleepingWithBatch && options_.dispatch_when_idle && has_idle_worker()) {
        batcher_sleeping_.store(kAwake, std::memory_order_relaxed);
        break;  // a worker finished meanwhile
      }
      if (queue_.try_pop(id)) {
        batcher_sleeping_.store(kAwake, std::memory_order_relaxed);
        if (n == 0) first_ns = now_ns();
        staged[n++] = id;
        if (n == options_.max_batch) break;
        continue;
      }
      futex_wait(wake_seq_, seq, wait);
      batcher_sleeping_.store(kAwake, std::memory_order_relaxed);
    }
    dispatch(staged.data(), n);
  }
}

bool batch_pipeline::has_idle_worker() const noexcept {
  return running_batches_.load(std::memory_order_acquire) < concurrency_;
}

void batch_pipeline::dispatch(const std::uint32_t* ids, std::uint32_t n) noexcept {
  // Split over up to `concurrency` tasks, so that a batch closed while the workers were busy is
  // shared by the first workers to free up instead of running end to end on one of them.
  const std::uint32_t parts = static_cast<std::uint32_t>(std::min<std::size_t>(n, concurrency_));
  std::uint32_t begin = 0;
  for (std::uint32_t k = 0; k < parts; ++k) {
    const std::uint32_t end = static_cast<std::uint32_t>(std::uint64_t{n} * (k + 1) / parts);
    std::uint32_t batch_id = 0;
    // A batch holds at least one accepted slot and there is a batch per slot, so one is free
    // unless a worker was preempted mid-push: retry.
    while (!free_batches_.try_pop(batch_id)) std::this_thread::yield();
    HANDOFF_ACQUIRE(&batches_[batch_id]);  // its previous worker is done with its ids
    std::copy(ids + begin, ids + end,
              batch_ids_.get() + std::size_t{batch_id} * options_.max_batch);
    batches_[batch_id].count.store(end - begin, std::memory_order_release);
    HANDOFF_RELEASE(&batches_[batch_id]);
    begin = end;
    running_batches_.fetch_add(1, std::memory_order_relaxed);
    batches_in_flight_.fetch_add(1, std::memory_order_relaxed);
    try {
      arena_.enqueue([this, batch_id] { run_batch(batch_id); });
    } catch (...) {
      // TBB could not allocate the task: run the batch here rather than lose it.
      run_batch(batch_id);
    }
  }
}

// --- a batch, on an arena worker ----------------------------------------------------------------

batch_pipeline::worker& batch_pipeline::current_worker() noexcept {
  const int i = tbb::this_task_arena::current_thread_index();
  // Always within [0, concurrency) inside this arena; the clamp only guards misuse.
  return workers_[i >= 0 && static_cast<std::size_t>(i) < concurrency_ ? i : 0];
}

void batch_pipeline::complete(worker& w, std::uint32_t slot_id, const verify_result& r,
                              std::uint64_t now) noexcept {
  slot& s = slots_[slot_id];
  w.latency.record(now - s.submitted_ns);
  const void* outer = tls_in_completion;
  tls_in_completion = this;
  s.done.fn(s.done.context, s.tag, r);
  tls_in_completion = outer;
  // Counted once the completion returned: a snapshot's per-status total never runs ahead of the
  // completions it counts.
  w.statuses.add(r.status());
  HANDOFF_RELEASE(&s);
  s.busy.store(0, std::memory_order_release);
  push_id(slot_id < small_slots_ ? free_small_ : free_large_, slot_id);
}

void batch_pipeline::run_batch(std::uint32_t batch_id) noexcept {
  worker& w = current_worker();
  // One task per arena slot at a time: a batch task never waits inside (no nested parallelism),
  // so the slot's thread cannot start another batch until this one returns.
  [[maybe_unused]] const std::uint32_t was = w.in_use.exchange(1, std::memory_order_acquire);
  const std::uint32_t n = batches_[batch_id].count.load(std::memory_order_acquire);
  HANDOFF_ACQUIRE(&batches_[batch_id]);
  std::uint32_t* ids = batch_ids_.get() + std::size_t{batch_id} * options_.max_batch;
  HANDOFF_ACQUIRE(&w);  // the slot's previous thread is done with w.scratch
  for (std::uint32_t i = 0; i < n; ++i) HANDOFF_ACQUIRE(&slots_[ids[i]]);
  const std::uint64_t start = now_ns();
  bump(w.batches);
  w.batch_size.record(n);
  for (std::uint32_t i = 0; i < n; ++i) w.queue_wait.record(start - slots_[ids[i]].submitted_ns);

  // 1. Cache hits first: they cost a hash and a lookup, and should not wait behind crypto.
  std::vector<std::uint32_t>& order = w.order;
  order.clear();
  const verifier& v = *verifier_;
  if (v.cache() != nullptr) {
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::uint64_t t0 = now_ns();
      if (v.verify_cached(slots_[ids[i]].token(), w.scratch)) {
        const std::uint64_t t1 = now_ns();
        w.service.record(t1 - t0);
        bump(w.cache_first_hits);
        complete(w, ids[i], w.scratch, t1);
      } else {
        order.push_back(ids[i]);  // capacity max_batch: never allocates
      }
    }
  } else {
    order.assign(ids, ids + n);
  }

  // 2. Sort by bytes: identical tokens become neighbours (verified once), and tokens sharing a
  //    header (alg, kid: the same key) run back to back.
  if (order.size() > 1) {
    std::sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) {
      return slots_[a].token() < slots_[b].token();
    });
  }

  // 3. Verify each distinct token once; complete every copy with the same result.
  for (std::size_t i = 0; i < order.size();) {
    const std::string_view token = slots_[order[i]].token();
    std::size_t j = i + 1;
    while (j < order.size() && slots_[order[j]].token() == token) ++j;
    const std::uint64_t t0 = now_ns();
    // Cache misses were established in pass 1: no second lookup.
    if (v.cache() != nullptr) {
      v.verify_after_miss(token, w.scratch);
    } else {
      v.verify(token, w.scratch);
    }
    const std::uint64_t t1 = now_ns();
    w.service.record(t1 - t0);
    if (j - i > 1) bump(w.duplicates, j - i - 1);
    for (std::size_t k = i; k < j; ++k) complete(w, order[k], w.scratch, t1);
    i = j;
  }

  HANDOFF_RELEASE(&w);
  HANDOFF_RELEASE(&batches_in_flight_);  // close() acquires: completions happen-before it returns
  w.in_use.store(0, std::memory_order_release);
  HANDOFF_RELEASE(&batches_[batch_id]);
  push_id(free_batches_, batch_id);
  running_batches_.fetch_sub(1, std::memory_order_release);
  // Pairs with the announce-then-recheck of submit_wait() and of the batcher. Once per batch, not
  // per token: a producer blocked in submit_wait() wakes to a batch's worth of free slots.
  store_load_fence();
  if (slot_waiters_.load(std::memory_order_relaxed) != 0) {
    slot_seq_.fetch_add(1, std::memory_order_release);
    futex_wake(slot_seq_);
  }
  // A worker is idle now: a batcher holding a partial batch for its deadline may send it.
  if (batcher_sleeping_.load(std::memory_order_relaxed) == kSleepingWithBatch) wake_batcher();
  // The last touch of this pipeline by this task: close() waits for zero before destruction.
  batches_in_flight_.fetch_sub(1, std::memory_order_release);
}

// --- verify_batch -------------------------------------------------------------------------------

bool batch_pipeline::verify_batch(std::span<const std::string_view> tokens,
                                  std::span<verify_result> results) noexcept {
  if (results.size() < tokens.size()) return false;
  const verifier& v = *verifier_;
  // Explicit edges caller -> chunks -> caller (release/acquire), besides TBB's own: they cost one
  // atomic per chunk and let ThreadSanitizer see that tokens and results are handed over.
  std::atomic<std::size_t> handed{0}, finished{0};
  handed.store(1, std::memory_order_release);
  HANDOFF_RELEASE(&handed);
  auto body = [&](const tbb::blocked_range<std::size_t>& r) noexcept {
    (void)handed.load(std::memory_order_acquire);
    HANDOFF_ACQUIRE(&handed);
    worker& w = current_worker();
    for (std::size_t i = r.begin(); i != r.end(); ++i) {
      const std::uint64_t t0 = now_ns();
      v.verify(tokens[i], results[i]);
      w.service.record(now_ns() - t0);
      w.statuses.add(results[i].status());
    }
    HANDOFF_RELEASE(&finished);
    finished.fetch_add(r.size(), std::memory_order_release);
  };
  // From inside one of this pipeline's completions, the arena's scratch of this thread is in use:
  // verify here, sequentially, without the arena.
  if (tls_in_completion == this) {
    for (std::size_t i = 0; i < tokens.size(); ++i) v.verify(tokens[i], results[i]);
    return true;
  }
  try {
    arena_.execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<std::size_t>(0, tokens.size(), options_.verify_batch_grain), body,
          tbb::simple_partitioner());
    });
  } catch (...) {
    // TBB could not allocate: finish on this thread.
    for (std::size_t i = 0; i < tokens.size(); ++i) v.verify(tokens[i], results[i]);
  }
  (void)finished.load(std::memory_order_acquire);
  HANDOFF_ACQUIRE(&finished);
  return true;
}

// --- shutdown -----------------------------------------------------------------------------------

void batch_pipeline::close() noexcept {
  closing_.store(true, std::memory_order_seq_cst);
  store_load_fence();
  wake_batcher();
  // From a completion: stop intake only (waiting here would wait for ourselves).
  if (tls_in_completion == this) return;
  if (close_started_.exchange(1, std::memory_order_acq_rel) == 0) {
    if (batcher_.joinable()) batcher_.join();
    // Every slot is free, so every completion returned; the tasks finish their last lines.
    while (batches_in_flight_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
    HANDOFF_ACQUIRE(&batches_in_flight_);
    closed_done_.store(true, std::memory_order_release);
  } else {
    while (!closed_done_.load(std::memory_order_acquire))
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    HANDOFF_ACQUIRE(&batches_in_flight_);
  }
}

// --- instrumentation ----------------------------------------------------------------------------

void batch_pipeline::merge_histograms(latency_histogram* queue_wait, latency_histogram* service,
                                      latency_histogram* latency,
                                      latency_histogram* batch_size) const noexcept {
  for (std::size_t i = 0; i < concurrency_; ++i) {
    const worker& w = workers_[i];
    if (queue_wait) queue_wait->merge_from(w.queue_wait);
    if (service) service->merge_from(w.service);
    if (latency) latency->merge_from(w.latency);
    if (batch_size) batch_size->merge_from(w.batch_size);
  }
}

pipeline_snapshot batch_pipeline::snapshot() const {
  pipeline_snapshot s;
  latency_histogram queue_wait, service, latency, batch_size;
  merge_histograms(&queue_wait, &service, &latency, &batch_size);
  s.queue_wait_ns = summarize(queue_wait);
  s.service_ns = summarize(service);
  s.latency_ns = summarize(latency);
  s.batch_size = summarize(batch_size);
  status_counters statuses;
  for (std::size_t i = 0; i < concurrency_; ++i) {
    const worker& w = workers_[i];
    statuses.merge_from(w.statuses);
    s.batches += w.batches.load(std::memory_order_relaxed);
    s.duplicates += w.duplicates.load(std::memory_order_relaxed);
    s.cache_first_hits += w.cache_first_hits.load(std::memory_order_relaxed);
  }
  s.results = statuses.snapshot();
  for (std::size_t i = 0; i < kRefusalStripes; ++i) {
    s.refused_overloaded += refusals_[i].overloaded.load(std::memory_order_relaxed);
    s.refused_shutting_down += refusals_[i].shutting_down.load(std::memory_order_relaxed);
    s.refused_too_large += refusals_[i].too_large.load(std::memory_order_relaxed);
  }
  for (std::uint32_t i = 0; i < total_slots_; ++i)
    s.in_flight += slots_[i].busy.load(std::memory_order_relaxed);
  return s;
}

}  // namespace jwtx
