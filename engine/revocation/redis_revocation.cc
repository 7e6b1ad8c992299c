#include "engine/revocation/redis_revocation.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <random>
#include <system_error>
#include <utility>
#include <vector>

namespace jwtx {
namespace {

using steady = std::chrono::steady_clock;

struct context_deleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using context_ptr = std::unique_ptr<redisContext, context_deleter>;

struct reply_deleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

double system_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

steady::duration to_duration(double seconds) {
  return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(seconds));
}

bool positive(double v) { return std::isfinite(v) && v > 0; }

bool valid_backoff(const redis_backoff& b) {
  return positive(b.initial_seconds) && positive(b.max_seconds) &&
         b.max_seconds >= b.initial_seconds;
}

std::string_view view(const redisReply* r) { return {r->str, r->len}; }

// One wait of an exponential backoff: uniform in [delay/2, delay] (see redis_backoff).
double jittered(double delay, std::minstd_rand& rng) {
  std::uniform_real_distribution<double> dist(delay / 2, delay);
  return dist(rng);
}

std::minstd_rand seeded_rng() {
  // Only de-synchronises a fleet's retries: the clock and the object's address are enough.
  const auto t = static_cast<std::uint64_t>(steady::now().time_since_epoch().count());
  std::uint64_t local = 0;
  const auto a = reinterpret_cast<std::uintptr_t>(&local);
  return std::minstd_rand(static_cast<std::minstd_rand::result_type>((t ^ (a >> 4)) % 2147483646u) +
                          1u);
}

// Shortest text that reads back as exactly |v|; infinities as Redis writes them in commands.
std::string format_score(double v) {
  if (std::isinf(v)) return v > 0 ? "+inf" : "-inf";
  char buf[64];
  // Fixed notation reads naturally for Unix times ("1700000000", not "1.7e+09"); values too
  // long for it fall back to the general form.
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  if (res.ec != std::errc()) res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

// Parses a Redis score / message exp: a decimal or "inf"/"+inf"/"-inf"; not NaN.
bool parse_score(std::string_view s, double* out) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  double v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size() || std::isnan(v)) return false;
  *out = v;
  return true;
}

// hiredis writes with write(2): a peer that closed its end would raise SIGPIPE, whose default
// action kills the whole process. While alive, this blocks SIGPIPE on the calling thread (writes
// then fail with EPIPE, reported as an I/O error) and discards one raised meanwhile. A library
// must not depend on its host ignoring SIGPIPE.
class sigpipe_guard {
 public:
  sigpipe_guard() noexcept {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    // Only discard what we raised: if SIGPIPE was already pending, leave it (and the mask) alone.
    owned_ = sigpending(&pending) == 0 && !sigismember(&pending, SIGPIPE) &&
             pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
  }
  ~sigpipe_guard() {
    if (!owned_) return;
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool owned_ = false;
};

enum class io_status { ok, timeout, stopped, error };

// Waits until |fd| is ready for |events|, |deadline| passes or |stop_fd| (if >= 0) becomes
// readable. A stop request wins over readiness, so stop is honoured within one poll.
io_status wait_fd(int fd, short events, int stop_fd, steady::time_point deadline,
                  std::string* error) {
  for (;;) {
    const auto left = deadline - steady::now();
    const auto ms =
        std::max<std::int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(left).count());
    pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
    const int n =
        ::poll(fds, stop_fd >= 0 ? 2 : 1, static_cast<int>(std::min<std::int64_t>(ms, 60000)));
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = std::string("poll: ") + std::strerror(errno);
      return io_status::error;
    }
    if (stop_fd >= 0 && fds[1].revents != 0) return io_status::stopped;
    // POLLHUP/POLLERR count as ready: the following read/write reports the socket's error.
    if (n > 0) return io_status::ok;
    if (steady::now() >= deadline) return io_status::timeout;
  }
}

std::string seconds_text(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3g", seconds);
  return buf;
}

// A non-blocking context, connected by |deadline| (or stopped). Every later I/O on it goes
// through wait_fd, so no call blocks past its deadline or ignores a stop request. Name
// resolution (getaddrinfo) is the one step that is not bounded here: pass an IP literal where
// that matters.
io_status connect_redis(const redis_endpoint& ep, steady::time_point deadline, int stop_fd,
                        context_ptr* out, std::string* error) {
  context_ptr c(redisConnectNonBlock(ep.host.c_str(), ep.port));
  if (!c) {
    *error = "cannot allocate a Redis context";
    return io_status::error;
  }
  const std::string where = "cannot connect to " + ep.to_string() + ": ";
  if (c->err) {
    *error = where + c->errstr;
    return io_status::error;
  }
  const io_status ready = wait_fd(c->fd, POLLOUT, stop_fd, deadline, error);
  if (ready == io_status::timeout) *error = where + "timed out";
  if (ready != io_status::ok) return ready;
  int so_error = 0;
  socklen_t len = sizeof(so_error);
  if (::getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
  if (so_error != 0) {
    *error = where + std::strerror(so_error);
    return io_status::error;
  }
  *out = std::move(c);
  return io_status::ok;
}

std::string io_error(const redisContext* c, std::string_view what) {
  return std::string(what) + ": " + (c->errstr[0] ? c->errstr : "I/O error");
}

// Writes everything hiredis has buffered by |deadline| (or until stopped).
io_status flush(redisContext* c, int stop_fd, steady::time_point deadline, std::string* error) {
  for (;;) {
    int done = 0;
    if (redisBufferWrite(c, &done) != REDIS_OK) {
      *error = io_error(c, "write to Redis");
      return io_status::error;
    }
    if (done) return io_status::ok;
    const io_status ready = wait_fd(c->fd, POLLOUT, stop_fd, deadline, error);
    if (ready == io_status::timeout) *error = "write to Redis: timed out";
    if (ready != io_status::ok) return ready;
  }
}

// Waits for the next reply on |c| until |deadline|, or until |stop_fd| becomes readable. The
// deadline bounds the whole reply, however slowly its bytes arrive.
io_status read_reply(redisContext* c, int stop_fd, steady::time_point deadline, reply_ptr* out,
                     std::string* error) {
  for (;;) {
    void* r = nullptr;
    if (redisGetReplyFromReader(c, &r) != REDIS_OK) {
      *error = io_error(c, "read from Redis");
      return io_status::error;
    }
    if (r != nullptr) {
      out->reset(static_cast<redisReply*>(r));
      return io_status::ok;
    }
    const io_status ready = wait_fd(c->fd, POLLIN, stop_fd, deadline, error);
    if (ready != io_status::ok) return ready;
    if (redisBufferRead(c) != REDIS_OK) {
      *error = io_error(c, "read from Redis");
      return io_status::error;
    }
  }
}

bool is_kind(const redisReply* r, std::string_view kind) {
  return r->elements >= 1 && r->element[0]->type == REDIS_REPLY_STRING &&
         view(r->element[0]) == kind;
}

// Error replies worth retrying: the server is starting, busy or failing over.
bool transient_error(std::string_view text) {
  for (std::string_view prefix :
       {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "CLUSTERDOWN"}) {
    if (text.starts_with(prefix)) return true;
  }
  return false;
}

bool valid_host(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host) {
    if (c <= ' ' || c > '~' || c == '/' || c == '[' || c == ']') return false;
  }
  return true;
}

}  // namespace

// --- Endpoint and message format ------------------------------------------------------------

std::string redis_endpoint::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + key;
}

std::optional<redis_endpoint> parse_redis_endpoint(std::string_view text, std::string* error) {
  auto bad = [&](std::string_view why) -> std::optional<redis_endpoint> {
    if (error) {
      *error = "bad Redis endpoint \"" + std::string(text) + "\": " + std::string(why) +
               " (expected HOST:PORT[/KEY])";
    }
    return std::nullopt;
  };
  redis_endpoint ep;
  std::string_view rest = text;
  if (rest.starts_with('[')) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("unterminated '['");
    ep.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.starts_with(':')) return bad("missing \":PORT\"");
  } else {
    const std::size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return bad("missing \":PORT\"");
    ep.host = std::string(rest.substr(0, colon));
    rest.remove_prefix(colon);
    if (rest.substr(1).find(':') < rest.substr(1).find('/')) {
      return bad("IPv6 addresses go in brackets, e.g. [::1]:6379");
    }
  }
  if (!valid_host(ep.host)) return bad("empty or invalid host");
  rest.remove_prefix(1);  // ':'
  const std::size_t slash = rest.find('/');
  const std::string_view port = rest.substr(0, slash);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return bad("PORT must be a decimal number");
  }
  unsigned value = 0;
  std::from_chars(port.data(), port.data() + port.size(), value);
  if (value < 1 || value > 65535) return bad("PORT must be in 1..65535");
  ep.port = static_cast<std::uint16_t>(value);
  if (slash != std::string_view::npos) {
    const std::string_view key = rest.substr(slash + 1);
    if (key.empty()) return bad("empty KEY after '/'");
    for (char c : key) {
      if (c <= ' ' || c > '~') return bad("KEY must be printable ASCII without spaces");
    }
    ep.key = std::string(key);
  }
  return ep;
}

std::string format_revocation_message(std::string_view jti, double exp) {
  std::string msg = format_score(exp);
  msg.push_back(' ');
  msg.append(jti);
  return msg;
}

bool parse_revocation_message(std::string_view message, double* exp, std::string_view* jti) {
  const std::size_t space = message.find(' ');
  if (space == std::string_view::npos || space + 1 >= message.size()) return false;
  double value = 0;
  if (!parse_score(message.substr(0, space), &value)) return false;
  *exp = value;
  *jti = message.substr(space + 1);
  return true;
}

// --- Feed ---------------------------------------------------------------------------------------

std::unique_ptr<redis_revocation_feed> redis_revocation_feed::start(redis_endpoint endpoint,
                                                                    revocation_set& set,
                                                                    redis_feed_options options,
                                                                    std::string* error) {
  std::optional<revocation_source> source;
  try {
    source = set.source(source_name(endpoint));
  } catch (const std::bad_alloc&) {
    if (error) *error = "out of memory";
    return nullptr;
  }
  return start(std::move(endpoint), *source, std::move(options), error);
}

std::unique_ptr<redis_revocation_feed> redis_revocation_feed::start(redis_endpoint endpoint,
                                                                    revocation_source source,
                                                                    redis_feed_options options,
                                                                    std::string* error) {
  auto fail_with = [&](std::string why) -> std::unique_ptr<redis_revocation_feed> {
    if (error) *error = std::move(why);
    return nullptr;
  };
  if (!positive(options.connect_timeout_seconds) || !positive(options.command_timeout_seconds) ||
      !positive(options.load_timeout_seconds) || !positive(options.ping_interval_seconds) ||
      !positive(options.pong_timeout_seconds) || !positive(options.purge_interval_seconds) ||
      !valid_backoff(options.backoff)) {
    return fail_with("redis_feed_options: timeouts, intervals and backoff must be positive");
  }
  // The source reads as stale from now until the first load completes.
  source.mark_unsynced();
  try {
    std::unique_ptr<redis_revocation_feed> feed(
        new redis_revocation_feed(std::move(endpoint), source, std::move(options)));
    feed->stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (feed->stop_fd_ < 0) return fail_with(std::string("eventfd: ") + std::strerror(errno));
    redis_revocation_feed* self = feed.get();
    feed->thread_ = std::thread([self] { self->run(); });
    return feed;
  } catch (const std::system_error& e) {
    return fail_with(std::string("cannot start the feed thread: ") + e.what());
  } catch (const std::bad_alloc&) {
    return fail_with("out of memory");
  }
}

std::string redis_revocation_feed::source_name(const redis_endpoint& endpoint) {
  return "redis " + endpoint.to_string();
}

redis_revocation_feed::redis_revocation_feed(redis_endpoint endpoint, revocation_source source,
                                             redis_feed_options options)
    : endpoint_(std::move(endpoint)), source_(source), options_(std::move(options)) {}

redis_revocation_feed::~redis_revocation_feed() {
  stop_.store(true, std::memory_order_release);
  if (stop_fd_ >= 0) {
    const std::uint64_t one = 1;
    // Cannot fail short of a closed fd: the counter is far from overflow.
    [[maybe_unused]] const ssize_t n = ::write(stop_fd_, &one, sizeof(one));
  }
  if (thread_.joinable()) thread_.join();
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

redis_feed_stats redis_revocation_feed::stats() const noexcept {
  redis_feed_stats s;
  s.connects = counters_.connects.load(std::memory_order_relaxed);
  s.reconnects = counters_.reconnects.load(std::memory_order_relaxed);
  s.loads = counters_.loads.load(std::memory_order_relaxed);
  s.messages = counters_.messages.load(std::memory_order_acquire);
  s.malformed = counters_.malformed.load(std::memory_order_relaxed);
  s.errors = counters_.errors.load(std::memory_order_relaxed);
  return s;
}

std::string redis_revocation_feed::status() const {
  std::lock_guard lock(status_mu_);
  return status_;
}

std::string redis_revocation_feed::last_error() const {
  std::lock_guard lock(status_mu_);
  return last_error_;
}

double redis_revocation_feed::now() const {
  return options_.clock ? options_.clock() : system_now();
}

void redis_revocation_feed::set_status(std::string status) {
  std::lock_guard lock(status_mu_);
  status_ = std::move(status);
}

void redis_revocation_feed::fail(std::string error) {
  counters_.errors.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(status_mu_);
  last_error_ = std::move(error);
}

bool redis_revocation_feed::wait_for_stop(double seconds) const {
  const auto deadline = steady::now() + to_duration(seconds);
  for (;;) {
    if (stop_requested()) return false;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - steady::now());
    if (left.count() <= 0) return true;
    pollfd fd = {stop_fd_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) > 0) return false;
  }
}

void redis_revocation_feed::run() noexcept {
  const sigpipe_guard no_sigpipe;
  std::minstd_rand rng = seeded_rng();
  double delay = options_.backoff.initial_seconds;
  while (!stop_requested()) {
    bool established = false;
    std::string error;
    try {
      if (run_session(&established, &error)) break;  // stop requested
    } catch (const std::exception& e) {
      // bad_alloc from the set's writers: drop the session, reload from scratch later.
      error = std::string("exception while applying revocations: ") + e.what();
    }
    synced_.store(false, std::memory_order_release);
    if (established) {
      delay = options_.backoff.initial_seconds;  // it worked: come back quickly
    }
    if (stop_requested()) break;
    source_.mark_unsynced();
    const double wait = jittered(delay, rng);
    char when[32];
    std::snprintf(when, sizeof(when), "%.2f", wait);
    set_status("retrying in " + std::string(when) + " s after: " + error);
    fail(std::move(error));
    if (!wait_for_stop(wait)) break;
    delay = std::min(delay * 2, options_.backoff.max_seconds);
  }
  synced_.store(false, std::memory_order_release);
  set_status("stopped");
}

bool redis_revocation_feed::load(double now, bool* stopped, std::string* error) {
  // One deadline for the whole load (connect, command, the reply however slowly it arrives).
  const auto deadline = steady::now() + to_duration(options_.load_timeout_seconds);
  context_ptr c;
  const io_status connected = connect_redis(
      endpoint_, std::min(deadline, steady::now() + to_duration(options_.connect_timeout_seconds)),
      stop_fd_, &c, error);
  if (connected != io_status::ok) {
    *stopped = connected == io_status::stopped;
    return false;
  }
  // Entries past exp + retention are dropped by replace_all anyway; skipping them here only
  // saves the transfer. "(" makes the bound exclusive.
  const std::string min = "(" + format_score(now - source_.set().retention_seconds());
  if (redisAppendCommand(c.get(), "ZRANGEBYSCORE %b %b +inf WITHSCORES", endpoint_.key.data(),
                         endpoint_.key.size(), min.data(), min.size()) != REDIS_OK) {
    *error = io_error(c.get(), "ZRANGEBYSCORE " + endpoint_.key);
    return false;
  }
  reply_ptr r;
  io_status got = flush(c.get(), stop_fd_, deadline, error);
  if (got == io_status::ok) got = read_reply(c.get(), stop_fd_, deadline, &r, error);
  if (got == io_status::timeout) {
    *error = "full load of " + endpoint_.key + " did not finish within " +
             seconds_text(options_.load_timeout_seconds) + " s";
  }
  if (got != io_status::ok) {
    *stopped = got == io_status::stopped;
    return false;
  }
  if (r->type == REDIS_REPLY_ERROR) {
    *error = "ZRANGEBYSCORE " + endpoint_.key + ": " + std::string(view(r.get()));
    return false;
  }
  if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
    *error = "ZRANGEBYSCORE " + endpoint_.key + ": unexpected reply";
    return false;
  }
  std::vector<revocation_entry> entries;
  entries.reserve(r->elements / 2);
  for (std::size_t i = 0; i + 1 < r->elements; i += 2) {
    const redisReply* member = r->element[i];
    const redisReply* score = r->element[i + 1];
    double exp = 0;
    if (member->type != REDIS_REPLY_STRING || member->len == 0 ||
        score->type != REDIS_REPLY_STRING || !parse_score(view(score), &exp)) {
      counters_.malformed.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    entries.push_back({std::string(view(member)), exp});
  }
  r.reset();  // the reply can be large: free it before the set builds its tables
  counters_.loads.fetch_add(1, std::memory_order_relaxed);  // before: see apply()
  // One publication for the whole list (the bulk path), replacing this feed's source only.
  source_.replace_all(entries, now);
  return true;
}

void redis_revocation_feed::queue_message(std::string_view payload,
                                          std::vector<revocation_entry>* batch) {
  double exp = 0;
  std::string_view jti;
  if (!parse_revocation_message(payload, &exp, &jti)) {
    counters_.malformed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  batch->push_back({std::string(jti), exp});
}

void redis_revocation_feed::apply(std::vector<revocation_entry>* batch) {
  if (batch->empty()) return;
  // Counted after the publication, with release (stats() loads it with acquire): whoever sees the
  // count also sees every jti it counts (tests and operators wait on the count, then look up).
  source_.add_many(*batch);
  counters_.messages.fetch_add(batch->size(), std::memory_order_release);
  batch->clear();
}

bool redis_revocation_feed::run_session(bool* established, std::string* error) {
  set_status("connecting");
  context_ptr sub;
  const io_status connected =
      connect_redis(endpoint_, steady::now() + to_duration(options_.connect_timeout_seconds),
                    stop_fd_, &sub, error);
  if (connected == io_status::stopped) return true;
  if (connected != io_status::ok) return false;

  // SUBSCRIBE before the load: whatever is published while we load waits in the socket and is
  // applied after replace_all, so nothing falls between the two.
  const std::string channel = endpoint_.channel();
  const auto subscribe_deadline = steady::now() + to_duration(options_.command_timeout_seconds);
  if (redisAppendCommand(sub.get(), "SUBSCRIBE %b", channel.data(), channel.size()) != REDIS_OK) {
    *error = io_error(sub.get(), "SUBSCRIBE");
    return false;
  }
  reply_ptr r;
  io_status confirmed = flush(sub.get(), stop_fd_, subscribe_deadline, error);
  if (confirmed == io_status::ok) {
    confirmed = read_reply(sub.get(), stop_fd_, subscribe_deadline, &r, error);
  }
  if (confirmed == io_status::stopped) return true;
  if (confirmed == io_status::timeout) *error = "no reply to SUBSCRIBE " + channel;
  if (confirmed != io_status::ok) return false;
  if (r->type == REDIS_REPLY_ERROR) {
    *error = "SUBSCRIBE " + channel + ": " + std::string(view(r.get()));
    return false;
  }
  if (r->type != REDIS_REPLY_ARRAY || !is_kind(r.get(), "subscribe")) {
    *error = "SUBSCRIBE " + channel + ": unexpected reply";
    return false;
  }

  set_status("loading");
  // Taken before the load starts: the set is complete as of this time at least.
  const double load_time = now();
  bool stopped = false;
  const bool loaded = load(load_time, &stopped, error);
  if (stopped || stop_requested()) return true;
  if (!loaded) return false;
  *established = true;
  counters_.connects.fetch_add(1, std::memory_order_relaxed);
  if (ever_connected_) counters_.reconnects.fetch_add(1, std::memory_order_relaxed);
  ever_connected_ = true;
  source_.mark_synced(load_time);
  synced_.store(true, std::memory_order_release);
  set_status("synced");

  const auto ping_interval = to_duration(options_.ping_interval_seconds);
  const auto pong_timeout = to_duration(options_.pong_timeout_seconds);
  const auto purge_interval = to_duration(options_.purge_interval_seconds);
  auto next_ping = steady::now() + ping_interval;
  auto next_purge = steady::now() + purge_interval;
  bool ping_outstanding = false;
  steady::time_point ping_sent;
  double ping_sent_wall = 0;
  for (;;) {
    const auto t = steady::now();
    if (ping_outstanding && t >= ping_sent + pong_timeout) {
      *error = "no PONG from Redis within " + format_score(options_.pong_timeout_seconds) + " s";
      return false;
    }
    if (!ping_outstanding && t >= next_ping) {
      // RESP2 allows PING on a subscribed connection; its reply is ["pong", ""].
      ping_sent_wall = now();
      if (redisAppendCommand(sub.get(), "PING") != REDIS_OK) {
        *error = io_error(sub.get(), "PING");
        return false;
      }
      const io_status sent = flush(sub.get(), stop_fd_, t + pong_timeout, error);
      if (sent == io_status::stopped) return true;
      if (sent != io_status::ok) return false;
      ping_outstanding = true;
      ping_sent = t;
      next_ping = t + ping_interval;
    }
    if (t >= next_purge) {
      source_.set().purge_expired(now());
      next_purge = t + purge_interval;
    }
    const auto deadline =
        std::min(ping_outstanding ? ping_sent + pong_timeout : next_ping, next_purge);
    const io_status got = read_reply(sub.get(), stop_fd_, deadline, &r, error);
    if (got == io_status::stopped) return true;
    if (got == io_status::error) return false;
    if (got == io_status::timeout) continue;  // a timer is due
    // Every reply already buffered is handled in this pass and its revocations applied together:
    // a burst of N messages costs a few publications (each O(set size)), not N. Replies keep
    // their order: the batch is applied before a PONG marks the source synced.
    std::vector<revocation_entry> batch;
    for (;;) {
      if (r->type == REDIS_REPLY_ERROR) {
        apply(&batch);
        *error = "Redis: " + std::string(view(r.get()));
        return false;
      }
      const bool pong = (r->type == REDIS_REPLY_ARRAY && is_kind(r.get(), "pong")) ||
                        (r->type == REDIS_REPLY_STATUS && view(r.get()) == "PONG");
      if (pong && ping_outstanding) {
        apply(&batch);
        ping_outstanding = false;
        // Redis answered the PING after every message it published to us before seeing it.
        source_.mark_synced(ping_sent_wall);
      } else if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 && is_kind(r.get(), "message") &&
                 r->element[2]->type == REDIS_REPLY_STRING) {
        queue_message(view(r->element[2]), &batch);
      }
      // Anything else (a repeated subscribe confirmation) carries no revocation.
      void* next = nullptr;
      if (redisGetReplyFromReader(sub.get(), &next) != REDIS_OK) {
        apply(&batch);
        *error = io_error(sub.get(), "read from Redis");
        return false;
      }
      if (next == nullptr) break;
      r.reset(static_cast<redisReply*>(next));
    }
    apply(&batch);
  }
}

// --- Publisher ----------------------------------------------------------------------------------

namespace {

// One connection, one MULTI/EXEC, every step bounded by |deadline|. On failure sets *error and
// *transient (worth retrying).
bool publish_once(const redis_endpoint& ep, std::string_view jti, double exp,
                  steady::time_point deadline, const redis_publish_options& o, std::string* error,
                  bool* transient, bool* expired) {
  *transient = true;
  const double now = o.clock ? o.clock() : system_now();
  // The trim below would drop this entry in the same transaction: claiming success for it would
  // be a lie, and no verifier whose leeway is within the retention accepts the token anyway.
  if (exp < now - o.retention_seconds) {
    char buf[160];
    std::snprintf(buf, sizeof(buf),
                  "exp %s is more than %s s (the retention) in the past: the token is already "
                  "rejected as expired, nothing was revoked",
                  format_score(exp).c_str(), seconds_text(o.retention_seconds).c_str());
    *error = buf;
    *transient = false;
    *expired = true;
    return false;
  }
  context_ptr c;
  const io_status connected =
      connect_redis(ep, std::min(deadline, steady::now() + to_duration(o.connect_timeout_seconds)),
                    -1, &c, error);
  if (connected != io_status::ok) return false;
  const auto command_deadline =
      std::min(deadline, steady::now() + to_duration(o.command_timeout_seconds));
  const std::string score = format_score(exp);
  const std::string cutoff = "(" + format_score(now - o.retention_seconds);
  const std::string channel = ep.channel();
  const std::string message = format_revocation_message(jti, exp);
  redisContext* ctx = c.get();
  // Pipelined: one round trip. GT keeps the later exp when the jti is already there.
  const bool appended =
      redisAppendCommand(ctx, "MULTI") == REDIS_OK &&
      redisAppendCommand(ctx, "ZADD %b GT %b %b", ep.key.data(), ep.key.size(), score.data(),
                         score.size(), jti.data(), jti.size()) == REDIS_OK &&
      redisAppendCommand(ctx, "ZREMRANGEBYSCORE %b -inf %b", ep.key.data(), ep.key.size(),
                         cutoff.data(), cutoff.size()) == REDIS_OK &&
      redisAppendCommand(ctx, "PUBLISH %b %b", channel.data(), channel.size(), message.data(),
                         message.size()) == REDIS_OK &&
      redisAppendCommand(ctx, "EXEC") == REDIS_OK;
  if (!appended) {
    *error = io_error(ctx, "cannot format the command");
    *transient = false;
    return false;
  }
  io_status got = flush(ctx, -1, command_deadline, error);
  reply_ptr replies[5];
  for (auto& r : replies) {
    if (got == io_status::ok) got = read_reply(ctx, -1, command_deadline, &r, error);
  }
  if (got != io_status::ok) {
    if (got == io_status::timeout) *error = "no reply";
    *error = "MULTI/EXEC on " + ep.to_string() + ": " + *error;
    return false;
  }
  // The first error reply explains an EXECABORT better than EXECABORT itself.
  for (const auto& r : replies) {
    if (r->type == REDIS_REPLY_ERROR) {
      *error = "Redis refused the revocation: " + std::string(view(r.get()));
      *transient = transient_error(view(r.get()));
      return false;
    }
  }
  const redisReply* exec = replies[4].get();
  if (exec->type == REDIS_REPLY_NIL) {
    *error = "Redis aborted the transaction";
    return false;
  }
  if (exec->type != REDIS_REPLY_ARRAY || exec->elements != 3) {
    *error = "unexpected reply to EXEC";
    *transient = false;
    return false;
  }
  for (std::size_t i = 0; i < exec->elements; ++i) {
    if (exec->element[i]->type == REDIS_REPLY_ERROR) {
      *error = "Redis refused the revocation: " + std::string(view(exec->element[i]));
      *transient = transient_error(view(exec->element[i]));
      return false;
    }
  }
  return true;
}

}  // namespace

redis_publish_result publish_revocation(const redis_endpoint& endpoint, std::string_view jti,
                                        double exp, double timeout_seconds,
                                        const redis_publish_options& options) {
  redis_publish_result result;
  const sigpipe_guard no_sigpipe;
  try {
    if (jti.empty()) {
      result.error = "empty jti";
      return result;
    }
    if (std::isnan(exp)) {
      result.error = "exp is not a number";
      return result;
    }
    if (!std::isfinite(timeout_seconds) || timeout_seconds < 0 ||
        !positive(options.connect_timeout_seconds) || !positive(options.command_timeout_seconds) ||
        !valid_backoff(options.backoff) || !(options.retention_seconds >= 0)) {
      result.error = "invalid timeout or publish options";
      return result;
    }
    std::minstd_rand rng = seeded_rng();
    const auto start = steady::now();
    const auto deadline = start + to_duration(timeout_seconds);
    double delay = options.backoff.initial_seconds;
    for (;;) {
      ++result.attempts;
      // The first attempt gets its full connect and command timeouts (a zero --timeout still
      // tries once); retries never run past the overall deadline.
      const auto attempt_deadline = result.attempts == 1 ? steady::time_point::max() : deadline;
      bool transient = true;
      std::string error;
      if (publish_once(endpoint, jti, exp, attempt_deadline, options, &error, &transient,
                       &result.expired)) {
        result.ok = true;
        result.error.clear();
        return result;
      }
      result.error = std::move(error);
      const auto remaining = deadline - steady::now();
      if (!transient || remaining <= steady::duration::zero()) break;
      const auto wait = std::min(to_duration(jittered(delay, rng)), remaining);
      std::this_thread::sleep_for(wait);
      delay = std::min(delay * 2, options.backoff.max_seconds);
    }
    if (result.attempts > 1) {
      const double took = std::chrono::duration<double>(steady::now() - start).count();
      char buf[96];
      std::snprintf(buf, sizeof(buf), " (gave up after %d attempts in %.1f s)", result.attempts,
                    took);
      result.error += buf;
    }
  } catch (const std::bad_alloc&) {
    result.ok = false;
    result.error = "out of memory";
  }
  return result;
}

}  // namespace jwtx
