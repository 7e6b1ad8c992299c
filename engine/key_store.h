// jwtx::key_store — the currently published key_set, swapped atomically during rotation.
//
// Readers never take a lock: read() is two atomic stores and one atomic load (a per-thread epoch
// slot announces "I may be using the set published at epoch E"). publish() swaps the pointer, then
// waits until every reader that could still hold the old set has left, and only then drops it.
// This is quiescent-state reclamation (RCU): readers are wait-free, writers (rare: rotation) wait.
//
// Thread-safety: read() from any number of threads; publish() from any thread (publishers are
// serialised among themselves by a mutex that readers never touch).
// Lifetime: a snapshot must not outlive the key_store, and must not be held across a publish() on
// the same thread (that would wait forever for itself).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "engine/key_set.h"

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
    snapshot(snapshot&& o) noexcept : slot_(o.slot_), set_(o.set_), overflow_(o.overflow_) {
      o.slot_ = nullptr;
      o.overflow_ = false;
    }
    snapshot(const snapshot&) = delete;
    snapshot& operator=(const snapshot&) = delete;
    ~snapshot() { release(); }
    const key_set* get() const noexcept { return set_; }
    const key_set* operator->() const noexcept { return set_; }

   private:
    friend class key_store;
    snapshot(std::atomic<std::uint64_t>* slot, const key_set* set) : slot_(slot), set_(set) {}
    void release() noexcept;
    std::atomic<std::uint64_t>* slot_;
    const key_set* set_;
    bool overflow_ = false;
  };

  // Wait-free, no allocation after the calling thread's first call, never throws.
  snapshot read() const noexcept;

  // Publishes |next| (must be non-null). Returns after no reader can still see the previous set.
  void publish(std::shared_ptr<const key_set> next);

  // The current set as a shared_ptr, for callers outside the hot path (CLI, tests).
  std::shared_ptr<const key_set> current() const;

 private:
  std::atomic<const key_set*> current_;
  std::shared_ptr<const key_set> owner_;  // guarded by publish_mu_
  mutable std::mutex publish_mu_;
  std::atomic<std::uint64_t> epoch_{1};
};

}  // namespace jwtx
