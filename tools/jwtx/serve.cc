// `jwtx serve`: the HTTP auth service (tools/jwtx/serve/server.h).
#include <memory>

#include "tools/jwtx/common.h"
#include "tools/jwtx/serve/server.h"

namespace jwtx::cli {

verb add_serve(CLI::App& app) {
  auto o = std::make_shared<serve::server_options>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "HTTP auth service for nginx auth_request, Envoy ext_authz, Traefik forwardAuth");
  cmd->add_option("--listen", o->listen, "ADDR:PORT or unix:PATH")->required();
  cmd->add_option("--config", o->config_path, "YAML config (providers; see the README)")
      ->required();
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
  cmd->footer("SIGHUP reloads the config (a bad one keeps the old); SIGTERM drains and exits 0.");
  return {cmd, [o] { return serve::run_server(*o); }};
}

}  // namespace jwtx::cli
