#include "tools/jwtx/serve/revocation_service.h"

#include <chrono>
#include <cstdio>
#include <limits>
#include <thread>

namespace jwtx::serve {

revocation_service::~revocation_service() { feed_.reset(); }

bool revocation_service::configure(const serve_config& c, std::string* why) {
  const std::string next_redis = c.revocation ? c.revocation->redis : "";
  if (!configured_) {
    configured_ = true;
    redis_ = next_redis;
    if (!redis_.empty()) set_ = std::make_unique<revocation_set>();
    return true;
  }
  if (next_redis == redis_) return true;
  *why = "revocation.redis cannot change on reload (running with " +
         (redis_.empty() ? std::string("none") : "'" + redis_ + "'") + "); restart to change it";
  return false;
}

bool revocation_service::start(double wait_seconds, std::string* why) {
  if (redis_.empty() || feed_) return true;
  std::optional<redis_endpoint> endpoint = parse_redis_endpoint(redis_, why);
  if (!endpoint) return false;
  feed_ = redis_revocation_feed::start(*endpoint, *set_, redis_feed_options{}, why);
  if (!feed_) return false;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_seconds);
  while (!feed_->synced() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!feed_->synced()) {
    std::fprintf(stderr, "jwtx serve: note: revocation list from %s not loaded yet (%s)\n",
                 endpoint->to_string().c_str(), feed_->status().c_str());
  }
  return true;
}

void revocation_service::export_metrics(metrics::registry& r) const {
  if (!set_) return;
  const revocation_set* set = set_.get();
  r.add_gauge_fn("jwtx_serve_revocation_entries", "Revoked jti values in the local list", {},
                 [set] { return static_cast<double>(set->size()); });
  r.add_gauge_fn(
      "jwtx_serve_revocation_sync_age_seconds",
      "Seconds since the revocation list was last known to match Redis (+Inf: never)", {}, [set] {
        const double at = set->synced_at();
        if (at <= 0) return std::numeric_limits<double>::infinity();
        const double now =
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        return now > at ? now - at : 0.0;
      });
  r.add_gauge_fn("jwtx_serve_revocation_synced",
                 "1 while the Redis revocation feed is connected and loaded", {},
                 [this] { return feed_ && feed_->synced() ? 1.0 : 0.0; });
}

}  // namespace jwtx::serve
