// `jwtx verify`: verifies tokens against keys from JWKS / PEM / HMAC secret files and prints one
// JSON line per token, in input order. Tokens are only ever named by their fingerprint.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/algorithm.h"
#include "engine/fingerprint.h"
#include "engine/key_set.h"
#include "engine/policy.h"
#include "engine/redis_revocation.h"
#include "engine/revocation.h"
#include "engine/status.h"
#include "engine/token_cache.h"
#include "engine/verifier.h"
#include "tools/jwtx/common.h"

namespace jwtx::cli {
namespace {

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

int run_verify(const verify_options& o) {
  // Algorithms first: a bad allow-list is a usage error before any file is touched.
  std::string_view bad;
  std::optional<algorithm_set> algs = parse_algorithm_list(o.algs, &bad);
  if (!algs) {
    return fail("unknown or unsupported algorithm in --algs: \"" + std::string(bad) +
                "\" (\"none\" is never accepted)");
  }
  if (algs->empty()) return fail("--algs lists no algorithm");
  if (o.jwks.empty() && o.pems.empty() && o.hmac_secret_file.empty()) {
    return fail("no keys: give --jwks, --pem or --hmac-secret-file");
  }

  // Keys.
  key_set_options kso;
  const bool has_asym = !o.jwks.empty() || !o.pems.empty();
  // The user named both kinds of key explicitly, so mixing them is intended.
  kso.allow_mixed_symmetric = has_asym && !o.hmac_secret_file.empty();
  key_set_builder builder(kso);
  std::string content, err;
  auto load = [&](const std::string& path, auto add) -> bool {
    if (!read_file(path, &content, &err)) {
      fail("cannot read " + path + ": " + err);
      return false;
    }
    if (add(path) != status::ok) {
      fail("cannot load keys from " + path + ": " + strip_source(builder.error(), path));
      return false;
    }
    return true;
  };
  if (!o.jwks.empty() &&
      !load(o.jwks, [&](const std::string& p) { return builder.add_jwks(content, p); })) {
    return kExitUsage;
  }
  for (const std::string& pem : o.pems) {
    if (!load(pem, [&](const std::string& p) {
          return builder.add_pem(content, kid_from_pem_path(p), p);
        })) {
      return kExitUsage;
    }
  }
  if (!o.hmac_secret_file.empty() && !load(o.hmac_secret_file, [&](const std::string& p) {
        return builder.add_hmac_secret(content, o.hmac_kid, std::nullopt, p);
      })) {
    return kExitUsage;
  }
  key_set_result keys = builder.build();
  if (!keys) return fail("invalid key set: " + keys.error);
  for (const std::string& why : keys.set->skipped())
    std::cerr << "jwtx: note: skipped " << why << '\n';
  if (keys.set->empty()) return fail("no usable verification keys were loaded");

  // Policy.
  verifier_options vo;
  vo.algorithms = *algs;
  vo.max_token_bytes = o.max_bytes;
  vo.claims.leeway_seconds = o.leeway;
  vo.claims.issuers = o.issuers;
  vo.claims.audiences = o.audiences;
  vo.claims.typ = o.typ;
  vo.claims.require_exp = !o.no_require_exp;
  vo.cache_entries = o.cache_entries;
  for (std::string& claim : split_csv(o.require)) {
    if (claim == "exp") {
      vo.claims.require_exp = true;  // named explicitly: wins over --no-require-exp
    } else {
      vo.claims.required_claims.push_back(std::move(claim));
    }
  }
  if (o.now) {
    const double now = *o.now;
    vo.claims.clock = [now] { return now; };
  }
  revocation_set revoked;  // outlives the verifier below
  if (!o.revoked_jti_file.empty()) {
    if (!read_file(o.revoked_jti_file, &content, &err)) {
      return fail("cannot read " + o.revoked_jti_file + ": " + err);
    }
    for (const std::string& jti : split_lines(content)) revoked.add(jti);
    vo.claims.revoked = &revoked;
  }
  // Fleet revocation: the feed keeps |revoked| equal to the list in Redis while tokens verify.
  std::unique_ptr<redis_revocation_feed> feed;
  if (!o.revocation_redis.empty()) {
    std::string why;
    std::optional<redis_endpoint> endpoint = parse_redis_endpoint(o.revocation_redis, &why);
    if (!endpoint) return fail("bad --revocation-redis: " + why);
    feed = redis_revocation_feed::start(*endpoint, revoked, redis_feed_options{}, &why);
    if (!feed) return fail("cannot start the revocation feed: " + why);
    // Give the first load a moment, so a healthy Redis is in force before the first token.
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration<double>(std::max(0.0, o.revocation_wait));
    while (!feed->synced() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (!feed->synced()) {
      std::cerr << "jwtx: note: revocation list from " << endpoint->to_string()
                << " not loaded yet (" << feed->status() << "); tokens with a jti are "
                << (o.revocation_fail_closed ? "rejected (revocation_unavailable)" : "accepted")
                << " while it is older than " << o.revocation_max_staleness << " s\n";
    }
    vo.claims.revoked = &revoked;
    vo.claims.revocation_max_staleness_seconds = o.revocation_max_staleness;
    vo.claims.revocation_fail_closed = o.revocation_fail_closed;
  }
  const verifier v(keys.set, vo);

  // Verify, in parallel if asked; results stay in input order.
  const std::vector<std::string> tokens = read_tokens(o.tokens);
  const std::size_t n = tokens.size();
  std::vector<status> statuses(n, status::internal_error);
  std::vector<std::string> lines(o.summary ? 0 : n);
  const unsigned threads =
      std::max(1u, std::min<unsigned>(o.threads ? o.threads : std::thread::hardware_concurrency(),
                                      static_cast<unsigned>(std::max<std::size_t>(n, 1))));
  const auto start = std::chrono::steady_clock::now();
  auto work = [&](std::size_t begin, std::size_t end) {
    verify_result r;
    for (std::size_t i = begin; i < end; ++i) {
      v.verify(tokens[i], r);
      statuses[i] = r.status();
      if (!o.summary) format_result(tokens[i], r, lines[i]);
    }
  };
  if (threads == 1) {
    work(0, n);
  } else {
    std::vector<std::thread> pool;
    const std::size_t chunk = (n + threads - 1) / threads;
    for (unsigned t = 0; t < threads; ++t) {
      const std::size_t begin = std::min(n, t * chunk), end = std::min(n, begin + chunk);
      if (begin < end) pool.emplace_back(work, begin, end);
    }
    for (auto& th : pool) th.join();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

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
  CLI::App* cmd = app.add_subcommand("verify", "Verify tokens; one JSON line per token");
  cmd->add_option("--jwks", o->jwks, "JWKS file with the verification keys");
  cmd->add_option("--pem", o->pems,
                  "PEM public key file (repeatable); kid = file name without .pem / .public.pem")
      ->allow_extra_args(false);
  cmd->add_option("--hmac-secret-file", o->hmac_secret_file, "File with a raw HMAC secret");
  cmd->add_option("--hmac-kid", o->hmac_kid, "kid of the HMAC secret (default: none)");
  cmd->add_option("--algs", o->algs, "Allowed algorithms, e.g. RS256,ES256")->required();
  cmd->add_option("--iss", o->issuers, "Allowed issuer (repeatable)")->allow_extra_args(false);
  cmd->add_option("--aud", o->audiences, "Allowed audience (repeatable)")->allow_extra_args(false);
  cmd->add_option("--leeway", o->leeway, "Clock leeway in seconds")->capture_default_str();
  cmd->add_option("--now", o->now, "Use this Unix time instead of the system clock");
  cmd->add_option("--require", o->require, "Comma list of required claims, e.g. exp,iat,sub");
  cmd->add_flag("--no-require-exp", o->no_require_exp, "Accept tokens without exp");
  cmd->add_option("--max-bytes", o->max_bytes, "Longest accepted token")->capture_default_str();
  cmd->add_option("--revoked-jti", o->revoked_jti_file, "File with revoked jti values, one a line");
  cmd->add_option("--typ", o->typ, "Required typ header value");
  cmd->add_flag("--summary", o->summary, "Print only counts per status and tokens/s");
  cmd->add_option("--threads", o->threads, "Verifier threads (0: one per CPU)")
      ->capture_default_str();
  cmd->add_option("--cache-entries", o->cache_entries,
                  "Verified-token cache size in entries (0: no cache); repeats skip crypto")
      ->capture_default_str();
  cmd->add_option("--revocation-redis", o->revocation_redis,
                  "Fleet revocation list: HOST:PORT[/KEY] (sorted set KEY, channel KEY:events)");
  cmd->add_option("--revocation-max-staleness", o->revocation_max_staleness,
                  "Seconds the revocation list may go without a sync before the policy applies")
      ->capture_default_str();
  cmd->add_flag("--revocation-fail-closed", o->revocation_fail_closed,
                "Reject tokens with a jti while the revocation list is stale (default: accept)");
  cmd->add_option("--revocation-wait", o->revocation_wait,
                  "Seconds to wait for the first revocation load before verifying")
      ->capture_default_str();
  cmd->add_option("tokens", o->tokens, "Tokens (default: stdin, one per line)");
  return {cmd, [o] { return run_verify(*o); }};
}

}  // namespace jwtx::cli
