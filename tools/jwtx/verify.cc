// `jwtx verify`: verifies tokens against keys from JWKS / PEM / HMAC secret files and prints one
// JSON line per input line, in input order. Tokens are only ever named by their fingerprint.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "engine/fingerprint.h"
#include "engine/jws/algorithm.h"
#include "engine/keys/key_set.h"
#include "engine/policy.h"
#include "engine/revocation/redis_revocation.h"
#include "engine/revocation/revocation.h"
#include "engine/runtime/rcu.h"
#include "engine/runtime/token_cache.h"
#include "engine/status.h"
#include "engine/verifier.h"
#include "tools/jwtx/common.h"
#include "tools/jwtx/token_input.h"

namespace jwtx::cli {
namespace {

// Bounds of the numeric flags (each refused with exit 2 outside its range).
// Verifier threads: half the engine's RCU reader slots (engine/runtime/rcu.h). Threads past the
// slot table share one overflow counter that every publisher (key rotation, the revocation feed)
// must see at zero, so a CLI that filled the table could starve the feed; half leaves room for the
// feed, the main thread and any other reader, and is far past the point where more threads help
// a 2..64-core machine. `--threads 0` (one per CPU) is capped the same way.
constexpr unsigned kMaxThreads = static_cast<unsigned>(kRcuSlots / 2);
// Sizes, leeway, max age and staleness are bounded by the engine's own limits (engine/verifier.h,
// engine/time_rules.h: validate_options() refuses anything past them).
constexpr double kMaxRevocationWait = 300;  // five minutes at start-up
// Past a few hundred keys a cap stops being one (a garbage token would cost ~0.25 ms per ES256
// key).
constexpr std::uint64_t kMaxKeysTriedFlag = 1024;
constexpr std::uint64_t kMinRsaBitsFloor = 1024;  // signing_key::generate's range
constexpr std::uint64_t kMinRsaBitsCeiling = 16384;

// Registered claims --require accepts (RFC 7519 §4.1); anything else needs --require-claim, so a
// typo in a registered name is an error rather than a claim nobody ever sends.
constexpr std::array<std::string_view, 7> kRegisteredClaims = {"exp", "nbf", "iat", "iss",
                                                               "sub", "aud", "jti"};

struct verify_options {
  std::string jwks;
  std::vector<std::string> pems;
  std::string hmac_secret_file;
  std::string hmac_kid;
  std::string algs;
  std::vector<std::string> issuers;
  std::vector<std::string> audiences;
  double leeway = policy{}.leeway_seconds;
  std::optional<double> now;
  std::string require;
  std::vector<std::string> require_claims;
  bool no_require_exp = false;
  std::size_t max_bytes = verifier_options{}.max_token_bytes;
  std::string revoked_jti_file;
  std::string typ;
  bool summary = false;
  unsigned threads = 1;
  std::size_t cache_entries = 65536;
  std::string revocation_redis;
  double revocation_max_staleness = 30;
  bool revocation_fail_closed = false;
  double revocation_wait = 2;
  bool allow_mixed_key_types = false;
  unsigned min_rsa_bits = verifier_options{}.min_rsa_bits;
  std::size_t max_json_depth = verifier_options{}.max_json_depth;
  std::optional<double> max_age;
  bool ignore_aud_when_unconfigured = false;
  bool plain_jws = false;
  std::string cache_algs;
  std::size_t max_keys_tried = verifier_options{}.max_keys_tried;
  std::vector<std::string> tokens;
};

// "k.public.pem" -> "k": the kid `jwtx keygen --kid k` gave the key.
std::string kid_from_pem_path(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  for (std::string_view suffix : {std::string_view(".pem"), std::string_view(".public")}) {
    if (name.size() > suffix.size() && name.ends_with(suffix))
      name.resize(name.size() - suffix.size());
  }
  return name;
}

// The builder's messages start with the source name; the CLI names the file itself.
std::string strip_source(std::string message, const std::string& source) {
  if (message.starts_with(source)) {
    std::string_view rest = std::string_view(message).substr(source.size());
    if (rest.starts_with(": "))
      rest.remove_prefix(2);
    else if (rest.starts_with(" "))
      rest.remove_prefix(1);
    return std::string(rest);
  }
  return message;
}

// Formats one result as a JSON line (without the newline). Invalid tokens end with "detail": one
// sentence naming the rule that failed (verify_result::detail(): never the token's own content).
void format_result(const std::string& token, const verify_result& r, std::string& out) {
  out += "{\"valid\":";
  out += r.ok() ? "true" : "false";
  out += ",\"error\":";
  append_json_string(out, status_name(r.status()));
  out += ",\"alg\":";
  if (r.alg()) {
    append_json_string(out, algorithm_name(*r.alg()));
  } else {
    out += "null";
  }
  out += ",\"kid\":";
  if (r.has_kid()) {
    append_json_string(out, r.kid());
  } else {
    out += "null";
  }
  out += ",\"sub\":";
  if (r.ok() && r.claims().sub) {
    append_json_string(out, *r.claims().sub);
  } else {
    out += "null";
  }
  out += ",\"fingerprint\":";
  // Always computed here from the input, so even tokens rejected before parsing are named.
  append_json_string(out, view(fingerprint(token)));
  if (!r.ok()) {
    out += ",\"detail\":";
    append_json_string(out, r.detail());
  }
  out += "}";
}

// The line for a token the input reader dropped as longer than --max-bytes (it never reached the
// verifier): the members format_result() writes for a too_large result.
void format_oversized(const fingerprint_text& fp, std::size_t max_bytes, std::string& out) {
  out += R"({"valid":false,"error":"too_large","alg":null,"kid":null,"sub":null,"fingerprint":)";
  append_json_string(out, view(fp));
  out += R"(,"detail":"the line is longer than --max-bytes ()" + std::to_string(max_bytes) +
         R"( bytes); it was not read further"})";
}

// Loads every key source named on the command line. On failure prints the reason and returns null.
std::shared_ptr<const key_set> load_keys(const verify_options& o) {
  key_set_options kso;
  const bool has_asym = !o.jwks.empty() || !o.pems.empty();
  // Naming both kinds of key file explicitly is as deliberate as the flag; a single JWKS that
  // mixes them needs the flag.
  kso.allow_mixed_symmetric = o.allow_mixed_key_types || (has_asym && !o.hmac_secret_file.empty());
  key_set_builder builder(kso);
  std::string content, err;
  auto load = [&](const std::string& path, auto add) -> bool {
    if (!read_file(path, &content, &err)) {
      fail("cannot read " + quote_input(path) + ": " + err);
      return false;
    }
    if (add(path) != status::ok) {
      fail("cannot load keys from " + quote_input(path) + ": " +
           sanitized(strip_source(builder.error(), path)));
      return false;
    }
    return true;
  };
  if (!o.jwks.empty() &&
      !load(o.jwks, [&](const std::string& p) { return builder.add_jwks(content, p); })) {
    return nullptr;
  }
  for (const std::string& pem : o.pems) {
    if (!load(pem, [&](const std::string& p) {
          return builder.add_pem(content, kid_from_pem_path(p), p);
        })) {
      return nullptr;
    }
  }
  if (!o.hmac_secret_file.empty() && !load(o.hmac_secret_file, [&](const std::string& p) {
        return builder.add_hmac_secret(content, o.hmac_kid, std::nullopt, p);
      })) {
    return nullptr;
  }
  key_set_result keys = builder.build();
  if (!keys) {
    fail("invalid key set: " + sanitized(keys.error));
    return nullptr;
  }
  for (const std::string& why : keys.set->skipped())
    std::cerr << "jwtx: note: skipped " << sanitized(why) << '\n';
  if (keys.set->empty()) {
    fail("no usable verification keys were loaded");
    return nullptr;
  }
  return keys.set;
}

// --require (registered names only) and --require-claim into |p|. Returns false after printing the
// reason.
bool set_required_claims(const verify_options& o, policy& p) {
  for (std::string& claim : split_csv(o.require)) {
    if (std::find(kRegisteredClaims.begin(), kRegisteredClaims.end(), claim) ==
        kRegisteredClaims.end()) {
      fail("--require takes registered claim names (exp nbf iat iss sub aud jti), not " +
           quote_input(claim) + "; use --require-claim NAME to require any other claim");
      return false;
    }
    if (claim == "exp") {
      p.require_exp = true;  // named explicitly: wins over --no-require-exp
    } else {
      p.required_claims.push_back(std::move(claim));
    }
  }
  for (const std::string& claim : o.require_claims) {
    if (claim.empty()) {
      fail("--require-claim needs a claim name");
      return false;
    }
    p.required_claims.push_back(claim);
  }
  return true;
}

int run_verify(const verify_options& o) {
  // Algorithms first: a bad allow-list is a usage error before any file is touched.
  std::string err;
  std::optional<algorithm_set> algs = parse_algorithms_flag("--algs", o.algs, &err);
  if (!algs) return fail(err);
  verifier_options vo;
  vo.algorithms = *algs;
  if (!o.cache_algs.empty()) {
    std::optional<algorithm_set> cached = parse_algorithms_flag("--cache-algs", o.cache_algs, &err);
    if (!cached) return fail(err);
    vo.cache_algorithms = *cached;
  }
  if (o.jwks.empty() && o.pems.empty() && o.hmac_secret_file.empty()) {
    return fail("no keys: give --jwks, --pem or --hmac-secret-file");
  }
  const std::shared_ptr<const key_set> keys = load_keys(o);
  if (!keys) return kExitUsage;

  // Policy.
  vo.max_token_bytes = o.max_bytes;
  vo.max_json_depth = o.max_json_depth;
  vo.min_rsa_bits = o.min_rsa_bits;
  vo.max_keys_tried = o.max_keys_tried;
  vo.payload_is_jwt = !o.plain_jws;
  vo.claims.leeway_seconds = o.leeway;
  vo.claims.max_age_seconds = o.max_age;
  vo.claims.issuers = o.issuers;
  vo.claims.audiences = o.audiences;
  vo.claims.ignore_aud_when_unconfigured = o.ignore_aud_when_unconfigured;
  vo.claims.typ = o.typ;
  vo.claims.require_exp = !o.no_require_exp && !o.plain_jws;
  vo.cache_entries = o.cache_entries;
  if (!set_required_claims(o, vo.claims)) return kExitUsage;
  if (o.now) {
    const double now = *o.now;
    vo.claims.clock = [now] { return now; };
  }
  std::string content;
  revocation_set revoked;  // outlives the verifier below
  if (!o.revoked_jti_file.empty()) {
    if (!read_file(o.revoked_jti_file, &content, &err)) {
      return fail("cannot read " + quote_input(o.revoked_jti_file) + ": " + err);
    }
    // Its own source (one bulk publication): a Redis reload below never drops these entries.
    revoked.source("file " + o.revoked_jti_file).add_lines(content);
    vo.claims.revoked = &revoked;
  }
  // Fleet revocation: the feed keeps its own source of |revoked| equal to the list in Redis
  // while tokens verify.
  std::unique_ptr<redis_revocation_feed> feed;
  if (!o.revocation_redis.empty()) {
    std::string why;
    std::optional<redis_endpoint> endpoint = parse_redis_endpoint(o.revocation_redis, &why);
    if (!endpoint) return fail("bad --revocation-redis: " + sanitized(why));
    // Entries are kept for the leeway before the feed's first purge or load can drop them.
    revoked.retain_at_least(o.leeway);
    redis_feed_options fo;
    fo.clock = vo.claims.clock;  // purges and staleness on the verifier's clock (--now)
    feed = redis_revocation_feed::start(*endpoint, revoked, std::move(fo), &why);
    if (!feed) return fail("cannot start the revocation feed: " + sanitized(why));
    // Give the first load a moment, so a healthy Redis is in force before the first token.
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration<double>(std::max(0.0, o.revocation_wait));
    while (!feed->synced() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!feed->synced()) {
      std::cerr << "jwtx: note: revocation list from " << sanitized(endpoint->to_string())
                << " not loaded yet (" << sanitized(feed->status()) << "); tokens with a jti are "
                << (o.revocation_fail_closed ? "rejected (revocation_unavailable)" : "accepted")
                << " while it is older than " << o.revocation_max_staleness << " s\n";
    }
    vo.claims.revoked = &revoked;
    vo.claims.revocation_max_staleness_seconds = o.revocation_max_staleness;
    vo.claims.revocation_fail_closed = o.revocation_fail_closed;
  }
  // The flags are range-checked already; the engine's own check is the last word (same limits).
  if (std::string why; validate_options(vo, &why) != status::ok) return fail(sanitized(why));
  const verifier v(keys, vo);

  // Input: one token per line, lines over --max-bytes dropped while reading.
  std::vector<input_token> inputs;
  if (!o.tokens.empty()) {
    inputs = input_tokens_from_args(o.tokens);
  } else if (!read_input_tokens(stdin, o.max_bytes, &inputs, &err)) {
    return fail("cannot read stdin: " + err);
  }
  const std::size_t n = inputs.size();
  if (n == 0) {
    std::cerr << "jwtx: no tokens: stdin was empty (exit " << kExitNoInput << ")\n";
    return kExitNoInput;
  }

  // Verify, in parallel if asked; results stay in input order.
  std::vector<status> statuses(n, status::internal_error);
  std::vector<std::string> lines(o.summary ? 0 : n);
  // HS tokens whose kid found no key while the only HMAC secret has none: worth a hint.
  const bool hint_hmac_kid = !o.hmac_secret_file.empty() && o.hmac_kid.empty();
  std::atomic<std::size_t> hmac_kid_misses{0};
  const unsigned wanted = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  const unsigned threads = static_cast<unsigned>(std::min<std::size_t>({wanted, kMaxThreads, n}));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> worker_failed{false};
  const auto start = std::chrono::steady_clock::now();
  // Every worker (the main thread included) takes blocks of lines until none are left, so the
  // work gets done by however many threads could actually be started.
  auto work = [&] {
    constexpr std::size_t kBlock = 16;
    try {
      verify_result r;
      for (std::size_t begin; (begin = next.fetch_add(kBlock)) < n;) {
        for (std::size_t i = begin; i < std::min(n, begin + kBlock); ++i) {
          const input_token& in = inputs[i];
          if (in.too_large) {
            statuses[i] = status::too_large;
            if (!o.summary) format_oversized(in.fingerprint, o.max_bytes, lines[i]);
            continue;
          }
          v.verify(in.token, r);
          statuses[i] = r.status();
          if (hint_hmac_kid && r.status() == status::key_not_found && r.has_kid() && r.alg() &&
              required_key_type(*r.alg()) == key_type::oct) {
            hmac_kid_misses.fetch_add(1, std::memory_order_relaxed);
          }
          if (!o.summary) format_result(in.token, r, lines[i]);
        }
      }
    } catch (...) {  // out of memory formatting a line: report, never terminate the process
      worker_failed = true;
      next = n;
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (unsigned t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error& e) {
      std::cerr << "jwtx: note: started " << t << " of " << threads
                << " verifier threads (cannot start more: " << e.what() << "); continuing\n";
      break;
    }
  }
  work();
  for (auto& th : pool) th.join();
  if (worker_failed) return fail("out of memory while verifying");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (const std::size_t misses = hmac_kid_misses.load()) {
    std::cerr << "jwtx: note: " << misses << (misses == 1 ? " token carries" : " tokens carry")
              << " a kid but the HMAC secret from --hmac-secret-file has none; pass --hmac-kid\n";
  }

  bool all_valid = true;
  std::array<std::size_t, kStatusCount> counts{};
  for (status s : statuses) {
    ++counts[static_cast<std::size_t>(s)];
    all_valid = all_valid && s == status::ok;
  }
  std::string out;
  if (o.summary) {
    char rate[64];
    std::snprintf(rate, sizeof(rate), "%.1f", seconds > 0 ? static_cast<double>(n) / seconds : 0.0);
    out = "{\"total\":" + std::to_string(n) + ",\"valid\":" + std::to_string(counts[0]) +
          ",\"invalid\":" + std::to_string(n - counts[0]) + ",\"tokens_per_second\":" + rate +
          ",\"counts\":{";
    bool first = true;
    for (int i = 0; i < kStatusCount; ++i) {
      if (!counts[i]) continue;
      if (!first) out.push_back(',');
      first = false;
      append_json_string(out, status_name(static_cast<status>(i)));
      out += ":" + std::to_string(counts[i]);
    }
    out += "}";
    if (const token_cache* cache = v.cache()) {
      const token_cache_stats c = cache->stats();
      out += ",\"cache\":{\"entries\":" + std::to_string(cache->capacity()) +
             ",\"hits\":" + std::to_string(c.hits) + ",\"misses\":" + std::to_string(c.misses) +
             ",\"inserts\":" + std::to_string(c.inserts) +
             ",\"evictions\":" + std::to_string(c.evictions) +
             ",\"invalidations\":" + std::to_string(c.invalidations) +
             ",\"collisions_rejected\":" + std::to_string(c.collisions_rejected) + "}";
    }
    out += ",\"key_search_capped\":" + std::to_string(v.key_search_capped());
    out += "}\n";
  } else {
    std::size_t total = 0;
    for (const auto& line : lines) total += line.size() + 1;
    out.reserve(total);
    for (const auto& line : lines) {
      out += line;
      out.push_back('\n');
    }
  }
  write_stdout(out);
  return all_valid ? kExitOk : kExitInvalid;
}

}  // namespace

verb add_verify(CLI::App& app) {
  auto o = std::make_shared<verify_options>();
  CLI::App* cmd = app.add_subcommand("verify", "Verify tokens; one JSON line per input line");
  // Keys.
  cmd->add_option("--jwks", o->jwks, "JWKS file with the verification keys");
  cmd->add_option("--pem", o->pems,
                  "PEM public key file (repeatable); kid = file name without .pem / .public.pem")
      ->allow_extra_args(false);
  cmd->add_option("--hmac-secret-file", o->hmac_secret_file, "File with a raw HMAC secret");
  cmd->add_option("--hmac-kid", o->hmac_kid, "kid of the HMAC secret (default: none)");
  cmd->add_flag("--allow-mixed-key-types", o->allow_mixed_key_types,
                "Allow one JWKS to hold both HMAC (oct) secrets and public keys (refused by "
                "default: a kid-less token is then ambiguous between a MAC and a signature)");
  cmd->add_option("--min-rsa-bits", o->min_rsa_bits,
                  "Smallest accepted RSA modulus; smaller keys give key_too_small")
      ->capture_default_str()
      ->check(count_in(kMinRsaBitsFloor, kMinRsaBitsCeiling));
  cmd->add_option("--max-keys-tried", o->max_keys_tried,
                  "Most signature checks per token: keys tried without a kid, or sharing one "
                  "(more fitting keys left untried: key_not_found, counted in --summary)")
      ->capture_default_str()
      ->check(count_in(1, kMaxKeysTriedFlag));
  // Token shape.
  cmd->add_option("--algs", o->algs, "Allowed algorithms, e.g. RS256,ES256 (case-sensitive)")
      ->required();
  cmd->add_option("--max-bytes", o->max_bytes,
                  "Longest accepted token; longer input lines are dropped while reading")
      ->capture_default_str()
      ->check(count_in(1, kMaxTokenBytesLimit));
  cmd->add_option("--max-json-depth", o->max_json_depth,
                  "Deepest JSON nesting in header and claims (top-level object = 1)")
      ->capture_default_str()
      ->check(count_in(1, kMaxJsonDepthLimit));
  cmd->add_option("--typ", o->typ, "Required typ header value");
  // Claims policy.
  CLI::Option* iss =
      cmd->add_option("--iss", o->issuers, "Allowed issuer (repeatable)")->allow_extra_args(false);
  CLI::Option* aud = cmd->add_option("--aud", o->audiences, "Allowed audience (repeatable)")
                         ->allow_extra_args(false);
  CLI::Option* ignore_aud =
      cmd->add_flag("--ignore-aud-when-unconfigured", o->ignore_aud_when_unconfigured,
                    "Without --aud, accept tokens that carry an aud (default: reject them, "
                    "RFC 7519 section 4.1.3)");
  CLI::Option* leeway = cmd->add_option("--leeway", o->leeway, "Clock leeway in seconds")
                            ->capture_default_str()
                            ->check(seconds_in(0, kMaxLeewaySeconds));
  cmd->add_option("--now", o->now, "Use this Unix time instead of the system clock")
      ->check(seconds_in(0, static_cast<double>(kMaxUnixTime)));
  CLI::Option* max_age =
      cmd->add_option("--max-age", o->max_age,
                      "Reject tokens whose iat is older than S seconds (too_old); iat required")
          ->check(seconds_in(0, kMaxAgeLimitSeconds));
  CLI::Option* require =
      cmd->add_option("--require", o->require,
                      "Comma list of registered claims that must be present: exp,nbf,"
                      "iat,iss,sub,aud,jti");
  CLI::Option* require_claim = cmd->add_option("--require-claim", o->require_claims,
                                               "Any other claim that must be present (repeatable)")
                                   ->allow_extra_args(false);
  CLI::Option* no_exp =
      cmd->add_flag("--no-require-exp", o->no_require_exp, "Accept tokens without exp");
  CLI::Option* plain = cmd->add_flag(
      "--plain-jws", o->plain_jws,
      "The payload is opaque bytes, not JWT claims: only the signature (and --typ) is checked");
  // Revocation.
  CLI::Option* revoked = cmd->add_option("--revoked-jti", o->revoked_jti_file,
                                         "File with revoked jti values, one a line");
  CLI::Option* redis = cmd->add_option(
      "--revocation-redis", o->revocation_redis,
      "Fleet revocation list: HOST:PORT[/KEY] (sorted set KEY, channel KEY:events)");
  cmd->add_option("--revocation-max-staleness", o->revocation_max_staleness,
                  "Seconds the revocation list may go without a sync before the policy applies")
      ->capture_default_str()
      ->check(seconds_in(0, kMaxRevocationStalenessSeconds));
  cmd->add_flag("--revocation-fail-closed", o->revocation_fail_closed,
                "Reject tokens with a jti while the revocation list is stale (default: accept)");
  cmd->add_option("--revocation-wait", o->revocation_wait,
                  "Seconds to wait for the first revocation load before verifying")
      ->capture_default_str()
      ->check(seconds_in(0, kMaxRevocationWait));
  // A plain JWS has no claims: every claim rule would silently never run.
  plain->excludes(iss)->excludes(aud)->excludes(ignore_aud)->excludes(leeway)->excludes(max_age);
  plain->excludes(require)->excludes(require_claim)->excludes(no_exp)->excludes(revoked);
  plain->excludes(redis);
  // Running.
  cmd->add_flag("--summary", o->summary, "Print only counts per status and tokens/s");
  cmd->add_option("--threads", o->threads,
                  "Verifier threads (0: one per CPU); at most " + std::to_string(kMaxThreads))
      ->capture_default_str()
      ->check(count_in(0, kMaxThreads));
  cmd->add_option("--cache-entries", o->cache_entries,
                  "Verified-token cache size in entries (0: no cache); repeats skip crypto")
      ->capture_default_str()
      ->check(count_in(0, kMaxCacheEntries));
  cmd->add_option("--cache-algs", o->cache_algs,
                  "Algorithms whose valid tokens are cached (default: all but HS256/384/512)");
  cmd->add_option("tokens", o->tokens, "Tokens (default: stdin, one per line)");
  cmd->footer(
      "Input: one token per line; output line N answers input line N. A blank line is a token\n"
      "(malformed); a trailing \\r is stripped; a leading \"Bearer \" (any case, then one or\n"
      "more spaces; RFC 6750) is stripped. Lines over --max-bytes are too_large and never held\n"
      "in memory.\n"
      "Exit: 0 every token valid, 1 some token invalid, 2 usage or key-loading error,\n"
      "3 no tokens (stdin was empty).");
  return {cmd, [o] { return run_verify(*o); }};
}

}  // namespace jwtx::cli
