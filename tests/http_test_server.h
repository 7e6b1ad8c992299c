// A small programmable HTTP/1.1 server on loopback for tests (status, headers, body and delay per
// path; counts requests): tests/remote_jwks_test.cc serves JWKS documents with it to the fetcher,
// tests/serve_remote_test.cc to `jwtx serve`. One connection at a time, "Connection: close".
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

namespace jwtx::testing {

// One connection at a time is enough: the fetcher makes one request at a time by design.
class test_http_server {
 public:
  struct route {
    int status = 200;
    std::string headers;  // extra header lines, each ending in "\r\n"
    std::string body;
    std::chrono::milliseconds delay{0};
  };

  test_http_server() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 64) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
      return;
    }
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~test_http_server() { stop(); }

  // Closes the listening socket: later connects are refused ("server down").
  void stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string url(const std::string& path) const { return base() + path; }
  void set(const std::string& path, route r) {
    std::lock_guard lock(mu_);
    routes_[path] = std::move(r);
  }
  int count(const std::string& path) const {
    std::lock_guard lock(mu_);
    auto it = counts_.find(path);
    return it == counts_.end() ? 0 : it->second;
  }

 private:
  void serve() {
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      handle(c);
      close(c);
    }
  }

  void handle(int c) {
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos && req.size() < 65536) {
      pollfd p{c, POLLIN, 0};
      if (poll(&p, 1, 2000) <= 0) return;
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) return;
      req.append(buf, static_cast<std::size_t>(n));
    }
    std::istringstream first(req.substr(0, req.find("\r\n")));
    std::string method, path;
    first >> method >> path;
    route r{404, "", "not found", std::chrono::milliseconds{0}};
    {
      std::unique_lock lock(mu_);
      ++counts_[path];
      if (auto it = routes_.find(path); it != routes_.end()) r = it->second;
      // A delay ends early only when the server stops (the slow-fetch and timeout tests).
      if (cv_.wait_for(lock, r.delay, [this] { return stopping_; })) return;
    }
    std::string head = "HTTP/1.1 " + std::to_string(r.status) +
                       " X\r\nContent-Length: " + std::to_string(r.body.size()) +
                       "\r\nConnection: close\r\n" + r.headers + "\r\n";
    std::string out = head + r.body;
    std::size_t off = 0;
    while (off < out.size()) {
      ssize_t n = send(c, out.data() + off, out.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<std::size_t>(n);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, route> routes_;
  std::map<std::string, int> counts_;
  std::thread thread_;
};

}  // namespace jwtx::testing
