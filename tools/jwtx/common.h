// Shared helpers for the jwtx CLI verbs: file I/O, error reporting, message escaping, range-checked
// numeric flags and algorithm names. Every verb file (verify.cc, decode.cc, keygen.cc, mint.cc,
// revoke.cc) registers one subcommand; token input is in tools/jwtx/token_input.h.
//
// Exit status convention for every verb: 0 success, 1 "some token was invalid / failed", 2 usage
// or key-loading error (a message naming the file and the reason goes to stderr), 3 (verify,
// decode) no token at all: stdin was empty.
#pragma once

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/json_writer.h"
#include "engine/jws/algorithm.h"
#include "engine/time_rules.h"
#include "engine/verifier.h"

namespace jwtx::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;
// Nothing to do: stdin held no line at all. Distinct from 0 so that a pipeline that lost its
// input upstream is not read as "every token valid".
inline constexpr int kExitNoInput = 3;

// The latest Unix time any flag accepts: 9999-12-31T23:59:59Z, the engine's clock bound
// (engine/time_rules.h). Every time flag is bounded by it, so sums of two checked values
// (now + exp-in, now + ttl) stay far inside int64 and double's exact-integer range.
inline constexpr std::int64_t kMaxUnixTime = static_cast<std::int64_t>(jwtx::kMaxClockSeconds);

// A registered subcommand: |run| is called after a successful parse if |cmd| was selected.
struct verb {
  CLI::App* cmd = nullptr;
  std::function<int()> run;
};

verb add_verify(CLI::App& app);
verb add_decode(CLI::App& app);
verb add_keygen(CLI::App& app);
verb add_mint(CLI::App& app);

// Prints "jwtx: <message>" on stderr and returns kExitUsage. |message| must already be safe to
// print: wrap every input-derived part in quote_input() or sanitized().
inline int fail(std::string_view message) {
  std::cerr << "jwtx: " << message << '\n';
  return kExitUsage;
}

// Longest input-derived value (file name, kid, algorithm name...) a message shows; longer ones are
// cut and marked, so one message line stays one screen line and a huge input cannot flood a log.
inline constexpr std::size_t kMessageValueCap = 128;
// Longest message taken from the engine (key-set load errors and notes) that the CLI prints.
inline constexpr std::size_t kMessageCap = 1024;

// |value| as a quoted JSON string (append_json_string: control bytes and 0x7f escaped, so no
// terminal escape sequence or forged log line gets through), UTF-8 C1 controls (U+0080..U+009F)
// escaped as \u00XX too, and cut to kMessageValueCap bytes ("..." and the full length follow).
std::string quote_input(std::string_view value);

// A whole message from the engine (which may embed a kid, a file name...): the same escaping as
// quote_input() without the surrounding quotes, and quotes/backslashes left as they are, cut to
// kMessageCap bytes.
std::string sanitized(std::string_view message);

// Validators for numeric flags (CLI11 runs them on the text before converting it). The whole text
// must be a plain decimal number inside [lo, hi]; anything else (sign on a count, hex, spaces,
// nan, inf, 1e400) fails the parse with a message naming the flag and the range (exit 2).
//   count_in:   unsigned whole number (sizes, counts, bits)
//   integer_in: signed whole number (mint --exp-in, mint --now)
//   seconds_in: finite decimal, fractions and exponents allowed (leeway, --now, timeouts)
CLI::Validator count_in(std::uint64_t lo, std::uint64_t hi);
CLI::Validator integer_in(std::int64_t lo, std::int64_t hi);
CLI::Validator seconds_in(double lo, double hi);

// Parses one algorithm name given to |flag| (keygen/mint --alg). On failure returns nullopt and
// sets *error to a message that lists the valid names and, for a name that differs only in case,
// names the right spelling (JWS "alg" values are case-sensitive, RFC 7515 §4.1.1).
std::optional<algorithm> parse_algorithm_flag(std::string_view flag, std::string_view name,
                                              std::string* error);
// The same for a comma list (verify --algs). An empty list is an error too.
std::optional<algorithm_set> parse_algorithms_flag(std::string_view flag, std::string_view csv,
                                                   std::string* error);

// Reads a whole file. On failure returns false and sets *error to the OS reason (strerror).
inline bool read_file(const std::string& path, std::string* out, std::string* error) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *error = std::strerror(errno);
    return false;
  }
  out->clear();
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out->append(buf, n);
  const bool ok = !std::ferror(f);
  if (!ok) *error = std::strerror(errno);
  std::fclose(f);
  return ok;
}

// Splits |text| into lines, strips a trailing '\r' from each and drops empty lines.
inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) lines.emplace_back(line);
  }
  return lines;
}

// "a,b,,c" -> {"a","b","c"} (empty items dropped).
inline std::vector<std::string> split_csv(std::string_view csv) {
  std::vector<std::string> items;
  while (!csv.empty()) {
    std::size_t comma = csv.find(',');
    std::string_view item = csv.substr(0, comma);
    csv = comma == std::string_view::npos ? std::string_view() : csv.substr(comma + 1);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

inline std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// Writes all of |s| to stdout.
inline void write_stdout(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

}  // namespace jwtx::cli
