// Fuzz target: key loading (JWKS, single JWK, PEM) on arbitrary bytes.
//
// Byte 0 picks key_set_options and the PEM kid; the rest is the document. Must not crash.
// Invariants: every status < kStatusCount; build() ok implies a non-null set; a failed add_*
// makes build() fail; every key with a kid is found by it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/key_set.h"
#include "engine/status.h"

namespace {

void check(jwtx::status added, jwtx::key_set_builder& b) {
  if (static_cast<int>(added) >= jwtx::kStatusCount) __builtin_trap();
  jwtx::key_set_result r = b.build();
  if (static_cast<int>(r.code) >= jwtx::kStatusCount) __builtin_trap();
  if (r && r.set == nullptr) __builtin_trap();
  if (added != jwtx::status::ok && r) __builtin_trap();
  if (r) {
    for (const jwtx::key& k : r.set->keys()) {
      if (!k.has_kid()) continue;
      const jwtx::key* found = r.set->find(k.kid());
      if (found == nullptr || found->kid() != k.kid()) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  jwtx::key_set_options options;
  options.allow_mixed_symmetric = (data[0] & 1) != 0;
  const std::string_view kid = (data[0] & 2) != 0 ? "fuzz-kid" : "";
  const std::string_view doc(reinterpret_cast<const char*>(data) + 1, size - 1);

  {
    jwtx::key_set_builder b(options);
    check(b.add_jwks(doc, "fuzz"), b);
  }
  {
    jwtx::key_set_builder b(options);
    check(b.add_jwk(doc, "fuzz"), b);
  }
  {
    jwtx::key_set_builder b(options);
    check(b.add_pem(doc, kid, "fuzz"), b);
  }
  return 0;
}
