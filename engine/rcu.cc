#include "engine/rcu.h"

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

struct domain {
  std::array<reader_slot, kRcuSlots> slots;
  alignas(64) std::atomic<std::uint64_t> overflow_readers{0};
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
    d.overflow_readers.fetch_add(1, std::memory_order_seq_cst);
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
    the_domain().overflow_readers.fetch_sub(1, std::memory_order_release);
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
  while (d.overflow_readers.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
}

std::size_t rcu_thread_index() noexcept { return this_thread_state().index; }

}  // namespace jwtx
