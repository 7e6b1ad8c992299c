// jwtx_batch_file_bench — the C++ side of bindings/python/bench/python_bench.py: verifies a file
// of tokens (one per line) with batch_pipeline::verify_batch, the call Verifier.verify_batch makes,
// on the same verifier options and pipeline options as the Python Verifier, and prints one JSON
// line: {"tokens":N,"threads":T,"valid":V,"rounds":[tokens/s, ...]}.
// Usage: jwtx_batch_file_bench JWKS_FILE TOKENS_FILE THREADS ROUNDS ISSUER AUDIENCE NOW
// Plain main: the script runs it in its own process and compares against the Python rounds.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/keys/key_set.h"
#include "engine/keys/key_store.h"
#include "engine/runtime/batch_pipeline.h"
#include "engine/verifier.h"

namespace {

std::string read_all(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s JWKS_FILE TOKENS_FILE THREADS ROUNDS ISSUER AUDIENCE NOW\n",
                 argv[0]);
    return 2;
  }
  const std::string jwks = read_all(argv[1]);
  const std::string text = read_all(argv[2]);
  const std::size_t threads = std::strtoul(argv[3], nullptr, 10);
  const int rounds = std::atoi(argv[4]);
  const double now = std::strtod(argv[7], nullptr);

  std::vector<std::string_view> tokens;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) tokens.emplace_back(text.data() + start, end - start);
    start = end + 1;
  }

  jwtx::key_set_result keys = jwtx::load_jwks(jwks);
  if (!keys) {
    std::fprintf(stderr, "keys: %s\n", keys.error.c_str());
    return 2;
  }
  // The options jwtx.Verifier(jwks=..., algorithms=["RS256"], issuer=..., audience=..., now=...)
  // builds: the same defaults for everything else, no cache.
  jwtx::verifier_options o;
  o.algorithms = {jwtx::algorithm::RS256};
  o.claims.issuers = {argv[5]};
  o.claims.audiences = {argv[6]};
  o.claims.clock = [now] { return now; };
  auto v = std::make_shared<const jwtx::verifier>(std::make_shared<jwtx::key_store>(keys.set), o);
  // The pipeline options of bindings/python/src/module.cc (py_verifier::batch_options).
  jwtx::pipeline_options po;
  po.concurrency = threads;
  po.queue_capacity = 64;
  po.large_slots = 0;
  std::string why;
  auto pipeline = jwtx::batch_pipeline::create(v, po, &why);
  if (!pipeline) {
    std::fprintf(stderr, "pipeline: %s\n", why.c_str());
    return 2;
  }

  std::vector<jwtx::verify_result> results(tokens.size());
  pipeline->verify_batch(tokens, results);  // warm-up: every result's buffers allocated
  std::size_t valid = 0;
  for (const auto& r : results) valid += r.ok() ? 1 : 0;
  std::printf("{\"tokens\":%zu,\"threads\":%zu,\"valid\":%zu,\"rounds\":[", tokens.size(),
              pipeline->concurrency(), valid);
  for (int i = 0; i < rounds; ++i) {
    auto start = std::chrono::steady_clock::now();
    pipeline->verify_batch(tokens, results);
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::printf("%s%.1f", i ? "," : "", static_cast<double>(tokens.size()) / took.count());
  }
  std::printf("]}\n");
  return 0;
}
