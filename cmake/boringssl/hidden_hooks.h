/* Force-included into BoringSSL's crypto/mem.c (cmake/boringssl/CMakeLists.txt).
 *
 * mem.c declares these allocator hooks as weak references so that a program may supply its own
 * allocator. -fvisibility=hidden only applies to definitions, so the references would stay
 * default-visibility imports of every binary and shared object linking jwtx, and any library in a
 * host process that defines them would take over jwtx's BoringSSL allocations. Declared hidden
 * first, the references are resolved (to nothing) when jwtx is linked: BoringSSL then always uses
 * malloc/free. */
#include <stddef.h>

void *OPENSSL_memory_alloc(size_t size) __attribute__((weak, visibility("hidden")));
void OPENSSL_memory_free(void *ptr) __attribute__((weak, visibility("hidden")));
size_t OPENSSL_memory_get_size(void *ptr) __attribute__((weak, visibility("hidden")));
void sdallocx(void *ptr, size_t size, int flags) __attribute__((weak, visibility("hidden")));
