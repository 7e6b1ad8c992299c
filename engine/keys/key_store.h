// jwtx::key_store — the currently published key_set, swapped atomically during rotation.
//
// Readers never take a lock: read() enters an RCU read-side section (engine/runtime/rcu.h: the
// thread announces the epoch it entered at in its own slot) and loads the pointer. publish() swaps
// the pointer, then waits until every reader that could still hold the old set has left, and only
// then drops it. Readers are wait-free and allocate nothing after their thread's first read;
// writers (rare: rotation) wait.
//
// Thread-safety: read() from any number of threads; publish() from any thread (publishers swap
// under a mutex that readers never touch, then wait for readers without holding it).
// Lifetime: a snapshot must not outlive the key_store, must be released on the thread that took
// it, and must not be held across a publish() (of any RCU cell) on the same thread (that would
// wait forever for itself).
#pragma once

#include <memory>

#include "engine/keys/key_set.h"
#include "engine/runtime/rcu.h"

namespace jwtx {

class key_store {
 public:
  explicit key_store(std::shared_ptr<const key_set> initial);
  ~key_store();
  key_store(const key_store&) = delete;
  key_store& operator=(const key_store&) = delete;

  // A read guard: keeps the set it saw alive until destroyed.
  class snapshot {
   public:
    snapshot(snapshot&& o) noexcept = default;  // the moved-from guard releases nothing
    snapshot(const snapshot&) = delete;
    snapshot& operator=(const snapshot&) = delete;
    ~snapshot() = default;
    const key_set* get() const noexcept { return set_; }
    const key_set* operator->() const noexcept { return set_; }

   private:
    friend class key_store;
    explicit snapshot(const rcu_cell<key_set>& cell) noexcept : set_(cell.load(guard_)) {}
    rcu_read_guard guard_;  // declared first: the section begins before the pointer load
    const key_set* set_;
  };

  // Wait-free, no allocation after the calling thread's first call, never throws.
  snapshot read() const noexcept;

  // Publishes |next| (must be non-null). Returns after no reader can still see the previous set.
  void publish(std::shared_ptr<const key_set> next);

  // The current set as a shared_ptr, for callers outside the hot path (CLI, tests).
  std::shared_ptr<const key_set> current() const;

 private:
  rcu_cell<key_set> cell_;
};

}  // namespace jwtx
