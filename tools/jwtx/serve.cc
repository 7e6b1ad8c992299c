// `jwtx serve`: the HTTP auth service (tools/jwtx/serve/server.h).
#include <memory>

#include "tools/jwtx/common.h"
#include "tools/jwtx/serve/server.h"

namespace jwtx::cli {
namespace {

// The single-provider flags (instead of --config), named as `jwtx verify` names them.
struct provider_flags {
  std::string jwks, pem, jwks_url, jwks_ca_file, algs, iss;
  std::vector<std::string> audiences;
  double leeway = 60;
  double jwks_timeout = 2;
  double jwks_refetch_interval = 30;
  std::vector<CLI::Option*> options;  // every flag above, to tell whether any was given

  bool any() const {
    for (const CLI::Option* o : options) {
      if (o->count() > 0) return true;
    }
    return false;
  }
};

// One provider named "default" from the flags; nullopt after printing why (exit 2).
std::optional<serve::serve_config> config_from_flags(const provider_flags& f) {
  serve::provider_config p;
  p.name = "default";
  const int sources = !f.jwks.empty() + !f.pem.empty() + !f.jwks_url.empty();
  if (sources != 1) {
    fail("serve: give exactly one key source: --jwks FILE, --pem FILE or --jwks-url URL");
    return std::nullopt;
  }
  if (f.algs.empty()) {
    fail("serve: --algs is required with the provider flags (the allow-list)");
    return std::nullopt;
  }
  std::string err;
  std::optional<algorithm_set> algs = parse_algorithms_flag("--algs", f.algs, &err);
  if (!algs) {
    fail(err);
    return std::nullopt;
  }
  p.algorithms = *algs;
  p.issuer = f.iss;
  p.audiences = f.audiences;
  p.clock_skew_seconds = f.leeway;
  if (!f.jwks.empty()) p.local_jwks_file = f.jwks;
  if (!f.pem.empty()) p.local_pem_file = f.pem;
  if (!f.jwks_url.empty()) {
    serve::remote_jwks_config r;
    r.uri = f.jwks_url;
    r.timeout_seconds = f.jwks_timeout;
    r.min_refetch_interval_seconds = f.jwks_refetch_interval;
    r.ca_file = f.jwks_ca_file;
    p.remote_jwks = r;
  }
  serve::serve_config c;
  c.providers.push_back(std::move(p));
  return c;
}

}  // namespace

verb add_serve(CLI::App& app) {
  auto o = std::make_shared<serve::server_options>();
  auto f = std::make_shared<provider_flags>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "HTTP auth service for nginx auth_request, Envoy ext_authz, Traefik forwardAuth");
  cmd->add_option("--listen", o->listen, "ADDR:PORT or unix:PATH")->required();
  cmd->add_option("--config", o->config_path,
                  "YAML config (providers; see the README); or one provider from the flags below");
  f->options = {
      cmd->add_option("--jwks", f->jwks, "Provider flags: JWKS file with the verification keys"),
      cmd->add_option("--pem", f->pem, "Provider flags: one PEM public key file"),
      cmd->add_option("--jwks-url", f->jwks_url,
                      "Provider flags: JWKS URL, fetched and kept current (https; http only to "
                      "loopback)"),
      cmd->add_option("--algs,--alg", f->algs,
                      "Provider flags: allowed algorithms, e.g. RS256,ES256 (required)"),
      cmd->add_option("--iss", f->iss, "Provider flags: required issuer"),
      cmd->add_option("--aud", f->audiences, "Provider flags: allowed audience (repeatable)")
          ->allow_extra_args(false),
      cmd->add_option("--leeway", f->leeway, "Provider flags: clock leeway in seconds")
          ->capture_default_str()
          ->check(seconds_in(0, kMaxLeewaySeconds)),
      cmd->add_option("--jwks-timeout", f->jwks_timeout,
                      "Provider flags: seconds each JWKS fetch may take")
          ->capture_default_str()
          ->check(seconds_in(0.001, 60)),
      cmd->add_option("--jwks-ca-file", f->jwks_ca_file,
                      "Provider flags: PEM CA bundle for --jwks-url (default: the system's)"),
      cmd->add_option("--jwks-refetch-interval", f->jwks_refetch_interval,
                      "Provider flags: fewest seconds between unknown-kid refetches")
          ->capture_default_str()
          ->check(count_in(0, 86400)),
  };
  cmd->add_option("--max-header-bytes", o->max_header_bytes, "Largest request header block")
      ->capture_default_str()
      ->check(count_in(1024, 1024 * 1024));
  cmd->add_option("--max-body-bytes", o->max_body_bytes, "Largest request body")
      ->capture_default_str()
      ->check(count_in(0, 1024 * 1024));
  cmd->add_option("--idle-timeout", o->idle_timeout_seconds,
                  "Seconds a connection may stay idle or slow before it is closed")
      ->capture_default_str()
      ->check(count_in(1, 3600));
  cmd->add_option("--workers", o->workers,
                  "Verification threads per provider pipeline (0: one per core)")
      ->capture_default_str()
      ->check(count_in(0, 128));
  cmd->add_option("--queue", o->queue_capacity, "Pipeline queue per provider (503 when full)")
      ->capture_default_str()
      ->check(count_in(1, 1 << 20));
  cmd->add_option("--max-connections", o->max_connections,
                  "Open connections at most; past it new ones are closed at once")
      ->capture_default_str()
      ->check(count_in(1, 1 << 20));
  cmd->add_option("--drain-seconds", o->drain_seconds,
                  "SIGTERM: seconds to wait for clients before exiting")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  cmd->footer(
      "Give --config FILE, or one provider with --jwks/--pem/--jwks-url and --algs (not both).\n"
      "SIGHUP reloads the config (a bad one keeps the old); SIGTERM drains and exits 0.");
  return {
      cmd, [o, f] {
        const bool flags = f->any();
        if (!o->config_path.empty() && flags) {
          return fail(
              "serve: --config and the provider flags (--jwks, --pem, --jwks-url, --algs, "
              "--iss, --aud, --leeway, --jwks-timeout, --jwks-ca-file, --jwks-refetch-interval) "
              "exclude each other: put the provider in the config file, or drop --config");
        }
        if (o->config_path.empty() && !flags) {
          return fail(
              "serve: give --config FILE, or a provider: --jwks FILE, --pem FILE or "
              "--jwks-url URL with --algs");
        }
        if (flags) {
          o->flags_config = config_from_flags(*f);
          if (!o->flags_config) return kExitUsage;
        }
        return serve::run_server(*o);
      }};
}

}  // namespace jwtx::cli
