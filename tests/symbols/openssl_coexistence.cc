// One process, two libcryptos: OpenSSL 3 (shared, from libssl-dev) and jwtx with its own
// BoringSSL (static, its symbols made local by jwtx_bundled). Each must reach its own library:
// if the link bound jwtx's EVP_/ECDSA_ calls to OpenSSL, or OpenSSL's to BoringSSL, the ES256
// verify or the OpenSSL-3-only EVP_MD_fetch digest below fails or crashes.
// A plain main (no gtest): gtest would bring nothing here and it keeps the link line minimal.
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include <array>
#include <cstdio>
#include <string>

#include "engine/jws/base64url/base64url.h"
#include "engine/keys/key_set.h"
#include "engine/signer.h"
#include "engine/verifier.h"

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  std::fflush(stdout);  // a wrongly linked build crashes: keep the lines printed so far
  if (!ok) ++failures;
}

// SHA-256("abc") through OpenSSL 3's provider API, which BoringSSL does not have.
bool openssl_sha256_abc() {
  static constexpr std::array<unsigned char, 32> kExpected = {
      0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
      0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
      0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  if (md == nullptr) return false;
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  bool ok = EVP_Digest("abc", 3, out.data(), &len, md, nullptr) == 1 && len == kExpected.size() &&
            std::equal(kExpected.begin(), kExpected.end(), out.begin());
  EVP_MD_free(md);
  return ok;
}

}  // namespace

int main() {
  check(OPENSSL_VERSION_MAJOR == 3 && OpenSSL_version_num() >= 0x30000000L,
        "OpenSSL 3 is the libcrypto the host sees");
  check(openssl_sha256_abc(), "OpenSSL SHA-256(\"abc\") before jwtx");

  auto key = jwtx::signing_key::generate(jwtx::algorithm::ES256, "es256-key");
  check(key.has_value(), "jwtx generates an ES256 key");
  if (!key) return 1;
  jwtx::key_set_builder builder;
  check(builder.add_jwk(key->public_jwk(), "coexistence") == jwtx::status::ok,
        "jwtx loads the public JWK");
  auto built = builder.build();
  check(static_cast<bool>(built), "jwtx builds the key set");
  if (!built) return 1;
  jwtx::verifier_options options;
  options.algorithms = jwtx::algorithm_set::all();
  options.claims.clock = [] { return 1'700'000'000.0; };
  jwtx::verifier verifier(built.set, options);

  std::string input = jwtx::base64url::encode(R"({"alg":"ES256","kid":"es256-key"})") + "." +
                      jwtx::base64url::encode(R"({"sub":"alice","exp":1700000600})");
  std::string token =
      input + "." + jwtx::base64url::encode(key->sign_as(jwtx::algorithm::ES256, input));
  check(verifier.verify(token).status() == jwtx::status::ok, "jwtx verifies an ES256 token");
  std::string tampered = token;
  tampered[input.size() - 2] ^= 1;  // a payload byte: the signature no longer covers it
  check(verifier.verify(tampered).status() != jwtx::status::ok,
        "jwtx rejects the tampered ES256 token");

  check(openssl_sha256_abc(), "OpenSSL SHA-256(\"abc\") after jwtx");
  return failures == 0 ? 0 : 1;
}
