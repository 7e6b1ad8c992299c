// `jwtx serve`'s client connections: a count and a cap (--max-connections), and the bookkeeping
// the SIGTERM drain needs (which connections have a request being answered).
//
// libevent 2.1's evhttp has no connection limit and no "connection opened" callback, so this hooks
// the one per-connection call it makes, evhttp_set_bevcb() (it asks us for the bufferevent of
// each accepted socket), and adopts the connection from a callback activated there: it runs in
// the same loop pass, after evhttp has finished setting the connection up and before the loop
// polls for its first bytes. Adopting sets a close callback (evhttp calls it exactly once, when it
// frees the connection), which is where the count goes down.
//
// Idle bound: a connection must deliver a complete request within |idle_timeout| of being accepted
// or of its previous answer being written, else it is closed. evhttp's own timeout restarts on
// every byte read, so a slowloris client sending a header byte a second would hold a connection
// (and its buffers) for hours; this deadline does not move with the bytes.
//
// Past the cap a new connection is closed at once rather than left in the listen backlog: the
// proxy in front (nginx auth_request, Envoy) sees the refusal immediately and can fail fast or try
// another instance, instead of waiting out its connect/read timeout for an answer that would come
// late; nothing accumulates in the kernel either. jwtx_serve_connections_refused_total counts them.
//
// Drain: after drain(), every answer carries `Connection: close` (the server adds it; evhttp then
// closes the connection once the answer is written) and close_idle() frees the connections that
// have no request being answered. Requests that reach the server first are answered.
//
// Relies on evhttp passing the connection as its bufferevent's callback argument (libevent 2.1;
// checked against evhttp_connection_get_bufferevent() before use, and by the connection-count
// tests in tests/cli_serve_ops_test.cc).
//
// Thread-safety: loop thread only. Errors: a connection that cannot be tracked (allocation
// failure) is closed at once, like one past the cap; nothing throws out of the callbacks.
#pragma once

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include <cstddef>
#include <memory>
#include <unordered_map>
#include <vector>

#include "tools/jwtx/serve/serve_metrics.h"

namespace jwtx::serve {

class connection_tracker {
 public:
  // Installs the hooks on |http| (must outlive this object's use; the destructor frees only the
  // tracker's own event).
  connection_tracker(event_base* base, evhttp* http, std::size_t max_connections,
                     int idle_timeout_seconds, serve_metrics& metrics);
  ~connection_tracker();
  connection_tracker(const connection_tracker&) = delete;
  connection_tracker& operator=(const connection_tracker&) = delete;

  std::size_t open() const noexcept { return connections_.size(); }

  // A request of |req|'s connection is being answered until its reply has been written.
  void request_started(evhttp_request* req);

  void drain() noexcept { draining_ = true; }
  bool draining() const noexcept { return draining_; }
  // Frees every connection with no request being answered (drain only).
  void close_idle();

 private:
  static bufferevent* on_new_bufferevent(event_base* base, void* self);
  static void on_adopt(evutil_socket_t, short, void* self);
  static void on_closed(evhttp_connection* evcon, void* self);
  static void on_reply_written(evhttp_request* req, void* self);
  static void on_idle(evutil_socket_t, short, void* conn);

  struct conn {
    connection_tracker* tracker;
    evhttp_connection* evcon;
    std::size_t busy = 0;  // requests being answered
    event* deadline = nullptr;
    ~conn();
  };
  void arm(conn& c);

  event_base* base_;
  std::size_t max_;
  timeval idle_;
  serve_metrics& metrics_;
  event* adopt_ = nullptr;
  std::vector<bufferevent*> new_;  // handed to evhttp in this loop pass, not adopted yet
  std::unordered_map<evhttp_connection*, std::unique_ptr<conn>> connections_;
  bool draining_ = false;
};

}  // namespace jwtx::serve
