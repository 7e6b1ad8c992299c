// Hands finished auth requests from pipeline workers back to the event-loop thread.
//
// A lock-free intrusive stack: push() is a CAS loop, take_all() one exchange (no ABA: nodes are
// never popped one by one). The producer whose push finds the stack empty is told so and wakes the
// loop (one event_active); later pushes before the loop drains ride on that wake-up. A burst of
// completions therefore costs the loop one wake-up instead of one per request, and nothing is
// allocated per request. Any number of producers, one consumer (the loop thread).
#pragma once

#include <atomic>

namespace jwtx::serve {

struct completion_node {
  completion_node* next = nullptr;
};

class completion_queue {
 public:
  // Returns true when the queue was empty: the caller must wake the consumer.
  bool push(completion_node* n) noexcept {
    completion_node* head = head_.load(std::memory_order_relaxed);
    do {
      n->next = head;
    } while (!head_.compare_exchange_weak(head, n, std::memory_order_release,
                                          std::memory_order_relaxed));
    return head == nullptr;
  }

  // Every node pushed so far, oldest first; the queue is empty afterwards.
  completion_node* take_all() noexcept {
    completion_node* lifo = head_.exchange(nullptr, std::memory_order_acquire);
    completion_node* fifo = nullptr;
    while (lifo) {
      completion_node* next = lifo->next;
      lifo->next = fifo;
      fifo = lifo;
      lifo = next;
    }
    return fifo;
  }

 private:
  std::atomic<completion_node*> head_{nullptr};
};

}  // namespace jwtx::serve
