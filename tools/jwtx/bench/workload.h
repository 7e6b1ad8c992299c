// The token workload `jwtx bench` sends: what it is (workload_config: the built-in default, or a
// JSON/YAML workload file that overrides any field), and the materialised form the runner times
// (workload: keys, distinct tokens with their expected status, the verifier under test and a
// precomputed send order, so choosing the next token costs nothing in the timed loop).
//
// Built-in default: generated keys (RSA 2048, P-256, Ed25519, a 256-bit HMAC secret; and one per
// further algorithm a workload file names), 60 % RS256, 25 % ES256, 10 % EdDSA, 5 % HS256 of the
// valid tokens; claims JSON from 200 B to 4 KiB, skewed small (size = min + (max - min) * u^3 for
// u uniform in [0, 1): median about min + 1/8 of the range, mean min + 1/4); 5 % invalid tokens,
// spread evenly over the invalid_reason values; Zipf popularity (exponent 1.0) over 20000
// distinct tokens; a 4096-entry verified-token cache; 1000 revoked jti values besides the
// revoked tokens' own.
//
// Categories are assigned to popularity ranks so that the SENT mix (each rank weighted by its
// Zipf probability) matches the configured fractions: each rank, most popular first, goes to the
// category whose sent-share error shrinks most by taking it. A random assignment would let the
// few top ranks (rank 1 alone is ~10 % of the traffic at s = 1) swing the mix by whole percents.
// A category smaller than its first token's probability still overshoots (5000 tokens: the first
// invalid reason is sent 1.35x its 0.625 % target); workload_info reports the shares actually
// sent.
//
// Thread-safety: a workload is immutable once built; its verifiers may be used from any thread.
// Errors: every function returns std::nullopt with one sentence in *why; nothing throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/jws/algorithm.h"
#include "engine/keys/key_set.h"
#include "engine/revocation/revocation.h"
#include "engine/status.h"
#include "engine/verifier.h"
#include "tools/jwtx/bench/report.h"

namespace jwtx::capacity {

// Why an invalid token of the workload fails, each with the status jwtx must answer.
enum class invalid_reason {
  expired,             // exp an hour before the clock: expired
  tampered_signature,  // one signature character changed: bad_signature
  wrong_audience,      // aud "billing-api": audience_mismatch
  wrong_issuer,        // iss of another issuer: issuer_mismatch
  unknown_kid,         // a kid the key set lacks: key_not_found
  alg_none,            // unsecured JWT (alg "none"): alg_not_allowed
  malformed,           // two segments: malformed
  revoked_jti,         // genuine, but its jti is revoked: revoked
};
inline constexpr invalid_reason kAllReasons[] = {
    invalid_reason::expired,        invalid_reason::tampered_signature,
    invalid_reason::wrong_audience, invalid_reason::wrong_issuer,
    invalid_reason::unknown_kid,    invalid_reason::alg_none,
    invalid_reason::malformed,      invalid_reason::revoked_jti,
};
// Stable snake_case names, as in workload files: "expired", "tampered_signature", ...
std::string_view reason_name(invalid_reason r) noexcept;
std::optional<invalid_reason> parse_reason(std::string_view name) noexcept;
status expected_status(invalid_reason r) noexcept;
// Whether a token of this reason reaches the signature check (and so costs one verification).
bool reaches_signature(invalid_reason r) noexcept;

// Generated tokens are held in memory (up to ~5.5 KiB each): at most this many.
inline constexpr std::size_t kMaxDistinctTokens = 1'000'000;

// 60 % RS256, 25 % ES256, 10 % EdDSA, 5 % HS256. Out of line: GCC 12 at -O1 reports a false
// -Wmaybe-uninitialized for this initializer list inlined into callers.
std::vector<std::pair<algorithm, double>> default_mix();

struct workload_config {
  std::vector<std::pair<algorithm, double>> mix = default_mix();
  std::size_t min_claims_bytes = 200;  // claims JSON size range, inclusive
  std::size_t max_claims_bytes = 4096;
  double invalid_fraction = 0.05;                          // of the tokens sent
  std::vector<std::pair<invalid_reason, double>> reasons;  // weights; empty: all, equally
  std::size_t distinct_tokens = 20000;
  double zipf_exponent = 1.0;
  std::size_t cache_entries = 4096;  // 0: cache off
  std::size_t revoked_extra = 1000;  // revoked jti values no token of the workload carries
  double leeway_seconds = 60;
  std::string issuer = "https://issuer.bench";
  std::string audience = "api";
  std::size_t sequence_length = std::size_t{1} << 18;  // precomputed sends, cycled
  std::uint64_t seed = 1;
  // Run settings a workload file may carry (the command line wins over them).
  std::optional<double> duration_seconds;
  std::vector<unsigned> workers;       // empty: not set
  std::vector<double> rate_fractions;  // of the closed-loop maximum; empty: not set
};

// Parses a workload file (JSON is YAML, so one parser reads both). Keys: mix (map alg -> weight),
// claims_bytes {min, max}, invalid {fraction, reasons: map reason -> weight}, distinct_tokens,
// zipf_exponent, cache_entries, revoked_extra, leeway_seconds, issuer, audience, seed,
// duration_seconds, workers (list), rate_fractions (list). Unknown key, wrong type or out of range:
// nullopt and *why = "<path>: <reason>", e.g. "mix.RS999: unknown algorithm".
// Fields absent from the file keep their value in |base|.
std::optional<workload_config> parse_workload(std::string_view text, std::string* why,
                                              const workload_config& base = {});

// One distinct token of a workload.
struct workload_token {
  std::string token;
  status expected = status::ok;   // replay: status::ok is a guess, see workload::expected_known
  std::optional<algorithm> alg;   // the key's algorithm (none for alg_none / malformed)
  bool reaches_signature = true;  // a verification without cache costs one signature check
  std::uint16_t category = 0;     // index into workload::categories
};

struct workload {
  // Declared before the verifiers, which borrow it (destroyed after them).
  std::unique_ptr<revocation_set> revoked;
  std::shared_ptr<const key_set> keys;
  std::shared_ptr<const verifier> engine;          // as configured (cache, revocation)
  std::shared_ptr<const verifier> engine_nocache;  // the same without the cache
  std::vector<std::string> categories;             // "RS256", "invalid: expired", ...
  std::vector<workload_token> tokens;              // distinct
  std::vector<std::uint32_t> sequence;             // send order: indices into tokens
  std::vector<std::string_view> sends;             // tokens[sequence[i]].token
  bool expected_known = true;                      // false for replay
  workload_info info;                              // for the report
  std::size_t max_token_bytes = 0;
};

// Generates keys, mints cfg.distinct_tokens tokens and the send order. Clock: a fixed instant.
std::optional<workload> build_workload(const workload_config& cfg, std::string* why);

// Replay: |tokens_text| one token per line (sent in file order, cyclically), verified against the
// JWKS with the given policy. |algs| empty: every algorithm. |now|: the clock (nullopt: real time).
// Longest replayed token (the pipeline's largest slot); a longer line is an error.
inline constexpr std::size_t kMaxReplayTokenBytes = 64 * 1024;
struct replay_config {
  std::string tokens_text, tokens_name;
  std::string jwks_text, jwks_name;
  std::string issuer;
  std::vector<std::string> audiences;
  algorithm_set algs;
  std::optional<double> now;
  double leeway_seconds = 60;
  std::size_t cache_entries = 4096;
};
std::optional<workload> load_replay(const replay_config& cfg, std::string* why);

// The verdict pre-check: every distinct token verified once by |w.engine_nocache|.
struct verdict_row {
  std::string category;
  status expected = status::ok;
  std::uint64_t tokens = 0, as_expected = 0;
  std::vector<std::pair<status, std::uint64_t>> returned;  // by status
};
std::vector<verdict_row> check_verdicts(const workload& w);
bool all_as_expected(const std::vector<verdict_row>& rows) noexcept;

}  // namespace jwtx::capacity
