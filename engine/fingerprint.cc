#include "engine/fingerprint.h"

#include <openssl/sha.h>

namespace jwtx {

fingerprint_text fingerprint(std::string_view token) noexcept {
  std::uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const std::uint8_t*>(token.data()), token.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  fingerprint_text out;
  for (std::size_t i = 0; i < out.size() / 2; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace jwtx
