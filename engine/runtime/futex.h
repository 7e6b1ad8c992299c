// jwtx::futex_wait / futex_wake — sleep on a 32-bit atomic until another thread changes it.
//
// Why not std::atomic::wait: it has no timeout, and the batcher must sleep until a batch's
// deadline; why not a condition variable: waking it takes a mutex, and the submit path takes none.
// Linux only (FUTEX_WAIT_PRIVATE / FUTEX_WAKE_PRIVATE), like the rest of the runtime.
//
// Contract: futex_wait returns when *word != expected at the time of the call (at once), when
// woken, on a spurious wake-up, or when the timeout passes: callers always re-check their condition
// in a loop. Neither call allocates, locks in user space or throws.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <ctime>

namespace jwtx {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

// Sleeps while *word == expected, at most |timeout| (negative: no limit). Returns false when the
// timeout passed, true otherwise (woken, value changed, spurious, or interrupted).
inline bool futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                       std::chrono::nanoseconds timeout = std::chrono::nanoseconds(-1)) noexcept {
  timespec ts{};
  timespec* tp = nullptr;
  if (timeout.count() >= 0) {
    ts.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(timeout.count() % 1'000'000'000);
    tp = &ts;
  }
  const long rc = ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE,
                            expected, tp, nullptr, 0);
  return !(rc == -1 && errno == ETIMEDOUT);
}

// Wakes up to |count| threads sleeping in futex_wait on |word|.
inline void futex_wake(std::atomic<std::uint32_t>& word, int count = INT_MAX) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, count, nullptr,
            nullptr, 0);
}

}  // namespace jwtx
