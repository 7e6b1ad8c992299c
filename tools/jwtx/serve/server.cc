#include "tools/jwtx/serve/server.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/fingerprint.h"
#include "engine/gateway/auth_request.h"
#include "engine/runtime/batch_pipeline.h"
#include "tools/jwtx/serve/completion_queue.h"
#include "tools/jwtx/serve/config.h"
#include "tools/jwtx/serve/connections.h"
#include "tools/jwtx/serve/key_sources.h"
#include "tools/jwtx/serve/revocation_service.h"
#include "tools/jwtx/serve/serve_metrics.h"

namespace jwtx::serve {
namespace {

// One loaded configuration and its pipelines (index = provider index). Requests hold a reference,
// so a reload never pulls a pipeline from under an in-flight request; the last reference is always
// dropped on the loop thread (a pipeline must not be closed from its own completion).
struct state {
  gateway::gateway_config gateway;
  std::vector<std::unique_ptr<batch_pipeline>> pipelines;
  std::vector<provider_series*> series;  // per provider (serve_metrics-owned), set by bind_metrics
  key_sources keys;  // the remote providers' fetchers (destroyed first: they only feed stores)
};

// Points the providers' metrics at |s| when it starts serving (a reload re-points them; totals go
// on) and registers the remote fetchers' series (remote_jwks::export_metrics).
bool bind_metrics(const std::shared_ptr<state>& s, serve_metrics& metrics, std::string* why) {
  s->series.clear();
  for (std::size_t i = 0; i < s->gateway.providers.size(); ++i) {
    const gateway::provider& p = s->gateway.providers[i];
    provider_series* series =
        metrics.bind_provider(p.name, s, s->pipelines[i].get(), p.verify.get(), why);
    if (!series) return false;
    s->series.push_back(series);
  }
  return s->keys.export_metrics(metrics.registry(), why);
}

// Lets fetch threads wake the event loop (remote_jwks_options::on_fetch_done). Shared with every
// fetcher's callback, so a fetcher outliving the loop's event finds it detached, not freed.
struct loop_wakeup {
  std::mutex mu;
  event* ev = nullptr;  // null before the loop exists and after it is gone
  void fire() {
    std::lock_guard lock(mu);
    if (ev) event_active(ev, EV_READ, 0);
  }
};

// |reuse|: the generations whose unchanged remote fetchers the new state takes over (reload).
std::shared_ptr<state> load_state(const server_options& o, revocation_service& revocation,
                                  const std::shared_ptr<loop_wakeup>& wake,
                                  std::vector<const key_sources*> reuse, std::string* why) {
  std::optional<serve_config> config;
  if (o.config_path.empty() && o.flags_config) {
    config = o.flags_config;
  } else {
    config = load_config(o.config_path, why);
  }
  if (!config) return nullptr;
  if (!revocation.configure(*config, why)) return nullptr;
  auto s = std::make_shared<state>();
  s->keys = key_sources([wake] { wake->fire(); }, std::move(reuse));
  auto gateway = build_gateway(*config, why, &s->keys, revocation.set());
  if (!gateway) return nullptr;
  s->gateway = std::move(*gateway);
  for (const gateway::provider& p : s->gateway.providers) {
    pipeline_options po;
    po.queue_capacity = o.queue_capacity;
    po.concurrency = o.workers;
    auto pipe = batch_pipeline::create(p.verify, po, why);
    if (!pipe) return nullptr;
    s->pipelines.push_back(std::move(pipe));
  }
  return s;
}

// Bytes a log line may show of a request path: controls become '?', so a path cannot forge lines.
std::string printable(std::string_view s) {
  std::string out(s.substr(0, 256));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f) c = '?';
  }
  return out;
}

// How long the start waits for the revocation list's first load (as `jwtx verify` does).
constexpr double kRevocationWaitSeconds = 2;

// A log value that may hold spaces (a 400/403 reason names config text, a provider name is any
// YAML key): plain when it is one word, else in double quotes with \ and " escaped and controls
// as '?', so the line always splits into key=value pairs.
std::string log_value(std::string_view s) {
  if (s.empty()) return "-";
  if (s.find_first_of(" \t\"\\=") == std::string_view::npos) return printable(s);
  std::string out = "\"";
  for (char c : printable(s)) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

// The drain's clock: how often it looks, and how long requests already sent get to arrive.
constexpr int kDrainTickMicros = 20000;
constexpr std::chrono::milliseconds kDrainLinger{100};

class server;

// One auth request waiting for its pipeline. Owned by the loop thread except between submit() and
// the completion's push onto the server's completion queue, after which the completion never
// touches it again.
struct pending : completion_node {
  server* srv = nullptr;
  evhttp_request* req = nullptr;
  std::shared_ptr<state> st;
  const gateway::provider* provider = nullptr;
  provider_series* series = nullptr;
  std::string token;
  std::string path;
  fingerprint_text fp{};
  std::chrono::steady_clock::time_point start;
  gateway::verdict answer;
  std::size_t index = 0;         // the provider's index in st
  bool refreshed = false;        // parked once on an unknown kid already (never twice)
  std::uint64_t fetches_at = 0;  // the provider's finished fetches when it was parked
};

// The access log is written when this much is buffered, or at the end of the callback.
constexpr std::size_t kLogFlushBytes = 64 * 1024;

// Requests parked on an unknown kid at once, across providers; more are answered at once (401).
constexpr std::size_t kMaxParked = 1024;

class server {
 public:
  explicit server(server_options o) : o_(std::move(o)) {}
  ~server() {
    stop_key_events();
    if (done_event_) event_free(done_event_);
    if (drain_timer_) event_free(drain_timer_);
    if (http_) evhttp_free(http_);  // closes what is left: the tracker's close callbacks run
    connections_.reset();
    for (event* e : signals_) event_free(e);
    if (base_) event_base_free(base_);
  }

  int run() {
    std::string why;
    state_ = load_state(o_, revocation_, wakeup_, {}, &why);
    if (!state_) return fail("config: " + why);
    if (!bind_metrics(state_, metrics_, &why)) return fail("metrics: " + why);
    // After the first verifiers (they raise the list's retention to their leeway), before the
    // first request.
    if (!revocation_.start(kRevocationWaitSeconds, &why)) return fail("revocation: " + why);
    revocation_.export_metrics(metrics_.registry());
    if (evthread_use_pthreads() != 0) return fail("libevent: no thread support");
    // The changelist folds evhttp's per-request EV_READ/EV_WRITE flips into one epoll_ctl per
    // descriptor and loop iteration (measured: ~10 % of the loop's CPU with the buffered log).
    if (event_config* cfg = event_config_new()) {
      event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
      base_ = event_base_new_with_config(cfg);
      event_config_free(cfg);
    }
    http_ = base_ ? evhttp_new(base_) : nullptr;
    done_event_ = base_ ? event_new(base_, -1, 0, &server::on_done, this) : nullptr;
    if (!http_ || !done_event_) return fail("libevent: cannot create the event loop");
    log_buf_.reserve(kLogFlushBytes + 1024);
    if (!start_key_events()) return fail("libevent: cannot create the key events");
    wait_for_first_keys();
    evhttp_set_max_headers_size(http_, static_cast<ev_ssize_t>(o_.max_header_bytes));
    evhttp_set_max_body_size(http_, static_cast<ev_ssize_t>(o_.max_body_bytes));
    evhttp_set_timeout(http_, o_.idle_timeout_seconds);
    evhttp_set_allowed_methods(http_, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                          EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
                                          EVHTTP_REQ_OPTIONS);
    evhttp_set_gencb(http_, &server::on_request, this);
    connections_ = std::make_unique<connection_tracker>(base_, http_, o_.max_connections,
                                                        o_.idle_timeout_seconds, metrics_);
    if (!bind()) return 2;
    std::signal(SIGPIPE, SIG_IGN);
    add_signal(SIGTERM, &server::on_stop);
    add_signal(SIGINT, &server::on_stop);
    add_signal(SIGHUP, &server::on_reload);
    std::fprintf(stderr, "jwtx serve: listening on %s\n", o_.listen.c_str());
    event_base_dispatch(base_);
    flush_log();
    stop_key_events();
    reloading_.reset();
    state_.reset();  // closes the pipelines (every completion has run: in_flight_ is 0)
    return 0;
  }

  void finish(pending* p) {
    if (park_for_refresh(p)) return;
    send(p->req, p->answer);
    log(*p, p->answer);
    observe(*p, p->answer);
    delete p;
    --in_flight_;
    metrics_.set_in_flight(static_cast<double>(in_flight_));
    if (draining_) maybe_exit();
  }

 private:
  int fail(const std::string& message) {
    std::fprintf(stderr, "jwtx serve: %s\n", message.c_str());
    return 2;
  }

  bool bind() {
    if (o_.listen.rfind("unix:", 0) == 0) {
      std::string path = o_.listen.substr(5);
      sockaddr_un sun{};
      if (path.empty() || path.size() >= sizeof(sun.sun_path)) {
        fail("--listen: the unix socket path is empty or too long");
        return false;
      }
      struct stat st {};
      if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
      sun.sun_family = AF_UNIX;
      std::memcpy(sun.sun_path, path.data(), path.size());
      evconnlistener* l = evconnlistener_new_bind(
          base_, nullptr, nullptr, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 128,
          reinterpret_cast<sockaddr*>(&sun), sizeof(sun));
      bound_ = l ? evhttp_bind_listener(http_, l) : nullptr;
    } else {
      std::size_t colon = o_.listen.rfind(':');
      std::string host = colon == std::string::npos ? "" : o_.listen.substr(0, colon);
      if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
      }
      char* end = nullptr;
      long port =
          colon == std::string::npos ? -1 : std::strtol(o_.listen.c_str() + colon + 1, &end, 10);
      if (host.empty() || port < 0 || port > 65535 || !end || *end != '\0') {
        fail("--listen: expected ADDR:PORT or unix:PATH");
        return false;
      }
      bound_ = evhttp_bind_socket_with_handle(http_, host.c_str(), static_cast<ev_uint16_t>(port));
    }
    if (!bound_) fail("--listen " + o_.listen + ": cannot listen (" + std::strerror(errno) + ")");
    return bound_ != nullptr;
  }

  void add_signal(int sig, event_callback_fn fn) {
    event* e = evsignal_new(base_, sig, fn, this);
    if (e && event_add(e, nullptr) == 0) signals_.push_back(e);
  }

  // SIGTERM/SIGINT: stop accepting, answer what has arrived (with Connection: close), close idle
  // connections, exit once nothing is in flight and every connection is closed, or after
  // --drain-seconds with whatever connections are left idle (never with a verification pending).
  static void on_stop(evutil_socket_t, short, void* self) {
    auto* s = static_cast<server*>(self);
    if (s->draining_) return;
    s->draining_ = true;
    s->connections_->drain();
    if (s->bound_) evhttp_del_accept_socket(s->http_, s->bound_);
    s->bound_ = nullptr;
    std::fprintf(stderr, "jwtx serve: stopping, %zu request(s) in flight, %zu connection(s)\n",
                 s->in_flight_, s->connections_->open());
    s->drain_start_ = std::chrono::steady_clock::now();
    s->drain_timer_ = event_new(s->base_, -1, EV_PERSIST, &server::on_drain_tick, s);
    const timeval tick{0, kDrainTickMicros};
    if (!s->drain_timer_ || event_add(s->drain_timer_, &tick) != 0) {
      event_base_loopexit(s->base_, nullptr);  // cannot time the drain: stop as before
    }
  }

  static void on_drain_tick(evutil_socket_t, short, void* self) {
    auto* s = static_cast<server*>(self);
    // Requests clients had already sent are read and answered during the first ticks; after that
    // a connection with nothing being answered is only waiting for the client: close it.
    if (std::chrono::steady_clock::now() - s->drain_start_ >= kDrainLinger) {
      s->connections_->close_idle();
    }
    s->maybe_exit();
  }

  void maybe_exit() {
    if (in_flight_ != 0) return;  // a completion still refers to the loop
    bool late = std::chrono::steady_clock::now() - drain_start_ >=
                std::chrono::duration<double>(o_.drain_seconds);
    if (connections_->open() == 0 || late) event_base_loopexit(base_, nullptr);
  }

  static void on_reload(evutil_socket_t, short, void* self) {
    static_cast<server*>(self)->reload();
  }

  // --- Keys: remote JWKS readiness, unknown-kid refetch, reload with fetchers -----------------

  bool start_key_events() {
    keys_event_ = event_new(base_, -1, 0, &server::on_keys_event, this);
    reload_timer_ = evtimer_new(base_, &server::on_reload_timeout, this);
    if (!keys_event_ || !reload_timer_) return false;
    std::lock_guard lock(wakeup_->mu);
    wakeup_->ev = keys_event_;
    return true;
  }

  void stop_key_events() {
    {
      std::lock_guard lock(wakeup_->mu);
      wakeup_->ev = nullptr;
    }
    if (keys_event_) event_free(keys_event_);
    if (reload_timer_) event_free(reload_timer_);
    keys_event_ = reload_timer_ = nullptr;
  }

  // At start, remote providers get up to their fetch timeout for the first key set; then the
  // server serves anyway (their requests get 503 until the keys arrive, /readyz says so).
  void wait_for_first_keys() {
    const auto limit = state_->keys.max_fetch_timeout();
    if (limit.count() == 0 || state_->keys.wait_ready(limit)) return;
    std::fprintf(stderr,
                 "jwtx serve: no keys yet for provider(s) %s after %lld ms; serving anyway "
                 "(503 for them until the first fetch succeeds)\n",
                 state_->keys.not_ready().c_str(), static_cast<long long>(limit.count()));
  }

  // A token of a remote provider named a kid its set lacks: the IdP may have rotated. Park the
  // request until the refetch it asked for ends, then verify it once more (the verdict of the
  // second run is final). Not parked (answered at once): a second miss, a local provider, a
  // refetch dropped by min_refetch_interval, or kMaxParked requests already waiting.
  bool park_for_refresh(pending* p) {
    if (p->refreshed || p->answer.token_status != status::key_not_found ||
        parked_.size() >= kMaxParked || draining_) {
      return false;
    }
    key_sources& keys = p->st->keys;
    const std::uint64_t before = keys.fetches(p->index);  // read first: a fetch ending now counts
    if (!keys.request_refresh(p->index)) return false;
    p->refreshed = true;
    p->fetches_at = before;
    parked_.push_back(p);
    return true;
  }

  // A fetch ended (any provider): re-verify the requests whose provider fetched since they were
  // parked, and swap in a reloaded state whose keys are now all loaded.
  static void on_keys_event(evutil_socket_t, short, void* self) {
    auto* s = static_cast<server*>(self);
    std::vector<pending*> again;
    std::erase_if(s->parked_, [&](pending* p) {
      if (p->st->keys.fetches(p->index) == p->fetches_at) return false;
      again.push_back(p);
      return true;
    });
    for (pending* p : again) s->resubmit(p);
    if (s->reloading_ && s->reloading_->keys.all_ready()) s->swap_in_reloaded();
    s->flush_log();
  }

  void resubmit(pending* p) {
    p->answer = gateway::verdict{};
    status s = p->st->pipelines[p->index]->submit(p->token, {&server::on_verified, p});
    if (s != status::ok) {
      p->answer = gateway::refusal_verdict(s);
      finish(p);
    }
  }

  // SIGHUP: load the config again. Unchanged remote providers keep their fetchers (no refetch);
  // a state with a new remote provider is swapped in only once its keys are loaded, within two
  // fetch timeouts and a second, else the reload is refused and the old state keeps serving. A
  // second SIGHUP while one waits replaces it (and may take its fetchers over).
  void reload() {
    std::string why;
    auto fresh = load_state(o_, revocation_, wakeup_,
                            {&state_->keys, reloading_ ? &reloading_->keys : nullptr}, &why);
    if (!fresh) {
      std::fprintf(stderr, "jwtx serve: reload refused, the old config keeps serving: %s\n",
                   why.c_str());
      return;
    }
    reloading_ = std::move(fresh);  // replaces a reload still waiting for its keys
    if (reloading_->keys.all_ready()) return swap_in_reloaded();
    // Discovery, then the JWKS: two GETs, each bounded by the timeout; plus a second of slack.
    const auto wait = 2 * reloading_->keys.max_fetch_timeout() + std::chrono::seconds(1);
    const timeval tv{static_cast<time_t>(wait.count() / 1000),
                     static_cast<suseconds_t>(wait.count() % 1000 * 1000)};
    evtimer_add(reload_timer_, &tv);
    std::fprintf(stderr, "jwtx serve: reload waits up to %lld ms for the keys of provider(s) %s\n",
                 static_cast<long long>(wait.count()), reloading_->keys.not_ready().c_str());
    on_keys_event(-1, 0, this);  // a fetch may have ended before the timer was set
  }

  void swap_in_reloaded() {
    evtimer_del(reload_timer_);
    std::string why;
    if (!bind_metrics(reloading_, metrics_, &why)) {
      std::fprintf(stderr, "jwtx serve: reload refused, the old config keeps serving: %s\n",
                   why.c_str());
      reloading_.reset();
      return;
    }
    state_ = std::move(reloading_);  // in-flight requests keep the old state alive until answered
    std::fprintf(stderr, "jwtx serve: config reloaded (%zu remote JWKS fetcher(s) kept)\n",
                 state_->keys.reused());
  }

  static void on_reload_timeout(evutil_socket_t, short, void* self) {
    auto* s = static_cast<server*>(self);
    if (!s->reloading_) return;
    std::fprintf(stderr,
                 "jwtx serve: reload refused, the old config keeps serving: no keys for "
                 "provider(s) %s in time\n",
                 s->reloading_->keys.not_ready().c_str());
    s->reloading_.reset();
  }

  // Completions of a burst share one wake-up (completion_queue.h); their log lines one write.
  static void on_done(evutil_socket_t, short, void* self) {
    auto* s = static_cast<server*>(self);
    for (completion_node* n = s->done_.take_all(); n;) {
      completion_node* next = n->next;
      s->finish(static_cast<pending*>(n));
      n = next;
    }
    s->flush_log();
  }

  static void on_verified(void* ctx, std::uint64_t, const verify_result& r) noexcept {
    auto* p = static_cast<pending*>(ctx);
    try {
      p->answer = gateway::decide(*p->provider, p->token, r);
    } catch (...) {  // std::bad_alloc: answer 500 rather than lose the request
      p->answer = gateway::verdict{};
      p->answer.token_status = status::internal_error;
    }
    server* s = p->srv;
    if (s->done_.push(p)) event_active(s->done_event_, EV_READ, 0);  // the loop owns |p| now
  }

  static void on_request(evhttp_request* req, void* self) {
    auto* s = static_cast<server*>(self);
    s->handle(req);
    s->flush_log();
  }

  void handle(evhttp_request* req) {
    const evhttp_uri* uri = evhttp_request_get_evhttp_uri(req);
    const char* raw_path = uri ? evhttp_uri_get_path(uri) : nullptr;
    std::string_view path = raw_path ? raw_path : "";
    connections_->request_started(req);
    if (path == "/healthz") return plain(req, 200, "ok\n");
    if (path == "/metrics") return send_metrics(req);
    if (path == "/readyz") {
      if (draining_) return plain(req, 503, "draining\n");
      if (!state_->keys.all_ready()) return plain(req, 503, "keys not loaded\n");
      return plain(req, 200, "ready\n");
    }
    auto start = std::chrono::steady_clock::now();
    headers_.clear();
    evkeyvalq* in = evhttp_request_get_input_headers(req);
    for (evkeyval* h = in->tqh_first; h; h = h->next.tqe_next) {
      headers_.push_back({h->key, h->value});
    }
    const state& st = *state_;
    gateway::extracted_token t = gateway::extract_token(st.gateway, headers_);
    auto answer_now = [&](const gateway::verdict& v, const gateway::provider* prov,
                          std::string_view token) {
      pending p;
      p.path = printable(path);
      p.provider = prov;
      p.series = prov ? st.series[static_cast<std::size_t>(prov - st.gateway.providers.data())]
                      : &metrics_.no_provider();
      p.start = start;
      if (!token.empty()) p.fp = fingerprint(token);
      send(req, v);
      log(p, v);
      observe(p, v);
    };
    if (t.outcome != gateway::extract_outcome::found) {
      metrics_.count_unverified(t.outcome);
      return answer_now(gateway::extraction_verdict(t.outcome), nullptr, {});
    }
    const gateway::provider* prov = gateway::choose_provider(st.gateway, t.where, t.token, iss_);
    if (!prov) return answer_now(gateway::unknown_issuer_verdict(), nullptr, t.token);
    std::size_t index = static_cast<std::size_t>(prov - st.gateway.providers.data());
    if (!st.keys.ready(index)) return answer_now(keys_not_loaded_verdict(), prov, t.token);
    auto* p = new pending;
    p->srv = this;
    p->req = req;
    p->st = state_;
    p->provider = prov;
    p->token.assign(t.token);
    p->path = printable(path);
    p->fp = fingerprint(t.token);
    p->start = start;
    p->series = st.series[index];
    p->index = index;
    status s = st.pipelines[index]->submit(p->token, {&server::on_verified, p});
    if (s != status::ok) {
      gateway::verdict v = gateway::refusal_verdict(s);
      delete p;
      return answer_now(v, prov, t.token);
    }
    ++in_flight_;
    metrics_.set_in_flight(static_cast<double>(in_flight_));
  }

  // Per-request series: atomic increments only.
  void observe(const pending& p, const gateway::verdict& v) noexcept {
    metrics_.count_response(v.http_status);
    if (v.token_status) p.series->requests.inc(*v.token_status);
    p.series->duration->observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - p.start).count());
  }

  void send_metrics(evhttp_request* req) {
    std::string body = metrics_.render();
    evbuffer_add(evhttp_request_get_output_buffer(req), body.data(), body.size());
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      serve_metrics::kContentType);
    reply(req, 200);
  }

  // Every answer goes out here: during the drain it tells the client the connection closes.
  void reply(evhttp_request* req, int code) {
    if (draining_) evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
    evhttp_send_reply(req, code, nullptr, nullptr);
  }

  void plain(evhttp_request* req, int code, const char* body) {
    evbuffer* b = evhttp_request_get_output_buffer(req);
    evbuffer_add(b, body, std::strlen(body));
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
    reply(req, code);
  }

  void send(evhttp_request* req, const gateway::verdict& v) {
    evkeyvalq* out = evhttp_request_get_output_headers(req);
    for (const gateway::response_header& h : v.headers) {
      evhttp_add_header(out, h.name.c_str(), h.value.c_str());
    }
    evhttp_add_header(out, "Cache-Control", "no-store");
    // No body (Content-Length: 0): nginx keeps an auth subrequest's upstream connection alive only
    // when the answer has none (with a body, every check opened a new connection: half the
    // throughput); the status and headers are the whole answer.
    reply(req, v.http_status);
  }

  // method is left out: evhttp answers anything unusual itself. Never the token, never the query.
  void log(const pending& p, const gateway::verdict& v) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - p.start)
                  .count();
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char when[32];
    std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    bool has_fp = p.fp[0] != '\0';
    char line[1024];
    int n = std::snprintf(
        line, sizeof(line),
        "%s path=%s status=%d verdict=%s token=%.*s provider=%s reason=%s us=%lld\n", when,
        p.path.c_str(), v.http_status,
        v.token_status ? std::string(status_name(*v.token_status)).c_str() : "-", has_fp ? 16 : 1,
        has_fp ? p.fp.data() : "-", p.provider ? log_value(p.provider->name).c_str() : "-",
        log_value(v.reason).c_str(), static_cast<long long>(us));
    if (n <= 0) return;
    if (static_cast<std::size_t>(n) >= sizeof(line)) {  // cut, but still one line
      n = sizeof(line) - 1;
      line[n - 1] = '\n';
    }
    log_buf_.append(line, static_cast<std::size_t>(n));
    if (log_buf_.size() >= kLogFlushBytes) flush_log();
  }

  // Lines are written at the end of each event callback that produced them (one request, or a
  // burst of completions): before the answers reach their sockets, in one write for the burst.
  void flush_log() {
    if (log_buf_.empty()) return;
    std::fwrite(log_buf_.data(), 1, log_buf_.size(), stdout);
    std::fflush(stdout);
    log_buf_.clear();
  }

  server_options o_;
  serve_metrics metrics_;          // first: its callbacks never outlive what they read
  revocation_service revocation_;  // before state_: its set outlives every verifier
  std::shared_ptr<state> state_;
  event_base* base_ = nullptr;
  evhttp* http_ = nullptr;
  evhttp_bound_socket* bound_ = nullptr;
  std::vector<event*> signals_;
  std::shared_ptr<loop_wakeup> wakeup_ = std::make_shared<loop_wakeup>();
  event* keys_event_ = nullptr;                 // made active by fetch threads (wakeup_)
  event* reload_timer_ = nullptr;               // bounds a reload's wait for new remote keys
  std::shared_ptr<state> reloading_;            // a reloaded state waiting for its remote keys
  std::vector<pending*> parked_;                // waiting for an unknown-kid refetch (loop thread)
  std::vector<gateway::header_field> headers_;  // reused per request (loop thread only)
  gateway::iss_scratch iss_;
  std::size_t in_flight_ = 0;
  bool draining_ = false;
  std::unique_ptr<connection_tracker> connections_;
  event* drain_timer_ = nullptr;
  event* done_event_ = nullptr;  // made active by the completion that finds done_ empty
  completion_queue done_;        // finished requests, pushed by pipeline workers
  std::string log_buf_;          // access-log lines not written yet (flush_log)
  std::chrono::steady_clock::time_point drain_start_;
};

}  // namespace

int run_server(const server_options& o) {
  server s(o);
  return s.run();
}

}  // namespace jwtx::serve
