// A C++ program built out of tree against the installed package (tests/package/run.sh builds it
// with find_package(jwtx) and with pkg-config jwtx-cpp): verifies an HS256 token, then the same
// token with one signature character changed, and prints each status name.
// Usage: example_cpp SECRET_FILE KID TOKEN_FILE
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "engine/keys/key_set.h"
#include "engine/status.h"
#include "engine/verifier.h"
#include "engine/version.h"

namespace {

bool read_file(const char* path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return static_cast<bool>(in) || in.eof();
}

}  // namespace

int main(int argc, char** argv) {
  std::string secret, token;
  if (argc != 4 || !read_file(argv[1], &secret) || !read_file(argv[3], &token)) {
    std::fprintf(stderr, "usage: example_cpp SECRET_FILE KID TOKEN_FILE\n");
    return 2;
  }
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();

  jwtx::key_set_builder keys;
  if (keys.add_hmac_secret(secret, argv[2], jwtx::algorithm::HS256) != jwtx::status::ok) {
    std::fprintf(stderr, "key: %s\n", keys.error().c_str());
    return 2;
  }
  jwtx::key_set_result built = keys.build();
  if (!built) {
    std::fprintf(stderr, "key set: %s\n", built.error.c_str());
    return 2;
  }
  jwtx::verifier_options options;
  options.algorithms = {jwtx::algorithm::HS256};
  jwtx::verifier verifier(built.set, options);

  std::printf("jwtx %s (headers %s)\n", jwtx::jwtx_version(), JWTX_VERSION);
  jwtx::verify_result result;
  verifier.verify(token, result);
  std::printf("token: %s\n", std::string(jwtx::status_name(result.status())).c_str());
  std::string tampered = token;
  const std::size_t signature_byte = token.rfind('.') + 5;  // not the last: keep it canonical
  tampered[signature_byte] = tampered[signature_byte] == 'A' ? 'B' : 'A';
  verifier.verify(tampered, result);
  std::printf("tampered: %s\n", std::string(jwtx::status_name(result.status())).c_str());
  return 0;
}
