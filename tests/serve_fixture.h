// The `jwtx serve` test fixture: the built binary as a real process on a free loopback port,
// plain HTTP/1.1 over sockets (no client library: the tests see the exact bytes), and a
// Prometheus text parser for /metrics. Used by tests/cli_serve_test.cc,
// tests/cli_serve_ops_test.cc and tests/serve_remote_test.cc.
#pragma once
#ifdef JWTX_CLI_PATH
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/cli_fixture.h"

namespace jwtx::testing {

// A port the kernel just handed out (closed again: another process could take it, rarely).
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return -1;
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

// A raw client connection to 127.0.0.1:port (5 s receive timeout).
class raw_conn {
 public:
  explicit raw_conn(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~raw_conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  raw_conn(const raw_conn&) = delete;
  raw_conn& operator=(const raw_conn&) = delete;
  bool ok() const { return fd_ >= 0; }
  bool send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  // One whole response (headers + Content-Length body), "" if the connection closed, failed or
  // timed out first.
  std::string response() {
    for (;;) {
      std::size_t end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t len = 0;
        std::size_t cl = buf_.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) len = std::stoul(buf_.substr(cl + 16));
        if (buf_.size() >= end + 4 + len) {
          std::string r = buf_.substr(0, end + 4 + len);
          buf_.erase(0, end + 4 + len);
          return r;
        }
      }
      char b[4096];
      ssize_t n = ::recv(fd_, b, sizeof(b), 0);
      if (n <= 0) return "";
      buf_.append(b, static_cast<std::size_t>(n));
    }
  }
  // Everything the server sends until it closes (or the receive timeout).
  std::string read_all() {
    std::string out = std::move(buf_);
    buf_.clear();
    char b[4096];
    for (ssize_t n; (n = ::recv(fd_, b, sizeof(b), 0)) > 0;)
      out.append(b, static_cast<std::size_t>(n));
    return out;
  }
  // True when the server closed the connection (EOF or reset) within the receive timeout,
  // discarding anything it sent first.
  bool closed_by_server() {
    char b[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, b, sizeof(b), 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

// Sends |raw| (a whole HTTP request) and returns everything the server sent until it closed or 5 s
// passed. "" when the connection failed.
inline std::string http_exchange(int port, const std::string& raw) {
  raw_conn c(port);
  if (!c.ok()) return "";
  c.send(raw);
  return c.read_all();
}

inline std::string get(int port, const std::string& path, const std::string& headers = "") {
  return http_exchange(
      port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + headers + "\r\n");
}

// Runs |args| (argv[0] first) as a child process with stdout and stderr going to the given files.
// Returns the pid, or -1.
inline pid_t spawn(const std::vector<std::string>& args, const std::string& out_file,
                   const std::string& err_file) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(out, 1);
  ::dup2(err, 2);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

// Polls |pred| every 20 ms for up to |limit|; returns its last value.
template <class Pred>
bool poll_until(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// SIGTERM to |pid|, then its exit status (-1 if it did not exit within 5 s or died by a signal).
inline int terminate_and_wait(pid_t pid) {
  ::kill(pid, SIGTERM);
  int st = 0;
  if (!poll_until([&] { return ::waitpid(pid, &st, WNOHANG) != 0; })) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// SIGKILL to |pid| if it runs (> 0), reaped; |pid| becomes -1. For TearDown after a failed test.
inline void kill_now(pid_t& pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  pid = -1;
}

inline bool status_is(const std::string& response, int code) {
  return response.rfind("HTTP/1.1 " + std::to_string(code), 0) == 0;
}

class ServeTest : public CliTest {
 protected:
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    CliTest::TearDown();
  }

  void write_config(const std::string& extra = "") {
    std::ofstream(path("c.yaml")) << "providers:\n  corp:\n    issuer: https://issuer.example\n"
                                     "    audiences: [api]\n    algorithms: [ES256]\n"
                                     "    local_jwks: {filename: " +
                                         path(kid_ + ".public.jwks.json") +
                                         "}\n"
                                         "    claim_to_headers:\n"
                                         "      - {claim_name: sub, header_name: X-Jwt-Sub}\n" +
                                         extra;
  }

  // Starts the server (with |extra| flags after the fixture's own) and waits (up to 5 s) until
  // /healthz answers.
  void start(const std::vector<std::string>& extra = {}) {
    port_ = free_port();
    ASSERT_GT(port_, 0);
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      int out = ::open(path("access.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = ::open(path("stderr.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, 1);
      ::dup2(err, 2);
      std::vector<std::string> args = {
          "jwtx",     "serve",        "--listen",       "127.0.0.1:" + std::to_string(port_),
          "--config", path("c.yaml"), "--idle-timeout", "2"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(JWTX_CLI_PATH, argv.data());
      ::_exit(127);
    }
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (get(port_, "/healthz").find(" 200 ") == std::string::npos) {
      ASSERT_LT(std::chrono::steady_clock::now(), until) << slurp(path("stderr.log"));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // SIGTERM, then the exit status (-1 if it did not exit within |seconds|).
  int stop(int seconds = 5) {
    ::kill(pid_, SIGTERM);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    int st = 0;
    while (::waitpid(pid_, &st, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > until) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }

  std::string token(const std::string& claims, const std::string& exp_in = "300") {
    auto t =
        mint({"--key", path(kid_ + ".private.jwk.json"), "--claims", claims, "--exp-in", exp_in});
    return t.empty() ? "" : t[0];
  }

  // GET /metrics parsed: "name{labels}" (as rendered) -> value. Empty if the scrape failed.
  std::map<std::string, double> scrape() {
    std::map<std::string, double> out;
    std::string r = get(port_, "/metrics");
    std::size_t body = r.find("\r\n\r\n");
    if (r.rfind("HTTP/1.1 200", 0) != 0 || body == std::string::npos) return out;
    std::istringstream in(r.substr(body + 4));
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      std::size_t sp = line.rfind(' ');
      if (sp == std::string::npos) continue;
      std::string value = line.substr(sp + 1);
      out[line.substr(0, sp)] = value == "+Inf" ? HUGE_VAL : std::strtod(value.c_str(), nullptr);
    }
    return out;
  }

  std::string kid_;
  pid_t pid_ = -1;
  int port_ = -1;
};

}  // namespace jwtx::testing
#endif  // JWTX_CLI_PATH
