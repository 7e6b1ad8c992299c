// `jwtx serve`: the HTTP/1.1 auth service (libevent's evhttp, one event-loop thread) around
// engine/gateway/auth_request.h. Verification runs on one batch_pipeline per provider, never on the
// event loop: a request's token is submitted with a completion that computes the verdict on a
// pipeline worker and wakes the loop, which sends the answer.
//
// Endpoints: /healthz (200 while the process runs), /readyz (200 once every provider has keys,
// 503 while a remote JWKS has not been fetched yet or while draining), /metrics (Prometheus text,
// serve_metrics.h), every other path is an auth check (nginx auth_request, Traefik forwardAuth...).
// Remote JWKS (key_sources.h): at start the server waits up to the providers' fetch timeout for
// the first key sets, then listens anyway; a token for a provider without keys gets 503 +
// Retry-After. A token naming a kid its remote provider lacks triggers a refetch (rate-limited by
// min_refetch_interval) and waits for it, parked on the loop (at most 1024 at once), then is
// verified once more: a key rotated in at the IdP is accepted on first use.
// Bounds: request header bytes, body bytes, open connections (past --max-connections a new one is
// closed at once) and a deadline for each complete request (idle and slowloris connections are
// closed; connections.h). Revocation: an optional fleet list in Redis checked by every provider
// (revocation_service.h). Signals: SIGHUP reloads the config file (a config that does not load
// keeps the old one serving and logs why; unchanged remote_jwks providers keep their fetcher and
// keys; a config with a new remote provider is swapped in only once its keys are fetched, within
// two fetch timeouts and a second, else refused); SIGTERM/SIGINT stop accepting, answer every
// request already received (with Connection: close), close idle connections and run() returns 0
// once none is left, or after drain_seconds.
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
  // Verification threads of each provider's pipeline (pipeline_options::concurrency); 0 = one per
  // core.
  std::size_t workers = 0;
  // Open client connections at most; past it a new one is closed at once (connections.h).
  std::size_t max_connections = 10000;
  // SIGTERM: the longest the drain waits for idle clients to leave (verifications in flight are
  // always waited for: they are bounded).
  double drain_seconds = 10;
};

// Runs until SIGTERM/SIGINT. Returns 0 after a graceful stop, 2 (with a message on stderr) when the
// config or the listen address is unusable at start.
int run_server(const server_options& o);

}  // namespace jwtx::serve
