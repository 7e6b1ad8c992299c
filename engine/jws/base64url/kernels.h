// Kernel entry points behind base64url.h. Only dispatch.cc calls these; everything else goes
// through base64url.h (decode/encode, or decode_with/encode_with for tests and benches).
//
// Every decode kernel implements exactly the strictness of decode_scalar, including the
// error_offset it reports: vector kernels validate whole blocks and hand the first block that
// contains an error (and the tail) to decode_scalar, so the answers agree by construction.
// A vector kernel may write anywhere in out[0, decoded_size(in.size())) before it returns, never
// past it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/jws/base64url/base64url.h"

// x86-64 kernels are compiled with per-function target attributes, so the library itself still
// runs on a baseline (SSE2) x86-64 CPU; dispatch.cc only selects a kernel CPUID allows.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define JWTX_BASE64URL_X86 1
// AVX-512 VBMI intrinsics (vpermb, vpermt2b, vpmultishiftqb): GCC 8+, Clang 8+.
#if (defined(__clang__) && __clang_major__ >= 8) || (!defined(__clang__) && __GNUC__ >= 8)
#define JWTX_BASE64URL_AVX512 1
#endif
#endif

namespace jwtx::base64url::detail {

decode_result decode_scalar(std::string_view in, std::uint8_t* out) noexcept;
std::size_t encode_scalar(const std::uint8_t* in, std::size_t n, char* out) noexcept;

#if defined(JWTX_BASE64URL_X86)
decode_result decode_sse41(std::string_view in, std::uint8_t* out) noexcept;
std::size_t encode_sse41(const std::uint8_t* in, std::size_t n, char* out) noexcept;
decode_result decode_avx2(std::string_view in, std::uint8_t* out) noexcept;
std::size_t encode_avx2(const std::uint8_t* in, std::size_t n, char* out) noexcept;
#endif
#if defined(JWTX_BASE64URL_AVX512)
decode_result decode_avx512(std::string_view in, std::uint8_t* out) noexcept;
std::size_t encode_avx512(const std::uint8_t* in, std::size_t n, char* out) noexcept;
#endif

// Finishes a decode at |i| (a multiple of 4, with |o| == i / 4 * 3 bytes already written) with the
// scalar kernel, translating its answer back to offsets in the whole input.
inline decode_result finish_scalar(std::string_view in, std::size_t i, std::size_t o,
                                   std::uint8_t* out) noexcept {
  decode_result r = decode_scalar(in.substr(i), out + o);
  if (!r.ok) return {false, 0, i + r.error_offset};
  return {true, o + r.size, 0};
}

}  // namespace jwtx::base64url::detail
