// Helpers for tests that run `jwtx serve` as a real process on a free loopback port and talk to it
// over real sockets (tests/cli_serve_test.cc, tests/serve_remote_test.cc).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

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

// Sends |raw| (a whole HTTP request) and returns everything the server sent until it closed or 5 s
// passed. "" when the connection failed.
inline std::string http_exchange(int port, const std::string& raw) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return "";
  }
  std::size_t sent = 0;
  while (sent < raw.size()) {
    ssize_t n = ::send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
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

}  // namespace jwtx::testing
