// `jwtx serve`: the HTTP/1.1 auth service (libevent's evhttp, one event-loop thread) around
// engine/gateway/auth_request.h. Verification runs on one batch_pipeline per provider, never on the
// event loop: a request's token is submitted with a completion that computes the verdict on a
// pipeline worker and wakes the loop, which sends the answer.
//
// Endpoints: /healthz (200 while the process runs), /readyz (200 once a config is loaded, 503
// while draining), every other path is an auth check (nginx auth_request, Traefik forwardAuth...).
// Bounds: request header bytes, body bytes, and a read/write timeout that closes idle and slow
// (slowloris) connections. Signals: SIGHUP reloads the config file (a config that does not load
// keeps the old one serving and logs why); SIGTERM/SIGINT stop accepting, finish every in-flight
// request, and run() returns 0.
// Access log: one line per auth request on stdout, naming the token by its fingerprint only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "tools/jwtx/serve/config.h"

namespace jwtx::serve {

struct server_options {
  std::string listen;       // "ADDR:PORT" or "unix:PATH"
  std::string config_path;  // YAML (config.h)
  // Used when config_path is empty: one provider from `jwtx serve`'s key flags (--jwks, --pem,
  // --jwks-url). A SIGHUP rebuilds it (re-reading the key files).
  std::optional<serve_config> flags_config;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 4 * 1024;
  int idle_timeout_seconds = 30;
  std::size_t queue_capacity = 4096;  // per provider pipeline
};

// Runs until SIGTERM/SIGINT. Returns 0 after a graceful stop, 2 (with a message on stderr) when the
// config or the listen address is unusable at start.
int run_server(const server_options& o);

}  // namespace jwtx::serve
