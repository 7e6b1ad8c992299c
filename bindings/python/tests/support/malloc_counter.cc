// LD_PRELOAD shim for test_allocation.py: counts malloc/calloc/realloc calls while
// jwtx_malloc_counting is non-zero (the test flips it through ctypes around a verify loop).
// Python's own small objects come from pymalloc, not malloc, so the count is what jwtx, the
// binding and BoringSSL ask of the C heap.
#include <dlfcn.h>

#include <atomic>
#include <cstddef>

extern "C" {
__attribute__((visibility("default"))) std::atomic<unsigned long> jwtx_malloc_count{0};
__attribute__((visibility("default"))) int jwtx_malloc_counting = 0;
}

namespace {

using malloc_fn = void* (*)(std::size_t);
using calloc_fn = void* (*)(std::size_t, std::size_t);
using realloc_fn = void* (*)(void*, std::size_t);

// dlsym itself may calloc before the real calloc is known: served from this buffer.
alignas(16) char bootstrap[4096];
std::size_t bootstrap_used = 0;
thread_local bool resolving = false;

void count() {
  if (jwtx_malloc_counting) jwtx_malloc_count.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) void* malloc(std::size_t n) {
  static auto real = reinterpret_cast<malloc_fn>(dlsym(RTLD_NEXT, "malloc"));
  count();
  return real(n);
}

__attribute__((visibility("default"))) void* calloc(std::size_t a, std::size_t b) {
  static calloc_fn real = nullptr;
  if (real == nullptr) {
    if (resolving) {
      void* p = bootstrap + bootstrap_used;
      bootstrap_used += (a * b + 15) & ~std::size_t{15};
      return p;
    }
    resolving = true;
    real = reinterpret_cast<calloc_fn>(dlsym(RTLD_NEXT, "calloc"));
    resolving = false;
  }
  count();
  return real(a, b);
}

__attribute__((visibility("default"))) void* realloc(void* p, std::size_t n) {
  static auto real = reinterpret_cast<realloc_fn>(dlsym(RTLD_NEXT, "realloc"));
  count();
  return real(p, n);
}
}
