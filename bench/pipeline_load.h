// Load generators for jwtx::batch_pipeline, shared by bench/pipeline_bench.cc and `jwtx bench`
// (tools/jwtx/bench/runner.cc).
//
// - completion_counter: the completion the load hands to submit(). Counts results (and optionally
//   records the latency from the tag, a steady_ns() timestamp, to the completion) per arena slot,
//   so workers never share a counter; read after close().
// - offer(): one submit in a closed loop (the producer waits for room: submit_wait on the
//   pipeline's futex, or a plain submit() with a short sleep on overloaded).
// - closed_loop(): saturates a pipeline from the calling thread for a wall-clock duration and
//   drains it (close()), counting the drain in the elapsed time.
// - open_loop(): offers tokens at a fixed arrival rate from the calling thread (the pacer). Each
//   token's tag is its SCHEDULED send time, so the latency it records includes any time the token
//   spent waiting for the pacer: a slow pipeline cannot hide queueing by slowing the arrivals
//   (no coordinated omission). A full queue is a drop, not a wait. The pacer stands for the
//   network, not for the system under test: it asks for SCHED_FIFO priority 1 (granted to root or
//   CAP_SYS_NICE; otherwise it stays a normal thread and says so) so that the pipeline's own busy
//   threads, or a neighbour's, cannot bunch the arrivals; how late it still sent is reported.
#pragma once

#include <oneapi/tbb/task_arena.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <thread>

#include "engine/runtime/batch_pipeline.h"
#include "engine/runtime/latency_histogram.h"
#include "engine/status.h"
#include "engine/verifier.h"

namespace jwtx::bench {

inline std::uint64_t steady_ns() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

class completion_counter {
 public:
  // |lanes|: the pipeline's concurrency (one lane per arena slot).
  explicit completion_counter(std::size_t lanes, bool record_latency = false)
      : lanes_(new lane[std::max<std::size_t>(lanes, 1)]),
        count_(std::max<std::size_t>(lanes, 1)),
        record_latency_(record_latency) {}

  void operator()(std::uint64_t tag, const verify_result& r) noexcept {
    const int i = tbb::this_task_arena::current_thread_index();
    lane& l = lanes_[i >= 0 && static_cast<std::size_t>(i) < count_ ? i : 0];
    // One writer per lane: a plain load + store, no locked RMW.
    l.done.store(l.done.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (r.ok()) l.ok.store(l.ok.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (record_latency_) l.latency.record(steady_ns() - tag);
  }
  completion as_completion() noexcept { return completion_for(*this); }

  std::uint64_t done() const noexcept { return sum(&lane::done); }
  std::uint64_t ok() const noexcept { return sum(&lane::ok); }
  latency_summary latency() const {
    latency_histogram all;
    for (std::size_t i = 0; i < count_; ++i) all.merge_from(lanes_[i].latency);
    return summarize(all);
  }

 private:
  struct alignas(64) lane {
    std::atomic<std::uint64_t> done{0}, ok{0};
    latency_histogram latency;
  };
  std::uint64_t sum(std::atomic<std::uint64_t> lane::*m) const noexcept {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < count_; ++i) n += (lanes_[i].*m).load(std::memory_order_relaxed);
    return n;
  }
  std::unique_ptr<lane[]> lanes_;
  std::size_t count_;
  bool record_latency_;
};

// How a closed-loop producer waits when the queue is full.
enum class producer_wait {
  futex,     // submit_wait(): sleeps on the pipeline's futex; workers wake it as slots free
  poll,      // submit(); on overloaded, sleep kPollSleep and retry (workers never signal)
  poll_1ms,  // the same with a 1 ms sleep: refills in bursts, so the batcher sees full batches
};
inline constexpr std::chrono::microseconds kPollSleep{200};

// Submits one token, waiting for room per |how|. False if refused for another reason.
inline bool offer(batch_pipeline& p, std::string_view token, completion c, std::uint64_t tag,
                  producer_wait how) noexcept {
  if (how == producer_wait::futex)
    return p.submit_wait(token, c, tag, std::chrono::seconds(30)) == status::ok;
  for (;;) {
    const status s = p.submit(token, c, tag);
    if (s != status::overloaded) return s == status::ok;
    std::this_thread::sleep_for(how == producer_wait::poll ? kPollSleep
                                                           : std::chrono::microseconds(1000));
  }
}

struct load_result {
  std::uint64_t offered = 0;    // tokens the producer tried to submit
  std::uint64_t completed = 0;  // completions called
  std::uint64_t ok = 0;         // of which ok()
  std::uint64_t dropped = 0;    // open loop: refused (queue full) and not retried
  double seconds = 0;           // first submit to the last completion
  double tokens_per_second() const {
    return seconds > 0 ? static_cast<double>(completed) / seconds : 0;
  }
  latency_summary latency;      // open loop: scheduled send -> completion
  latency_summary pacer_lag;    // open loop: scheduled send -> submit() called
  bool pacer_realtime = false;  // open loop: the pacer ran at SCHED_FIFO priority
  pipeline_snapshot pipeline;   // the pipeline's own view (submit -> completion etc.)
};

// Saturates |p| from this thread for |seconds|, then closes it (drains) and reports.
inline load_result closed_loop(batch_pipeline& p, std::span<const std::string_view> tokens,
                               double seconds, producer_wait how) {
  completion_counter counter(p.concurrency());
  const completion c = counter.as_completion();
  load_result out;
  const std::uint64_t t0 = steady_ns();
  const std::uint64_t end = t0 + static_cast<std::uint64_t>(seconds * 1e9);
  std::size_t i = 0;
  do {
    for (int k = 0; k < 16; ++k) {  // a clock read every 16 submits
      if (!offer(p, tokens[i], c, 0, how)) break;
      ++out.offered;
      if (++i == tokens.size()) i = 0;
    }
  } while (steady_ns() < end);
  p.close();
  out.seconds = static_cast<double>(steady_ns() - t0) * 1e-9;
  out.completed = counter.done();
  out.ok = counter.ok();
  out.pipeline = p.snapshot();
  return out;
}

// Offers |tokens| round-robin at |rate| tokens/s for |seconds| from this thread, then closes |p|.
// The pacer sleeps to absolute times (clock_nanosleep, 1 µs timer slack) and sends every token
// whose time has come; it wakes at most every kMinTick, sending the tokens due by then together.
inline constexpr std::uint64_t kMinTickNs = 20'000;
inline load_result open_loop(batch_pipeline& p, std::span<const std::string_view> tokens,
                             double rate, double seconds) {
  completion_counter counter(p.concurrency(), /*record_latency=*/true);
  const completion c = counter.as_completion();
  latency_histogram lag;
  const int old_slack = ::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  ::prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  int old_policy = SCHED_OTHER;
  sched_param old_param{};
  ::pthread_getschedparam(::pthread_self(), &old_policy, &old_param);
  const sched_param fifo{1};
  load_result out;
  out.pacer_realtime = ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &fifo) == 0;
  const double interval = 1e9 / rate;
  const std::uint64_t total = static_cast<std::uint64_t>(rate * seconds);
  const std::uint64_t t0 = steady_ns() + 1'000'000;  // first send in 1 ms
  std::uint64_t k = 0;
  std::size_t i = 0;
  while (k < total) {
    const std::uint64_t due = t0 + static_cast<std::uint64_t>(static_cast<double>(k) * interval);
    std::uint64_t now = steady_ns();
    if (due > now) {
      const std::uint64_t wake = std::max(due, now + kMinTickNs);
      const timespec ts{static_cast<time_t>(wake / 1'000'000'000),
                        static_cast<long>(wake % 1'000'000'000)};
      ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
      continue;
    }
    ++out.offered;
    const status s = p.submit(tokens[i], c, due);
    if (s == status::ok) {
      lag.record(steady_ns() - due);
    } else {
      ++out.dropped;
    }
    if (++i == tokens.size()) i = 0;
    ++k;
  }
  if (out.pacer_realtime) ::pthread_setschedparam(::pthread_self(), old_policy, &old_param);
  p.close();
  ::prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(old_slack), 0, 0, 0);
  out.seconds = static_cast<double>(steady_ns() - t0) * 1e-9;
  out.completed = counter.done();
  out.ok = counter.ok();
  out.latency = counter.latency();
  out.pacer_lag = summarize(lag);
  out.pipeline = p.snapshot();
  return out;
}

}  // namespace jwtx::bench
