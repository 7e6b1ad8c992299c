// SSE4.1 base64url kernel: 16 input characters (12 output bytes) per step.
//
// Decode, per 16-byte block:
//  1. validate: each byte's low nibble selects a set of "high nibbles for which this low nibble
//     is not in the alphabet" (kInvalidByLo), its high nibble selects one class bit
//     (kClassByHi); the byte is invalid iff the two share a bit. Bytes >= 0x80 (and < 0x20) have
//     a class bit every low nibble rejects.
//  2. translate: value = byte + offset, where the offset depends only on the high nibble, except
//     for '_' (same high nibble as 'P'..'Z'), which is moved to the unused index 0.
//  3. pack: 4 x 6 bits -> 24 bits per dword (pmaddubsw, pmaddwd), then pshufb the three bytes of
//     each dword into big-endian order.
// A block with any invalid byte, and the final < 16 characters, go to decode_scalar.
//
// Encode, per 12-byte group: pshufb each 3 bytes into a dword as [b1 b0 b2 b1], cut the four
// 6-bit fields into bytes with one 16-bit high multiply and one low multiply, then map 0..63 to
// ASCII by adding an offset chosen by the value's range.
#include "engine/jws/base64url/kernels.h"

#if defined(JWTX_BASE64URL_X86)
#include <immintrin.h>

#include <cstring>

#define JWTX_TARGET_SSE41 __attribute__((target("sse4.1")))

namespace jwtx::base64url::detail {
namespace {

struct decoder_luts {
  __m128i invalid_by_lo, class_by_hi, offset_by_hi, nibble, underscore, merge_pairs, merge_quads,
      order;
};

JWTX_TARGET_SSE41 inline decoder_luts make_decoder_luts() {
  // Class bits: 0x01 high nibble 0,1,8..f (never valid); 0x02 '\x20'..'\x2f' (only '-');
  // 0x04 '0'..'?' (digits); 0x08 '@'..'O' and '`'..'o' (all but the first); 0x10 'P'..'_' (all
  // but '['..'^'); 0x20 'p'..'\x7f' (all but '{'..'\x7f').
  return {
      _mm_setr_epi8(0x0b, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x07, 0x37, 0x37,
                    0x35, 0x37, 0x27),
      _mm_setr_epi8(0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x08, 0x20, 0x01, 0x01, 0x01, 0x01, 0x01,
                    0x01, 0x01, 0x01),
      // index 0: '_' (95 -> 63); 2: '-' (45 -> 62); 3: digits (48 -> 52); 4,5: 'A'..'Z' (65 -> 0);
      // 6,7: 'a'..'z' (97 -> 26).
      _mm_setr_epi8(-32, 0, 17, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0),
      _mm_set1_epi8(0x0f),
      _mm_set1_epi8('_'),
      _mm_set1_epi32(0x01400140),  // per byte pair: a * 64 + b
      _mm_set1_epi32(0x00011000),  // per word pair: ab * 4096 + cd
      _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1),
  };
}

// Decodes 16 characters into the low 12 bytes of *packed; returns false if any is invalid.
JWTX_TARGET_SSE41 inline bool decode_block(const decoder_luts& t, __m128i v, __m128i* packed) {
  const __m128i hi = _mm_and_si128(_mm_srli_epi32(v, 4), t.nibble);
  const __m128i lo = _mm_and_si128(v, t.nibble);
  const __m128i bad =
      _mm_and_si128(_mm_shuffle_epi8(t.invalid_by_lo, lo), _mm_shuffle_epi8(t.class_by_hi, hi));
  if (!_mm_testz_si128(bad, bad)) return false;
  const __m128i index = _mm_andnot_si128(_mm_cmpeq_epi8(v, t.underscore), hi);
  const __m128i values = _mm_add_epi8(v, _mm_shuffle_epi8(t.offset_by_hi, index));
  const __m128i words = _mm_maddubs_epi16(values, t.merge_pairs);
  const __m128i dwords = _mm_madd_epi16(words, t.merge_quads);
  *packed = _mm_shuffle_epi8(dwords, t.order);
  return true;
}

}  // namespace

JWTX_TARGET_SSE41 decode_result decode_sse41(std::string_view in, std::uint8_t* out) noexcept {
  const char* s = in.data();
  const std::size_t n = in.size();
  const decoder_luts t = make_decoder_luts();
  std::size_t i = 0, o = 0;
  // Full 16-byte stores while they stay inside decoded_size(n): 3 * (i + 24) / 4 >= o + 16 + 2.
  for (; i + 24 <= n; i += 16, o += 12) {
    __m128i packed;
    if (!decode_block(t, _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)), &packed)) {
      return finish_scalar(in, i, o, out);
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + o), packed);
  }
  // Last full blocks: exact 12-byte stores.
  for (; i + 16 <= n; i += 16, o += 12) {
    __m128i packed;
    if (!decode_block(t, _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)), &packed)) {
      return finish_scalar(in, i, o, out);
    }
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + o), packed);
    const std::uint32_t last = static_cast<std::uint32_t>(_mm_extract_epi32(packed, 2));
    std::memcpy(out + o + 8, &last, 4);
  }
  return finish_scalar(in, i, o, out);
}

JWTX_TARGET_SSE41 std::size_t encode_sse41(const std::uint8_t* in, std::size_t n,
                                           char* out) noexcept {
  const __m128i spread = _mm_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
  // Low word b0:b1 holds a (bits 10..15) and b (4..9); high word b1:b2 holds c (6..11), d (0..5).
  const __m128i ac_mask = _mm_set1_epi32(0x0fc0fc00);
  const __m128i ac_mul = _mm_set1_epi32(0x04000040);  // >> 10 and >> 6 via mulhi
  const __m128i bd_mask = _mm_set1_epi32(0x003f03f0);
  const __m128i bd_mul = _mm_set1_epi32(0x01000010);  // << 4 and << 8 via mullo
  const __m128i fifty_one = _mm_set1_epi8(51);
  const __m128i twenty_six = _mm_set1_epi8(26);
  const __m128i thirteen = _mm_set1_epi8(13);
  // Range index: 0 for 26..51, 1..10 for 52..61, 11 for 62, 12 for 63, 13 for 0..25.
  const __m128i ascii_offset =
      _mm_setr_epi8(71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -17, 32, 65, 0, 0);
  std::size_t i = 0, o = 0;
  for (; i + 16 <= n; i += 12, o += 16) {
    const __m128i v =
        _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i)), spread);
    const __m128i ac = _mm_mulhi_epu16(_mm_and_si128(v, ac_mask), ac_mul);
    const __m128i bd = _mm_mullo_epi16(_mm_and_si128(v, bd_mask), bd_mul);
    const __m128i sextets = _mm_or_si128(ac, bd);
    __m128i index = _mm_subs_epu8(sextets, fifty_one);
    index = _mm_or_si128(index, _mm_and_si128(_mm_cmpgt_epi8(twenty_six, sextets), thirteen));
    const __m128i ascii = _mm_add_epi8(sextets, _mm_shuffle_epi8(ascii_offset, index));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + o), ascii);
  }
  return o + encode_scalar(in + i, n - i, out + o);
}

}  // namespace jwtx::base64url::detail

#endif  // JWTX_BASE64URL_X86
