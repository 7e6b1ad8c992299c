// base64url (RFC 4648 §5) without padding, as JWS compact serialization requires (RFC 7515 §2).
//
// Strictness (one definition, shared by every kernel): only A-Z a-z 0-9 - _ are accepted; '=' is
// rejected; a length of 1 mod 4 is rejected; the unused low bits of the last character must be
// zero (canonical encoding), so every byte string has exactly one accepted encoding.
//
// No allocation, no exceptions: callers pass the output buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace jwtx::base64url {

// Exact decoded size for an encoded length (valid lengths only: len % 4 != 1).
constexpr std::size_t decoded_size(std::size_t encoded_len) noexcept {
  return encoded_len / 4 * 3 + (encoded_len % 4 == 0 ? 0 : encoded_len % 4 - 1);
}
constexpr std::size_t encoded_size(std::size_t decoded_len) noexcept {
  return decoded_len / 3 * 4 + (decoded_len % 3 == 0 ? 0 : decoded_len % 3 + 1);
}

struct decode_result {
  bool ok;
  std::size_t size;          // decoded bytes written (when ok)
  std::size_t error_offset;  // offset of the first offending input byte (when !ok)
};

// Decodes |in| into |out| (capacity >= decoded_size(in.size())). On success returns
// {true, decoded_size(in.size()), 0}; otherwise {false, 0, offset of the first offending byte},
// and out[0, decoded_size(in.size())) holds unspecified bytes. Never writes past that capacity.
// Goes through the active kernel (see below): one indirect call, no allocation, no lock.
decode_result decode(std::string_view in, std::uint8_t* out) noexcept;

// Encodes |in| into |out| (capacity >= encoded_size(n)); returns the number of chars written.
std::size_t encode(const std::uint8_t* in, std::size_t n, char* out) noexcept;

// --- Kernels ------------------------------------------------------------------------------------
// Every kernel returns exactly what the scalar reference returns (result, size and
// error_offset); they differ only in speed. The active kernel is picked once, on first use:
// JWTX_BASE64_KERNEL=scalar|sse41|avx2|avx512 if set and supported by the CPU, else the fastest
// kernel the CPU supports (CPUID). avx512 needs AVX-512 VBMI + BW.
enum class kernel { scalar, sse41, avx2, avx512 };

// Stable lower-case name: "scalar", "sse41", "avx2", "avx512".
std::string_view kernel_name(kernel k) noexcept;
// True if this build contains |k| and the CPU (and OS) can run it. scalar is always supported.
bool kernel_supported(kernel k) noexcept;
// The kernel decode()/encode() use now (selecting it if nothing has been selected yet).
kernel active_kernel() noexcept;
// Makes |k| the active kernel for every thread; returns false (and changes nothing) if
// !kernel_supported(k). For tests, benches and operators; not meant to be flipped while hot.
bool force_kernel(kernel k) noexcept;
// Forgets any forced kernel and selects again from JWTX_BASE64_KERNEL and CPUID; returns the pick.
kernel reselect_kernel() noexcept;

// decode()/encode() through kernel |k| regardless of the active one (tests and benches). If
// !kernel_supported(k) these use the scalar kernel.
decode_result decode_with(kernel k, std::string_view in, std::uint8_t* out) noexcept;
std::size_t encode_with(kernel k, const std::uint8_t* in, std::size_t n, char* out) noexcept;

// Allocating conveniences for tools and tests (not for the hot path).
std::string encode(std::string_view in);
// Returns false on any strictness violation.
bool decode(std::string_view in, std::string* out);

}  // namespace jwtx::base64url
