#include "engine/jws/token_view.h"

#include <cstring>

namespace jwtx {

status split_token(std::string_view token, token_view* out) noexcept {
  std::size_t dots[5];
  std::size_t count = 0;
  const char* p = token.data();
  const char* end = p + token.size();
  while (p < end) {
    const void* hit = std::memchr(p, '.', static_cast<std::size_t>(end - p));
    if (hit == nullptr) break;
    const char* dot = static_cast<const char*>(hit);
    if (count == 5) return status::malformed;
    dots[count++] = static_cast<std::size_t>(dot - token.data());
    p = dot + 1;
  }
  if (count == 4) return status::unsupported_jwe;
  if (count != 2) return status::malformed;
  if (dots[0] == 0) return status::malformed;
  out->header = token.substr(0, dots[0]);
  out->payload = token.substr(dots[0] + 1, dots[1] - dots[0] - 1);
  out->signature = token.substr(dots[1] + 1);
  out->signing_input = token.substr(0, dots[1]);
  return status::ok;
}

}  // namespace jwtx
