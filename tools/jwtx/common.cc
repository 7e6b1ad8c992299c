#include "tools/jwtx/common.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace jwtx::cli {
namespace {

// |s| cut to at most |cap| bytes, backing off so that no UTF-8 sequence is split.
std::string_view cut(std::string_view s, std::size_t cap) {
  if (s.size() <= cap) return s;
  std::size_t n = cap;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// Appends |s| with control bytes and 0x7f escaped as append_json_string() writes them (\n, \u001b,
// ...) and UTF-8 C1 controls (C2 80..C2 9F, which some terminals obey as CSI & co.) as \u0080..
// \u009f. Other bytes, quotes included, are copied.
void append_escaped_controls(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      std::string one;
      append_json_string(one, s.substr(i, 1));
      out.append(one, 1, one.size() - 2);  // without the quotes
    } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      const auto c1 = static_cast<unsigned char>(s[++i]);
      out += "\\u00";
      out.push_back(kHex[c1 >> 4]);
      out.push_back(kHex[c1 & 15]);
    } else {
      out.push_back(s[i]);
    }
  }
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.15g", v);
  return buf;
}

// CLI11 prefixes a validator's message with the flag name ("--leeway: ...").
std::string range_error(std::string_view what, const std::string& lo, const std::string& hi,
                        const std::string& text) {
  return "expected " + std::string(what) + " in [" + lo + ", " + hi + "], got " + quote_input(text);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string unknown_algorithm(std::string_view flag, std::string_view name) {
  std::string msg;
  if (iequals(name, "none")) {
    return "unsupported algorithm in " + std::string(flag) + ": " + quote_input(name) +
           " (unsigned tokens are never accepted)";
  }
  msg = (name.empty() ? "empty algorithm name in " : "unknown algorithm in ") + std::string(flag);
  if (!name.empty()) msg += ": " + quote_input(name);
  std::string valid;
  for (int i = 0; i < kAlgorithmCount; ++i) {
    const std::string_view known = algorithm_name(static_cast<algorithm>(i));
    if (iequals(name, known)) {
      msg += "; did you mean \"" + std::string(known) +
             "\"? (algorithm names are case-sensitive, RFC 7515 section 4.1.1)";
    }
    valid += (i ? " " : "") + std::string(known);
  }
  return msg + "; valid: " + valid;
}

// count_in / integer_in: from_chars for an unsigned T refuses any sign, for a signed T a '+'.
template <class T>
CLI::Validator whole_in(T lo, T hi) {
  const std::string l = std::to_string(lo), h = std::to_string(hi);
  return CLI::Validator(
      [lo, hi, l, h](std::string& text) -> std::string {
        T v = 0;
        const char* end = text.data() + text.size();
        const auto [p, ec] = std::from_chars(text.data(), end, v);
        if (text.empty() || ec != std::errc() || p != end || v < lo || v > hi) {
          return range_error("a whole number", l, h, text);
        }
        return {};
      },
      "in [" + l + ", " + h + "]");
}

}  // namespace

std::string quote_input(std::string_view value) {
  const std::string_view head = cut(value, kMessageValueCap);
  std::string out = "\"";
  std::string body;
  append_json_string(body, head);
  // append_json_string has escaped the controls, quotes and backslashes; only C1 is left.
  append_escaped_controls(out, std::string_view(body).substr(1, body.size() - 2));
  out.push_back('"');
  if (head.size() < value.size()) out += "... (" + std::to_string(value.size()) + " bytes)";
  return out;
}

std::string sanitized(std::string_view message) {
  const std::string_view head = cut(message, kMessageCap);
  std::string out;
  append_escaped_controls(out, head);
  if (head.size() < message.size()) out += "... (" + std::to_string(message.size()) + " bytes)";
  return out;
}

CLI::Validator count_in(std::uint64_t lo, std::uint64_t hi) { return whole_in(lo, hi); }
CLI::Validator integer_in(std::int64_t lo, std::int64_t hi) { return whole_in(lo, hi); }

CLI::Validator seconds_in(double lo, double hi) {
  const std::string l = number_text(lo), h = number_text(hi);
  return CLI::Validator(
      [lo, hi, l, h](std::string& text) -> std::string {
        double v = 0;
        const char* end = text.data() + text.size();
        // from_chars: no leading whitespace, '+' or hex; 1e400 is out of range; nan/inf parse
        // and are refused by the isfinite test (a NaN would make every comparison pass).
        const auto [p, ec] = std::from_chars(text.data(), end, v);
        if (text.empty() || ec != std::errc() || p != end || !std::isfinite(v) || !(v >= lo) ||
            !(v <= hi)) {
          return range_error("a finite number of seconds", l, h, text);
        }
        return {};
      },
      "SECONDS in [" + l + ", " + h + "]");
}

std::optional<algorithm> parse_algorithm_flag(std::string_view flag, std::string_view name,
                                              std::string* error) {
  std::optional<algorithm> a = algorithm_from_name(name);
  if (!a) *error = unknown_algorithm(flag, name);
  return a;
}

std::optional<algorithm_set> parse_algorithms_flag(std::string_view flag, std::string_view csv,
                                                   std::string* error) {
  std::string_view bad;
  std::optional<algorithm_set> algs = parse_algorithm_list(csv, &bad);
  if (!algs) {
    *error = unknown_algorithm(flag, bad);
  } else if (algs->empty()) {
    *error = std::string(flag) + " lists no algorithm";
    algs.reset();
  }
  return algs;
}

}  // namespace jwtx::cli
