// jwtx_capacity — the demo capacity benchmark ("main job"): needs no input files.
//
// 1. Generates one signing key per JWS algorithm (RSA 2048) and builds two verifiers: one over the
//    HMAC (oct) keys and one over the public JWKs, because a key_set refuses to mix them by
//    default. Both accept every algorithm, require iss "https://issuer.demo" and aud "api", and
//    read a fixed injected clock (kNow), so every verdict is reproducible.
// 2. Mints a token mix: --tokens-per-alg valid tokens per algorithm (distinct jti, ~400-byte
//    payload), plus bad tokens of known categories (expired, wrong aud/iss, tampered signature,
//    alg "none", unknown kid, malformed, JWE, too large).
// 3. Prints a verdict table (expected vs returned status per category; exit code 1 on any
//    surprise) and a throughput table: each algorithm is verified for a fixed wall-clock duration,
//    cycling over its tokens with a reused jwtx::verify_result, on --threads threads (lanes of a
//    oneTBB task_arena; no std::thread pool).
// 4. A pipeline table (jwtx::batch_pipeline on --workers arena threads, default every core), one
//    row per algorithm mix (HS256, RS256, ES256, EdDSA, all ten public-key algorithms interleaved):
//    - direct: verifier::verify on --workers lanes, as in 3;
//    - submit: one producer thread (this one) keeps the pipeline saturated through submit(),
//      sleeping 1 ms whenever the queue answers overloaded (closed loop; the drain is timed). It
//      refills in bursts, so batches fill up (bench/pipeline_bench.cc: 200 µs sleeps or
//      submit_wait give batches of 3 to 17 tokens and cost 3-10 % of the throughput);
//    - latency: an open loop at --load (default 0.7) of the submit rate, fixed arrival times,
//      latency from each token's SCHEDULED send time to its completion (no coordinated omission),
//      with --batch-deadline-us (default 50) and with a 0 µs deadline for comparison; "added p99"
//      is that p99 minus the p99 of the verification itself (the pipeline's service histogram).
//
// Tokens are never printed; only counts, sizes and statuses are.
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "bench/bench_options.h"
#include "bench/pipeline_load.h"
#include "engine/jws/algorithm.h"
#include "engine/jws/base64url/base64url.h"
#include "engine/keys/key_set.h"
#include "engine/policy.h"
#include "engine/signer.h"
#include "engine/status.h"
#include "engine/verifier.h"

namespace {

using steady = std::chrono::steady_clock;
using jwtx::algorithm;
using jwtx::status;

constexpr std::int64_t kNow = 1'700'000'000;  // the injected clock: every verdict is reproducible
constexpr std::string_view kIssuer = "https://issuer.demo";
constexpr std::string_view kAudience = "api";

constexpr algorithm kAlgorithms[] = {
    algorithm::HS256, algorithm::HS384, algorithm::HS512, algorithm::RS256, algorithm::RS384,
    algorithm::RS512, algorithm::PS256, algorithm::PS384, algorithm::PS512, algorithm::ES256,
    algorithm::ES384, algorithm::ES512, algorithm::EdDSA,
};

bool is_hmac(algorithm a) { return jwtx::required_key_type(a) == jwtx::key_type::oct; }

double seconds_since(steady::time_point t0) {
  return std::chrono::duration<double>(steady::now() - t0).count();
}

// ---- options ------------------------------------------------------------------------------------

struct options {
  double seconds_per_alg = 1.5;
  std::size_t tokens_per_alg = 256;
  unsigned threads = 1;
  bool json = false;
  // The pipeline table.
  bool pipeline = true;
  std::size_t workers = 0;  // 0: every core
  double pipeline_seconds = 1.0;
  double batch_deadline_us = 50;
  bool idle_dispatch = true;  // pipeline_options::dispatch_when_idle
  std::size_t max_batch = jwtx::pipeline_options{}.max_batch;
  double load = 0.7;
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: jwtx_capacity [--seconds-per-alg S] [--tokens-per-alg N] [--threads T] "
               "[--workers W]\n"
               "                     [--pipeline-seconds S] [--batch-deadline-us D] [--max-batch "
               "N] [--load F] "
               "[--no-pipeline] [--no-idle-dispatch] [--json]\n"
               "  --seconds-per-alg S  wall-clock seconds each algorithm is timed (default 1.5)\n"
               "  --tokens-per-alg N   distinct valid tokens minted per algorithm (default 256)\n"
               "  --threads T          verifying threads, each with its own verify_result "
               "(default 1)\n"
               "  --workers W          pipeline arena threads; 0 = every core (default 0)\n"
               "  --pipeline-seconds S wall-clock seconds per pipeline measurement (default 1)\n"
               "  --batch-deadline-us D  batch deadline of the latency run (default 50; a 0 us "
               "run is added)\n"
               "  --max-batch N        pipeline batch size limit (default: the pipeline's, 64)\n"
               "  --load F             open-loop rate as a fraction of the submit rate (default "
               "0.7)\n"
               "  --no-pipeline        skip the pipeline table\n"
               "  --no-idle-dispatch   batches close at max-batch or the deadline only\n"
               "  --json               machine-readable output on stdout\n");
}

// Parses argv; returns std::nullopt (after printing why) on a bad command line.
std::optional<options> parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    bool has_value = false;
    if (const std::size_t eq = arg.find('='); arg.starts_with("--") && eq != arg.npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto need_value = [&]() -> bool {
      if (has_value) return true;
      if (i + 1 >= argc) {
        std::fprintf(stderr, "jwtx_capacity: %.*s needs a value\n", static_cast<int>(arg.size()),
                     arg.data());
        return false;
      }
      value = argv[++i];
      return true;
    };
    auto bad = [&]() {
      std::fprintf(stderr, "jwtx_capacity: bad value \"%.*s\" for %.*s\n",
                   static_cast<int>(value.size()), value.data(), static_cast<int>(arg.size()),
                   arg.data());
      return std::nullopt;
    };
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      std::exit(0);
    } else if (arg == "--json") {
      o.json = true;
    } else if (arg == "--no-pipeline") {
      o.pipeline = false;
    } else if (arg == "--no-idle-dispatch") {
      o.idle_dispatch = false;
    } else if (arg == "--seconds-per-alg" || arg == "--pipeline-seconds" ||
               arg == "--batch-deadline-us" || arg == "--load") {
      if (!need_value()) return std::nullopt;
      const std::string v(value);
      char* end = nullptr;
      const double s = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(s >= 0)) return bad();
      if (arg == "--batch-deadline-us") {
        if (s > 1e6) return bad();
        o.batch_deadline_us = s;
      } else if (arg == "--load") {
        if (s <= 0 || s > 1) return bad();
        o.load = s;
      } else {
        if (s <= 0 || s > 3600) return bad();
        (arg == "--seconds-per-alg" ? o.seconds_per_alg : o.pipeline_seconds) = s;
      }
    } else if (arg == "--workers") {
      if (!need_value()) return std::nullopt;
      const std::string v(value);
      char* end = nullptr;
      const unsigned long n = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || v[0] == '-' || *end != '\0' || n > 1024) return bad();
      o.workers = n;
    } else if (arg == "--max-batch") {
      if (!need_value()) return std::nullopt;
      const std::string v(value);
      char* end = nullptr;
      const unsigned long n = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || v[0] == '-' || *end != '\0' || n == 0 || n > 4096) return bad();
      o.max_batch = n;
    } else if (arg == "--tokens-per-alg" || arg == "--threads") {
      if (!need_value()) return std::nullopt;
      const std::string v(value);
      char* end = nullptr;
      const unsigned long n = std::strtoul(v.c_str(), &end, 10);
      const unsigned long limit = arg == "--threads" ? 1024 : 1'000'000;
      if (v.empty() || v[0] == '-' || *end != '\0' || n == 0 || n > limit) return bad();
      if (arg == "--threads") {
        o.threads = static_cast<unsigned>(n);
      } else {
        o.tokens_per_alg = n;
      }
    } else {
      std::fprintf(stderr, "jwtx_capacity: unknown argument \"%.*s\"\n",
                   static_cast<int>(arg.size()), arg.data());
      usage(stderr);
      return std::nullopt;
    }
  }
  return o;
}

// ---- environment --------------------------------------------------------------------------------

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("model name")) continue;
    const std::size_t colon = line.find(':');
    if (colon == line.npos) break;
    std::string model = line.substr(colon + 1);
    const std::size_t first = model.find_first_not_of(" \t");
    return first == model.npos ? "unknown" : model.substr(first);
  }
  return "unknown";
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

// ---- keys and verifiers -------------------------------------------------------------------------

struct demo_keys {
  std::vector<jwtx::signing_key> signers;  // indexed like kAlgorithms
  std::shared_ptr<jwtx::verifier> hmac;    // HS256/384/512 keys (oct JWKs)
  std::shared_ptr<jwtx::verifier> pub;     // RSA, EC and Ed25519 public JWKs
  std::unique_ptr<jwtx::verifier> cached;  // |pub|'s keys with the verified-token cache on

  const jwtx::signing_key& signer(algorithm a) const {
    return signers[static_cast<std::size_t>(a)];
  }
  const jwtx::verifier& verifier_for(algorithm a) const { return is_hmac(a) ? *hmac : *pub; }
  std::string_view route(algorithm a) const { return is_hmac(a) ? "hmac" : "public"; }
};

jwtx::verifier_options demo_verifier_options() {
  return jwtx::bench::fixed_clock_options(kIssuer, kAudience, static_cast<double>(kNow));
}

// Generates every key and both verifiers; returns std::nullopt (after printing why) on failure.
std::optional<demo_keys> make_keys() {
  demo_keys k;
  jwtx::key_set_builder hmac_builder, pub_builder;
  for (const algorithm a : kAlgorithms) {
    std::string error;
    const std::string kid = "demo-" + std::string(jwtx::algorithm_name(a));
    auto key = jwtx::signing_key::generate(a, kid, 2048, &error);
    if (!key) {
      std::fprintf(stderr, "jwtx_capacity: generating %s failed: %s\n", kid.c_str(), error.c_str());
      return std::nullopt;
    }
    // oct keys have no public form: the secret JWK is the verification key.
    const status s = is_hmac(a) ? hmac_builder.add_jwk(key->private_jwk(), kid)
                                : pub_builder.add_jwk(key->public_jwk(), kid);
    if (s != status::ok) {
      const std::string& why = is_hmac(a) ? hmac_builder.error() : pub_builder.error();
      std::fprintf(stderr, "jwtx_capacity: loading %s failed: %s\n", kid.c_str(), why.c_str());
      return std::nullopt;
    }
    k.signers.push_back(std::move(*key));
  }
  for (auto* b : {&hmac_builder, &pub_builder}) {
    jwtx::key_set_result r = b->build();
    if (!r) {
      std::fprintf(stderr, "jwtx_capacity: building key set failed: %s\n", r.error.c_str());
      return std::nullopt;
    }
    auto v = std::make_unique<jwtx::verifier>(std::shared_ptr<const jwtx::key_set>(r.set),
                                              demo_verifier_options());
    (b == &hmac_builder ? k.hmac : k.pub) = std::move(v);
    if (b == &pub_builder) {
      jwtx::verifier_options co = demo_verifier_options();
      co.cache_entries = 65536;
      k.cached = std::make_unique<jwtx::verifier>(std::shared_ptr<const jwtx::key_set>(r.set), co);
    }
  }
  return k;
}

// ---- token mix ----------------------------------------------------------------------------------

// Deterministic 64-bit mixer (splitmix64) for jti and session ids.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15u;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
  return x ^ (x >> 31);
}

std::string hex64(std::uint64_t x) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x));
  return buf;
}

struct claim_spec {
  std::string_view iss = kIssuer;
  std::string_view aud = kAudience;
  std::int64_t exp = kNow + 600;
  std::int64_t iat = kNow - 60;
  std::string_view extra;  // appended verbatim as further members
};

// A realistic access-token payload (~400 bytes).
std::string payload(std::string_view jti, std::size_t user, const claim_spec& c = {}) {
  char user_id[32];
  std::snprintf(user_id, sizeof user_id, "user-%08zu", user);
  char tenant[32];
  std::snprintf(tenant, sizeof tenant, "tenant-%04zu", user % 97);
  std::string p = "{\"iss\":\"" + std::string(c.iss) + "\",\"sub\":\"" + user_id + "\",\"aud\":\"" +
                  std::string(c.aud) + "\",\"exp\":" + std::to_string(c.exp) +
                  ",\"iat\":" + std::to_string(c.iat) + ",\"jti\":\"" + std::string(jti) +
                  "\",\"azp\":\"demo-web-client\",\"sid\":\"" + hex64(mix(user)) +
                  "\",\"scope\":\"openid profile email orders:read orders:write invoices:read\","
                  "\"roles\":[\"viewer\",\"editor\",\"billing-admin\"],\"tenant_id\":\"" +
                  tenant + "\",\"email\":\"" + user_id +
                  "@example.test\",\"email_verified\":true,\"name\":\"Demo User " +
                  std::to_string(user) + "\",\"locale\":\"en-US\"";
  if (!c.extra.empty()) p += "," + std::string(c.extra);
  return p + "}";
}

std::string jti_for(std::string_view tag, std::size_t i) {
  return std::string(tag) + "-" + std::to_string(i) + "-" +
         hex64(mix(std::hash<std::string_view>{}(tag) ^ i));
}

std::string header(std::string_view alg, std::string_view kid) {
  std::string h = "{\"alg\":\"" + std::string(alg) + "\",\"typ\":\"JWT\"";
  if (!kid.empty()) h += ",\"kid\":\"" + std::string(kid) + "\"";
  return h + "}";
}

std::string b64(std::string_view s) { return jwtx::base64url::encode(s); }

struct token_case {
  std::string token;
  const jwtx::verifier* verifier = nullptr;
  std::string jti;  // for valid tokens: the jti the verified claims must carry
};

struct category {
  std::string name;
  std::string route;  // which verifier(s): "hmac", "public" or "both"
  status expected = status::ok;
  std::optional<algorithm> alg;  // set for the per-algorithm valid rows
  std::vector<token_case> tokens;
};

void add_token(category& c, std::string_view route, std::string token, const jwtx::verifier& v,
               std::string jti = {}) {
  if (c.route.empty()) {
    c.route = route;
  } else if (c.route != route) {
    c.route = "both";
  }
  c.tokens.push_back({std::move(token), &v, std::move(jti)});
}

// Changes one character in the middle of the signature segment (keeps it canonical base64url).
std::string tamper_signature(std::string token) {
  const std::size_t dot = token.rfind('.');
  const std::size_t pos = dot + 1 + (token.size() - dot - 1) / 2;
  token[pos] = token[pos] == 'A' ? 'B' : 'A';
  return token;
}

std::vector<category> make_token_mix(const demo_keys& k, std::size_t per_alg) {
  std::vector<category> mix_rows;
  for (const algorithm a : kAlgorithms) {
    category c;
    c.name = "valid " + std::string(jwtx::algorithm_name(a));
    c.alg = a;
    for (std::size_t i = 0; i < per_alg; ++i) {
      std::string jti = jti_for(jwtx::algorithm_name(a), i);
      std::string token = k.signer(a).mint(payload(jti, i));
      add_token(c, k.route(a), std::move(token), k.verifier_for(a), std::move(jti));
    }
    mix_rows.push_back(std::move(c));
  }

  // Claim and key failures, one token per algorithm: the signature is genuine.
  struct per_alg_bad {
    const char* name;
    status expected;
    claim_spec claims;
    bool unknown_kid = false;
    bool tamper = false;
  };
  claim_spec expired, wrong_aud, wrong_iss;
  expired.exp = kNow - 3600;  // far beyond the 60 s leeway
  expired.iat = kNow - 7200;
  wrong_aud.aud = "billing-api";
  wrong_iss.iss = "https://evil.example";
  const per_alg_bad per_alg_rows[] = {
      {"expired", status::expired, expired},
      {"wrong audience", status::audience_mismatch, wrong_aud},
      {"wrong issuer", status::issuer_mismatch, wrong_iss},
      {"tampered signature", status::bad_signature, {}, false, true},
      {"unknown kid", status::key_not_found, {}, true, false},
  };
  std::size_t serial = 0;
  for (const per_alg_bad& row : per_alg_rows) {
    category c;
    c.name = row.name;
    c.expected = row.expected;
    for (const algorithm a : kAlgorithms) {
      const jwtx::signing_key& s = k.signer(a);
      const std::string body = payload(jti_for("bad", serial), serial, row.claims);
      ++serial;
      std::string token = row.unknown_kid
                              ? s.mint(body, header(jwtx::algorithm_name(a), "no-such-key"))
                              : s.mint(body);
      if (row.tamper) token = tamper_signature(std::move(token));
      add_token(c, k.route(a), std::move(token), k.verifier_for(a));
    }
    mix_rows.push_back(std::move(c));
  }

  // Structural failures, one token per verifier (HS256 and ES256 as the representatives).
  struct structural_bad {
    const char* name;
    status expected;
  };
  const structural_bad structural_rows[] = {
      {"alg none", status::alg_not_allowed},
      // status.h lists "empty sig" under malformed, but token_view.h lets an empty signature
      // through the split (verification fails later), so the alg allow-list rejects it first.
      {"alg none, empty signature", status::alg_not_allowed},
      {"malformed (2 segments)", status::malformed},
      {"JWE (5 segments)", status::unsupported_jwe},
      {"too large (> 16 KiB)", status::too_large},
  };
  const std::string padding = "\"padding\":\"" + std::string(17 * 1024, 'x') + "\"";
  claim_spec oversized;
  oversized.extra = padding;
  for (std::size_t r = 0; r < std::size(structural_rows); ++r) {
    category c;
    c.name = structural_rows[r].name;
    c.expected = structural_rows[r].expected;
    for (const algorithm a : {algorithm::HS256, algorithm::ES256}) {
      const jwtx::signing_key& s = k.signer(a);
      const std::string body = payload(jti_for("bad", serial), serial);
      ++serial;
      std::string token;
      switch (r) {
        case 0:  // RFC 7519 §6 unsecured JWT, with a junk signature so it has three segments
          token = b64(header("none", "")) + "." + b64(body) + "." + b64("not-a-signature");
          break;
        case 1:  // the classic form: empty third segment
          token = b64(header("none", "")) + "." + b64(body) + ".";
          break;
        case 2: {
          token = s.mint(body);
          token.resize(token.rfind('.'));
          break;
        }
        case 3:  // header.encrypted_key.iv.ciphertext.tag, random-looking bytes
          token = b64("{\"alg\":\"RSA-OAEP\",\"enc\":\"A256GCM\",\"kid\":\"" + s.kid() + "\"}") +
                  "." + b64(std::string(256, '\x5a')) + "." + b64(std::string(12, '\x11')) + "." +
                  b64(body) + "." + b64(std::string(16, '\x7e'));
          break;
        default:  // validly signed, just too big
          token = s.mint(payload(jti_for("big", serial), serial, oversized));
          break;
      }
      add_token(c, k.route(a), std::move(token), k.verifier_for(a));
    }
    mix_rows.push_back(std::move(c));
  }
  return mix_rows;
}

// ---- verdicts -----------------------------------------------------------------------------------

struct verdict_row {
  const category* cat;
  std::map<status, std::size_t> got;  // returned status -> count
  std::size_t as_expected = 0;
  std::size_t claim_mismatches = 0;  // valid tokens whose verified jti differs from the minted one
};

std::vector<verdict_row> run_verdicts(const std::vector<category>& mix_rows) {
  std::vector<verdict_row> rows;
  jwtx::verify_result r;
  for (const category& c : mix_rows) {
    verdict_row row{&c, {}, 0, 0};
    for (const token_case& t : c.tokens) {
      t.verifier->verify(t.token, r);
      ++row.got[r.status()];
      bool good = r.status() == c.expected;
      if (good && !t.jti.empty()) {
        const std::optional<std::string_view> jti = r.claim_string("/jti");
        if (!jti || *jti != t.jti) {
          ++row.claim_mismatches;
          good = false;
        }
      }
      if (good) ++row.as_expected;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string got_summary(const verdict_row& row) {
  std::string s;
  for (const auto& [st, n] : row.got) {
    if (!s.empty()) s += ", ";
    s += std::string(jwtx::status_name(st)) + " x" + std::to_string(n);
  }
  if (row.claim_mismatches != 0) {
    s += " (" + std::to_string(row.claim_mismatches) + " jti mismatch)";
  }
  return s;
}

// ---- throughput ---------------------------------------------------------------------------------

struct timed_token {
  std::string_view token;
  const jwtx::verifier* verifier;
};

struct throughput_row {
  std::string name;
  std::size_t distinct_tokens = 0;
  double avg_token_bytes = 0;
  std::uint64_t verified = 0;    // total verify() calls across threads
  std::uint64_t unexpected = 0;  // calls whose ok() disagreed with expect_ok
  double tokens_per_second = 0;  // sum over threads
  double us_per_token = 0;       // wall time per token on one thread (mean over threads)
};

struct worker_result {
  std::uint64_t calls = 0;
  std::uint64_t ok = 0;
  double seconds = 0;
};

// Runs work(0..n-1) concurrently: lane 0 on this thread, the others as tasks of a task_arena of n
// threads (no std::thread pool: the arena's workers are TBB's). A lane that starts late still runs
// until the common deadline, so the lanes never wait for each other.
template <class F>
void run_lanes(unsigned n, F&& work) {
  if (n == 1) {
    work(0u);
    return;
  }
  tbb::task_arena arena(static_cast<int>(n));
  arena.execute([&] {
    tbb::task_group lanes;
    for (unsigned t = 1; t < n; ++t) lanes.run([&work, t] { work(t); });
    work(0u);
    lanes.wait();
  });
}

// Verifies |tokens| round-robin (lane t starts at a different offset) for |seconds| of wall time
// on |threads| lanes (run_lanes), each with its own verify_result.
throughput_row time_tokens(std::string name, const std::vector<timed_token>& tokens, bool expect_ok,
                           double seconds, unsigned threads) {
  constexpr std::size_t kWarmup = 32;  // tokens verified before timing (sizes result buffers)
  constexpr int kBatch = 8;            // verify() calls between clock reads
  const std::size_t n = tokens.size();
  std::vector<worker_result> results(threads);
  const auto budget =
      std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(seconds));
  // The lanes start together at a common time (a few ms ahead, so every worker can join) and stop
  // at a common deadline.
  const steady::time_point t_start = steady::now() + std::chrono::milliseconds(5);
  const steady::time_point deadline = t_start + budget;

  run_lanes(threads, [&](unsigned t) {
    jwtx::verify_result r;
    std::size_t i = (n * t / threads) % n;
    for (std::size_t w = 0; w < std::min(n, kWarmup); ++w) {
      const timed_token& tok = tokens[(i + w) % n];
      tok.verifier->verify(tok.token, r);
    }
    worker_result out;
    std::this_thread::sleep_until(t_start);
    const steady::time_point t0 = steady::now();
    steady::time_point now;
    do {
      for (int b = 0; b < kBatch; ++b) {
        const timed_token& tok = tokens[i];
        tok.verifier->verify(tok.token, r);
        out.ok += r.ok() ? 1 : 0;
        if (++i == n) i = 0;
      }
      out.calls += kBatch;
      now = steady::now();
    } while (now < deadline);
    out.seconds = std::chrono::duration<double>(now - t0).count();
    results[t] = out;
  });
  const double wall = std::chrono::duration<double>(steady::now() - t_start).count();

  throughput_row row;
  row.name = std::move(name);
  row.distinct_tokens = n;
  std::size_t bytes = 0;
  for (const timed_token& tok : tokens) bytes += tok.token.size();
  row.avg_token_bytes = static_cast<double>(bytes) / static_cast<double>(n);
  double us_sum = 0;
  for (const worker_result& w : results) {
    row.verified += w.calls;
    row.unexpected += expect_ok ? w.calls - w.ok : w.ok;
    us_sum += w.seconds * 1e6 / static_cast<double>(w.calls);
  }
  // All lanes' calls over the common wall time: a lane that started late cannot inflate it.
  row.tokens_per_second = static_cast<double>(row.verified) / wall;
  row.us_per_token = us_sum / threads;
  return row;
}

// ---- pipeline -----------------------------------------------------------------------------------

struct pipeline_mix {
  std::string name;
  std::shared_ptr<const jwtx::verifier> verifier;
  std::vector<std::string_view> tokens;  // distinct, in submission order
};

struct open_loop_row {
  double deadline_us = 0;
  double rate = 0;  // offered tokens/s
  jwtx::bench::load_result load;
  double added_p99_us = 0;  // latency p99 - service p99
};

struct pipeline_row {
  std::string name;
  std::size_t workers = 0;
  std::size_t max_batch = 0;
  double direct_tps = 0;
  double submit_tps = 0;
  std::uint64_t submit_duplicates = 0;  // tokens a batch answered by dedup (0 with distinct tokens)
  std::vector<open_loop_row> latency;
  std::uint64_t unexpected = 0;  // completions that were not ok, refusals in the closed loop
  std::string error;
};

std::unique_ptr<jwtx::batch_pipeline> make_pipeline(const pipeline_mix& m, std::size_t workers,
                                                    std::size_t max_batch, double deadline_us,
                                                    bool idle_dispatch, std::string* why) {
  jwtx::pipeline_options po;
  po.dispatch_when_idle = idle_dispatch;
  po.concurrency = workers;
  po.max_batch = max_batch;
  po.batch_deadline = std::chrono::nanoseconds(static_cast<std::int64_t>(deadline_us * 1e3));
  return jwtx::batch_pipeline::create(m.verifier, po, why);
}

pipeline_row run_pipeline_mix(const pipeline_mix& m, const options& o) {
  pipeline_row row;
  row.name = m.name;
  std::string why;
  auto p = make_pipeline(m, o.workers, o.max_batch, o.batch_deadline_us, o.idle_dispatch, &why);
  if (!p) {
    row.error = why;
    return row;
  }
  row.workers = p->concurrency();
  row.max_batch = o.max_batch;
  std::vector<timed_token> direct;
  for (const std::string_view t : m.tokens) direct.push_back({t, m.verifier.get()});
  const throughput_row d =
      time_tokens(m.name, direct, true, o.pipeline_seconds, static_cast<unsigned>(row.workers));
  row.direct_tps = d.tokens_per_second;
  row.unexpected += d.unexpected;

  const jwtx::bench::load_result closed = jwtx::bench::closed_loop(
      *p, m.tokens, o.pipeline_seconds, jwtx::bench::producer_wait::poll_1ms);
  row.submit_tps = closed.tokens_per_second();
  row.submit_duplicates = closed.pipeline.duplicates;
  row.unexpected += closed.offered - closed.ok;

  for (const double deadline_us : {o.batch_deadline_us, 0.0}) {
    auto q = make_pipeline(m, row.workers, o.max_batch, deadline_us, o.idle_dispatch, &why);
    if (!q) {
      row.error = why;
      return row;
    }
    open_loop_row l;
    l.deadline_us = deadline_us;
    l.rate = o.load * row.submit_tps;
    l.load = jwtx::bench::open_loop(*q, m.tokens, l.rate, o.pipeline_seconds);
    l.added_p99_us = (static_cast<double>(l.load.latency.p99) -
                      static_cast<double>(l.load.pipeline.service_ns.p99)) *
                     1e-3;
    row.unexpected += (l.load.offered - l.load.dropped) - l.load.ok;
    row.latency.push_back(l);
    if (o.batch_deadline_us == 0) break;  // the comparison row would repeat it
  }
  return row;
}

// The mixes: the hmac verifier's HS256, and the public verifier's RS256, ES256, EdDSA and all its
// algorithms interleaved (one token of each in turn), each with its valid tokens only.
std::vector<pipeline_row> run_pipeline(const demo_keys& k, const std::vector<category>& mix_rows,
                                       const options& o) {
  std::vector<pipeline_mix> mixes;
  std::vector<const category*> pub_rows;
  for (const category& c : mix_rows) {
    if (!c.alg) continue;
    if (!is_hmac(*c.alg)) pub_rows.push_back(&c);
    if (*c.alg != algorithm::HS256 && *c.alg != algorithm::RS256 && *c.alg != algorithm::ES256 &&
        *c.alg != algorithm::EdDSA)
      continue;
    pipeline_mix m{std::string(jwtx::algorithm_name(*c.alg)), is_hmac(*c.alg) ? k.hmac : k.pub, {}};
    for (const token_case& t : c.tokens) m.tokens.push_back(t.token);
    mixes.push_back(std::move(m));
  }
  pipeline_mix all{"public mix", k.pub, {}};
  for (std::size_t i = 0; i < o.tokens_per_alg; ++i)
    for (const category* c : pub_rows) all.tokens.push_back(c->tokens[i].token);
  mixes.push_back(std::move(all));

  std::vector<pipeline_row> rows;
  for (const pipeline_mix& m : mixes) rows.push_back(run_pipeline_mix(m, o));
  return rows;
}

// ---- output -------------------------------------------------------------------------------------

struct run_info {
  std::string cpu;
  unsigned hardware_threads = 0;
  double keygen_seconds = 0;
  double mint_seconds = 0;
  std::size_t valid_tokens = 0;
  std::size_t bad_tokens = 0;
};

double us(std::uint64_t ns) { return static_cast<double>(ns) * 1e-3; }

void print_pipeline_text(const options& o, const std::vector<pipeline_row>& rows) {
  if (rows.empty()) return;
  std::printf(
      "\npipeline (jwtx::batch_pipeline on %zu worker%s = the direct loop's lanes; max_batch %zu; "
      "%.2f s per measurement)\n",
      rows[0].workers, rows[0].workers == 1 ? "" : "s", o.max_batch, o.pipeline_seconds);
  const bool rt = !rows[0].latency.empty() && rows[0].latency[0].load.pacer_realtime;
  std::printf("pacer: %s\n", rt ? "SCHED_FIFO priority 1 (stands for the network)"
                                : "normal priority (SCHED_FIFO refused: arrivals may bunch)");
  std::printf("%-11s %11s %11s %6s | %9s %5s %8s %8s %8s %8s %8s %8s %6s\n", "mix", "direct/s",
              "submit/s", "ratio", "offered/s", "dl µs", "p50 µs", "p90 µs", "p99 µs", "p99.9 µs",
              "svc p99", "+p99 µs", "drops");
  for (const pipeline_row& r : rows) {
    if (!r.error.empty()) {
      std::printf("%-11s pipeline not created: %s\n", r.name.c_str(), r.error.c_str());
      continue;
    }
    bool first = true;
    for (const open_loop_row& l : r.latency) {
      const jwtx::bench::load_result& x = l.load;
      if (first) {
        std::printf("%-11s %11.0f %11.0f %6.3f | ", r.name.c_str(), r.direct_tps, r.submit_tps,
                    r.direct_tps > 0 ? r.submit_tps / r.direct_tps : 0.0);
      } else {
        std::printf("%-11s %11s %11s %6s | ", "", "", "", "");
      }
      first = false;
      std::printf("%9.0f %5.0f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %5llu%s\n", l.rate,
                  l.deadline_us, us(x.latency.p50), us(x.latency.p90), us(x.latency.p99),
                  us(x.latency.p999), us(x.pipeline.service_ns.p99), l.added_p99_us,
                  us(x.pacer_lag.p99), static_cast<unsigned long long>(x.dropped),
                  r.unexpected == 0 ? "" : "  <-- unexpected results");
    }
  }
  std::printf(
      "(direct/s: verifier::verify on the same number of threads; submit/s: one producer, closed "
      "loop, drain timed;\n ratio = submit/direct; latency: open loop at %.0f %% of submit/s, from "
      "each token's scheduled send\n time to its completion; dl = batch deadline; svc p99 = p99 "
      "of verify() inside the pipeline;\n +p99 = p99 - svc p99, what queueing and batching add; "
      "lag "
      "p99 = how late the pacer itself sent, included in p99)\n",
      o.load * 100);
}

void print_text(const options& o, const run_info& info, const std::vector<verdict_row>& verdicts,
                std::size_t pass, std::size_t total, const std::vector<throughput_row>& rates,
                const std::vector<pipeline_row>& pipe) {
  std::printf("jwtx capacity benchmark\n");
  std::printf("cpu:      %s\n", info.cpu.c_str());
  std::printf("threads:  %u verifying (hardware: %u)\n", o.threads, info.hardware_threads);
  std::printf("clock:    fixed at %lld; timing %.2f s per algorithm, steady_clock\n",
              static_cast<long long>(kNow), o.seconds_per_alg);
  std::printf(
      "setup:    %zu keys generated (RSA 2048) in %.2f s; %zu valid + %zu bad tokens "
      "minted in %.2f s\n",
      std::size(kAlgorithms), info.keygen_seconds, info.valid_tokens, info.bad_tokens,
      info.mint_seconds);
#ifndef NDEBUG
  std::printf("warning:  assertions enabled (not a release build); rates are not representative\n");
#endif

  std::printf("\nverdicts\n");
  std::printf("%-26s %-7s %6s  %-18s %-34s %s\n", "category", "route", "tokens", "expected",
              "returned", "as expected");
  for (const verdict_row& row : verdicts) {
    const category& c = *row.cat;
    const bool all = row.as_expected == c.tokens.size();
    std::printf("%-26s %-7s %6zu  %-18s %-34s %zu/%zu%s\n", c.name.c_str(), c.route.c_str(),
                c.tokens.size(), std::string(jwtx::status_name(c.expected)).c_str(),
                got_summary(row).c_str(), row.as_expected, c.tokens.size(), all ? "" : "  <-- !");
  }
  std::printf("verdicts: %zu/%zu as expected\n", pass, total);

  std::printf("\nthroughput (%u thread%s, %.2f s per row, verify_result reused)\n", o.threads,
              o.threads == 1 ? "" : "s", o.seconds_per_alg);
  std::printf("%-13s %6s %8s %12s %14s %10s\n", "alg", "tokens", "bytes", "verified", "tokens/s",
              "µs/token");
  for (const throughput_row& r : rates) {
    std::printf("%-13s %6zu %8.0f %12llu %14.0f %10.2f%s\n", r.name.c_str(), r.distinct_tokens,
                r.avg_token_bytes, static_cast<unsigned long long>(r.verified), r.tokens_per_second,
                r.us_per_token, r.unexpected == 0 ? "" : "  <-- unexpected results in timed loop");
  }
  std::printf(
      "(tokens/s: every thread's verifies / wall time; µs/token: wall time per verify on one "
      "thread)\n");
  print_pipeline_text(o, pipe);
}

std::string summary_json(const jwtx::latency_summary& l) {
  return "{\"p50\":" + std::to_string(l.p50) + ",\"p90\":" + std::to_string(l.p90) +
         ",\"p99\":" + std::to_string(l.p99) + ",\"p999\":" + std::to_string(l.p999) +
         ",\"max\":" + std::to_string(l.max) + ",\"count\":" + std::to_string(l.count) + "}";
}

std::string pipeline_json(const std::vector<pipeline_row>& rows) {
  std::string out = "[";
  char num[64];
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const pipeline_row& r = rows[i];
    if (i != 0) out += ",";
    out += "{\"mix\":\"" + json_escape(r.name) + "\",\"workers\":" + std::to_string(r.workers);
    out += ",\"max_batch\":" + std::to_string(r.max_batch);
    if (!r.error.empty()) out += ",\"error\":\"" + json_escape(r.error) + "\"";
    std::snprintf(num, sizeof num, "%.1f", r.direct_tps);
    out += ",\"direct_tokens_per_second\":" + std::string(num);
    std::snprintf(num, sizeof num, "%.1f", r.submit_tps);
    out += ",\"submit_tokens_per_second\":" + std::string(num);
    out += ",\"submit_duplicates\":" + std::to_string(r.submit_duplicates);
    out += ",\"unexpected\":" + std::to_string(r.unexpected) + ",\"latency\":[";
    for (std::size_t j = 0; j < r.latency.size(); ++j) {
      const open_loop_row& l = r.latency[j];
      if (j != 0) out += ",";
      std::snprintf(num, sizeof num, "%.1f", l.deadline_us);
      out += "{\"batch_deadline_us\":" + std::string(num);
      std::snprintf(num, sizeof num, "%.1f", l.rate);
      out += ",\"offered_per_second\":" + std::string(num);
      out += ",\"dropped\":" + std::to_string(l.load.dropped);
      out += std::string(",\"pacer_realtime\":") + (l.load.pacer_realtime ? "true" : "false");
      out += ",\"latency_ns\":" + summary_json(l.load.latency);
      out += ",\"pacer_lag_ns\":" + summary_json(l.load.pacer_lag);
      out += ",\"submit_to_completion_ns\":" + summary_json(l.load.pipeline.latency_ns);
      out += ",\"queue_wait_ns\":" + summary_json(l.load.pipeline.queue_wait_ns);
      out += ",\"service_ns\":" + summary_json(l.load.pipeline.service_ns);
      out += ",\"batch_size\":" + summary_json(l.load.pipeline.batch_size);
      std::snprintf(num, sizeof num, "%.1f", l.added_p99_us);
      out += ",\"added_p99_us\":" + std::string(num) + "}";
    }
    out += "]}";
  }
  return out + "]";
}

void print_json(const options& o, const run_info& info, const std::vector<verdict_row>& verdicts,
                std::size_t pass, std::size_t total, const std::vector<throughput_row>& rates,
                const std::vector<pipeline_row>& pipe) {
  std::string out = "{";
  out += "\"cpu\":\"" + json_escape(info.cpu) + "\"";
  out += ",\"threads\":" + std::to_string(o.threads);
  out += ",\"hardware_threads\":" + std::to_string(info.hardware_threads);
  out += ",\"now\":" + std::to_string(kNow);
  char num[64];
  std::snprintf(num, sizeof num, "%.3f", o.seconds_per_alg);
  out += ",\"seconds_per_alg\":" + std::string(num);
  out += ",\"tokens_per_alg\":" + std::to_string(o.tokens_per_alg);
  std::snprintf(num, sizeof num, "%.3f", info.keygen_seconds);
  out += ",\"keygen_seconds\":" + std::string(num);
  std::snprintf(num, sizeof num, "%.3f", info.mint_seconds);
  out += ",\"mint_seconds\":" + std::string(num);
  out += ",\"verdicts\":[";
  for (std::size_t i = 0; i < verdicts.size(); ++i) {
    const verdict_row& row = verdicts[i];
    const category& c = *row.cat;
    if (i != 0) out += ",";
    out += "{\"category\":\"" + json_escape(c.name) + "\",\"route\":\"" + c.route +
           "\",\"tokens\":" + std::to_string(c.tokens.size()) + ",\"expected\":\"" +
           std::string(jwtx::status_name(c.expected)) + "\",\"returned\":{";
    bool first = true;
    for (const auto& [st, n] : row.got) {
      if (!first) out += ",";
      first = false;
      out += "\"" + std::string(jwtx::status_name(st)) + "\":" + std::to_string(n);
    }
    out += "},\"as_expected\":" + std::to_string(row.as_expected) +
           ",\"claim_mismatches\":" + std::to_string(row.claim_mismatches) + "}";
  }
  out += "],\"verdicts_as_expected\":" + std::to_string(pass) +
         ",\"verdicts_total\":" + std::to_string(total);
  out += ",\"throughput\":[";
  for (std::size_t i = 0; i < rates.size(); ++i) {
    const throughput_row& r = rates[i];
    if (i != 0) out += ",";
    std::snprintf(num, sizeof num, "%.1f", r.avg_token_bytes);
    out += "{\"alg\":\"" + json_escape(r.name) +
           "\",\"distinct_tokens\":" + std::to_string(r.distinct_tokens) +
           ",\"avg_token_bytes\":" + num;
    out += ",\"verified\":" + std::to_string(r.verified);
    std::snprintf(num, sizeof num, "%.1f", r.tokens_per_second);
    out += ",\"tokens_per_second\":" + std::string(num);
    std::snprintf(num, sizeof num, "%.3f", r.us_per_token);
    out += ",\"us_per_token\":" + std::string(num);
    out += ",\"unexpected\":" + std::to_string(r.unexpected) + "}";
  }
  out += "],\"pipeline\":" + pipeline_json(pipe) + "}\n";
  std::fputs(out.c_str(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<options> parsed = parse_args(argc, argv);
  if (!parsed) return 2;
  const options& o = *parsed;

  run_info info;
  info.cpu = cpu_model();
  info.hardware_threads = std::thread::hardware_concurrency();

  steady::time_point t0 = steady::now();
  std::optional<demo_keys> keys = make_keys();
  if (!keys) return 2;
  info.keygen_seconds = seconds_since(t0);

  t0 = steady::now();
  const std::vector<category> mix_rows = make_token_mix(*keys, o.tokens_per_alg);
  info.mint_seconds = seconds_since(t0);

  // Verdicts: every token once.
  const std::vector<verdict_row> verdicts = run_verdicts(mix_rows);
  std::size_t pass = 0, total = 0;
  for (const verdict_row& row : verdicts) {
    pass += row.as_expected;
    total += row.cat->tokens.size();
    (row.cat->alg ? info.valid_tokens : info.bad_tokens) += row.cat->tokens.size();
  }

  // Throughput: each algorithm's valid tokens, then all bad tokens as one reject-path row.
  std::vector<throughput_row> rates;
  std::vector<timed_token> rejects;
  for (const category& c : mix_rows) {
    std::vector<timed_token> tokens;
    for (const token_case& t : c.tokens) tokens.push_back({t.token, t.verifier});
    if (c.alg) {
      rates.push_back(time_tokens(std::string(jwtx::algorithm_name(*c.alg)), tokens, true,
                                  o.seconds_per_alg, o.threads));
    } else {
      rejects.insert(rejects.end(), tokens.begin(), tokens.end());
    }
  }
  rates.push_back(time_tokens("bad mix", rejects, false, o.seconds_per_alg, o.threads));
  // Repeats through the cache: the same valid tokens again, so every timed call is a hit (a hit
  // still re-checks the clock, the key-set generation and revocation).
  for (const category& c : mix_rows) {
    if (!c.alg ||
        !(*c.alg == algorithm::RS256 || *c.alg == algorithm::ES256 || *c.alg == algorithm::EdDSA))
      continue;
    std::vector<timed_token> tokens;
    for (const token_case& t : c.tokens) tokens.push_back({t.token, keys->cached.get()});
    rates.push_back(time_tokens(std::string(jwtx::algorithm_name(*c.alg)) + " cached", tokens, true,
                                o.seconds_per_alg, o.threads));
  }

  std::vector<pipeline_row> pipe;
  if (o.pipeline) pipe = run_pipeline(*keys, mix_rows, o);

  if (o.json) {
    print_json(o, info, verdicts, pass, total, rates, pipe);
  } else {
    print_text(o, info, verdicts, pass, total, rates, pipe);
  }

  std::uint64_t unexpected = 0;
  for (const throughput_row& r : rates) unexpected += r.unexpected;
  for (const pipeline_row& r : pipe) unexpected += r.unexpected + (r.error.empty() ? 0 : 1);
  return pass == total && unexpected == 0 ? 0 : 1;
}
