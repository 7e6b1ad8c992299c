#include "engine/json_writer.h"

#include <algorithm>

namespace jwtx {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// One byte as in a JSON string literal (short escapes, \u00XX for controls and 0x7f); bytes at or
// above 0x80 are copied.
void append_escaped_byte(std::string& out, char ch) {
  const auto c = static_cast<unsigned char>(ch);
  switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (c < 0x20 || c == 0x7f) {
        out += "\\u00";
        out.push_back(kHexDigits[c >> 4]);
        out.push_back(kHexDigits[c & 0xf]);
      } else {
        out.push_back(ch);
      }
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char ch : s) append_escaped_byte(out, ch);
  out.push_back('"');
}

namespace {

void append_u16(std::string& out, unsigned u) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHexDigits[(u >> shift) & 0xf]);
}

// Length of the valid UTF-8 sequence starting at s[i] (2..4) and its code point, or 0 if the
// bytes there are not one (overlong, surrogate, above U+10FFFF, truncated, stray continuation).
std::size_t utf8_sequence(std::string_view s, std::size_t i, unsigned* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len;
  unsigned min;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2, min = 0x80, *cp = b0 & 0x1fu;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3, min = 0x800, *cp = b0 & 0x0fu;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4, min = 0x10000, *cp = b0 & 0x07u;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    *cp = (*cp << 6) | (b & 0x3fu);
  }
  if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) return 0;
  return len;
}

}  // namespace

std::string quoted_for_message(std::string_view s, std::size_t max_bytes) {
  std::string out;
  out.reserve(2 + std::min(s.size(), max_bytes) + 16);
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (i + 1 > max_bytes) break;
      append_escaped_byte(out, s[i]);
      ++i;
      continue;
    }
    unsigned cp = 0;
    const std::size_t len = utf8_sequence(s, i, &cp);
    if (i + std::max<std::size_t>(len, 1) > max_bytes) break;  // never show half a character
    if (len == 0) {
      out += "\\x";
      out.push_back(kHexDigits[c >> 4]);
      out.push_back(kHexDigits[c & 0xf]);
      ++i;
      continue;
    }
    if (cp >= 0x10000) {
      append_u16(out, 0xd800 + ((cp - 0x10000) >> 10));
      append_u16(out, 0xdc00 + ((cp - 0x10000) & 0x3ff));
    } else {
      append_u16(out, cp);
    }
    i += len;
  }
  out.push_back('"');
  if (i < s.size()) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

}  // namespace jwtx
