// libjwt's harness (Debian libjwt-dev, C API, OpenSSL inside): same protocol as peer_harness.h.
// libjwt 1.10 has no validation object (jwt_valid came in 1.12): jwt_decode checks the signature
// with the header's algorithm, so the harness pins the algorithm (jwt_get_alg) and checks exp, iss
// and aud with jwt_get_grant*, as an application on this version must. The key is read once;
// libjwt parses the PEM inside every jwt_decode (it has no way to keep a parsed key). No PS* and no
// EdDSA in 1.10 (exit 6: n/a); no cache.
#include <jwt.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

#include "peer_harness.h"

#ifndef LIBJWT_VERSION
#define LIBJWT_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  peers::inputs in;
  if (const int rc = peers::load(argc, argv, &in); rc != 0) return rc;
  const jwt_alg_t alg = jwt_str_alg(in.alg.c_str());
  if (alg == JWT_ALG_INVAL || alg == JWT_ALG_NONE || in.cache) {
    std::printf("{\"impl\":\"libjwt\",\"alg\":\"%s\",\"unsupported\":\"%s\"}\n", in.alg.c_str(),
                in.cache ? "no verified-token cache" : "algorithm not in libjwt 1.10");
    return 6;
  }
  const auto* key = reinterpret_cast<const unsigned char*>(in.key.data());
  const int key_len = static_cast<int>(in.key.size());
  return peers::run("libjwt", LIBJWT_VERSION, in, [&](const std::string& token) {
    jwt_t* jwt = nullptr;
    if (jwt_decode(&jwt, token.c_str(), key, key_len) != 0) return false;
    bool ok = jwt_get_alg(jwt) == alg;
    if (ok) {
      errno = 0;
      const long exp = jwt_get_grant_int(jwt, "exp");
      ok = errno == 0 && exp > static_cast<long>(std::time(nullptr));
    }
    const char* iss = ok ? jwt_get_grant(jwt, "iss") : nullptr;
    const char* aud = iss ? jwt_get_grant(jwt, "aud") : nullptr;
    ok = ok && iss && aud && std::strcmp(iss, peers::kIssuer) == 0 &&
         std::strcmp(aud, peers::kAudience) == 0;
    jwt_free(jwt);
    return ok;
  });
}
