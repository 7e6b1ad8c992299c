// jwtx::remote_jwks — keeps a key_store in sync with an identity provider's JWKS URL.
//
// One background thread fetches (engine/keys/http_fetch.h: libcurl's GnuTLS flavour, bounded in
// time and size) and publishes each good set with key_store::publish, so verifiers reading the
// store never see a failure during rotation. Schedule:
//  - at start, then again after the response's Cache-Control max-age clamped to
//    [min_cache, max_cache] (no header, no max-age, or an unparsable one: default_cache; no-store /
//    no-cache count as max-age=0, so min_cache);
//  - early on request_refresh() (a verifier met an unknown kid), at most once per
//    min_refetch_interval counted from the start of the previous fetch of any kind; a request
//    inside that interval is dropped (counted), never deferred;
//  - after a failure, again after min_refetch_interval.
// Single flight: only the thread fetches, so at most one fetch is in flight; request_refresh()
// only flips an atomic flag and, for the first caller, writes an eventfd: it never blocks, never
// allocates and never starts a fetch itself.
// Failures (connect, timeout, TLS, HTTP status other than 200, body over max_body_bytes, a JWKS
// that does not load, a set with no usable key, discovery errors) keep the last good set
// published, are counted by kind in stats() and leave their message in last_error().
//
// OpenID discovery: with |uri| empty and |issuer| set, the thread first GETs
// issuer + "/.well-known/openid-configuration", requires its "issuer" to equal |issuer| exactly
// (OpenID Connect Discovery 1.0 §4.3) and takes "jwks_uri" from it; the result is reused until a
// fetch fails, then discovered again.
//
// Plain http is accepted only for loopback hosts (tests, a sidecar IdP) unless allow_http.
//
// Thread-safety: every const member and request_refresh() from any thread. The destructor must
// not run concurrently with other members; it interrupts a fetch in progress (curl_multi_wakeup)
// and joins the thread, within milliseconds whatever the server does. One exception, as for the
// Redis feed: a host name whose resolution the system resolver is still working on may hold the
// join up to that lookup's own limit; use an IP literal or a local resolver if that matters.
// Ownership: the key_store is shared (store()); it stays valid after the remote_jwks is gone and
// then keeps the last set published.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/keys/key_set.h"
#include "engine/keys/key_store.h"
#include "engine/runtime/metrics.h"

namespace jwtx {

struct remote_jwks_options {
  std::string uri;  // JWKS URL (https://...); empty: discovered from |issuer|
  std::chrono::seconds min_cache{60}, max_cache{86400}, default_cache{300};
  std::chrono::milliseconds timeout{2000};  // each HTTP GET, end to end
  std::chrono::seconds min_refetch_interval{30};
  // Extensions beyond the serve interface:
  std::string issuer;   // for OpenID discovery when |uri| is empty
  std::string ca_file;  // PEM CA bundle; empty: the system trust store
  std::size_t max_body_bytes = std::size_t{1} << 20;
  bool allow_http = false;  // plain http to non-loopback hosts
  key_set_options keys;     // how each fetched document is loaded (allow_empty is ignored: an
                            // empty set is a failure and the last good set stays)
  // Called on the fetch thread after every fetch attempt ends (success or failure), after the
  // publish: e.g. a server re-runs requests it parked on an unknown kid. Must not block long, must
  // not throw and must not destroy the remote_jwks.
  std::function<void()> on_fetch_done;
};

// Why a fetch failed; index into remote_jwks_stats::failures.
enum class jwks_failure : std::uint8_t {
  network,       // resolve/connect/reset, or libcurl errors without a finer kind
  timeout,       // |timeout| elapsed
  tls,           // handshake or certificate verification
  http_status,   // a status other than 200
  too_large,     // body over max_body_bytes
  invalid_jwks,  // not JSON, no "keys", a whole-set refusal (private key members, ...)
  empty_set,     // the document loaded but holds no usable key
  discovery,     // openid-configuration unusable (status, JSON, issuer mismatch, no jwks_uri)
};
inline constexpr std::size_t kJwksFailureKinds = 8;
// "network", "timeout", ... (stable: metric label values).
const char* jwks_failure_name(jwks_failure f) noexcept;

struct remote_jwks_stats {
  std::uint64_t fetches = 0;    // fetch attempts finished (successes + failures)
  std::uint64_t successes = 0;  // sets published
  std::uint64_t failures = 0;   // sum of failures[]
  std::array<std::uint64_t, kJwksFailureKinds> failures_by_kind{};
  std::uint64_t refresh_requests = 0;      // request_refresh() calls that woke the thread
  std::uint64_t refresh_rate_limited = 0;  // request_refresh() calls dropped by the interval
  // Unix seconds of the last published set; 0 before the first.
  double last_success_unix = 0;
  // Seconds since that set was fetched; -1 before the first.
  double key_set_age_seconds = -1;
  std::uint64_t generation = 0;  // key_set::generation() of the published set; 0 before
  // The cache lifetime chosen after the last success (max-age clamped, or default_cache): the
  // next scheduled fetch is this long after that success's start. 0 before the first.
  std::int64_t cache_seconds = 0;
};

class remote_jwks {
 public:
  // Validates |options| (a URI or an issuer; an http(s) URL; http only to loopback unless
  // allow_http; 0 < min_cache <= max_cache; timeout > 0), creates the store (holding an empty
  // set until the first fetch) and starts the thread, which fetches at once. Returns nullptr with
  // the reason in *why (may be null) on bad options or if the thread cannot start. Never throws.
  static std::unique_ptr<remote_jwks> start(remote_jwks_options options, std::string* why);
  ~remote_jwks();
  remote_jwks(const remote_jwks&) = delete;
  remote_jwks& operator=(const remote_jwks&) = delete;

  // The store verifiers read (never null).
  std::shared_ptr<key_store> store() const;
  // A verifier met a kid the current set does not have: ask for an early refetch (see the header
  // comment for the rate limit). Wait-free apart from one write(2) for the first caller, no
  // allocation; safe on the hot path. Returns true if a fetch is now pending (this call's or an
  // earlier caller's) or starting at this very moment (a call racing with a fetch's start is
  // folded into it); on_fetch_done runs when it ends. False if the request was dropped by the
  // rate limit (a fetch may still be in flight: it started less than min_refetch_interval ago).
  bool request_refresh() noexcept;
  // True once a set has been published (it stays true through later failures).
  bool ready() const noexcept;
  // Waits up to |timeout| for ready(); for CLIs and tests. Returns ready().
  bool wait_ready(std::chrono::milliseconds timeout) const;
  remote_jwks_stats stats() const noexcept;
  // The last failure's message ("" if none yet; kept after recovery, for diagnosis).
  std::string last_error() const;
  // The JWKS URL in use: |uri|, or the discovered one ("" before discovery).
  std::string jwks_uri() const;

  // Registers this fetcher's series in |registry|, every one labelled provider=|provider|, as
  // callbacks that read stats() at render time:
  //   jwtx_jwks_fetch_successes_total, jwtx_jwks_fetch_failures_total{kind=<jwks_failure_name>},
  //   jwtx_jwks_refresh_rate_limited_total, jwtx_jwks_key_set_age_seconds (NaN before the first
  //   set), jwtx_jwks_ready (0 or 1).
  // The callbacks hold a weak reference: once this remote_jwks is destroyed they read NaN; a
  // replacement for the same provider (config reload) re-registers and takes the series over.
  // False with *why if the registry refuses a series (e.g. a name registered with another type).
  bool export_metrics(metrics::registry& registry, std::string_view provider,
                      std::string* why = nullptr) const;

  // Cache-Control max-age in seconds: the first valid "max-age=N" directive (case-insensitive,
  // optional quotes); 0 for no-store or no-cache; nullopt if absent or invalid. Exposed for tests.
  static std::optional<std::uint64_t> parse_max_age(std::string_view cache_control) noexcept;

 private:
  struct impl;
  explicit remote_jwks(std::shared_ptr<impl> p);
  std::shared_ptr<impl> impl_;  // shared with export_metrics' callbacks (weakly)
};

}  // namespace jwtx
