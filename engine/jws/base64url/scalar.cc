// Scalar base64url kernel: the reference every vector kernel is tested against.
#include <array>

#include "engine/jws/base64url/kernels.h"

namespace jwtx::base64url::detail {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

consteval std::array<std::uint8_t, 256> make_table() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = 0xff;
  for (int i = 0; i < 64; ++i)
    t[static_cast<std::uint8_t>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  return t;
}
constexpr std::array<std::uint8_t, 256> kDecode = make_table();

}  // namespace

decode_result decode_scalar(std::string_view in, std::uint8_t* out) noexcept {
  const auto* s = reinterpret_cast<const std::uint8_t*>(in.data());
  const std::size_t n = in.size();
  std::size_t i = 0, o = 0;
  for (; i + 4 <= n; i += 4) {
    std::uint32_t a = kDecode[s[i]], b = kDecode[s[i + 1]], c = kDecode[s[i + 2]],
                  d = kDecode[s[i + 3]];
    if ((a | b | c | d) & 0x80) {
      for (std::size_t k = i;; ++k) {
        if (kDecode[s[k]] == 0xff) return {false, 0, k};
      }
    }
    std::uint32_t v = a << 18 | b << 12 | c << 6 | d;
    out[o++] = static_cast<std::uint8_t>(v >> 16);
    out[o++] = static_cast<std::uint8_t>(v >> 8);
    out[o++] = static_cast<std::uint8_t>(v);
  }
  const std::size_t rem = n - i;
  if (rem == 0) return {true, o, 0};
  for (std::size_t k = i; k < n; ++k) {
    if (kDecode[s[k]] == 0xff) return {false, 0, k};
  }
  if (rem == 1) return {false, 0, i};  // 6 bits cannot encode a byte
  std::uint32_t a = kDecode[s[i]], b = kDecode[s[i + 1]];
  if (rem == 2) {
    if (b & 0x0f) return {false, 0, i + 1};  // non-canonical: unused 4 bits set
    out[o++] = static_cast<std::uint8_t>(a << 2 | b >> 4);
    return {true, o, 0};
  }
  std::uint32_t c = kDecode[s[i + 2]];
  if (c & 0x03) return {false, 0, i + 2};  // non-canonical: unused 2 bits set
  out[o++] = static_cast<std::uint8_t>(a << 2 | b >> 4);
  out[o++] = static_cast<std::uint8_t>((b & 0x0f) << 4 | c >> 2);
  return {true, o, 0};
}

std::size_t encode_scalar(const std::uint8_t* in, std::size_t n, char* out) noexcept {
  std::size_t i = 0, o = 0;
  for (; i + 3 <= n; i += 3) {
    std::uint32_t v = std::uint32_t{in[i]} << 16 | std::uint32_t{in[i + 1]} << 8 | in[i + 2];
    out[o++] = kAlphabet[v >> 18];
    out[o++] = kAlphabet[(v >> 12) & 63];
    out[o++] = kAlphabet[(v >> 6) & 63];
    out[o++] = kAlphabet[v & 63];
  }
  if (n - i == 1) {
    out[o++] = kAlphabet[in[i] >> 2];
    out[o++] = kAlphabet[(in[i] & 3) << 4];
  } else if (n - i == 2) {
    out[o++] = kAlphabet[in[i] >> 2];
    out[o++] = kAlphabet[(in[i] & 3) << 4 | in[i + 1] >> 4];
    out[o++] = kAlphabet[(in[i + 1] & 15) << 2];
  }
  return o;
}

}  // namespace jwtx::base64url::detail
