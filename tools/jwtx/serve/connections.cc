#include "tools/jwtx/serve/connections.h"

#include <new>

namespace jwtx::serve {

connection_tracker::conn::~conn() {
  if (deadline) event_free(deadline);
}

connection_tracker::connection_tracker(event_base* base, evhttp* http, std::size_t max_connections,
                                       int idle_timeout_seconds, serve_metrics& metrics)
    : base_(base), max_(max_connections), idle_{idle_timeout_seconds, 0}, metrics_(metrics) {
  adopt_ = event_new(base, -1, 0, &connection_tracker::on_adopt, this);
  evhttp_set_bevcb(http, &connection_tracker::on_new_bufferevent, this);
}

connection_tracker::~connection_tracker() {
  if (adopt_) event_free(adopt_);
}

bufferevent* connection_tracker::on_new_bufferevent(event_base* base, void* self) {
  auto* t = static_cast<connection_tracker*>(self);
  // The flags evhttp uses when it makes the bufferevent itself.
  bufferevent* bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (!bev || !t->adopt_) return bev;  // null: evhttp makes its own (then uncounted)
  try {
    t->new_.push_back(bev);
  } catch (const std::bad_alloc&) {
    return bev;
  }
  event_active(t->adopt_, EV_TIMEOUT, 0);
  return bev;
}

void connection_tracker::on_adopt(evutil_socket_t, short, void* self) {
  auto* t = static_cast<connection_tracker*>(self);
  std::vector<bufferevent*> batch;
  batch.swap(t->new_);
  for (bufferevent* bev : batch) {
    // evhttp made |bev| its connection's bufferevent, with the connection as the callbacks' arg.
    void* arg = nullptr;
    bufferevent_getcb(bev, nullptr, nullptr, nullptr, &arg);
    auto* evcon = static_cast<evhttp_connection*>(arg);
    if (!evcon || evhttp_connection_get_bufferevent(evcon) != bev) continue;
    bool refuse = t->draining_ || t->connections_.size() >= t->max_;
    conn* c = nullptr;
    if (!refuse) {
      try {
        auto fresh = std::make_unique<conn>(conn{t, evcon});
        fresh->deadline = event_new(t->base_, -1, 0, &connection_tracker::on_idle, fresh.get());
        c = fresh.get();
        refuse = !c->deadline || !t->connections_.emplace(evcon, std::move(fresh)).second;
      } catch (const std::bad_alloc&) {
        refuse = true;
      }
    }
    if (refuse) {
      t->metrics_.count_refused_connection();
      evhttp_connection_free(evcon);  // no request was read from it yet
      continue;
    }
    evhttp_connection_set_closecb(evcon, &connection_tracker::on_closed, t);
    t->arm(*c);
  }
  t->metrics_.set_connections(static_cast<double>(t->connections_.size()));
}

void connection_tracker::on_closed(evhttp_connection* evcon, void* self) {
  auto* t = static_cast<connection_tracker*>(self);
  t->connections_.erase(evcon);
  t->metrics_.set_connections(static_cast<double>(t->connections_.size()));
}

void connection_tracker::arm(conn& c) { event_add(c.deadline, &idle_); }

void connection_tracker::on_idle(evutil_socket_t, short, void* arg) {
  auto* c = static_cast<conn*>(arg);
  // on_closed frees |c| (and this event, which libevent allows from its own callback).
  if (c->busy == 0) evhttp_connection_free(c->evcon);
}

void connection_tracker::request_started(evhttp_request* req) {
  auto it = connections_.find(evhttp_request_get_connection(req));
  if (it == connections_.end()) return;
  ++it->second->busy;
  event_del(it->second->deadline);
  evhttp_request_set_on_complete_cb(req, &connection_tracker::on_reply_written, this);
}

void connection_tracker::on_reply_written(evhttp_request* req, void* self) {
  auto* t = static_cast<connection_tracker*>(self);
  auto it = t->connections_.find(evhttp_request_get_connection(req));
  if (it == t->connections_.end() || it->second->busy == 0) return;
  if (--it->second->busy == 0) t->arm(*it->second);
}

void connection_tracker::close_idle() {
  std::vector<evhttp_connection*> idle;
  for (const auto& [evcon, c] : connections_) {
    if (c->busy == 0) idle.push_back(evcon);
  }
  for (evhttp_connection* evcon : idle) evhttp_connection_free(evcon);  // on_closed erases it
}

}  // namespace jwtx::serve
