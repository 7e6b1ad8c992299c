#include "tools/jwtx/serve/key_sources.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <utility>

#ifdef JWTX_HAVE_REMOTE_JWKS
#include "engine/keys/remote_jwks.h"
#endif

namespace jwtx::serve {
namespace {

std::chrono::milliseconds timeout_of(const remote_jwks_config& c) {
  return std::chrono::milliseconds{static_cast<std::int64_t>(std::ceil(c.timeout_seconds * 1000))};
}

#ifdef JWTX_HAVE_REMOTE_JWKS
remote_jwks_options fetcher_options(const provider_config& p, std::function<void()> on_done) {
  const remote_jwks_config& c = *p.remote_jwks;
  auto secs = [](double s) { return std::chrono::seconds{static_cast<std::int64_t>(s)}; };
  remote_jwks_options o;
  o.uri = c.uri;
  if (c.discovery) o.issuer = p.issuer;
  o.default_cache = secs(c.cache_duration_seconds);
  o.min_cache = secs(c.min_cache_seconds);
  o.max_cache = secs(c.max_cache_seconds);
  o.min_refetch_interval = secs(c.min_refetch_interval_seconds);
  o.timeout = timeout_of(c);
  o.ca_file = c.ca_file;
  o.on_fetch_done = std::move(on_done);
  return o;
}
#endif

}  // namespace

key_sources::key_sources(std::function<void()> on_fetch_done, std::vector<const key_sources*> reuse)
    : on_fetch_done_(std::move(on_fetch_done)), reuse_(std::move(reuse)) {}
key_sources::~key_sources() = default;
key_sources::key_sources(key_sources&&) noexcept = default;
key_sources& key_sources::operator=(key_sources&&) noexcept = default;

void key_sources::add_local(const std::string& provider) {
  entries_.push_back({provider, std::nullopt, "", nullptr});
}

std::shared_ptr<key_store> key_sources::add_remote(const provider_config& p, std::string* why) {
#ifdef JWTX_HAVE_REMOTE_JWKS
  entry e{p.name, *p.remote_jwks, p.remote_jwks->discovery ? p.issuer : "", nullptr};
  for (const key_sources* old : reuse_) {
    if (!old) continue;
    for (const entry& o : old->entries_) {
      if (o.fetcher && o.name == e.name && o.config == e.config && o.issuer == e.issuer) {
        e.fetcher = o.fetcher;
      }
    }
  }
  if (e.fetcher) {
    ++reused_;
  } else {
    std::string reason;
    std::unique_ptr<remote_jwks> started =
        remote_jwks::start(fetcher_options(p, on_fetch_done_), &reason);
    if (!started) {
      *why = "provider '" + p.name + "': " + reason;
      return nullptr;
    }
    e.fetcher = std::move(started);
  }
  std::shared_ptr<key_store> store = e.fetcher->store();
  entries_.push_back(std::move(e));
  return store;
#else
  *why = "provider '" + p.name +
         "': remote_jwks needs the JWTX_BORINGSSL=source build (the JWKS fetcher links libcurl "
         "there only); use local_jwks or local_pem";
  return nullptr;
#endif
}

bool key_sources::is_remote(std::size_t provider) const noexcept {
  return provider < entries_.size() && entries_[provider].fetcher != nullptr;
}

bool key_sources::ready(std::size_t provider) const noexcept {
#ifdef JWTX_HAVE_REMOTE_JWKS
  if (is_remote(provider)) return entries_[provider].fetcher->ready();
#endif
  return provider < entries_.size();
}

bool key_sources::all_ready() const noexcept {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (!ready(i)) return false;
  }
  return true;
}

std::string key_sources::not_ready() const {
  std::string out;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (!ready(i)) out += (out.empty() ? "'" : ", '") + entries_[i].name + "'";
  }
  return out;
}

bool key_sources::wait_ready(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!all_ready() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return all_ready();
}

std::chrono::milliseconds key_sources::max_fetch_timeout() const noexcept {
  std::chrono::milliseconds most{0};
  for (const entry& e : entries_) {
    if (!e.fetcher) continue;
    most = std::max(most, timeout_of(*e.config));
  }
  return most;
}

bool key_sources::request_refresh([[maybe_unused]] std::size_t provider) noexcept {
#ifdef JWTX_HAVE_REMOTE_JWKS
  if (is_remote(provider)) return entries_[provider].fetcher->request_refresh();
#endif
  return false;
}

std::uint64_t key_sources::fetches([[maybe_unused]] std::size_t provider) const noexcept {
#ifdef JWTX_HAVE_REMOTE_JWKS
  if (is_remote(provider)) return entries_[provider].fetcher->stats().fetches;
#endif
  return 0;
}

bool key_sources::export_metrics([[maybe_unused]] metrics::registry& registry,
                                 [[maybe_unused]] std::string* why) const {
#ifdef JWTX_HAVE_REMOTE_JWKS
  for (const entry& e : entries_) {
    if (e.fetcher && !e.fetcher->export_metrics(registry, e.name, why)) return false;
  }
#endif
  return true;
}

gateway::verdict keys_not_loaded_verdict() {
  gateway::verdict v;
  v.http_status = 503;
  v.headers.push_back({"Retry-After", std::to_string(gateway::kRetryAfterSeconds)});
  v.reason = "keys not loaded yet";
  return v;
}

}  // namespace jwtx::serve
