// Shared helpers for the jwtx CLI verbs: file I/O, error reporting, JSON string escaping and token
// input. Every verb file (verify.cc, decode.cc, keygen.cc, mint.cc) registers one subcommand.
//
// Exit status convention for every verb: 0 success, 1 "some token was invalid / failed", 2 usage
// or key-loading error (a message naming the file and the reason goes to stderr).
#pragma once

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/json_writer.h"

namespace jwtx::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;

// A registered subcommand: |run| is called after a successful parse if |cmd| was selected.
struct verb {
  CLI::App* cmd = nullptr;
  std::function<int()> run;
};

verb add_verify(CLI::App& app);
verb add_decode(CLI::App& app);
verb add_keygen(CLI::App& app);
verb add_mint(CLI::App& app);

// Prints "jwtx: <message>" on stderr and returns kExitUsage.
inline int fail(std::string_view message) {
  std::cerr << "jwtx: " << message << '\n';
  return kExitUsage;
}

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

// The tokens to process: |args| if any, otherwise stdin, one per line.
inline std::vector<std::string> read_tokens(const std::vector<std::string>& args) {
  if (!args.empty()) return args;
  std::string all;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), stdin)) > 0) all.append(buf, n);
  return split_lines(all);
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
