#include "tools/jwtx/serve/server.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/fingerprint.h"
#include "engine/gateway/auth_request.h"
#include "engine/runtime/batch_pipeline.h"
#include "tools/jwtx/serve/config.h"

namespace jwtx::serve {
namespace {

// One loaded configuration and its pipelines (index = provider index). Requests hold a reference,
// so a reload never pulls a pipeline from under an in-flight request; the last reference is always
// dropped on the loop thread (a pipeline must not be closed from its own completion).
struct state {
  gateway::gateway_config gateway;
  std::vector<std::unique_ptr<batch_pipeline>> pipelines;
};

std::shared_ptr<state> load_state(const server_options& o, std::string* why) {
  auto config = load_config(o.config_path, why);
  if (!config) return nullptr;
  auto gateway = build_gateway(*config, why);
  if (!gateway) return nullptr;
  auto s = std::make_shared<state>();
  s->gateway = std::move(*gateway);
  for (const gateway::provider& p : s->gateway.providers) {
    pipeline_options po;
    po.queue_capacity = o.queue_capacity;
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

class server;

// What the event loops share: the current configuration. A reload (on the first loop) swaps
// |current| under the mutex and bumps |generation|; every loop compares |generation| with the one
// it holds at the start of each request (one relaxed-cost acquire load: no lock on the request
// path) and takes the new state under the mutex only when it changed.
struct shared_state {
  std::mutex mu;
  std::shared_ptr<state> current;
  std::atomic<std::uint64_t> generation{0};

  void publish(std::shared_ptr<state> s) {
    std::lock_guard<std::mutex> lock(mu);
    current = std::move(s);
    generation.fetch_add(1, std::memory_order_release);
  }
};

// One auth request waiting for its pipeline. Owned by the loop thread except between submit() and
// the completion's event_active(), after which the completion never touches it again.
struct pending {
  server* srv = nullptr;
  evhttp_request* req = nullptr;
  std::shared_ptr<state> st;
  const gateway::provider* provider = nullptr;
  std::string token;
  std::string path;
  fingerprint_text fp{};
  std::chrono::steady_clock::time_point start;
  event* wake = nullptr;
  gateway::verdict answer;
};

// One event loop (its own thread, event_base and evhttp). The first loop runs on the calling
// thread, owns the others, takes the signals and forwards stop to them; TCP listeners are one
// SO_REUSEPORT socket per loop (the kernel spreads connections), a unix socket is shared.
class server {
 public:
  server(server_options o, std::shared_ptr<shared_state> shared, std::size_t index)
      : o_(std::move(o)), shared_(std::move(shared)), index_(index) {}
  ~server() {
    if (http_) evhttp_free(http_);
    for (event* e : signals_) event_free(e);
    if (stop_event_) event_free(stop_event_);
    if (base_) event_base_free(base_);
  }

  // The first loop: loads the config, starts every loop, serves until stopped.
  int run() {
    std::string why;
    auto first = load_state(o_, &why);
    if (!first) return fail("config: " + why);
    shared_->publish(first);
    if (evthread_use_pthreads() != 0) return fail("libevent: no thread support");
    if (!setup()) return 2;
    for (std::size_t i = 1; i < o_.loops; ++i) {
      others_.push_back(std::make_unique<server>(o_, shared_, i));
      others_.back()->shared_unix_fd_ = shared_unix_fd_;
      if (!others_.back()->setup()) return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);
    add_signal(SIGTERM, &server::on_stop);
    add_signal(SIGINT, &server::on_stop);
    add_signal(SIGHUP, &server::on_reload);
    for (auto& other : others_) {
      server* loop = other.get();
      threads_.emplace_back([loop] { event_base_dispatch(loop->base_); });
    }
    std::fprintf(stderr, "jwtx serve: listening on %s (%zu event loop%s)\n", o_.listen.c_str(),
                 o_.loops, o_.loops == 1 ? "" : "s");
    event_base_dispatch(base_);
    for (std::thread& t : threads_) t.join();
    others_.clear();
    state_.reset();
    shared_->publish(nullptr);  // closes the pipelines (every completion has run: no request left)
    return 0;
  }

  void finish(pending* p) {
    send(p->req, p->answer);
    log(*p, p->answer);
    event_free(p->wake);
    delete p;
    --in_flight_;
    if (draining_ && in_flight_ == 0) event_base_loopexit(base_, nullptr);
  }

 private:
  // This loop's event base, HTTP layer and listener.
  bool setup() {
    base_ = event_base_new();
    http_ = base_ ? evhttp_new(base_) : nullptr;
    stop_event_ = base_ ? event_new(base_, -1, 0, &server::on_stop, this) : nullptr;
    if (!http_ || !stop_event_) {
      fail("libevent: cannot create the event loop");
      return false;
    }
    evhttp_set_max_headers_size(http_, static_cast<ev_ssize_t>(o_.max_header_bytes));
    evhttp_set_max_body_size(http_, static_cast<ev_ssize_t>(o_.max_body_bytes));
    evhttp_set_timeout(http_, o_.idle_timeout_seconds);
    evhttp_set_allowed_methods(http_, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                          EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
                                          EVHTTP_REQ_OPTIONS);
    evhttp_set_gencb(http_, &server::on_request, this);
    return bind();
  }

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
      evconnlistener* l = nullptr;
      if (index_ == 0) {
        struct stat st {};
        if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
        sun.sun_family = AF_UNIX;
        std::memcpy(sun.sun_path, path.data(), path.size());
        l = evconnlistener_new_bind(base_, nullptr, nullptr,
                                    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 1024,
                                    reinterpret_cast<sockaddr*>(&sun), sizeof(sun));
        if (l) shared_unix_fd_ = evconnlistener_get_fd(l);
      } else {
        // Unix sockets have no SO_REUSEPORT: the other loops accept on a duplicate of the first
        // loop's socket (whichever loop wakes first takes a connection).
        evutil_socket_t fd = ::fcntl(shared_unix_fd_, F_DUPFD_CLOEXEC, 0);
        l = fd < 0 ? nullptr
                   : evconnlistener_new(base_, nullptr, nullptr, LEV_OPT_CLOSE_ON_FREE, -1, fd);
        if (!l && fd >= 0) ::close(fd);
      }
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
      // One listening socket per loop on the same port (SO_REUSEPORT: the kernel spreads new
      // connections over the loops). Only this user's processes can join the group.
      sockaddr_storage ss{};
      int len = sizeof(ss);
      std::string literal = host + ":" + std::to_string(port);
      if (host.find(':') != std::string::npos) literal = "[" + host + "]:" + std::to_string(port);
      if (evutil_parse_sockaddr_port(literal.c_str(), reinterpret_cast<sockaddr*>(&ss), &len) !=
          0) {
        fail("--listen: ADDR must be a numeric IPv4 or IPv6 address");
        return false;
      }
      evconnlistener* l = evconnlistener_new_bind(base_, nullptr, nullptr,
                                                  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
                                                      LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT,
                                                  1024, reinterpret_cast<sockaddr*>(&ss), len);
      bound_ = l ? evhttp_bind_listener(http_, l) : nullptr;
    }
    if (!bound_) fail("--listen " + o_.listen + ": cannot listen (" + std::strerror(errno) + ")");
    return bound_ != nullptr;
  }

  void add_signal(int sig, event_callback_fn fn) {
    event* e = evsignal_new(base_, sig, fn, this);
    if (e && event_add(e, nullptr) == 0) signals_.push_back(e);
  }

  static void on_stop(evutil_socket_t, short, void* self) {
    auto* s = static_cast<server*>(self);
    if (s->draining_) return;
    for (auto& other : s->others_) event_active(other->stop_event_, EV_READ, 0);
    s->draining_ = true;
    if (s->bound_) evhttp_del_accept_socket(s->http_, s->bound_);
    s->bound_ = nullptr;
    std::fprintf(stderr, "jwtx serve: loop %zu stopping, %zu request(s) in flight\n", s->index_,
                 s->in_flight_);
    if (s->in_flight_ == 0) event_base_loopexit(s->base_, nullptr);
  }

  static void on_reload(evutil_socket_t, short, void* self) {
    auto* s = static_cast<server*>(self);
    std::string why;
    auto fresh = load_state(s->o_, &why);
    if (!fresh) {
      std::fprintf(stderr, "jwtx serve: reload refused, the old config keeps serving: %s\n",
                   why.c_str());
      return;
    }
    s->shared_->publish(std::move(fresh));  // in-flight requests keep the old state until answered
    std::fprintf(stderr, "jwtx serve: config reloaded\n");
  }

  static void on_wake(evutil_socket_t, short, void* arg) {
    auto* p = static_cast<pending*>(arg);
    p->srv->finish(p);
  }

  static void on_verified(void* ctx, std::uint64_t, const verify_result& r) noexcept {
    auto* p = static_cast<pending*>(ctx);
    try {
      p->answer = gateway::decide(*p->provider, p->token, r);
    } catch (...) {  // std::bad_alloc: answer 500 rather than lose the request
      p->answer = gateway::verdict{};
      p->answer.token_status = status::internal_error;
    }
    event_active(p->wake, EV_READ, 0);  // the loop owns |p| from here on
  }

  static void on_request(evhttp_request* req, void* self) {
    static_cast<server*>(self)->handle(req);
  }

  void handle(evhttp_request* req) {
    const evhttp_uri* uri = evhttp_request_get_evhttp_uri(req);
    const char* raw_path = uri ? evhttp_uri_get_path(uri) : nullptr;
    std::string_view path = raw_path ? raw_path : "";
    if (path == "/healthz") return plain(req, 200, "ok\n");
    if (path == "/readyz") {
      return draining_ ? plain(req, 503, "draining\n") : plain(req, 200, "ready\n");
    }
    auto start = std::chrono::steady_clock::now();
    headers_.clear();
    evkeyvalq* in = evhttp_request_get_input_headers(req);
    for (evkeyval* h = in->tqh_first; h; h = h->next.tqe_next) {
      headers_.push_back({h->key, h->value});
    }
    // A reload published a new state: take it (the mutex only when the generation moved).
    if (std::uint64_t g = shared_->generation.load(std::memory_order_acquire); g != generation_) {
      std::lock_guard<std::mutex> lock(shared_->mu);
      state_ = shared_->current;
      generation_ = shared_->generation.load(std::memory_order_relaxed);
    }
    const state& st = *state_;
    gateway::extracted_token t = gateway::extract_token(st.gateway, headers_);
    auto answer_now = [&](const gateway::verdict& v, const gateway::provider* prov,
                          std::string_view token) {
      pending p;
      p.path = printable(path);
      p.provider = prov;
      p.start = start;
      if (!token.empty()) p.fp = fingerprint(token);
      send(req, v);
      log(p, v);
    };
    if (t.outcome != gateway::extract_outcome::found) {
      return answer_now(gateway::extraction_verdict(t.outcome), nullptr, {});
    }
    const gateway::provider* prov = gateway::choose_provider(st.gateway, t.where, t.token, iss_);
    if (!prov) return answer_now(gateway::unknown_issuer_verdict(), nullptr, t.token);
    auto* p = new pending;
    p->srv = this;
    p->req = req;
    p->st = state_;
    p->provider = prov;
    p->token.assign(t.token);
    p->path = printable(path);
    p->fp = fingerprint(t.token);
    p->start = start;
    p->wake = event_new(base_, -1, 0, &server::on_wake, p);
    std::size_t index = static_cast<std::size_t>(prov - st.gateway.providers.data());
    status s = p->wake ? st.pipelines[index]->submit(p->token, {&server::on_verified, p})
                       : status::internal_error;
    if (s != status::ok) {
      gateway::verdict v = gateway::refusal_verdict(s);
      if (p->wake) event_free(p->wake);
      delete p;
      return answer_now(v, prov, t.token);
    }
    ++in_flight_;
  }

  static void plain(evhttp_request* req, int code, const char* body) {
    evbuffer* b = evhttp_request_get_output_buffer(req);
    evbuffer_add(b, body, std::strlen(body));
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
    evhttp_send_reply(req, code, nullptr, nullptr);
  }

  static void send(evhttp_request* req, const gateway::verdict& v) {
    evkeyvalq* out = evhttp_request_get_output_headers(req);
    for (const gateway::response_header& h : v.headers) {
      evhttp_add_header(out, h.name.c_str(), h.value.c_str());
    }
    evhttp_add_header(out, "Content-Type", "text/plain");
    evhttp_add_header(out, "Cache-Control", "no-store");
    const char* body = v.http_status == 200 ? "ok\n" : "denied\n";
    evbuffer_add(evhttp_request_get_output_buffer(req), body, std::strlen(body));
    evhttp_send_reply(req, v.http_status, nullptr, nullptr);
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
    std::fprintf(
        stdout, "%s path=%s status=%d verdict=%s token=%.*s provider=%s reason=%s us=%lld\n", when,
        p.path.c_str(), v.http_status,
        v.token_status ? std::string(status_name(*v.token_status)).c_str() : "-", has_fp ? 16 : 1,
        has_fp ? p.fp.data() : "-", p.provider ? p.provider->name.c_str() : "-",
        v.reason.empty() ? "-" : v.reason.c_str(), static_cast<long long>(us));
    std::fflush(stdout);
  }

  server_options o_;
  std::shared_ptr<shared_state> shared_;
  std::size_t index_ = 0;
  std::vector<std::unique_ptr<server>> others_;  // first loop only
  std::vector<std::thread> threads_;             // first loop only
  evutil_socket_t shared_unix_fd_ = -1;
  event* stop_event_ = nullptr;   // made active by the first loop's SIGTERM handler
  std::shared_ptr<state> state_;  // this loop's copy of shared_->current
  std::uint64_t generation_ = 0;
  event_base* base_ = nullptr;
  evhttp* http_ = nullptr;
  evhttp_bound_socket* bound_ = nullptr;
  std::vector<event*> signals_;
  std::vector<gateway::header_field> headers_;  // reused per request (loop thread only)
  gateway::iss_scratch iss_;
  std::size_t in_flight_ = 0;
  bool draining_ = false;
};

}  // namespace

int run_server(const server_options& o) {
  server_options options = o;
  if (options.loops == 0) options.loops = std::max(1u, std::thread::hardware_concurrency());
  // Port 0 would give every SO_REUSEPORT loop a different port.
  if (options.listen.size() >= 2 &&
      options.listen.compare(options.listen.size() - 2, 2, ":0") == 0) {
    options.loops = 1;
  }
  server s(options, std::make_shared<shared_state>(), 0);
  return s.run();
}

}  // namespace jwtx::serve
