// Fuzz target: key loading (JWKS, single JWK, PEM) on arbitrary bytes.
//
// Byte 0 picks key_set_options (bit 0 allow_mixed_symmetric, bit 2 allow_empty) and the PEM kid
// (bit 1); the rest is the document. Must not crash.
// Invariants: every status < kStatusCount; build() ok implies a non-null set; a failed add_*
// makes build() fail; without allow_empty an ok set is not empty; find_all(kid) of every key with
// a kid holds exactly the keys with that kid and that key among them; in_load_order() is a
// permutation of keys(); every message (error, skipped) is printable ASCII (input is escaped).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/keys/key_set.h"
#include "engine/status.h"

namespace {

void check_message(const std::string& m) {
  for (char ch : m) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f) __builtin_trap();
  }
}

void check(jwtx::status added, jwtx::key_set_builder& b, const jwtx::key_set_options& options) {
  if (static_cast<int>(added) >= jwtx::kStatusCount) __builtin_trap();
  check_message(b.error());
  jwtx::key_set_result r = b.build();
  if (static_cast<int>(r.code) >= jwtx::kStatusCount) __builtin_trap();
  if (r && r.set == nullptr) __builtin_trap();
  if (added != jwtx::status::ok && r) __builtin_trap();
  check_message(r.error);
  if (!r) return;
  const jwtx::key_set& set = *r.set;
  if (!options.allow_empty && set.empty()) __builtin_trap();
  for (const std::string& why : set.skipped()) check_message(why);
  for (const jwtx::key& k : set.keys()) {
    if (!k.has_kid()) continue;
    bool self = false;
    for (const jwtx::key& c : set.find_all(k.kid())) {
      if (!c.has_kid() || c.kid() != k.kid()) __builtin_trap();
      self = self || &c == &k;
    }
    if (!self || set.find(k.kid()) != &set.find_all(k.kid()).front()) __builtin_trap();
  }
  std::vector<const jwtx::key*> order(set.in_load_order().begin(), set.in_load_order().end());
  std::sort(order.begin(), order.end(), std::less<>());
  if (order.size() != set.keys().size()) __builtin_trap();
  for (std::size_t i = 0; i < order.size(); ++i)
    if (order[i] != &set.keys()[i]) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  jwtx::key_set_options options;
  options.allow_mixed_symmetric = (data[0] & 1) != 0;
  options.allow_empty = (data[0] & 4) != 0;
  const std::string_view kid = (data[0] & 2) != 0 ? "fuzz-kid" : "";
  const std::string_view doc(reinterpret_cast<const char*>(data) + 1, size - 1);

  {
    jwtx::key_set_builder b(options);
    check(b.add_jwks(doc, "fuzz"), b, options);
  }
  {
    jwtx::key_set_builder b(options);
    check(b.add_jwk(doc, "fuzz"), b, options);
  }
  {
    jwtx::key_set_builder b(options);
    check(b.add_pem(doc, kid, "fuzz"), b, options);
  }
  return 0;
}
