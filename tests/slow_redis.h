// A fake Redis on a loopback port that answers SUBSCRIBE at once but sends every other reply one
// byte at a time and never finishes it (a valid RESP prefix: an array of a million members whose
// bytes trickle in forever). It models a server or network that is alive but too slow, which
// per-read socket timeouts never catch: each byte resets them.
//
// Ownership: the object owns its listening socket, the accepted connections and one thread; the
// destructor stops the thread and closes everything (peers then see EOF). Not copyable.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace jwtx::testing {

class slow_redis {
 public:
  // |byte_interval_ms|: the pause between two bytes of a dribbled reply.
  explicit slow_redis(int byte_interval_ms = 20) : interval_ms_(byte_interval_ms) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) ||
        ::listen(listen_fd_, 16) ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len)) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~slow_redis() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (const conn& c : conns_) ::close(c.fd);
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }
  slow_redis(const slow_redis&) = delete;
  slow_redis& operator=(const slow_redis&) = delete;

  // 0 if the socket could not be set up.
  std::uint16_t port() const { return port_; }
  // Connections accepted so far (a feed that gives up and reconnects makes more).
  int accepted() const { return accepted_.load(); }

 private:
  struct conn {
    int fd;
    std::string in;          // request bytes seen so far
    bool dribbling = false;  // a non-SUBSCRIBE command arrived: trickle the endless reply
    std::size_t sent = 0;
  };

  // The endless reply: "*1000000\r\n" then "$1\r\nj\r\n$4\r\n+inf\r\n" forever.
  static char reply_byte(std::size_t i) {
    static const std::string head = "*1000000\r\n";
    static const std::string member = "$1\r\nj\r\n$4\r\n+inf\r\n";
    if (i < head.size()) return head[i];
    return member[(i - head.size()) % member.size()];
  }

  void run() {
    while (!stop_) {
      std::vector<pollfd> fds = {{listen_fd_, POLLIN, 0}};
      for (const conn& c : conns_) fds.push_back({c.fd, POLLIN, 0});
      ::poll(fds.data(), fds.size(), interval_ms_);
      if (fds[0].revents & POLLIN) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd >= 0) {
          conns_.push_back({fd, {}, false, 0});
          accepted_++;
        }
      }
      for (std::size_t i = 0; i < conns_.size(); ++i) {
        conn& c = conns_[i];
        if (i + 1 < fds.size() && (fds[i + 1].revents & POLLIN)) {
          char buf[4096];
          const ssize_t n = ::read(c.fd, buf, sizeof(buf));
          if (n > 0) c.in.append(buf, static_cast<std::size_t>(n));
        }
        if (!c.dribbling && c.in.find("SUBSCRIBE") != std::string::npos) {
          c.in.clear();
          const std::string ok = "*3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n";
          (void)!::send(c.fd, ok.data(), ok.size(), MSG_NOSIGNAL);
        } else if (!c.in.empty() && c.in.find("\r\n") != std::string::npos) {
          c.dribbling = true;  // any other command: its reply never ends
        }
        if (c.dribbling) {
          const char b = reply_byte(c.sent);
          if (::send(c.fd, &b, 1, MSG_NOSIGNAL) == 1) ++c.sent;
        }
      }
    }
  }

  int interval_ms_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::vector<conn> conns_;  // the server thread only (and the destructor after the join)
  std::thread thread_;
};

}  // namespace jwtx::testing
