// Where the providers of one built gateway get their keys, for `jwtx serve`: a local JWKS/PEM file
// (loaded once by build_gateway(), always ready) or a remote JWKS URL kept current by a
// jwtx::remote_jwks fetcher (engine/keys/remote_jwks.h) whose key_store the provider's verifier
// reads. Index = provider index in the gateway_config, in the order build_gateway() added them.
//
// Reload: a key_sources built with |reuse| takes over the fetcher of a provider of the same name
// whose remote_jwks options (and, with discovery, issuer) are unchanged, instead of starting a new
// one: its keys stay loaded, nothing is refetched, and both generations share it until the old
// one is gone. The fetcher's on_fetch_done is the one it was started with, so every generation
// of one server must pass the same callback.
//
// Remote fetching exists only where the fetcher is built (JWTX_HAVE_REMOTE_JWKS: the
// JWTX_BORINGSSL=source build); elsewhere add_remote() fails with a message saying so.
//
// Thread-safety: built on one thread; afterwards the const members and request_refresh() may be
// called from any thread. Destroying it stops the fetchers no other key_sources shares (the
// destructor joins their threads: milliseconds).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/gateway/auth_request.h"
#include "engine/keys/key_store.h"
#include "engine/runtime/metrics.h"
#include "tools/jwtx/serve/config.h"

namespace jwtx {
class remote_jwks;
}

namespace jwtx::serve {

class key_sources {
 public:
  // |on_fetch_done| runs on a fetch thread after every fetch attempt of a fetcher started here
  // (remote_jwks_options::on_fetch_done: must not block or throw). |reuse|: earlier generations
  // whose fetchers may be taken over (pointers need only live during build_gateway()).
  explicit key_sources(std::function<void()> on_fetch_done = {},
                       std::vector<const key_sources*> reuse = {});
  ~key_sources();
  key_sources(key_sources&&) noexcept;
  key_sources& operator=(key_sources&&) noexcept;

  // For build_gateway(): registers the next provider. add_remote() starts (or takes over) its
  // fetcher and returns the store its verifier reads; nullptr with *why naming the provider.
  void add_local(const std::string& provider);
  std::shared_ptr<key_store> add_remote(const provider_config& p, std::string* why);

  std::size_t size() const noexcept { return entries_.size(); }
  bool is_remote(std::size_t provider) const noexcept;
  // Keys loaded: always for a local provider; after the first successful fetch for a remote one.
  bool ready(std::size_t provider) const noexcept;
  bool all_ready() const noexcept;
  // "'a', 'b'": the providers that are not ready (for logs).
  std::string not_ready() const;
  // Waits (polling) until all_ready() or |timeout| has passed; returns all_ready().
  bool wait_ready(std::chrono::milliseconds timeout) const;
  // The longest fetch timeout of the remote providers (0 without any).
  std::chrono::milliseconds max_fetch_timeout() const noexcept;

  // A token for |provider| named an unknown kid: ask its fetcher for an early refetch. True when a
  // fetch is now pending (on_fetch_done runs when it ends); false for a local provider or when
  // the fetcher's min_refetch_interval drops the request. Never blocks or allocates.
  bool request_refresh(std::size_t provider) noexcept;
  // Fetch attempts |provider|'s fetcher has finished (0 for a local provider): a request parked
  // on a refresh compares it to know its fetch has ended.
  std::uint64_t fetches(std::size_t provider) const noexcept;
  // Registers every remote provider's fetcher series (remote_jwks::export_metrics: fetch
  // successes/failures by kind, rate-limited refreshes, key-set age, ready), labelled with the
  // provider's name. Call it for each new generation: a kept or replaced fetcher takes its
  // provider's series over. False with *why if the registry refuses a series; true without any
  // remote provider.
  bool export_metrics(metrics::registry& registry, std::string* why = nullptr) const;
  // How many fetchers were taken over from |reuse| (for the reload log line).
  std::size_t reused() const noexcept { return reused_; }

 private:
  struct entry {
    std::string name;
    std::optional<remote_jwks_config> config;  // nullopt: local keys
    std::string issuer;                        // the provider's (discovery uses it)
    std::shared_ptr<remote_jwks> fetcher;      // shared with other generations on reload
  };
  std::function<void()> on_fetch_done_;
  std::vector<const key_sources*> reuse_;
  std::vector<entry> entries_;
  std::size_t reused_ = 0;
};

// The answer for a token whose provider has no keys yet (remote JWKS not fetched): 503 with
// Retry-After, not 401: the token may be fine, the server cannot tell yet.
gateway::verdict keys_not_loaded_verdict();

}  // namespace jwtx::serve
