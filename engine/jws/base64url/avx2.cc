// AVX2 base64url kernel: 32 input characters (24 output bytes) per step.
//
// Same algorithm as sse41.cc on both 128-bit lanes at once (see there for the lookup tables):
// nibble-table validation, high-nibble offset translation, pmaddubsw/pmaddwd packing, then one
// vpermd closes the 4-byte gap between the lanes' 12-byte results. A block with any invalid byte
// goes to decode_scalar, which finds the exact first offending byte; a final 16..31 characters
// take one 128-bit step, the rest (< 16) go to decode_scalar.
//
// Encode loads 12 bytes into each lane (24 per step) and runs the sse41.cc encode steps.
#include "engine/jws/base64url/kernels.h"

#if defined(JWTX_BASE64URL_X86)
#include <immintrin.h>

#include <cstring>

#define JWTX_TARGET_AVX2 __attribute__((target("avx2")))

namespace jwtx::base64url::detail {
namespace {

struct decoder_luts {
  __m256i invalid_by_lo, class_by_hi, offset_by_hi, nibble, underscore, merge_pairs, merge_quads,
      order, compact;
};

JWTX_TARGET_AVX2 inline decoder_luts make_decoder_luts() {
  return {
      _mm256_setr_epi8(0x0b, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x07, 0x37, 0x37,
                       0x35, 0x37, 0x27, 0x0b, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,
                       0x07, 0x37, 0x37, 0x35, 0x37, 0x27),
      _mm256_setr_epi8(0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x08, 0x20, 0x01, 0x01, 0x01, 0x01, 0x01,
                       0x01, 0x01, 0x01, 0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x08, 0x20, 0x01, 0x01,
                       0x01, 0x01, 0x01, 0x01, 0x01, 0x01),
      _mm256_setr_epi8(-32, 0, 17, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0, -32, 0, 17, 4,
                       -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0),
      _mm256_set1_epi8(0x0f),
      _mm256_set1_epi8('_'),
      _mm256_set1_epi32(0x01400140),
      _mm256_set1_epi32(0x00011000),
      _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, 2, 1, 0, 6, 5, 4, 10,
                       9, 8, 14, 13, 12, -1, -1, -1, -1),
      _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7),
  };
}

// Decodes 32 characters into the low 24 bytes of *packed; returns false if any is invalid.
JWTX_TARGET_AVX2 inline bool decode_block(const decoder_luts& t, __m256i v, __m256i* packed) {
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi32(v, 4), t.nibble);
  const __m256i lo = _mm256_and_si256(v, t.nibble);
  const __m256i bad = _mm256_and_si256(_mm256_shuffle_epi8(t.invalid_by_lo, lo),
                                       _mm256_shuffle_epi8(t.class_by_hi, hi));
  if (!_mm256_testz_si256(bad, bad)) return false;
  const __m256i index = _mm256_andnot_si256(_mm256_cmpeq_epi8(v, t.underscore), hi);
  const __m256i values = _mm256_add_epi8(v, _mm256_shuffle_epi8(t.offset_by_hi, index));
  const __m256i words = _mm256_maddubs_epi16(values, t.merge_pairs);
  const __m256i dwords = _mm256_madd_epi16(words, t.merge_quads);
  *packed = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(dwords, t.order), t.compact);
  return true;
}

}  // namespace

JWTX_TARGET_AVX2 decode_result decode_avx2(std::string_view in, std::uint8_t* out) noexcept {
  const char* s = in.data();
  const std::size_t n = in.size();
  const decoder_luts t = make_decoder_luts();
  std::size_t i = 0, o = 0;
  // Full 32-byte stores while they stay inside decoded_size(n): 3 * (i + 44) / 4 >= o + 32 + 1.
  for (; i + 44 <= n; i += 32, o += 24) {
    __m256i packed;
    if (!decode_block(t, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i)), &packed)) {
      return finish_scalar(in, i, o, out);
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + o), packed);
  }
  if (i + 32 <= n) {  // one more full block, exact 24-byte store
    __m256i packed;
    if (!decode_block(t, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i)), &packed)) {
      return finish_scalar(in, i, o, out);
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + o), _mm256_castsi256_si128(packed));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + o + 16), _mm256_extracti128_si256(packed, 1));
    i += 32;
    o += 24;
  }
  if (i + 16 <= n) {  // one 16-character step, upper lane padded with valid 'A's
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    __m256i packed;
    if (!decode_block(t, _mm256_inserti128_si256(_mm256_set1_epi8('A'), chunk, 0), &packed)) {
      return finish_scalar(in, i, o, out);
    }
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + o), _mm256_castsi256_si128(packed));
    const std::uint32_t last =
        static_cast<std::uint32_t>(_mm_extract_epi32(_mm256_castsi256_si128(packed), 2));
    std::memcpy(out + o + 8, &last, 4);
    i += 16;
    o += 12;
  }
  return finish_scalar(in, i, o, out);
}

JWTX_TARGET_AVX2 std::size_t encode_avx2(const std::uint8_t* in, std::size_t n,
                                         char* out) noexcept {
  const __m256i spread = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10, 1, 0,
                                          2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
  const __m256i ac_mask = _mm256_set1_epi32(0x0fc0fc00);
  const __m256i ac_mul = _mm256_set1_epi32(0x04000040);
  const __m256i bd_mask = _mm256_set1_epi32(0x003f03f0);
  const __m256i bd_mul = _mm256_set1_epi32(0x01000010);
  const __m256i fifty_one = _mm256_set1_epi8(51);
  const __m256i twenty_six = _mm256_set1_epi8(26);
  const __m256i thirteen = _mm256_set1_epi8(13);
  const __m256i ascii_offset =
      _mm256_setr_epi8(71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -17, 32, 65, 0, 0, 71, -4, -4,
                       -4, -4, -4, -4, -4, -4, -4, -4, -17, 32, 65, 0, 0);
  std::size_t i = 0, o = 0;
  for (; i + 28 <= n; i += 24, o += 32) {
    const __m256i raw = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))),
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + 12)), 1);
    const __m256i v = _mm256_shuffle_epi8(raw, spread);
    const __m256i ac = _mm256_mulhi_epu16(_mm256_and_si256(v, ac_mask), ac_mul);
    const __m256i bd = _mm256_mullo_epi16(_mm256_and_si256(v, bd_mask), bd_mul);
    const __m256i sextets = _mm256_or_si256(ac, bd);
    __m256i index = _mm256_subs_epu8(sextets, fifty_one);
    index =
        _mm256_or_si256(index, _mm256_and_si256(_mm256_cmpgt_epi8(twenty_six, sextets), thirteen));
    const __m256i ascii = _mm256_add_epi8(sextets, _mm256_shuffle_epi8(ascii_offset, index));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + o), ascii);
  }
  return o + encode_scalar(in + i, n - i, out + o);
}

}  // namespace jwtx::base64url::detail

#endif  // JWTX_BASE64URL_X86
