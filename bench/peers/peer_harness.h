// The protocol every C/C++ peer harness follows (bench/peers/README.md, "Harness protocol"); the
// Node and Python harnesses implement the same one. Header-only and free of any crypto library, so
// the jwtx harness (BoringSSL) and the libjwt / cpp-jwt harnesses (OpenSSL) share it while each
// stays in its own process.
//
//   <harness> ALG DIR SECONDS [cache]
//
// DIR holds, per algorithm (bench/peers/make_inputs.py writes them): ALG.key (public PEM, or the
// raw HMAC secret for HS*), ALG.tokens (one token per line), ALG.tampered (a signature bit
// flipped), ALG.wrong_aud and ALG.expired (validly signed, policy violations). The policy is fixed:
// alg pinned to ALG, iss == kIssuer, aud contains kAudience, exp in the future.
//
// run() first checks the verifier: every token of ALG.tokens accepted, the three bad ones rejected;
// otherwise the row is VOID (exit 4). Then it verifies the token list cyclically for
// warmup_seconds(SECONDS) and for SECONDS (timed), single thread, and prints one JSON line
// (tokens/s by wall time, and cpu_seconds: the process's CPU time in the timed loop). With
// "cache" only the first token is verified, over and over (the cache-hit row). Exit codes: 0
// measured, 2 usage, 3 inputs unreadable or the verifier could not be built, 4 VOID, 5 a good token
// was rejected while timed. Nothing of a token is ever printed.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace peers {

inline constexpr const char* kIssuer = "https://issuer.example";
inline constexpr const char* kAudience = "api.example";

struct inputs {
  std::string alg;
  std::string key;  // PEM text, or the raw HMAC secret
  std::vector<std::string> tokens;
  std::string tampered, wrong_aud, expired;
  double seconds = 0;
  bool cache = false;
};

inline bool read_whole(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream s;
  s << f.rdbuf();
  *out = s.str();
  return true;
}

inline bool read_lines(const std::string& path, std::vector<std::string>* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  for (std::string line; std::getline(f, line);) {
    if (!line.empty()) out->push_back(line);
  }
  return !out->empty();
}

inline bool read_one(const std::string& path, std::string* out) {
  std::vector<std::string> lines;
  if (!read_lines(path, &lines) || lines.size() != 1) return false;
  *out = lines[0];
  return true;
}

inline void print_error(const char* impl, const std::string& alg, const char* field,
                        const std::string& why) {
  std::printf("{\"impl\":\"%s\",\"alg\":\"%s\",\"%s\":\"%s\"}\n", impl, alg.c_str(), field,
              why.c_str());
}

// Warm-up before the timed loop: a quarter of the timed seconds, at least half a second (V8's
// optimising compiler needs that much for the Node peers; the same rule for everyone).
inline double warmup_seconds(double seconds) { return seconds / 4 > 0.5 ? seconds / 4 : 0.5; }

// CPU time of the whole process (every thread), user + system, in seconds: the output's
// cpu_seconds, which a busy machine does not inflate the way it inflates wall time.
inline double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Parses argv into |in|; returns 0 or the exit code (after printing why on stderr).
inline int load(int argc, char** argv, inputs* in) {
  if (argc < 4 || argc > 5 || (argc == 5 && std::string_view(argv[4]) != "cache")) {
    std::fprintf(stderr, "usage: %s ALG DIR SECONDS [cache]\n", argv[0]);
    return 2;
  }
  in->alg = argv[1];
  const std::string base = std::string(argv[2]) + "/" + in->alg;
  char* end = nullptr;
  in->seconds = std::strtod(argv[3], &end);
  if (*end != '\0' || !(in->seconds > 0 && in->seconds <= 3600)) {
    std::fprintf(stderr, "SECONDS must be a number in (0, 3600]\n");
    return 2;
  }
  in->cache = argc == 5;
  if (!read_whole(base + ".key", &in->key) || !read_lines(base + ".tokens", &in->tokens) ||
      !read_one(base + ".tampered", &in->tampered) ||
      !read_one(base + ".wrong_aud", &in->wrong_aud) ||
      !read_one(base + ".expired", &in->expired)) {
    std::fprintf(stderr, "cannot read the inputs %s.{key,tokens,tampered,wrong_aud,expired}\n",
                 base.c_str());
    return 3;
  }
  if (in->cache) in->tokens.resize(1);
  return 0;
}

// |verify(token)| returns true when the token is accepted. Prints the JSON line; returns the exit
// code.
template <class Verify>
int run(const char* impl, const char* version, const inputs& in, Verify&& verify) {
  for (const std::string& t : in.tokens) {
    if (!verify(t)) {
      print_error(impl, in.alg, "void", "a good token was rejected");
      return 4;
    }
  }
  const struct {
    const std::string* token;
    const char* name;
  } bad[] = {{&in.tampered, "tampered"}, {&in.wrong_aud, "wrong_aud"}, {&in.expired, "expired"}};
  for (const auto& b : bad) {
    if (verify(*b.token)) {
      print_error(impl, in.alg, "void", std::string("the ") + b.name + " token was accepted");
      return 4;
    }
  }
  using clock = std::chrono::steady_clock;
  const std::size_t n = in.tokens.size();
  std::size_t i = 0;
  // Verifies until |seconds| elapsed, reading the clock every 64 tokens; returns the count.
  auto loop = [&](double seconds, std::uint64_t* count) {
    const auto start = clock::now();
    const auto until = start + std::chrono::duration<double>(seconds);
    std::uint64_t done = 0;
    for (auto now = start; now < until; now = clock::now()) {
      for (int k = 0; k < 64; ++k, ++done) {
        if (!verify(in.tokens[i])) return -1.0;
        if (++i == n) i = 0;
      }
    }
    *count = done;
    return std::chrono::duration<double>(clock::now() - start).count();
  };
  std::uint64_t count = 0;
  double elapsed = loop(warmup_seconds(in.seconds), &count);
  const double cpu_start = process_cpu_seconds();
  if (elapsed >= 0) elapsed = loop(in.seconds, &count);
  const double cpu = process_cpu_seconds() - cpu_start;
  if (elapsed < 0) {
    print_error(impl, in.alg, "error", "a good token was rejected while timed");
    return 5;
  }
  std::printf(
      "{\"impl\":\"%s\",\"version\":\"%s\",\"alg\":\"%s\",\"mode\":\"%s\","
      "\"tokens_per_s\":%.1f,\"verified\":%llu,\"seconds\":%.3f,\"cpu_seconds\":%.3f,"
      "\"distinct_tokens\":%zu}\n",
      impl, version, in.alg.c_str(), in.cache ? "cache" : "verify",
      static_cast<double>(count) / elapsed, static_cast<unsigned long long>(count), elapsed, cpu,
      n);
  return 0;
}

}  // namespace peers
