// jwtx::cli::reorder_window — puts answers computed out of order back into input order, in bounded
// memory, for `jwtx verify`'s streaming output.
//
// One owner thread reads the input and prints: it claim()s a sequence number per input line (in
// input order), hands the line to whoever answers it (a pipeline worker, or itself), and prints
// the entries from front() as they are published, oldest first. At most capacity() lines are
// claimed and not yet popped: when full() the owner prints or wait()s before claiming more, so
// the reader never runs more than capacity() lines ahead of the printer.
//
// Thread-safety: publish() from any thread (once per claimed number, after writing that entry's
// fields); everything else from the owner thread only. An entry's fields belong to the answering
// thread from claim() until publish(), then to the owner until pop(). Entries and their buffers
// are reused: once every entry's text has grown to its line's size, nothing allocates.
//
// Waking: the owner sleeps in poll() on an eventfd (and optionally the input's descriptor, so
// that it prints while waiting for input). publish() writes the eventfd only when the owner
// announced it sleeps for exactly that entry (a Dekker handshake on want_), so a busy run makes no
// system call per line.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/runtime/mpmc_ring.h"
#include "engine/status.h"

namespace jwtx::cli {

class reorder_window {
 public:
  struct alignas(kCacheLine) entry {
    std::string text;  // the output line, without '\n'
    status result = status::internal_error;
    bool hmac_kid_miss = false;  // an HS token named a kid the kid-less HMAC secret lacks
    std::int8_t cache = 0;       // 1 answered without crypto thanks to a repeat, -1 a miss, 0 n/a
    std::atomic<std::uint32_t> ready{0};
  };

  // |capacity| >= 1 entries. Throws std::system_error when no eventfd can be had.
  explicit reorder_window(std::size_t capacity);
  ~reorder_window();
  reorder_window(const reorder_window&) = delete;
  reorder_window& operator=(const reorder_window&) = delete;

  std::size_t capacity() const noexcept { return capacity_; }
  bool full() const noexcept { return next_ - head_ >= capacity_; }
  bool empty() const noexcept { return next_ == head_; }
  // Lines claimed so far (the next sequence number).
  std::uint64_t claimed() const noexcept { return next_; }

  // Owner, when !full(): the next line's sequence number; its entry is at(seq).
  std::uint64_t claim() noexcept { return next_++; }
  entry& at(std::uint64_t seq) noexcept { return entries_[seq % capacity_]; }
  // Any thread, once per claimed number: at(seq) is written.
  void publish(std::uint64_t seq) noexcept;

  // Owner: the oldest claimed entry if it is published, else null. pop() releases it.
  entry* front() noexcept;
  void pop() noexcept;

  // Owner: sleeps until front() is published, or (when input_fd >= 0) input_fd is readable or at
  // its end. Returns true when it woke for input_fd. Returns at once if front() is published.
  bool wait(int input_fd) noexcept;

 private:
  static constexpr std::uint64_t kNobody = ~std::uint64_t{0};
  const std::size_t capacity_;
  std::unique_ptr<entry[]> entries_;
  std::uint64_t next_ = 0;  // owner only
  std::uint64_t head_ = 0;  // owner only: the oldest line not popped
  int event_fd_ = -1;
  // The sequence number the owner sleeps for (kNobody when awake).
  alignas(kCacheLine) std::atomic<std::uint64_t> want_{kNobody};
};

}  // namespace jwtx::cli
