// AVX-512 VBMI base64url kernel: 64 input characters (48 output bytes) per step.
//
// VBMI's two-table byte permute (vpermt2b) is a 128-entry lookup: one instruction maps every
// 7-bit ASCII byte straight to its 6-bit value, or to 0x80 if it is not in the alphabet; a byte
// >= 0x80 is caught by its own high bit. Packing is pmaddubsw/pmaddwd as in sse41.cc, then one
// vpermb gathers the 48 output bytes. Stores and the final partial block use byte masks, so the
// kernel never touches memory outside in[] and out[0, decoded_size(n)). Blocks with an invalid
// byte and the last < 4 characters go to decode_scalar, which defines the error offsets.
//
// Encode: vpermb spreads each 3 bytes into a dword as [b1 b0 b2 b1], vpmultishiftqb extracts
// the four 6-bit fields (bit offsets 10, 4, 22, 16 within the dword) and vpermb maps 0..63 to
// the alphabet.
#include "engine/jws/base64url/kernels.h"

#if defined(JWTX_BASE64URL_AVX512)
// GCC 12's _mm512_undefined_epi32() (used inside vpermb & co.) trips -Wmaybe-uninitialized
// (GCC PR105593, fixed in GCC 13); the warning is about the header, not this code.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <array>

#define JWTX_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi")))

namespace jwtx::base64url::detail {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

using table64 = std::array<std::uint8_t, 64>;

// ASCII (0..127) -> 6-bit value, 0x80 for bytes outside the alphabet.
consteval std::array<std::uint8_t, 128> make_decode_table() {
  std::array<std::uint8_t, 128> t{};
  for (auto& v : t) v = 0x80;
  for (int i = 0; i < 64; ++i)
    t[static_cast<std::size_t>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  return t;
}
constexpr std::array<std::uint8_t, 128> kDecode = make_decode_table();

// Output byte j comes from dword j / 3, byte 2 - j % 3 (big-endian 24-bit groups).
consteval table64 make_gather() {
  table64 t{};
  for (std::size_t j = 0; j < 48; ++j) t[j] = static_cast<std::uint8_t>(4 * (j / 3) + 2 - j % 3);
  return t;
}
constexpr table64 kGather = make_gather();

// Dword k of the encode input is [b1 b0 b2 b1] of bytes 3k..3k+2.
consteval table64 make_spread() {
  table64 t{};
  for (std::size_t k = 0; k < 16; ++k) {
    t[4 * k] = static_cast<std::uint8_t>(3 * k + 1);
    t[4 * k + 1] = static_cast<std::uint8_t>(3 * k);
    t[4 * k + 2] = static_cast<std::uint8_t>(3 * k + 2);
    t[4 * k + 3] = static_cast<std::uint8_t>(3 * k + 1);
  }
  return t;
}
constexpr table64 kSpread = make_spread();

consteval table64 make_alphabet() {
  table64 t{};
  for (std::size_t k = 0; k < 64; ++k) t[k] = static_cast<std::uint8_t>(kAlphabet[k]);
  return t;
}
constexpr table64 kAlphabetTable = make_alphabet();

JWTX_TARGET_AVX512 inline __m512i load64(const std::uint8_t* p) { return _mm512_loadu_si512(p); }

struct decoder {
  __m512i lut_lo, lut_hi, merge_pairs, merge_quads, gather;

  // Decodes the 64 characters in |v| into the low 48 bytes of *packed; false if any is invalid.
  JWTX_TARGET_AVX512 bool block(__m512i v, __m512i* packed) const {
    const __m512i values = _mm512_permutex2var_epi8(lut_lo, v, lut_hi);
    if (_mm512_movepi8_mask(_mm512_or_si512(values, v)) != 0) return false;
    const __m512i words = _mm512_maddubs_epi16(values, merge_pairs);
    const __m512i dwords = _mm512_madd_epi16(words, merge_quads);
    *packed = _mm512_permutexvar_epi8(gather, dwords);
    return true;
  }
};

constexpr __mmask64 low_bytes(std::size_t k) {  // k <= 63
  return (__mmask64{1} << k) - 1;
}

}  // namespace

JWTX_TARGET_AVX512 decode_result decode_avx512(std::string_view in, std::uint8_t* out) noexcept {
  const char* s = in.data();
  const std::size_t n = in.size();
  const decoder d{load64(kDecode.data()), load64(kDecode.data() + 64),
                  _mm512_set1_epi32(0x01400140), _mm512_set1_epi32(0x00011000),
                  load64(kGather.data())};
  std::size_t i = 0, o = 0;
  for (; i + 64 <= n; i += 64, o += 48) {
    __m512i packed;
    if (!d.block(_mm512_loadu_si512(s + i), &packed)) return finish_scalar(in, i, o, out);
    _mm512_mask_storeu_epi8(out + o, low_bytes(48), packed);
  }
  // Remaining whole groups of 4 (< 64 characters), padded with valid 'A's.
  const std::size_t q = (n - i) & ~std::size_t{3};
  if (q != 0) {
    const __m512i v = _mm512_mask_loadu_epi8(_mm512_set1_epi8('A'), low_bytes(q), s + i);
    __m512i packed;
    if (!d.block(v, &packed)) return finish_scalar(in, i, o, out);
    _mm512_mask_storeu_epi8(out + o, low_bytes(q / 4 * 3), packed);
    i += q;
    o += q / 4 * 3;
  }
  return finish_scalar(in, i, o, out);
}

JWTX_TARGET_AVX512 std::size_t encode_avx512(const std::uint8_t* in, std::size_t n,
                                             char* out) noexcept {
  const __m512i lut = load64(kAlphabetTable.data());
  const __m512i spread = load64(kSpread.data());
  // Per qword: bytes a, b, c, d of the low dword, then of the high dword (+32).
  const __m512i shifts = _mm512_set1_epi64(0x3036242a1016040a);
  std::size_t i = 0, o = 0;
  for (; i + 48 <= n; i += 48, o += 64) {
    const __m512i raw = _mm512_maskz_loadu_epi8(low_bytes(48), in + i);
    const __m512i fields =
        _mm512_multishift_epi64_epi8(shifts, _mm512_permutexvar_epi8(spread, raw));
    _mm512_storeu_si512(out + o, _mm512_permutexvar_epi8(fields, lut));
  }
  const std::size_t q = (n - i) / 3 * 3;  // remaining whole 3-byte groups (< 48 bytes)
  if (q != 0) {
    const __m512i raw = _mm512_maskz_loadu_epi8(low_bytes(q), in + i);
    const __m512i fields =
        _mm512_multishift_epi64_epi8(shifts, _mm512_permutexvar_epi8(spread, raw));
    _mm512_mask_storeu_epi8(out + o, low_bytes(q / 3 * 4), _mm512_permutexvar_epi8(fields, lut));
    i += q;
    o += q / 3 * 4;
  }
  return o + encode_scalar(in + i, n - i, out + o);
}

}  // namespace jwtx::base64url::detail

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic pop
#endif
#endif  // JWTX_BASE64URL_AVX512
