#include "engine/key_store.h"

#include <array>
#include <thread>

namespace jwtx {
namespace {

// Reader slots: each thread claims one for life; the value is the epoch it entered at (0 = idle).
// Threads beyond kSlots share the overflow slot as a counter, so readers never block either way.
constexpr std::size_t kSlots = 256;

struct alignas(64) slot {
  std::atomic<std::uint64_t> epoch{0};
  std::atomic<bool> owned{false};
};

std::array<slot, kSlots>& slots() {
  static std::array<slot, kSlots> s;
  return s;
}

struct alignas(64) overflow_slot {
  std::atomic<std::uint64_t> readers{0};
};
overflow_slot& overflow() {
  static overflow_slot o;
  return o;
}

struct thread_slot {
  slot* s = nullptr;
  thread_slot() {
    for (auto& candidate : slots()) {
      bool expected = false;
      if (!candidate.owned.load(std::memory_order_relaxed) &&
          candidate.owned.compare_exchange_strong(expected, true)) {
        s = &candidate;
        return;
      }
    }
  }
  ~thread_slot() {
    if (s) s->owned.store(false, std::memory_order_release);
  }
};

}  // namespace

key_store::key_store(std::shared_ptr<const key_set> initial)
    : current_(initial.get()), owner_(std::move(initial)) {}

key_store::~key_store() = default;

key_store::snapshot key_store::read() const noexcept {
  thread_local thread_slot mine;
  if (mine.s != nullptr) {
    // Announce before loading the pointer (seq_cst orders the store before the load), so a
    // publisher that swapped the pointer after our load sees our epoch and waits for us.
    mine.s->epoch.store(epoch_.load(std::memory_order_seq_cst), std::memory_order_seq_cst);
    return snapshot(&mine.s->epoch, current_.load(std::memory_order_seq_cst));
  }
  overflow().readers.fetch_add(1, std::memory_order_seq_cst);
  const key_set* set = current_.load(std::memory_order_seq_cst);
  // The overflow slot is released with a decrement instead of a store of zero.
  snapshot snap(nullptr, set);
  snap.overflow_ = true;
  return snap;
}

void key_store::publish(std::shared_ptr<const key_set> next) {
  std::lock_guard<std::mutex> lock(publish_mu_);
  std::shared_ptr<const key_set> old = std::move(owner_);
  owner_ = std::move(next);
  current_.store(owner_.get(), std::memory_order_seq_cst);
  const std::uint64_t new_epoch = epoch_.fetch_add(1, std::memory_order_seq_cst) + 1;
  // Wait for every reader that entered before the swap (epoch < new_epoch) to leave.
  for (auto& s : slots()) {
    for (;;) {
      std::uint64_t e = s.epoch.load(std::memory_order_seq_cst);
      if (e == 0 || e >= new_epoch) break;
      std::this_thread::yield();
    }
  }
  while (overflow().readers.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
  old.reset();  // no reader can still hold it
}

std::shared_ptr<const key_set> key_store::current() const {
  std::lock_guard<std::mutex> lock(publish_mu_);
  return owner_;
}

void key_store::snapshot::release() noexcept {
  if (slot_) {
    slot_->store(0, std::memory_order_release);
    slot_ = nullptr;
  } else if (overflow_) {
    overflow().readers.fetch_sub(1, std::memory_order_release);
    overflow_ = false;
  }
}

}  // namespace jwtx
