// `jwtx serve`'s fleet revocation: one revocation_set checked by every provider's verifier, kept
// equal to the fleet's list in Redis by one redis_revocation_feed (config.h `revocation:`).
//
// The set and the feed live as long as the server, across reloads: a reload builds new verifiers
// that point at the same set, so no revocation is forgotten and the list never reads as stale
// because of a reload. A reload may change max_staleness and fail_closed (they are verifier
// options) but not whether there is a list or where it comes from: that is refused (the old
// config keeps serving) because a second feed's source would keep the first one's sync time and
// make the whole set read as stale forever. Restart to move the list.
//
// Thread-safety: configure() and start() on the server's loop thread; set() may be read by any
// thread (the verifiers read it lock-free). Errors are values; nothing throws except
// std::bad_alloc.
#pragma once

#include <memory>
#include <string>

#include "engine/revocation/redis_revocation.h"
#include "engine/revocation/revocation.h"
#include "engine/runtime/metrics.h"
#include "tools/jwtx/serve/config.h"

namespace jwtx::serve {

class revocation_service {
 public:
  revocation_service() = default;
  ~revocation_service();  // stops the feed before the set goes
  revocation_service(const revocation_service&) = delete;
  revocation_service& operator=(const revocation_service&) = delete;

  // The set for build_gateway() (null without a revocation section).
  const revocation_set* set() const noexcept { return set_.get(); }

  // The first call adopts |c|'s revocation section (creating the set when there is one); later
  // calls (reloads) return false with *why when |c| would add, remove or move the list.
  bool configure(const serve_config& c, std::string* why);

  // Starts the feed (call after the first verifiers exist: they raise the set's retention) and
  // waits up to |wait_seconds| for its first load, so a healthy Redis is in force before the first
  // request. A list still not loaded then is a note on stderr, not an error (the staleness policy
  // answers meanwhile). False with *why only if the feed cannot start. No-op without a list.
  bool start(double wait_seconds, std::string* why);

  // jwtx_serve_revocation_entries, jwtx_serve_revocation_sync_age_seconds (now - synced_at; +Inf
  // before the first load), jwtx_serve_revocation_synced (1 while the feed's session is up). No-op
  // without a list. The callbacks read this object: it must outlive |r|'s renders.
  void export_metrics(metrics::registry& r) const;

 private:
  bool configured_ = false;
  std::string redis_;  // "" = no revocation list
  std::unique_ptr<revocation_set> set_;
  std::unique_ptr<redis_revocation_feed> feed_;
};

}  // namespace jwtx::serve
