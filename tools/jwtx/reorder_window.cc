#include "tools/jwtx/reorder_window.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace jwtx::cli {

reorder_window::reorder_window(std::size_t capacity)
    : capacity_(capacity < 1 ? 1 : capacity), entries_(new entry[capacity_]) {
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

reorder_window::~reorder_window() { ::close(event_fd_); }

void reorder_window::publish(std::uint64_t seq) noexcept {
  at(seq).ready.store(1, std::memory_order_release);
  // Pairs with wait(): either the owner's re-check sees ready, or this load sees it asleep.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (want_.load(std::memory_order_relaxed) == seq) {
    const std::uint64_t one = 1;
    // Only EAGAIN (counter at its maximum) can fail here, and then a wake-up is pending anyway.
    [[maybe_unused]] const ssize_t n = ::write(event_fd_, &one, sizeof(one));
  }
}

reorder_window::entry* reorder_window::front() noexcept {
  if (empty()) return nullptr;
  entry& e = at(head_);
  return e.ready.load(std::memory_order_acquire) != 0 ? &e : nullptr;
}

void reorder_window::pop() noexcept {
  // The next claim of this entry happens-after this store (the owner claims it itself).
  at(head_).ready.store(0, std::memory_order_relaxed);
  ++head_;
}

bool reorder_window::wait(int input_fd) noexcept {
  if (!empty()) {
    want_.store(head_, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (front() != nullptr) {
      want_.store(kNobody, std::memory_order_relaxed);
      return false;
    }
  } else if (input_fd < 0) {
    return false;  // nothing to wait for
  }
  pollfd fds[2] = {{event_fd_, POLLIN, 0}, {input_fd, POLLIN, 0}};
  const nfds_t n = input_fd >= 0 ? 2 : 1;
  int rc;
  do {
    rc = ::poll(fds, n, -1);
  } while (rc < 0 && errno == EINTR);
  want_.store(kNobody, std::memory_order_relaxed);
  if (rc > 0 && (fds[0].revents & POLLIN) != 0) {
    std::uint64_t count = 0;
    [[maybe_unused]] const ssize_t got = ::read(event_fd_, &count, sizeof(count));
  }
  // poll() failing (ENOMEM) is reported as input: the caller's read() then tells what happened.
  return rc < 0 || (n == 2 && fds[1].revents != 0);
}

}  // namespace jwtx::cli
