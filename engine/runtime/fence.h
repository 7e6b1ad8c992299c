// jwtx::store_load_fence — the full barrier of a Dekker-style handshake ("I published, now I
// look at your flag" on one side, "I raised my flag, now I look for work" on the other), used where
// a sleeper must never miss a wake-up (batch_pipeline's batcher and close()).
//
// Normally std::atomic_thread_fence(seq_cst). ThreadSanitizer does not model fences (GCC refuses
// to compile them with -fsanitize=thread), so under TSan the same guarantee comes from a seq_cst
// read-modify-write on one shared atomic: such RMWs are totally ordered and each synchronises
// with the one before it, which orders both sides' accesses the way the fences would. (That
// variant serialises every caller on one cache line: fine for a sanitizer build, not for speed.)
#pragma once

#include <atomic>

#if defined(__SANITIZE_THREAD__)
#define JWTX_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define JWTX_TSAN 1
#endif
#endif

namespace jwtx {

#ifdef JWTX_TSAN
inline std::atomic<unsigned> tsan_fence_word{0};
inline void store_load_fence() noexcept { tsan_fence_word.fetch_add(0, std::memory_order_seq_cst); }
#else
inline void store_load_fence() noexcept { std::atomic_thread_fence(std::memory_order_seq_cst); }
#endif

}  // namespace jwtx
