#include "engine/keys/remote_jwks.h"

#include <poll.h>
#include <simdjson.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <new>
#include <thread>

#include "engine/keys/http_fetch.h"

namespace jwtx {
namespace {

using steady = std::chrono::steady_clock;

std::int64_t steady_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch())
      .count();
}

double unix_now() noexcept {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_nocase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

jwks_failure failure_of(http_error e) noexcept {
  switch (e) {
    case http_error::timeout:
      return jwks_failure::timeout;
    case http_error::tls:
      return jwks_failure::tls;
    case http_error::too_large:
      return jwks_failure::too_large;
    default:
      return jwks_failure::network;
  }
}

// Plain http only where nobody on the path can swap the keys: loopback, unless allowed.
bool check_url(std::string_view url, bool allow_http, std::string* why) {
  std::string scheme, host;
  if (!parse_http_url(url, &scheme, &host)) {
    *why = "not an http(s) URL";
    return false;
  }
  if (scheme == "http" && !allow_http && !is_loopback_host(host)) {
    *why = "plain http to a non-loopback host (use https, or allow_http)";
    return false;
  }
  return true;
}

}  // namespace

const char* jwks_failure_name(jwks_failure f) noexcept {
  static constexpr const char* kNames[kJwksFailureKinds] = {
      "network",   "timeout",      "tls",       "http_status",
      "too_large", "invalid_jwks", "empty_set", "discovery"};
  const auto i = static_cast<std::size_t>(f);
  return i < kJwksFailureKinds ? kNames[i] : "network";
}

struct remote_jwks::impl {
  remote_jwks_options opt;
  std::shared_ptr<key_store> store;
  std::unique_ptr<http_client> http;
  int wake_fd = -1;  // eventfd: request_refresh() and the destructor wake the thread with it

  std::atomic<bool> stop{false};
  std::atomic<bool> refresh_pending{false};
  std::atomic<bool> ready{false};
  // Steady-clock ns at the start of the last fetch (of any kind): the rate limit's origin.
  std::atomic<std::int64_t> last_attempt_ns{0};
  std::atomic<bool> attempted{false};

  std::atomic<std::uint64_t> fetches{0}, successes{0}, refresh_requests{0}, rate_limited{0};
  std::array<std::atomic<std::uint64_t>, kJwksFailureKinds> failures{};
  std::atomic<double> last_success_unix{0};
  std::atomic<std::int64_t> last_success_ns{0};
  std::atomic<std::uint64_t> generation{0};
  std::atomic<std::int64_t> cache_seconds{0};

  mutable std::mutex mu;  // guards the strings below
  std::string last_error;
  std::string discovered_uri;

  std::thread thread;  // started last

  ~impl() {
    if (wake_fd >= 0) close(wake_fd);
  }

  remote_jwks_stats snapshot() const noexcept {
    remote_jwks_stats s;
    s.fetches = fetches.load(std::memory_order_relaxed);
    s.successes = successes.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < kJwksFailureKinds; ++i) {
      s.failures_by_kind[i] = failures[i].load(std::memory_order_relaxed);
      s.failures += s.failures_by_kind[i];
    }
    s.refresh_requests = refresh_requests.load(std::memory_order_relaxed);
    s.refresh_rate_limited = rate_limited.load(std::memory_order_relaxed);
    s.generation = generation.load(std::memory_order_relaxed);
    s.cache_seconds = cache_seconds.load(std::memory_order_relaxed);
    if (ready.load(std::memory_order_acquire)) {
      s.last_success_unix = last_success_unix.load(std::memory_order_relaxed);
      s.key_set_age_seconds =
          static_cast<double>(steady_ns() - last_success_ns.load(std::memory_order_relaxed)) / 1e9;
    }
    return s;
  }

  void wake() noexcept {
    const std::uint64_t one = 1;
    // A full counter (never in practice) still leaves the fd readable: the wake-up is not lost.
    [[maybe_unused]] ssize_t n = write(wake_fd, &one, sizeof one);
  }

  bool rate_limited_now(std::int64_t now) const noexcept {
    if (!attempted.load(std::memory_order_acquire)) return false;
    const std::int64_t interval =
        std::chrono::duration_cast<std::chrono::nanoseconds>(opt.min_refetch_interval).count();
    return now - last_attempt_ns.load(std::memory_order_acquire) < interval;
  }

  void fail(jwks_failure kind, std::string message) {
    failures[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mu);
    last_error = std::string(jwks_failure_name(kind)) + ": " + std::move(message);
  }

  std::chrono::seconds retry_delay() const {
    return std::max(opt.min_refetch_interval, std::chrono::seconds{1});
  }

  // The JWKS URL, discovering it if needed. "" after recording a failure.
  std::string resolve_uri(const http_fetch_options& fopts) {
    if (!opt.uri.empty()) return opt.uri;
    {
      std::lock_guard lock(mu);
      if (!discovered_uri.empty()) return discovered_uri;
    }
    std::string_view issuer = opt.issuer;
    while (issuer.ends_with('/')) issuer.remove_suffix(1);
    const std::string url = std::string(issuer) + "/.well-known/openid-configuration";
    http_result r = http->get(url, fopts);
    if (r.error == http_error::interrupted) return "";
    if (r.error != http_error::none) {
      fail(r.error == http_error::timeout || r.error == http_error::tls ? failure_of(r.error)
                                                                        : jwks_failure::discovery,
           url + ": " + r.message);
      return "";
    }
    if (r.response.status != 200) {
      fail(jwks_failure::discovery, url + ": HTTP " + std::to_string(r.response.status));
      return "";
    }
    simdjson::dom::parser parser;
    simdjson::padded_string padded(r.response.body);
    simdjson::dom::element doc;
    std::string_view got_issuer, jwks;
    if (parser.parse(padded).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
      fail(jwks_failure::discovery, url + ": not a JSON object");
      return "";
    }
    if (doc["issuer"].get_string().get(got_issuer) != simdjson::SUCCESS ||
        got_issuer != opt.issuer) {
      fail(jwks_failure::discovery,
           url + ": \"issuer\" is not " + opt.issuer + " (OpenID Discovery 4.3)");
      return "";
    }
    std::string why;
    if (doc["jwks_uri"].get_string().get(jwks) != simdjson::SUCCESS) {
      fail(jwks_failure::discovery, url + ": no \"jwks_uri\" string");
      return "";
    }
    if (!check_url(jwks, opt.allow_http, &why)) {
      fail(jwks_failure::discovery, url + ": jwks_uri: " + why);
      return "";
    }
    std::lock_guard lock(mu);
    discovered_uri.assign(jwks);
    return discovered_uri;
  }

  void forget_discovery() {
    std::lock_guard lock(mu);
    discovered_uri.clear();
  }

  // One fetch; returns when the next scheduled one is due, counted from |started|.
  std::chrono::seconds fetch_once() {
    http_fetch_options fopts;
    fopts.timeout = opt.timeout;
    fopts.max_body_bytes = opt.max_body_bytes;
    fopts.ca_file = opt.ca_file;
    const std::string uri = resolve_uri(fopts);
    if (stop.load(std::memory_order_acquire)) return retry_delay();
    if (uri.empty()) {
      fetches.fetch_add(1, std::memory_order_relaxed);
      return retry_delay();
    }
    http_result r = http->get(uri, fopts);
    if (r.error == http_error::interrupted) return retry_delay();
    fetches.fetch_add(1, std::memory_order_relaxed);
    if (r.error != http_error::none) {
      fail(failure_of(r.error), uri + ": " + r.message);
      forget_discovery();
      return retry_delay();
    }
    if (r.response.status != 200) {
      fail(jwks_failure::http_status, uri + ": HTTP " + std::to_string(r.response.status));
      forget_discovery();
      return retry_delay();
    }
    key_set_options kopts = opt.keys;
    kopts.allow_empty = true;  // told apart below, to count it as its own kind
    key_set_builder builder(kopts);
    builder.add_jwks(r.response.body, uri);
    key_set_result loaded = builder.build();
    if (!loaded) {
      fail(jwks_failure::invalid_jwks, loaded.error);
      return retry_delay();
    }
    if (loaded.set->empty()) {
      fail(jwks_failure::empty_set, uri + ": no usable verification key (" +
                                        std::to_string(loaded.set->skipped().size()) +
                                        " skipped); keeping the previous set");
      return retry_delay();
    }
    const std::uint64_t gen = loaded.set->generation();
    store->publish(std::move(loaded.set));
    generation.store(gen, std::memory_order_relaxed);
    last_success_unix.store(unix_now(), std::memory_order_relaxed);
    last_success_ns.store(steady_ns(), std::memory_order_relaxed);
    successes.fetch_add(1, std::memory_order_relaxed);
    ready.store(true, std::memory_order_release);

    std::chrono::seconds ttl = opt.default_cache;
    if (auto age = parse_max_age(r.response.cache_control)) {
      ttl = std::chrono::seconds{static_cast<std::int64_t>(
          std::min<std::uint64_t>(*age, static_cast<std::uint64_t>(opt.max_cache.count())))};
    }
    ttl = std::clamp(ttl, opt.min_cache, opt.max_cache);
    cache_seconds.store(ttl.count(), std::memory_order_relaxed);
    return ttl;
  }

  void run() noexcept {
    std::int64_t next_ns = steady_ns();  // first fetch at once
    while (!stop.load(std::memory_order_acquire)) {
      const std::int64_t now = steady_ns();
      if (now < next_ns) {
        const std::int64_t wait_ms = std::min<std::int64_t>((next_ns - now) / 1000000 + 1, 60000);
        pollfd p{wake_fd, POLLIN, 0};
        poll(&p, 1, static_cast<int>(wait_ms));
        std::uint64_t drained;
        if (p.revents & POLLIN) [[maybe_unused]]
          ssize_t n = read(wake_fd, &drained, sizeof drained);
        if (stop.load(std::memory_order_acquire)) break;
      }
      const std::int64_t t = steady_ns();
      const bool requested = refresh_pending.exchange(false, std::memory_order_acq_rel);
      if (t < next_ns) {
        if (!requested) continue;
        // A request that raced with the previous fetch's start is still inside the interval.
        if (rate_limited_now(t)) {
          rate_limited.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
      }
      last_attempt_ns.store(t, std::memory_order_release);
      attempted.store(true, std::memory_order_release);
      refresh_pending.store(false, std::memory_order_release);
      std::chrono::seconds delay;
      try {
        delay = fetch_once();
      } catch (...) {  // allocation failure: keep the set, try again later
        delay = retry_delay();
      }
      next_ns = t + std::chrono::duration_cast<std::chrono::nanoseconds>(delay).count();
      if (opt.on_fetch_done && !stop.load(std::memory_order_acquire)) {
        try {
          opt.on_fetch_done();
        } catch (...) {  // the contract forbids it; the fetch thread must survive anyway
        }
      }
    }
  }
};

remote_jwks::remote_jwks(std::shared_ptr<impl> p) : impl_(std::move(p)) {}

std::unique_ptr<remote_jwks> remote_jwks::start(remote_jwks_options options, std::string* why) {
  std::string ignored;
  if (!why) why = &ignored;
  try {
    std::string reason;
    if (options.uri.empty() && options.issuer.empty()) {
      *why = "remote JWKS: neither uri nor issuer given";
      return nullptr;
    }
    if (!options.uri.empty() && !check_url(options.uri, options.allow_http, &reason)) {
      *why = "remote JWKS uri: " + reason;
      return nullptr;
    }
    if (options.uri.empty() && !check_url(options.issuer, options.allow_http, &reason)) {
      *why = "remote JWKS issuer: " + reason;
      return nullptr;
    }
    if (options.min_cache.count() <= 0 || options.max_cache < options.min_cache ||
        options.default_cache.count() <= 0 || options.timeout.count() <= 0 ||
        options.min_refetch_interval.count() < 0 || options.max_body_bytes == 0) {
      *why =
          "remote JWKS: need 0 < min_cache <= max_cache, default_cache > 0, timeout > 0, "
          "min_refetch_interval >= 0, max_body_bytes > 0";
      return nullptr;
    }
    auto p = std::make_shared<impl>();
    p->opt = std::move(options);
    p->http = http_client::create(why);
    if (!p->http) return nullptr;
    key_set_options empty_ok = p->opt.keys;
    empty_ok.allow_empty = true;
    key_set_builder builder(empty_ok);
    key_set_result initial = builder.build();
    if (!initial) {
      *why = "remote JWKS: " + initial.error;
      return nullptr;
    }
    p->store = std::make_shared<key_store>(std::move(initial.set));
    p->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (p->wake_fd < 0) {
      *why = "remote JWKS: eventfd failed";
      return nullptr;
    }
    impl* raw = p.get();
    p->thread = std::thread([raw] { raw->run(); });
    return std::unique_ptr<remote_jwks>(new remote_jwks(std::move(p)));
  } catch (const std::exception& e) {
    *why = std::string("remote JWKS: ") + e.what();
    return nullptr;
  }
}

remote_jwks::~remote_jwks() {
  impl_->stop.store(true, std::memory_order_release);
  impl_->http->interrupt();
  impl_->wake();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::shared_ptr<key_store> remote_jwks::store() const { return impl_->store; }

bool remote_jwks::ready() const noexcept { return impl_->ready.load(std::memory_order_acquire); }

bool remote_jwks::request_refresh() noexcept {
  impl& p = *impl_;
  // Plain loads first: under a burst of unknown kids most callers return here without writing a
  // shared cache line.
  if (p.refresh_pending.load(std::memory_order_relaxed)) return true;
  if (p.rate_limited_now(steady_ns())) {
    p.rate_limited.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (p.refresh_pending.exchange(true, std::memory_order_acq_rel)) return true;
  p.refresh_requests.fetch_add(1, std::memory_order_relaxed);
  p.wake();
  return true;
}

bool remote_jwks::wait_ready(std::chrono::milliseconds timeout) const {
  const auto deadline = steady::now() + timeout;
  while (!ready() && steady::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return ready();
}

remote_jwks_stats remote_jwks::stats() const noexcept { return impl_->snapshot(); }

bool remote_jwks::export_metrics(metrics::registry& registry, std::string_view provider,
                                 std::string* why) const {
  const std::weak_ptr<const impl> weak = impl_;
  // NaN once the fetcher is gone: a stale number would read as a live one.
  auto reader = [weak](auto field) {
    return [weak, field]() -> double {
      const auto p = weak.lock();
      return p ? field(p->snapshot()) : std::nan("");
    };
  };
  const metrics::labels l{{"provider", std::string(provider)}};
  bool ok = registry.add_counter_fn(
      "jwtx_jwks_fetch_successes_total", "JWKS fetches that published a key set.", l,
      reader([](const remote_jwks_stats& s) { return static_cast<double>(s.successes); }), why);
  for (std::size_t i = 0; ok && i < kJwksFailureKinds; ++i) {
    metrics::labels lk = l;
    lk.emplace_back("kind", jwks_failure_name(static_cast<jwks_failure>(i)));
    ok = registry.add_counter_fn(
        "jwtx_jwks_fetch_failures_total",
        "JWKS fetches that failed (the last good key set stayed in use), by kind.", lk,
        reader(
            [i](const remote_jwks_stats& s) { return static_cast<double>(s.failures_by_kind[i]); }),
        why);
  }
  ok =
      ok && registry.add_counter_fn("jwtx_jwks_refresh_rate_limited_total",
                                    "Unknown-kid refetch requests dropped by min_refetch_interval.",
                                    l, reader([](const remote_jwks_stats& s) {
                                      return static_cast<double>(s.refresh_rate_limited);
                                    }),
                                    why);
  ok = ok && registry.add_gauge_fn(
                 "jwtx_jwks_key_set_age_seconds", "Seconds since the key set in use was fetched.",
                 l, reader([](const remote_jwks_stats& s) {
                   return s.key_set_age_seconds < 0 ? std::nan("") : s.key_set_age_seconds;
                 }),
                 why);
  ok = ok &&
       registry.add_gauge_fn(
           "jwtx_jwks_ready", "1 once a key set has been fetched from the provider.", l,
           reader([](const remote_jwks_stats& s) { return s.successes > 0 ? 1.0 : 0.0; }), why);
  return ok;
}

std::string remote_jwks::last_error() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_error;
}

std::string remote_jwks::jwks_uri() const {
  if (!impl_->opt.uri.empty()) return impl_->opt.uri;
  std::lock_guard lock(impl_->mu);
  return impl_->discovered_uri;
}

std::optional<std::uint64_t> remote_jwks::parse_max_age(std::string_view cc) noexcept {
  std::optional<std::uint64_t> result;
  bool no_store = false;
  while (!cc.empty()) {
    const std::size_t comma = cc.find(',');
    std::string_view d = trim(cc.substr(0, comma));
    cc = comma == std::string_view::npos ? std::string_view{} : cc.substr(comma + 1);
    const std::size_t eq = d.find('=');
    const std::string_view name = trim(d.substr(0, eq));
    if (eq == std::string_view::npos) {
      if (equals_nocase(name, "no-store") || equals_nocase(name, "no-cache")) no_store = true;
      continue;
    }
    if (!equals_nocase(name, "max-age") || result) continue;
    std::string_view v = trim(d.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (v.empty()) return std::nullopt;
    std::uint64_t n = 0;
    for (char c : v) {
      if (c < '0' || c > '9') return std::nullopt;
      // RFC 9111 §1.2.2: a delta-seconds too large to represent counts as 2^31.
      n = std::min<std::uint64_t>(n * 10 + static_cast<std::uint64_t>(c - '0'), 2147483648u);
    }
    result = n;
  }
  if (no_store) return 0;
  return result;
}

}  // namespace jwtx
