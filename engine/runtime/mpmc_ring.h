// jwtx::mpmc_ring — a bounded multi-producer multi-consumer FIFO with a fixed capacity.
//
// It is the queue in front of the batching pipeline: submit() tries to push and answers
// `overloaded` when the ring is full, so a push must never block, lock or allocate.
//
// Design (after Dmitry Vyukov's bounded MPMC queue): a power-of-two array of cells, each with a
// sequence number, and two free-running counters, `tail_` (next position to push) and `head_`
// (next position to pop). A cell at index i is, for position pos = i + lap * capacity:
//   seq == pos                  free for the producer of pos,
//   seq == pos + 1              holds the item of pos, ready for its consumer,
//   seq == pos + capacity       emptied by that consumer, free for the producer of the next lap.
// A producer reads tail_, checks the cell's seq, and claims the position with a CAS on tail_;
// only the CAS winner touches the cell, then it publishes by storing seq = pos + 1. Consumers do
// the same on head_ and hand the cell back with seq = pos + capacity.
//
// Contract:
// - Thread-safety: try_push, try_pop, size and capacity may be called from any number of threads
//   at once. Construction and destruction must not race with anything.
// - No blocking, no mutex, no allocation, no exceptions: the cell array is allocated once in the
//   constructor (the only allocation, and the only thing that can throw: std::bad_alloc, or
//   std::length_error for a capacity above kMaxCapacity). T's move constructor, move assignment
//   and destructor must be noexcept (static_assert); try_push(const T&) also needs a noexcept copy.
// - FIFO: items are popped in the order their pushes claimed positions. Items pushed by one thread
//   are therefore popped in that thread's order (each consumer sees them in increasing order).
// - Progress: try_push and try_pop are lock-free with respect to each other's role: a CAS on
//   tail_/head_ fails only because another thread of the same role claimed that position, and no
//   call loops waiting for another thread. The known caveat of this design: a producer preempted
//   between claiming a position and publishing it makes try_pop for that position (and so for all
//   later ones, FIFO) report empty until it resumes; likewise a consumer preempted between claiming
//   and handing the cell back makes try_push report full for that cell. Neither blocks the caller —
//   it returns false — but such a ring can briefly answer "empty" while later items are queued, or
//   "full" while fewer than capacity() items remain. Callers treat false as "not now", never as
//   "closed".
// - Memory ordering: the payload is handed over only through the cell's seq. The producer writes
//   the item, then stores seq = pos + 1 with release; the consumer loads seq with acquire and only
//   reads the item after seeing pos + 1, so the item's construction happens-before its read. In the
//   other direction the consumer's release store of pos + capacity (after moving the item out and
//   destroying it) pairs with the next-lap producer's acquire load before it constructs into the
//   cell. The CASes on tail_/head_ only decide which thread owns a position; they publish no data,
//   so they are relaxed.
// - size() is approximate: the two counters are read at different instants.
// - Memory: head_ and tail_ each have their own cache line, and the read-only fields a third, so
//   producers and consumers never write a line the other role writes on every call. Cells are not
//   padded (capacity × 64 bytes would be wasted for small T); adjacent cells can share a line.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace jwtx {

// Cache line size used for padding. Not std::hardware_destructive_interference_size: GCC 12 warns
// (-Winterference-size) that its value may differ between compilations, and 64 holds on every
// x86-64 and most ARM64 cores jwtx targets.
inline constexpr std::size_t kCacheLine = 64;

template <class T>
class mpmc_ring {
  static_assert(std::is_nothrow_move_constructible_v<T>, "mpmc_ring: T's move must be noexcept");
  static_assert(std::is_nothrow_move_assignable_v<T>,
                "mpmc_ring: T's move assignment must be noexcept");
  static_assert(std::is_nothrow_destructible_v<T>, "mpmc_ring: T's destructor must be noexcept");
  // Lock-free claim: a counter that fell back to a lock inside std::atomic would break it.
  static_assert(std::atomic<std::size_t>::is_always_lock_free);

 public:
  // Largest capacity accepted (after rounding). Keeps the position arithmetic far from overflow.
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 31;

  // A ring holding at least `min_capacity` items: the capacity is rounded up to a power of two,
  // and to at least 2 (the sequence scheme needs two cells). Throws std::length_error above
  // kMaxCapacity and std::bad_alloc if the cells cannot be allocated.
  explicit mpmc_ring(std::size_t min_capacity)
      : mask_(round_capacity(min_capacity) - 1), cells_(new cell[mask_ + 1]) {
    for (std::size_t i = 0; i <= mask_; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }

  // Destroys the items still queued. No other thread may be using the ring.
  ~mpmc_ring() {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    for (std::size_t pos = head_.load(std::memory_order_relaxed); pos != tail; ++pos) {
      cell& c = cells_[pos & mask_];
      if (c.seq.load(std::memory_order_relaxed) == pos + 1) c.item()->~T();
    }
  }

  mpmc_ring(const mpmc_ring&) = delete;
  mpmc_ring& operator=(const mpmc_ring&) = delete;

  // Appends `item` (moved from only on success). Returns false at once, leaving `item` intact,
  // when the ring is full (see the caveat above). Never blocks, allocates or throws.
  bool try_push(T&& item) noexcept { return emplace(std::move(item)); }

  // Appends a copy of `item`; false at once when full. Needs T's copy constructor to be noexcept.
  bool try_push(const T& item) noexcept requires std::is_nothrow_copy_constructible_v<T> {
    return emplace(item);
  }

  // Moves the oldest item into `out` and returns true, or returns false at once when the ring is
  // empty (or its oldest position is claimed but not yet published). Never blocks or throws.
  bool try_pop(T& out) noexcept {
    std::size_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      cell& c = cells_[pos & mask_];
      const std::size_t seq = c.seq.load(std::memory_order_acquire);
      const auto lag = static_cast<std::ptrdiff_t>(seq - (pos + 1));
      if (lag == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          T* item = c.item();
          out = std::move(*item);
          item->~T();
          c.seq.store(pos + mask_ + 1, std::memory_order_release);
          return true;
        }
        // The failed CAS reloaded pos: another consumer took that position.
      } else if (lag < 0) {
        return false;  // the cell still waits for its producer: empty
      } else {
        pos = head_.load(std::memory_order_relaxed);  // another consumer got ahead of our read
      }
    }
  }

  std::size_t capacity() const noexcept { return mask_ + 1; }

  // Items queued, approximately (exact when no other thread is pushing or popping).
  std::size_t size() const noexcept {
    const std::size_t head = head_.load(std::memory_order_acquire);
    const std::size_t tail = tail_.load(std::memory_order_acquire);
    if (tail <= head) return 0;  // head moved on after a stale tail was read
    const std::size_t n = tail - head;
    return n > capacity() ? capacity() : n;
  }

 private:
  struct cell {
    std::atomic<std::size_t> seq;
    alignas(T) unsigned char storage[sizeof(T)];
    T* item() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }
  };

  static std::size_t round_capacity(std::size_t n) {
    if (n > kMaxCapacity) throw std::length_error("mpmc_ring: capacity above kMaxCapacity");
    return n < 2 ? 2 : std::bit_ceil(n);
  }

  template <class U>
  bool emplace(U&& value) noexcept {
    std::size_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      cell& c = cells_[pos & mask_];
      const std::size_t seq = c.seq.load(std::memory_order_acquire);
      const auto lag = static_cast<std::ptrdiff_t>(seq - pos);
      if (lag == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          ::new (static_cast<void*>(c.storage)) T(std::forward<U>(value));
          c.seq.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (lag < 0) {
        return false;  // the cell still holds the item of the previous lap: full
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  alignas(kCacheLine) std::atomic<std::size_t> tail_{0};  // written by producers only
  alignas(kCacheLine) std::atomic<std::size_t> head_{0};  // written by consumers only
  // Read-only after construction, read by everyone: its own line so neither counter's writes
  // invalidate it.
  alignas(kCacheLine) const std::size_t mask_;
  const std::unique_ptr<cell[]> cells_;
};

}  // namespace jwtx
