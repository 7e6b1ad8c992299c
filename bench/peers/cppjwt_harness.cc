// cpp-jwt's harness (Debian libcpp-jwt-dev, header-only, OpenSSL inside): same protocol as
// peer_harness.h. jwt::decode with the algorithm pinned, issuer and aud set and the error_code
// overload (no exceptions on a bad token). cpp-jwt checks exp only when present, so the harness
// also requires it. The key is read once; cpp-jwt parses the PEM inside every decode (its API takes
// the key as text). No PS* and no EdDSA in 1.4 (exit 6: n/a); no cache.
#include <jwt/jwt.hpp>
#include <string>
#include <system_error>

#include "peer_harness.h"

#ifndef CPPJWT_VERSION
#define CPPJWT_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  peers::inputs in;
  if (const int rc = peers::load(argc, argv, &in); rc != 0) return rc;
  const jwt::algorithm alg = jwt::str_to_alg(in.alg.c_str());
  if (alg == jwt::algorithm::UNKN || alg == jwt::algorithm::NONE || in.cache) {
    std::printf("{\"impl\":\"cpp-jwt\",\"alg\":\"%s\",\"unsupported\":\"%s\"}\n", in.alg.c_str(),
                in.cache ? "no verified-token cache" : "algorithm not in cpp-jwt 1.4");
    return 6;
  }
  using namespace jwt::params;
  const std::vector<std::string> algs = {in.alg};
  return peers::run("cpp-jwt", CPPJWT_VERSION, in, [&](const std::string& token) {
    std::error_code ec;
    auto obj = jwt::decode(token, algorithms(algs), ec, secret(in.key), issuer(peers::kIssuer),
                           aud(peers::kAudience), verify(true));
    return !ec && obj.has_claim("exp");
  });
}
