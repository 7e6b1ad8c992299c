// `jwtx revoke`: revokes one jti fleet-wide through Redis (engine/revocation/redis_revocation.h):
// adds it to the fleet's sorted set and publishes it on the channel every verifier's feed listens
// to. Retries while Redis is unreachable, up to --timeout. Prints one JSON line on success:
// {"revoked":true,"jti":..,"exp":..,"redis":"host:port/key","attempts":N}. It takes a jti, never
// a token, and refuses an argument that looks like a whole token so that none lands in shell
// history, logs or Redis.
//
// An --exp more than --retention seconds in the past is refused (exit 1, nothing sent): the trim
// every publish does would drop the entry at once, and every verifier whose leeway is within the
// retention already rejects the token as expired.
//
// Exit status: 0 revoked; 1 not revoked (Redis unreachable past --timeout, Redis refused it, or
// the token is already past exp + retention); 2 usage error.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "engine/revocation/redis_revocation.h"
#include "tools/jwtx/common.h"

namespace jwtx::cli {
namespace {

constexpr double kMaxTtl = 100 * 366 * 86400.0;  // a century: "for good" is no --ttl at all
constexpr double kMaxTimeout = 86400;            // a day of retrying

struct revoke_options {
  std::string redis;
  std::string jti;
  std::optional<double> exp;
  std::optional<double> ttl;
  double timeout = 10;
  double retention = redis_publish_options{}.retention_seconds;
};

// A compact JWS has two dots and a base64url JSON header ("eyJ" = '{"').
bool looks_like_token(const std::string& s) {
  std::size_t dots = 0;
  for (char c : s) dots += c == '.';
  return dots >= 2 && s.starts_with("eyJ");
}

int run_revoke(const revoke_options& o) {
  std::string error;
  std::optional<redis_endpoint> ep = parse_redis_endpoint(o.redis, &error);
  if (!ep) return fail("bad --redis: " + sanitized(error));
  if (o.jti.empty()) return fail("--jti must not be empty");
  if (looks_like_token(o.jti)) {
    return fail("--jti looks like a whole token; pass the value of its \"jti\" claim instead");
  }
  // --exp, --ttl and --timeout are range-checked by their validators (finite, bounded), so the
  // sum below is a finite time.
  double exp = std::numeric_limits<double>::infinity();  // neither given: until removed
  if (o.exp) {
    exp = *o.exp;
  } else if (o.ttl) {
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    // Whole seconds, like a JWT's exp; rounded up so the revocation never ends early.
    exp = std::ceil(now + *o.ttl);
  }

  redis_publish_options po;
  po.retention_seconds = o.retention;
  redis_publish_result r = publish_revocation(*ep, o.jti, exp, o.timeout, po);
  if (r.expired) {
    std::cerr << "jwtx: not revoked: " << sanitized(r.error) << '\n';
    return kExitInvalid;
  }
  if (!r.ok) {
    std::cerr << "jwtx: revoke via " << sanitized(ep->to_string())
              << " failed: " << sanitized(r.error) << '\n';
    return kExitInvalid;
  }
  std::string out = "{\"revoked\":true,\"jti\":" + json_string(o.jti) + ",\"exp\":";
  if (std::isinf(exp)) {
    out += "null";
  } else {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.17g", exp);
    out += buf;
  }
  out += ",\"redis\":" + json_string(ep->to_string()) +
         ",\"attempts\":" + std::to_string(r.attempts) + "}\n";
  write_stdout(out);
  return kExitOk;
}

}  // namespace

verb add_revoke(CLI::App& app) {
  auto o = std::make_shared<revoke_options>();
  CLI::App* cmd = app.add_subcommand("revoke", "Revoke a jti fleet-wide through Redis");
  cmd->add_option("--redis", o->redis, "HOST:PORT[/KEY] (KEY default jwtx:revoked)")->required();
  cmd->add_option("--jti", o->jti, "The jti claim of the token to revoke")->required();
  CLI::Option* exp =
      cmd->add_option("--exp", o->exp, "The token's exp (Unix seconds): keep the entry until then")
          ->check(seconds_in(0, static_cast<double>(kMaxUnixTime)));
  CLI::Option* ttl = cmd->add_option("--ttl", o->ttl, "Keep the entry for S seconds from now")
                         ->check(seconds_in(0, kMaxTtl));
  exp->excludes(ttl);
  cmd->add_option("--timeout", o->timeout, "Retry while Redis is unreachable for up to S seconds")
      ->capture_default_str()
      ->check(seconds_in(0, kMaxTimeout));
  cmd->add_option("--retention", o->retention,
                  "Trim entries past exp + S from Redis; S >= every verifier's leeway + clock skew")
      ->capture_default_str()
      ->check(seconds_in(0, kMaxTtl));
  cmd->footer("Without --exp or --ttl the jti stays revoked until removed from Redis.");
  return {cmd, [o] { return run_revoke(*o); }};
}

}  // namespace jwtx::cli
