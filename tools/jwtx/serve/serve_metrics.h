// `jwtx serve`'s /metrics: the series the server updates per request, over one metrics::registry
// (engine/runtime/metrics.h) that lives as long as the server.
//
//   jwtx_serve_requests_total{provider,status}     verdicts by status name (every status, from 0)
//   jwtx_serve_unverified_total{reason}            requests answered without verifying a token
//   jwtx_serve_responses_total{code}               auth answers by HTTP code
//   jwtx_serve_request_duration_seconds{provider}  request arrival -> answer sent (histogram)
//   jwtx_serve_pipeline_in_flight{provider}        tokens accepted by the pipeline, not completed
//   jwtx_serve_cache_{hits,misses}_total{provider}, jwtx_serve_cache_entries{provider}
//   jwtx_serve_connections, jwtx_serve_connections_refused_total, jwtx_serve_in_flight
// Requests with no provider (no token, a bad request, an unknown issuer) count under
// provider="-". The revocation list's series come from revocation_service::export_metrics().
//
// Reloads: bind_provider() for a provider name seen before returns the same counters (totals go
// on) and replaces its callbacks (queue depth, cache) with ones reading the new pipeline and
// verifier. The cache counters then restart from 0 with the new verifier's cache (a counter reset,
// which rate() handles). A provider dropped by a reload keeps its series; its callbacks read
// through a weak reference to the state that owned the pipeline and answer 0 once it is gone.
//
// Thread-safety: bind_provider() and render() on the server's loop thread (render() calls the
// callbacks there, the only thread that ever drops a state). The per-request updates
// (provider_series members, count_response, count_unverified) are lock-free atomics: no lock, no
// allocation, no exception, from any thread.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "engine/gateway/auth_request.h"
#include "engine/runtime/batch_pipeline.h"
#include "engine/runtime/metrics.h"
#include "engine/verifier.h"

namespace jwtx::serve {

// One provider's per-request series (owned by the registry; pointers stay valid).
struct provider_series {
  metrics::per_status_counters requests;
  metrics::histogram* duration = nullptr;
};

class serve_metrics {
 public:
  // Registers the server-wide series. Never fails for the fixed names used here.
  serve_metrics();

  // The registry, e.g. for a remote_jwks's export_metrics(registry(), provider name).
  metrics::registry& registry() noexcept { return registry_; }

  // The series of provider |name| (registered on first use), with its callbacks re-pointed at
  // |pipeline| and |v|, which |owner| keeps alive (held weakly). Null with *why if the registry
  // refuses a name (a provider name is only a label value: any text is accepted).
  provider_series* bind_provider(const std::string& name, std::weak_ptr<const void> owner,
                                 const batch_pipeline* pipeline, const verifier* v,
                                 std::string* why);
  // The series for requests that reached no provider.
  provider_series& no_provider() const noexcept { return *none_; }

  void count_response(int http_status) noexcept;
  void count_unverified(gateway::extract_outcome o) noexcept;
  void set_connections(double n) noexcept { connections_->set(n); }
  void count_refused_connection() noexcept { refused_->inc(); }
  void set_in_flight(double n) noexcept { in_flight_->set(n); }

  // The exposition (Content-Type kContentType).
  std::string render() const { return registry_.render(); }
  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  metrics::registry registry_;
  provider_series* none_ = nullptr;
  // 200, 400, 401, 403, 500, 503, anything else.
  std::array<metrics::counter*, 7> responses_{};
  std::array<metrics::counter*, 5> unverified_{};  // by extract_outcome
  metrics::gauge* connections_ = nullptr;
  metrics::counter* refused_ = nullptr;
  metrics::gauge* in_flight_ = nullptr;
  // Series are registry-owned; this keeps the per-provider structs (found again by name).
  std::vector<std::pair<std::string, std::unique_ptr<provider_series>>> providers_;
};

}  // namespace jwtx::serve
