#include "tools/jwtx/serve/serve_metrics.h"

#include <cstdio>
#include <cstdlib>

namespace jwtx::serve {
namespace {

constexpr int kResponseCodes[] = {200, 400, 401, 403, 500, 503};

// The fixed names below are valid: a refusal is a programming error, caught by every test run.
template <typename T>
T* must(T* p, const char* what) {
  if (!p) {
    std::fprintf(stderr, "jwtx serve: metrics: cannot register %s\n", what);
    std::abort();
  }
  return p;
}

}  // namespace

serve_metrics::serve_metrics() {
  for (std::size_t i = 0; i < responses_.size(); ++i) {
    std::string code = i < std::size(kResponseCodes) ? std::to_string(kResponseCodes[i]) : "other";
    responses_[i] =
        must(registry_.add_counter("jwtx_serve_responses_total", "Auth answers by HTTP status code",
                                   {{"code", code}}),
             "jwtx_serve_responses_total");
  }
  for (std::size_t i = 0; i < unverified_.size(); ++i) {
    auto o = static_cast<gateway::extract_outcome>(i);
    unverified_[i] =
        must(registry_.add_counter("jwtx_serve_unverified_total",
                                   "Auth requests answered without verifying a token, by reason",
                                   {{"reason", std::string(gateway::extract_outcome_name(o))}}),
             "jwtx_serve_unverified_total");
  }
  connections_ = must(registry_.add_gauge("jwtx_serve_connections", "Open client connections", {}),
                      "jwtx_serve_connections");
  refused_ =
      must(registry_.add_counter("jwtx_serve_connections_refused_total",
                                 "Connections closed at once: --max-connections reached", {}),
           "jwtx_serve_connections_refused_total");
  in_flight_ = must(registry_.add_gauge("jwtx_serve_in_flight",
                                        "Auth requests waiting for their verification", {}),
                    "jwtx_serve_in_flight");
  std::string why;
  none_ = must(bind_provider("-", {}, nullptr, nullptr, &why), "provider \"-\"");
}

provider_series* serve_metrics::bind_provider(const std::string& name,
                                              std::weak_ptr<const void> owner,
                                              const batch_pipeline* pipeline, const verifier* v,
                                              std::string* why) {
  provider_series* s = nullptr;
  for (auto& [n, p] : providers_) {
    if (n == name) s = p.get();
  }
  const metrics::labels l = {{"provider", name}};
  if (!s) {
    auto fresh = std::make_unique<provider_series>();
    if (!metrics::add_per_status_counters(registry_, "jwtx_serve_requests_total",
                                          "Verified auth requests by provider and status name", l,
                                          &fresh->requests, why)) {
      return nullptr;
    }
    fresh->duration =
        registry_.add_histogram("jwtx_serve_request_duration_seconds",
                                "Auth request latency, from the request's arrival to its answer", l,
                                metrics::default_latency_buckets(), why);
    if (!fresh->duration) return nullptr;
    s = fresh.get();
    providers_.emplace_back(name, std::move(fresh));
  }
  if (!pipeline || !v) return s;
  // Each callback re-checks that the state owning |pipeline| and |v| still exists.
  auto read = [owner](auto fn) {
    return [owner, fn]() -> double { return owner.expired() ? 0.0 : fn(); };
  };
  bool ok =
      registry_.add_gauge_fn(
          "jwtx_serve_pipeline_in_flight",
          "Tokens accepted by the provider's pipeline and not yet completed (queue depth)", l,
          read([pipeline] { return static_cast<double>(pipeline->snapshot().in_flight); }), why) &&
      registry_.add_counter_fn(
          "jwtx_serve_cache_hits_total", "Verified-token cache hits (since the last reload)", l,
          read([v] { return v->cache() ? static_cast<double>(v->cache()->stats().hits) : 0.0; }),
          why) &&
      registry_.add_counter_fn(
          "jwtx_serve_cache_misses_total", "Verified-token cache misses (since the last reload)", l,
          read([v] { return v->cache() ? static_cast<double>(v->cache()->stats().misses) : 0.0; }),
          why) &&
      registry_.add_gauge_fn(
          "jwtx_serve_cache_entries", "Entries in the verified-token cache", l,
          read([v] { return v->cache() ? static_cast<double>(v->cache()->size()) : 0.0; }), why);
  return ok ? s : nullptr;
}

void serve_metrics::count_response(int http_status) noexcept {
  std::size_t i = 0;
  while (i < std::size(kResponseCodes) && kResponseCodes[i] != http_status) ++i;
  responses_[i]->inc();
}

void serve_metrics::count_unverified(gateway::extract_outcome o) noexcept {
  auto i = static_cast<std::size_t>(o);
  if (i < unverified_.size()) unverified_[i]->inc();
}

}  // namespace jwtx::serve
