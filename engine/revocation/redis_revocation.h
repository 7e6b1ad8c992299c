// Fleet-wide revocation through Redis: one sorted set holds the fleet's list, a pub/sub channel
// carries each new revocation, and every verifier process runs a redis_revocation_feed that keeps
// its local revocation_set equal to that list.
//
// Data model (one Redis key per fleet, default "jwtx:revoked"):
//   sorted set  <key>         member = jti, score = the revoked token's exp (Unix seconds, +inf
//                             for "until removed"); members past exp + retention are trimmed by
//                             every publish (redis_publish_options::retention_seconds, an upper
//                             bound on every verifier's leeway in the fleet), since such tokens
//                             fail on exp everywhere anyway.
//   channel     <key>:events  one message per revocation: "<exp> <jti>" — exp first, then one
//                             space, then the jti, which is the rest of the message (it may hold
//                             spaces; it is never parsed further).
//
// The sorted set is the truth; the channel only makes propagation fast. A feed therefore
// SUBSCRIBEs first and then loads the whole set, so a revocation published between the two is
// seen at least once (on the channel, applied after the load); after any lost connection it
// reloads the whole set, so nothing published while it was away is missed. Applying a revocation
// twice is harmless (revocation_set::add keeps the later exp).
//
// Requires Redis >= 6.2 on the publishing side (ZADD GT keeps the later exp, as the set does).
// hiredis is used in blocking mode; the TLS-less Debian build, so no OpenSSL is linked.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/revocation/revocation.h"

namespace jwtx {

// Where the fleet's list lives.
struct redis_endpoint {
  std::string host;  // name or IPv4/IPv6 literal (IPv6 written in brackets in the text form)
  std::uint16_t port = 6379;
  std::string key = "jwtx:revoked";

  // The pub/sub channel: "<key>:events".
  std::string channel() const { return key + ":events"; }
  // "host:port/key" ("[v6]:port/key"), for messages. Never contains secrets (no AUTH support).
  std::string to_string() const;
};

// Parses "HOST:PORT[/KEY]" (IPv6: "[ADDR]:PORT[/KEY]"). PORT is 1..65535 in decimal; KEY, if
// given, is non-empty printable ASCII without spaces (it is also echoed in logs and CLI output).
// Returns the endpoint, or nullopt with a one-line reason in *error (error may be null).
std::optional<redis_endpoint> parse_redis_endpoint(std::string_view text, std::string* error);

// The channel message for one revocation: "<exp> <jti>", exp in the shortest form that reads
// back exactly ("+inf" for infinity).
std::string format_revocation_message(std::string_view jti, double exp);
// Parses "<exp> <jti>". Returns false (outputs untouched) if exp is not a number (NaN is not),
// the separator is missing or the jti is empty. *jti points into |message|.
bool parse_revocation_message(std::string_view message, double* exp, std::string_view* jti);

// Backoff between attempts: initial, doubling up to max, each wait drawn uniformly from
// [delay/2, delay] so that a fleet that lost Redis together does not come back in lockstep.
struct redis_backoff {
  double initial_seconds = 0.05;
  double max_seconds = 2.0;
};

// Every network step of the feed has a deadline and is abandoned at once when the feed is
// destroyed (each wait also polls the stop signal).
struct redis_feed_options {
  double connect_timeout_seconds = 1.0;
  // Bounds each command round trip (SUBSCRIBE confirmation, PING writes).
  double command_timeout_seconds = 2.0;
  // Bounds the whole full load (connect, ZRANGEBYSCORE and its reply however slowly it arrives).
  // A load that misses it counts as a failed session: reported, then retried after a backoff.
  double load_timeout_seconds = 30.0;
  // Liveness: a PING on the subscribed connection this often; no reply within pong_timeout
  // counts as a lost connection (catches silent network partitions, not only closed sockets).
  double ping_interval_seconds = 1.0;
  double pong_timeout_seconds = 2.0;
  redis_backoff backoff;
  // How often the feed calls revocation_set::purge_expired(). The load skips members past
  // exp + the set's retention_seconds() (replace_all would drop them anyway).
  double purge_interval_seconds = 30;
  // Unix seconds; empty = std::chrono::system_clock. Use the verifiers' policy::clock: it decides
  // when entries are purged (a verifier on another clock could still accept a token whose
  // revocation was purged) and synced_at() is compared with the verifiers' now.
  std::function<double()> clock;
};

struct redis_feed_stats {
  std::uint64_t connects = 0;    // sessions established (subscribed and fully loaded)
  std::uint64_t reconnects = 0;  // of those, sessions after the first
  std::uint64_t loads = 0;       // full loads applied with replace_all
  std::uint64_t messages = 0;    // channel messages applied (visible to contains()) with add
  std::uint64_t malformed = 0;   // channel messages (or set members) ignored as malformed
  std::uint64_t errors = 0;      // failed attempts and lost sessions (connect, I/O, timeout, reply)
};

// Keeps a revocation_set in sync with the fleet's list in Redis, from one background thread.
//
// The feed owns one source of the set (revocation_source, named "redis HOST:PORT/KEY" when started
// from a set): its loads replace that source only, so revocations from other sources (a file,
// another feed, the program's own add()) are never dropped by a reload.
//
// Lifecycle: start() calls source.mark_unsynced() once, so a fresh feed reads as stale
// (synced_at() = 0) until its first load, then starts the thread. The thread: connect → SUBSCRIBE
// the channel → ZRANGEBYSCORE key (now-retention +inf WITHSCORES on a second connection, within
// load_timeout → source.replace_all (one bulk publication) →
// mark_synced → apply messages with add() as they arrive, PING every ping_interval and
// mark_synced(time the PING was sent) on each reply (every message published before Redis saw
// that PING has been applied by then), purge_expired every purge_interval.
//
// Failure behaviour: on any error (refused or timed-out connect, I/O error, closed socket, missing
// PONG, load past its deadline, error reply, allocation failure in the set) the feed calls
// source.mark_unsynced(), counts the
// error, records it in last_error(), closes its connections, waits per |backoff| and starts over
// with a FULL reload. The set keeps its entries meanwhile (revocations are never forgotten by a
// disconnect); whether a verifier trusts a set that is getting old is its staleness policy, read
// from set.synced_at(), not the feed's.
//
// Construct the verifiers that use the set (or call set.retain_at_least(their leeway)) before
// starting the feed: its loads and purges keep entries for the set's retention_seconds() as it is
// at that moment.
//
// Thread-safety: stats(), status(), last_error() and synced() may be called from any thread at
// any time. The revocation_set must outlive the feed. The destructor must not run concurrently
// with other members; it wakes the thread (every wait of which — sockets, backoff — also polls
// the stop signal) and joins it: it returns within milliseconds whatever Redis is doing (the one
// exception: name resolution of a host name, which the OS bounds; use an IP literal).
class redis_revocation_feed {
 public:
  // Starts the feed on |source|. Returns nullptr with a reason in *error (may be null) if the
  // thread or its stop signal cannot be created or |options| are out of range. Never throws.
  static std::unique_ptr<redis_revocation_feed> start(redis_endpoint endpoint,
                                                      revocation_source source,
                                                      redis_feed_options options,
                                                      std::string* error);
  // The same on set.source(source_name(endpoint)): a restarted feed for the same endpoint
  // replaces its predecessor's entries, and no other source's.
  static std::unique_ptr<redis_revocation_feed> start(redis_endpoint endpoint, revocation_set& set,
                                                      redis_feed_options options,
                                                      std::string* error);
  static std::string source_name(const redis_endpoint& endpoint);
  ~redis_revocation_feed();
  redis_revocation_feed(const redis_revocation_feed&) = delete;
  redis_revocation_feed& operator=(const redis_revocation_feed&) = delete;

  const redis_endpoint& endpoint() const noexcept { return endpoint_; }
  redis_feed_stats stats() const noexcept;
  // True while a session is established (subscribed, loaded, PONGs arriving).
  bool synced() const noexcept { return synced_.load(std::memory_order_acquire); }
  // One line for humans: "connecting", "synced", "retrying in 0.2 s after: <error>", "stopped".
  std::string status() const;
  // The last error ("" if none yet); kept after recovery, for diagnosis.
  std::string last_error() const;

 private:
  redis_revocation_feed(redis_endpoint endpoint, revocation_source source,
                        redis_feed_options options);
  void run() noexcept;
  bool run_session(bool* established, std::string* error);
  // The full load into source_. False with *error set, or with *stopped if stop was requested.
  bool load(double now, bool* stopped, std::string* error);
  // Parses one channel message into |batch| (or counts it malformed).
  void queue_message(std::string_view payload, std::vector<revocation_entry>* batch);
  // Applies |batch| to source_ in one publication and empties it.
  void apply(std::vector<revocation_entry>* batch);
  // Sleeps up to |seconds| unless stop is requested; returns false if it was.
  bool wait_for_stop(double seconds) const;
  bool stop_requested() const noexcept { return stop_.load(std::memory_order_acquire); }
  double now() const;
  void set_status(std::string status);
  void fail(std::string error);

  const redis_endpoint endpoint_;
  revocation_source source_;
  const redis_feed_options options_;
  int stop_fd_ = -1;  // eventfd: written once by the destructor, polled by the thread
  std::atomic<bool> stop_{false};
  std::atomic<bool> synced_{false};
  bool ever_connected_ = false;  // feed thread only: tells a reconnect from the first connect

  struct counters {
    std::atomic<std::uint64_t> connects{0}, reconnects{0}, loads{0}, messages{0}, malformed{0},
        errors{0};
  } counters_;

  mutable std::mutex status_mu_;  // guards status_ and last_error_
  std::string status_ = "starting";
  std::string last_error_;

  std::thread thread_;  // last: started after every other member is ready
};

struct redis_publish_options {
  double connect_timeout_seconds = 1.0;
  double command_timeout_seconds = 2.0;
  redis_backoff backoff;
  // Members with exp < now - retention_seconds are trimmed from the sorted set by every publish.
  // It must be at least the largest leeway of any verifier in the fleet plus the clock skew
  // between machines: a feed that reloads after a trim would otherwise lose revocations its
  // verifier still needs. One day by default; +infinity never trims.
  double retention_seconds = 86400;
  std::function<double()> clock;  // Unix seconds; empty = system clock
};

struct redis_publish_result {
  bool ok = false;
  // Refused without contacting Redis: exp < now - retention_seconds, so the trim in the same
  // transaction would drop the entry at once (and every verifier already rejects the token).
  bool expired = false;
  int attempts = 0;   // connections tried
  std::string error;  // the last failure when !ok (Redis's own text for error replies)
};

// Revokes |jti| until |exp| (+inf: until removed) fleet-wide, in one MULTI/EXEC:
//   ZADD key GT exp jti; ZREMRANGEBYSCORE key -inf (now-retention; PUBLISH channel "<exp> <jti>".
// An exp older than now - retention is refused (result.expired), never reported as revoked.
// Each step (connect, write, the replies) has its deadline however slowly a server answers:
// returns within about max(timeout_seconds, connect_timeout + command_timeout).
// Connection failures and transient replies (LOADING, BUSY, TRYAGAIN, MASTERDOWN, READONLY) are
// retried with |options.backoff| until |timeout_seconds| have passed; other error replies
// (e.g. WRONGTYPE) fail at once. A retry after a lost EXEC reply may apply the transaction twice,
// which is harmless. Arguments go over the wire binary-safe (any bytes in jti). An empty jti or a
// NaN exp fails without contacting Redis. Never throws; blocks the calling thread.
redis_publish_result publish_revocation(const redis_endpoint& endpoint, std::string_view jti,
                                        double exp, double timeout_seconds,
                                        const redis_publish_options& options = {});

}  // namespace jwtx
