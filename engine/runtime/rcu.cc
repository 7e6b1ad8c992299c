#include "engine/runtime/rcu.h"

#include <array>
#include <cstdint>
#include <thread>

namespace jwtx {
namespace {

// The value is the epoch the owning thread's outermost section entered at (0 = idle).
struct alignas(64) reader_slot {
  std::atomic<std::uint64_t> epoch{0};
  std::atomic<bool> owned{false};
};

// Threads without a slot count themselves in one of two counters, the one overflow_phase names
// when they enter (sleepable-RCU style). A publisher flips the phase and waits only for the
// counter new readers no longer enter, so a steady stream of overflow readers cannot keep it
// waiting forever (one shared counter that had to reach zero could: with enough threads some
// reader is almost always inside a section).
struct domain {
  std::array<reader_slot, kRcuSlots> slots;
  alignas(64) std::array<std::atomic<std::uint64_t>, 2> overflow_readers{};
  alignas(64) std::atomic<std::uint32_t> overflow_phase{0};
  std::atomic_flag overflow_flip = ATOMIC_FLAG_INIT;  // one publisher flips at a time
  alignas(64) std::atomic<std::uint64_t> epoch{1};
};

// A function-local static: usable from other statics' constructors and destructors.
domain& the_domain() noexcept {
  static domain d;
  return d;
}

struct thread_state {
  reader_slot* slot = nullptr;  // null: this thread uses the overflow counter
  std::size_t index = kRcuSlots;
  std::uint32_t depth = 0;  // nesting of live guards on this thread
  std::uint32_t phase = 0;  // overflow threads: the counter the outermost section entered

  thread_state() noexcept {
    auto& slots = the_domain().slots;
    for (std::size_t i = 0; i < slots.size(); ++i) {
      bool expected = false;
      if (!slots[i].owned.load(std::memory_order_relaxed) &&
          slots[i].owned.compare_exchange_strong(expected, true)) {
        slot = &slots[i];
        index = i;
        return;
      }
    }
  }
  ~thread_state() {
    if (slot) slot->owned.store(false, std::memory_order_release);
  }
};

thread_state& this_thread_state() noexcept {
  thread_local thread_state state;
  return state;
}

}  // namespace

rcu_read_guard::rcu_read_guard() noexcept {
  thread_state& t = this_thread_state();
  if (t.depth++ != 0) return;  // nested: the outermost section's epoch already protects us
  domain& d = the_domain();
  if (t.slot) {
    // seq_cst: this store is ordered before the caller's pointer load, so a publisher that swaps
    // the pointer after that load sees our epoch in its scan and waits for us.
    t.slot->epoch.store(d.epoch.load(std::memory_order_seq_cst), std::memory_order_seq_cst);
  } else {
    // seq_cst, as above: a publisher that flips the phase after our load either sees our
    // increment in the counter it drains, or drains the other counter first (see synchronize).
    t.phase = d.overflow_phase.load(std::memory_order_seq_cst) & 1;
    d.overflow_readers[t.phase].fetch_add(1, std::memory_order_seq_cst);
  }
}

void rcu_read_guard::release() noexcept {
  if (!active_) return;
  active_ = false;
  thread_state& t = this_thread_state();
  if (--t.depth != 0) return;
  // release: everything this thread read from the old object happens before its reclamation.
  if (t.slot) {
    t.slot->epoch.store(0, std::memory_order_release);
  } else {
    the_domain().overflow_readers[t.phase].fetch_sub(1, std::memory_order_release);
  }
}

void rcu_synchronize() noexcept {
  domain& d = the_domain();
  const std::uint64_t new_epoch = d.epoch.fetch_add(1, std::memory_order_seq_cst) + 1;
  // Wait for every reader that entered before the bump (epoch < new_epoch) to leave. A reader
  // that re-enters meanwhile announces new_epoch or later and is not waited for.
  for (reader_slot& s : d.slots) {
    for (;;) {
      const std::uint64_t e = s.epoch.load(std::memory_order_seq_cst);
      if (e == 0 || e >= new_epoch) break;
      std::this_thread::yield();
    }
  }
  // Overflow readers. A reader that entered before our pointer swap incremented the counter of
  // the phase it read: the current one (drained after the flip below), or the other one if it
  // read the phase just before the previous publisher's flip (drained first). Neither counter
  // receives new readers while we wait for it, so each wait ends once the sections already
  // inside end: publishers cannot starve, however many threads keep reading.
  while (d.overflow_flip.test_and_set(std::memory_order_acquire)) std::this_thread::yield();
  const std::uint32_t phase = d.overflow_phase.load(std::memory_order_seq_cst) & 1;
  while (d.overflow_readers[phase ^ 1].load(std::memory_order_seq_cst) != 0) {
    std::this_thread::yield();
  }
  d.overflow_phase.store(phase ^ 1, std::memory_order_seq_cst);
  while (d.overflow_readers[phase].load(std::memory_order_seq_cst) != 0) {
    std::this_thread::yield();
  }
  d.overflow_flip.clear(std::memory_order_release);
}

std::size_t rcu_thread_index() noexcept { return this_thread_state().index; }

}  // namespace jwtx
