// Fuzz target: differential test of every supported base64url kernel against the scalar one.
//
// Decoding the input: same ok, size, bytes and error_offset. Encoding the input: same length and
// characters, and the scalar decode of that encoding gives the input back. Output buffers are
// allocated at exactly the documented capacity so ASan catches any write past it.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "engine/jws/base64url/base64url.h"

namespace {

using jwtx::base64url::kernel;

constexpr kernel kKernels[] = {kernel::sse41, kernel::avx2, kernel::avx512};

std::unique_ptr<std::uint8_t[]> bytes(std::size_t n) { return std::make_unique<std::uint8_t[]>(n); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace b64 = jwtx::base64url;
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  // Decode.
  const std::size_t cap = b64::decoded_size(size);
  auto ref_out = bytes(cap);
  const b64::decode_result ref = b64::decode_with(kernel::scalar, in, ref_out.get());
  if (ref.ok && ref.size != cap) __builtin_trap();
  for (kernel k : kKernels) {
    if (!b64::kernel_supported(k)) continue;
    auto out = bytes(cap);
    const b64::decode_result r = b64::decode_with(k, in, out.get());
    if (r.ok != ref.ok) __builtin_trap();
    if (r.ok) {
      if (r.size != ref.size) __builtin_trap();
      if (std::memcmp(out.get(), ref_out.get(), r.size) != 0) __builtin_trap();
    } else if (r.error_offset != ref.error_offset) {
      __builtin_trap();
    }
  }

  // Encode, then decode back.
  const std::size_t enc_cap = b64::encoded_size(size);
  auto ref_enc = std::make_unique<char[]>(enc_cap);
  const std::size_t ref_len = b64::encode_with(kernel::scalar, data, size, ref_enc.get());
  if (ref_len != enc_cap) __builtin_trap();
  for (kernel k : kKernels) {
    if (!b64::kernel_supported(k)) continue;
    auto enc = std::make_unique<char[]>(enc_cap);
    const std::size_t len = b64::encode_with(k, data, size, enc.get());
    if (len != ref_len) __builtin_trap();
    if (std::memcmp(enc.get(), ref_enc.get(), len) != 0) __builtin_trap();
  }
  auto back = bytes(size);
  const b64::decode_result rt =
      b64::decode_with(kernel::scalar, std::string_view(ref_enc.get(), ref_len), back.get());
  if (!rt.ok || rt.size != size) __builtin_trap();
  if (size != 0 && std::memcmp(back.get(), data, size) != 0) __builtin_trap();
  return 0;
}
