// jwtx::signing_key — test/bench token minting and key generation.
//
// Not part of the verification hot path. Used by `jwtx keygen`, `jwtx mint`, tests and benches.
// All crypto is BoringSSL. Thread-safety: a signing_key is immutable; sign() may be called
// concurrently. Errors: functions return std::nullopt / false with a message in *error; no throws.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/jws/algorithm.h"

namespace jwtx {

class signing_key {
 public:
  ~signing_key();
  signing_key(signing_key&&) noexcept;
  signing_key& operator=(signing_key&&) noexcept;

  // Generates a fresh key suitable for |alg| (RSA: |rsa_bits|, default 2048; EC: the alg's curve;
  // EdDSA: Ed25519; HS*: a random secret of the hash size).
  static std::optional<signing_key> generate(algorithm alg, std::string kid,
                                             unsigned rsa_bits = 2048,
                                             std::string* error = nullptr);
  // From a private JWK (object with "d", or oct "k"). |alg| is taken from the JWK's "alg" unless
  // given.
  static std::optional<signing_key> from_private_jwk(std::string_view json,
                                                     std::optional<algorithm> alg = std::nullopt,
                                                     std::string* error = nullptr);
  // From a PEM private key (PKCS#8 "PRIVATE KEY", "RSA PRIVATE KEY" or "EC PRIVATE KEY").
  static std::optional<signing_key> from_private_pem(std::string_view pem, algorithm alg,
                                                     std::string kid, std::string* error = nullptr);
  // From raw HMAC secret bytes.
  static signing_key from_hmac_secret(std::string_view secret, algorithm alg, std::string kid);

  algorithm alg() const noexcept;
  const std::string& kid() const noexcept;

  // Signature (JWS form: raw r||s for ECDSA) over |signing_input|. Empty on failure.
  std::string sign(std::string_view signing_input) const;
  // Same, for an explicitly chosen algorithm (attack tests: sign with an alg that does not fit).
  std::string sign_as(algorithm alg, std::string_view signing_input) const;

  // "header_b64.payload_b64.sig_b64". |header_json| is used verbatim (tests craft odd headers);
  // pass an empty string to get {"alg":..,"typ":"JWT","kid":..}.
  std::string mint(std::string_view payload_json, std::string_view header_json = {}) const;

  // JWK (object) and PEM encodings.
  std::string private_jwk() const;
  std::string public_jwk() const;   // never contains private members; oct keys have no public form
  std::string private_pem() const;  // PKCS#8; empty for oct
  std::string public_pem() const;   // SPKI; empty for oct

 private:
  struct impl;
  explicit signing_key(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// {"keys":[...]} from JWK object strings.
std::string make_jwks(const std::vector<std::string>& jwks);

}  // namespace jwtx
