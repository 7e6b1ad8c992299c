// jwtx::rcu — quiescent-state reclamation for read-mostly objects (key sets, revocation lists).
//
// The pattern: a cell holds a pointer to an immutable object. Readers enter a read-side section
// (rcu_read_guard), load the pointer and use the object until the guard ends. A publisher swaps in
// a new object, then waits until every reader that entered before the swap has left, and only then
// frees the old one. Readers never lock, never wait and never write memory another core reads on
// its hot path; publishers (rare: key rotation, revocation updates) do all the waiting.
//
// How: one process-wide domain holds a global epoch and a table of reader slots, one cache line
// each. A thread claims a slot on its first read and keeps it for life. Entering a section stores
// the current epoch in the thread's slot (seq_cst, so the store is ordered before the pointer
// load); leaving stores 0. rcu_synchronize() bumps the epoch and waits until no slot holds an
// epoch older than the new one. Either a reader's pointer load saw the new object (nothing to wait
// for), or its slot store came first in the seq_cst order and the publisher's scan sees it.
// Threads beyond kRcuSlots share two overflow counters instead (the one the current phase names
// is incremented on entry, decremented on exit); a publisher flips the phase and waits for the
// counter new readers no longer enter, so readers never block and publishers never starve, even
// with thousands of threads reading without pause.
//
// Guarantees:
// - Readers are wait-free: a guard is two stores and one load (plus the pointer load), no lock,
//   no CAS loop, never throws. A thread's first guard claims a slot (a bounded scan of the table)
//   and registers a thread_local destructor, which may allocate once; after that nothing
//   allocates.
// - Sections nest: a thread-local depth counter keeps the outermost epoch announced until the
//   outermost guard ends, so e.g. a revocation lookup made while a key_store snapshot is held
//   does not unprotect the snapshot. A nested section announces an older epoch than it needs,
//   which only makes publishers wait a little longer.
// - Publishers wait for all readers of every cell that entered before them (one domain): reader
//   sections are short, so this costs microseconds, and it keeps the nesting rule trivially safe.
//
// Rules (violations hang or corrupt, they are not detected):
// - A guard belongs to the thread that created it: move it only within that thread, and end it
//   there.
// - Never call rcu_synchronize() (rcu_cell::publish) while the calling thread holds a guard: it
//   would wait for itself forever.
// - An object loaded from a cell may be used only while a guard that was alive before the load is
//   still alive.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>

namespace jwtx {

// Reader slots in the process-wide table; threads beyond it share the overflow counter.
inline constexpr std::size_t kRcuSlots = 256;

// A read-side section: from construction until destruction (or until moved from), objects loaded
// from any rcu_cell stay alive. Wait-free, noexcept; see the rules above.
class rcu_read_guard {
 public:
  rcu_read_guard() noexcept;
  ~rcu_read_guard() { release(); }
  rcu_read_guard(rcu_read_guard&& o) noexcept : active_(std::exchange(o.active_, false)) {}
  rcu_read_guard(const rcu_read_guard&) = delete;
  rcu_read_guard& operator=(const rcu_read_guard&) = delete;
  rcu_read_guard& operator=(rcu_read_guard&&) = delete;

 private:
  void release() noexcept;
  bool active_ = true;
};

// Returns once every read-side section that began before the call has ended. Blocks (yielding);
// never call it while holding a guard on this thread.
void rcu_synchronize() noexcept;

// The calling thread's reader slot index in [0, kRcuSlots), or kRcuSlots for overflow threads.
// Stable for the thread's life and unique among live threads below kRcuSlots: callers use it to
// stripe per-thread counters without a thread_local of their own. Claims a slot on first use.
std::size_t rcu_thread_index() noexcept;

// One published immutable object of type T.
//
// Thread-safety: load() from any number of threads under a guard; publish() and current() from
// any thread (publishers serialise among themselves on a mutex readers never touch).
template <class T>
class rcu_cell {
 public:
  explicit rcu_cell(std::shared_ptr<const T> initial)
      : current_(initial.get()), owner_(std::move(initial)) {}
  rcu_cell(const rcu_cell&) = delete;
  rcu_cell& operator=(const rcu_cell&) = delete;

  // The current object; valid while |guard| (alive before this call) is. Wait-free, noexcept.
  const T* load(const rcu_read_guard& guard) const noexcept {
    (void)guard;  // proof of a live section, nothing to do with it
    return current_.load(std::memory_order_seq_cst);
  }

  // Publishes |next|, then returns after no reader can still see the previous object, which is
  // released (freed unless someone still owns it through current()).
  void publish(std::shared_ptr<const T> next) {
    std::shared_ptr<const T> old;
    {
      std::lock_guard<std::mutex> lock(mu_);
      old = std::exchange(owner_, std::move(next));
      current_.store(owner_.get(), std::memory_order_seq_cst);
    }
    // Outside the mutex: current() and other publishers need not wait for readers to drain.
    rcu_synchronize();
  }

  // The current object as a shared_ptr, for callers off the hot path (writers, CLI, tests).
  std::shared_ptr<const T> current() const {
    std::lock_guard<std::mutex> lock(mu_);
    return owner_;
  }

 private:
  std::atomic<const T*> current_;
  std::shared_ptr<const T> owner_;  // guarded by mu_
  mutable std::mutex mu_;
};

}  // namespace jwtx
