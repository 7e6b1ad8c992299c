// base64url (RFC 4648 §5) without padding, as JWS compact serialization requires (RFC 7515 §2).
//
// Strictness (one definition, shared by every kernel): only A-Z a-z 0-9 - _ are accepted; '=' is
// rejected; a length of 1 mod 4 is rejected; the unused low bits of the last character must be
// zero (canonical encoding), so every byte string has exactly one accepted encoding.
//
// No allocation, no exceptions: callers pass the output buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace jwtx::base64url {

// Exact decoded size for an encoded length (valid lengths only: len % 4 != 1).
constexpr std::size_t decoded_size(std::size_t encoded_len) noexcept {
  return encoded_len / 4 * 3 + (encoded_len % 4 == 0 ? 0 : encoded_len % 4 - 1);
}
constexpr std::size_t encoded_size(std::size_t decoded_len) noexcept {
  return decoded_len / 3 * 4 + (decoded_len % 3 == 0 ? 0 : decoded_len % 3 + 1);
}

struct decode_result {
  bool ok;
  std::size_t size;          // decoded bytes written (when ok)
  std::size_t error_offset;  // offset of the first offending input byte (when !ok)
};

// Decodes |in| into |out| (capacity >= decoded_size(in.size())).
decode_result decode(std::string_view in, std::uint8_t* out) noexcept;

// Encodes |in| into |out| (capacity >= encoded_size(n)); returns the number of chars written.
std::size_t encode(const std::uint8_t* in, std::size_t n, char* out) noexcept;

// Allocating conveniences for tools and tests (not for the hot path).
std::string encode(std::string_view in);
// Returns false on any strictness violation.
bool decode(std::string_view in, std::string* out);

}  // namespace jwtx::base64url
