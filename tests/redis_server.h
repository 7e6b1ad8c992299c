// A private redis-server for tests and benches: loopback only, a free port, its own scratch
// directory, append-only file fsynced on every write (so data survives kill()), no RDB snapshots.
// start() may be called again after kill() to bring the same server back on the same port.
// Also: redis_client (a plain blocking client for set-up and inspection) and run_process (a
// child without a shell, e.g. the jwtx binary).
//
// Ownership: the object owns the child process and the directory; the destructor kills (SIGKILL)
// and reaps the child and removes the directory. Not thread-safe: one thread drives it.
// Errors: start() returns false with a reason (including "redis-server not found") — callers
// ASSERT on it, so a machine without redis-server fails the tests instead of skipping them.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/revocation/redis_revocation.h"

extern char** environ;

namespace jwtx::testing {

struct redis_reply_deleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using redis_reply = std::unique_ptr<redisReply, redis_reply_deleter>;

struct redis_context_deleter {
  void operator()(redisContext* c) const { redisFree(c); }
};

// A plain blocking client for test set-up and inspection.
class redis_client {
 public:
  explicit redis_client(std::uint16_t port) {
    const timeval tv = {1, 0};
    ctx_.reset(redisConnectWithTimeout("127.0.0.1", port, tv));
    if (ctx_ && ctx_->err == 0) redisSetTimeout(ctx_.get(), tv);
  }
  bool ok() const { return ctx_ && ctx_->err == 0; }
  // Runs one command given as binary-safe arguments; null on I/O error.
  redis_reply run(const std::vector<std::string>& args) {
    if (!ok()) return nullptr;
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    return redis_reply(static_cast<redisReply*>(
        redisCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data())));
  }

 private:
  std::unique_ptr<redisContext, redis_context_deleter> ctx_;
};

// Starts |args| (args[0] looked up on PATH) without a shell, stdin from /dev/null, stdout and
// stderr to the given files ("" = /dev/null). Returns 0 and the child in *pid, or an errno value.
inline int spawn_process(std::vector<std::string> args, const std::string& out,
                         const std::string& err, pid_t* pid) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int flags = O_WRONLY | O_CREAT | O_TRUNC;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.empty() ? "/dev/null" : out.c_str(), flags,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.empty() ? "/dev/null" : err.c_str(), flags,
                                   0600);
  const int rc = ::posix_spawnp(pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc;
}

// spawn_process() and wait: the exit status, or -1 if it could not run or died of a signal.
inline int run_process(std::vector<std::string> args, const std::string& out = "",
                       const std::string& err = "") {
  pid_t pid = -1;
  if (spawn_process(std::move(args), out, err, &pid) != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class redis_server {
 public:
  redis_server() = default;
  ~redis_server() {
    kill();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  // Starts the server (first call: picks a free loopback port and a scratch dir; later calls
  // reuse both) and waits until it answers PING. Returns false with *error set on failure.
  bool start(std::string* error) {
    if (pid_ > 0) return true;
    if (dir_.empty()) {
      std::string templ = (std::filesystem::temp_directory_path() / "jwtx_redis.XXXXXX").string();
      if (::mkdtemp(templ.data()) == nullptr) return fail(error, "mkdtemp", errno);
      dir_ = templ;
    }
    if (port_ == 0 && !pick_port(error)) return false;
    const std::string port = std::to_string(port_);
    const std::string log = (dir_ / "redis.log").string();
    std::vector<std::string> args = {
        "redis-server", "--port", port,           "--bind",      "127.0.0.1",
        "--save",       "",       "--appendonly", "yes",         "--appendfsync",
        "always",       "--dir",  dir_.string(),  "--daemonize", "no",
        "--logfile",    log};
    const int rc = spawn_process(std::move(args), "", "", &pid_);
    if (rc != 0) {
      pid_ = -1;
      if (rc == ENOENT) {
        *error = "redis-server not found on PATH (scripts/deps.sh installs redis-server)";
        return false;
      }
      return fail(error, "posix_spawnp redis-server", rc);
    }
    // Up to 10 s: AOF replay after a restart is quick, but a loaded CI machine is slow.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        *error = "redis-server exited at start; log: " + read_log();
        return false;
      }
      redis_client c(port_);
      if (redis_reply r = c.run({"PING"});
          r && r->type == REDIS_REPLY_STATUS && std::string(r->str, r->len) == "PONG") {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    *error = "redis-server did not answer PING within 10 s; log: " + read_log();
    kill();
    return false;
  }

  // SIGKILL (a crash, not a shutdown: nothing is saved beyond the fsynced AOF) and reap.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

  bool running() const { return pid_ > 0; }
  std::uint16_t port() const { return port_; }
  jwtx::redis_endpoint endpoint(std::string key = "jwtx:test") const {
    jwtx::redis_endpoint ep;
    ep.host = "127.0.0.1";
    ep.port = port_;
    ep.key = std::move(key);
    return ep;
  }
  std::string read_log() const {
    std::ifstream in(dir_ / "redis.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  static bool fail(std::string* error, const char* what, int err) {
    *error = std::string(what) + ": " + std::strerror(err);
    return false;
  }

  // Asks the kernel for a free loopback port. Another process could take it before redis-server
  // binds it; start() then fails with redis's own message, which is rare enough for tests.
  bool pick_port(std::string* error) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(error, "socket", errno);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      const int err = errno;
      ::close(fd);
      return fail(error, "bind/getsockname", err);
    }
    port_ = ntohs(addr.sin_port);
    ::close(fd);
    return true;
  }

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::filesystem::path dir_;
};

}  // namespace jwtx::testing
