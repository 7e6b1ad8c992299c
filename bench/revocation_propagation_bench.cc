// Revocation propagation: how long from "an operator revokes a jti" to "this verifier's
// revocation_set rejects it", through a real redis-server on loopback (tests/redis_server.h).
//
// One feed keeps a revocation_set in sync; the main thread publishes N revocations one at a time
// with publish_revocation() (what `jwtx revoke` calls; a fresh connection each, as the CLI makes)
// and spins on contains() until each appears. The time runs from just before the publish call to
// the first contains() == true, so it includes the connect, the MULTI/EXEC round trip, the
// pub/sub hop and the set's copy-on-write publication. Target: p99 <= 100 ms.
//
// Usage: jwtx_revocation_propagation_bench [--count N] [--cli-runs M]
//   --cli-runs M also times M revocations through the built `jwtx revoke` binary (process start
//   included), when the CLI was built.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/revocation/redis_revocation.h"
#include "engine/revocation/revocation.h"
#include "tests/redis_server.h"

namespace {

using steady = std::chrono::steady_clock;

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double ms_since(steady::time_point t) {
  return std::chrono::duration<double, std::milli>(steady::now() - t).count();
}

// Spins until |jti| is in |set|; false after |limit_ms|.
bool wait_contains(const jwtx::revocation_set& set, const std::string& jti, steady::time_point t0,
                   double limit_ms) {
  while (!set.contains(jti)) {
    if (ms_since(t0) > limit_ms) return false;
  }
  return true;
}

void report(const char* what, std::vector<double> ms, int lost) {
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    if (ms.empty()) return 0.0;
    const auto i = static_cast<std::size_t>(p / 100 * static_cast<double>(ms.size() - 1) + 0.5);
    return ms[std::min(i, ms.size() - 1)];
  };
  std::printf("%-28s n=%zu lost=%d  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms%s\n", what,
              ms.size(), lost, pct(50), pct(90), pct(99), ms.empty() ? 0.0 : ms.back(),
              pct(99) <= 100 ? "" : "  (over the 100 ms target)");
}

#ifdef JWTX_CLI_PATH
// Runs `jwtx revoke` without a shell; returns its exit status.
int run_cli_revoke(const std::string& where, const std::string& jti) {
  return jwtx::testing::run_process(
      {JWTX_CLI_PATH, "revoke", "--redis", where, "--jti", jti, "--ttl", "3600"});
}
#endif

}  // namespace

int main(int argc, char** argv) {
  int count = 1000;
  int cli_runs = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
      count = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--cli-runs") == 0 && i + 1 < argc) {
      cli_runs = std::max(0, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: %s [--count N] [--cli-runs M]\n", argv[0]);
      return 2;
    }
  }

  jwtx::testing::redis_server server;
  std::string error;
  if (!server.start(&error)) {
    std::fprintf(stderr, "cannot start redis-server: %s\n", error.c_str());
    return 1;
  }
  const jwtx::redis_endpoint ep = server.endpoint("jwtx:bench");
  jwtx::revocation_set set;
  auto feed = jwtx::redis_revocation_feed::start(ep, set, {}, &error);
  if (!feed) {
    std::fprintf(stderr, "cannot start the feed: %s\n", error.c_str());
    return 1;
  }
  const auto ready = steady::now();
  while (!feed->synced()) {
    if (ms_since(ready) > 5000) {
      std::fprintf(stderr, "feed never synced: %s\n", feed->status().c_str());
      return 1;
    }
  }

  const double exp = unix_now() + 3600;
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(count));
  int lost = 0;
  for (int i = 0; i < count; ++i) {
    const std::string jti = "bench-" + std::to_string(i);
    const auto t0 = steady::now();
    const auto r = jwtx::publish_revocation(ep, jti, exp, 5);
    if (!r.ok) {
      std::fprintf(stderr, "publish failed: %s\n", r.error.c_str());
      return 1;
    }
    if (wait_contains(set, jti, t0, 5000)) {
      ms.push_back(ms_since(t0));
    } else {
      ++lost;
    }
  }
  std::printf("revocation propagation through redis-server on 127.0.0.1 (set grows to %d)\n",
              count + cli_runs);
  report("publish_revocation -> set", ms, lost);

#ifdef JWTX_CLI_PATH
  if (cli_runs > 0) {
    const std::string where = ep.to_string();
    std::vector<double> cli_ms;
    int cli_lost = 0;
    for (int i = 0; i < cli_runs; ++i) {
      const std::string jti = "bench-cli-" + std::to_string(i);
      const auto t0 = steady::now();
      if (run_cli_revoke(where, jti) != 0) {
        std::fprintf(stderr, "jwtx revoke failed\n");
        return 1;
      }
      if (wait_contains(set, jti, t0, 5000)) {
        cli_ms.push_back(ms_since(t0));
      } else {
        ++cli_lost;
      }
    }
    report("jwtx revoke (process) -> set", cli_ms, cli_lost);
  }
#else
  if (cli_runs > 0) std::fprintf(stderr, "--cli-runs: the CLI was not built\n");
#endif
  const auto s = feed->stats();
  std::printf("feed: loads %llu, messages %llu, malformed %llu, errors %llu\n",
              static_cast<unsigned long long>(s.loads), static_cast<unsigned long long>(s.messages),
              static_cast<unsigned long long>(s.malformed),
              static_cast<unsigned long long>(s.errors));
  return lost == 0 ? 0 : 1;
}
