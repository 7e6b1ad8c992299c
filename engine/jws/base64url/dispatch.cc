// The one place that picks the base64url kernel (see base64url.h for the selection rules).
//
// g_active points at the active kernel's function table. Until the first call it points at a
// resolver table whose functions select a kernel, publish it and forward, so a steady-state
// decode()/encode() is one atomic (plain) load plus one indirect call: no branch, no lock.
#include <atomic>
#include <cstdlib>

#include "engine/jws/base64url/kernels.h"

namespace jwtx::base64url {
namespace {

using decode_fn = decode_result (*)(std::string_view, std::uint8_t*) noexcept;
using encode_fn = std::size_t (*)(const std::uint8_t*, std::size_t, char*) noexcept;

struct implementation {
  kernel id;
  decode_fn decode;
  encode_fn encode;
};

constexpr implementation kScalar{kernel::scalar, detail::decode_scalar, detail::encode_scalar};
#if defined(JWTX_BASE64URL_X86)
constexpr implementation kSse41{kernel::sse41, detail::decode_sse41, detail::encode_sse41};
constexpr implementation kAvx2{kernel::avx2, detail::decode_avx2, detail::encode_avx2};
#endif
#if defined(JWTX_BASE64URL_AVX512)
constexpr implementation kAvx512{kernel::avx512, detail::decode_avx512, detail::encode_avx512};
#endif

// The kernel's table if this build contains it, else nullptr.
const implementation* compiled(kernel k) noexcept {
  switch (k) {
    case kernel::scalar:
      return &kScalar;
#if defined(JWTX_BASE64URL_X86)
    case kernel::sse41:
      return &kSse41;
    case kernel::avx2:
      return &kAvx2;
#endif
#if defined(JWTX_BASE64URL_AVX512)
    case kernel::avx512:
      return &kAvx512;
#endif
    default:
      return nullptr;
  }
}

bool cpu_runs(kernel k) noexcept {
#if defined(JWTX_BASE64URL_X86)
  // libgcc's/compiler-rt's CPU model also checks XGETBV, i.e. that the OS saves YMM/ZMM state.
  __builtin_cpu_init();
  switch (k) {
    case kernel::scalar:
      return true;
    case kernel::sse41:
      return __builtin_cpu_supports("sse4.1");
    case kernel::avx2:
      return __builtin_cpu_supports("avx2");
    case kernel::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vbmi");
  }
  return false;
#else
  return k == kernel::scalar;
#endif
}

const implementation* supported(kernel k) noexcept {
  const implementation* impl = compiled(k);
  return impl != nullptr && cpu_runs(k) ? impl : nullptr;
}

// JWTX_BASE64_KERNEL if it names a supported kernel, else the fastest supported one.
const implementation* select() noexcept {
  if (const char* env = std::getenv("JWTX_BASE64_KERNEL")) {
    for (kernel k : {kernel::scalar, kernel::sse41, kernel::avx2, kernel::avx512}) {
      if (kernel_name(k) == env) {
        if (const implementation* impl = supported(k)) return impl;
      }
    }
  }
  for (kernel k : {kernel::avx512, kernel::avx2, kernel::sse41}) {
    if (const implementation* impl = supported(k)) return impl;
  }
  return &kScalar;
}

decode_result decode_resolving(std::string_view in, std::uint8_t* out) noexcept;
std::size_t encode_resolving(const std::uint8_t* in, std::size_t n, char* out) noexcept;

constexpr implementation kResolver{kernel::scalar, decode_resolving, encode_resolving};

constinit std::atomic<const implementation*> g_active{&kResolver};

// Selects and publishes a kernel unless one was published (or forced) meanwhile.
const implementation* resolve() noexcept {
  const implementation* expected = &kResolver;
  const implementation* chosen = select();
  if (g_active.compare_exchange_strong(expected, chosen, std::memory_order_acq_rel)) return chosen;
  return expected;
}

const implementation* current() noexcept {
  const implementation* impl = g_active.load(std::memory_order_acquire);
  return impl == &kResolver ? resolve() : impl;
}

decode_result decode_resolving(std::string_view in, std::uint8_t* out) noexcept {
  return resolve()->decode(in, out);
}
std::size_t encode_resolving(const std::uint8_t* in, std::size_t n, char* out) noexcept {
  return resolve()->encode(in, n, out);
}

}  // namespace

decode_result decode(std::string_view in, std::uint8_t* out) noexcept {
  return g_active.load(std::memory_order_acquire)->decode(in, out);
}

std::size_t encode(const std::uint8_t* in, std::size_t n, char* out) noexcept {
  return g_active.load(std::memory_order_acquire)->encode(in, n, out);
}

std::string_view kernel_name(kernel k) noexcept {
  switch (k) {
    case kernel::scalar:
      return "scalar";
    case kernel::sse41:
      return "sse41";
    case kernel::avx2:
      return "avx2";
    case kernel::avx512:
      return "avx512";
  }
  return "unknown";
}

bool kernel_supported(kernel k) noexcept { return supported(k) != nullptr; }

kernel active_kernel() noexcept { return current()->id; }

bool force_kernel(kernel k) noexcept {
  const implementation* impl = supported(k);
  if (impl == nullptr) return false;
  g_active.store(impl, std::memory_order_release);
  return true;
}

kernel reselect_kernel() noexcept {
  const implementation* chosen = select();
  g_active.store(chosen, std::memory_order_release);
  return chosen->id;
}

decode_result decode_with(kernel k, std::string_view in, std::uint8_t* out) noexcept {
  const implementation* impl = supported(k);
  return (impl != nullptr ? impl : &kScalar)->decode(in, out);
}

std::size_t encode_with(kernel k, const std::uint8_t* in, std::size_t n, char* out) noexcept {
  const implementation* impl = supported(k);
  return (impl != nullptr ? impl : &kScalar)->encode(in, n, out);
}

// Allocating conveniences (not kernels; they go through the active one).
std::string encode(std::string_view in) {
  std::string out(encoded_size(in.size()), '\0');
  encode(reinterpret_cast<const std::uint8_t*>(in.data()), in.size(), out.data());
  return out;
}

bool decode(std::string_view in, std::string* out) {
  out->resize(decoded_size(in.size()) + 1);
  auto r = decode(in, reinterpret_cast<std::uint8_t*>(out->data()));
  if (!r.ok) {
    out->clear();
    return false;
  }
  out->resize(r.size);
  return true;
}

}  // namespace jwtx::base64url
