// jwtx::key / jwtx::key_set — verification keys, parsed once into ready BoringSSL objects.
//
// Sources: JWKS (RFC 7517: RSA, EC P-256/384/521, OKP Ed25519, oct), PEM SubjectPublicKeyInfo,
// PEM PKCS#1 RSAPublicKey, and raw HMAC secrets. Every check that can be done per key is done here,
// once: EC points are validated on their curve, RSA exponents must be odd and > 1, RSA moduli with
// the ROCA fingerprint (CVE-2017-15361) are refused, HMAC secrets shorter than the smallest hash
// they could be used with are refused.
//
// Ed25519 public keys must be the canonical encoding (y < p, and no sign bit when x = 0) of a point
// on the curve outside its small-order subgroup: a small-order key (there are eight such points)
// would verify forged signatures such as R = identity, S = 0 for every message.
//
// Loading rules (strict by default). A JWKS document is a list of independent keys, so one bad key
// costs that key, not the set: it is skipped and reported, and the rest loads.
//  - keys with "use" other than "sig", or a "key_ops" without "verify", or an "alg" that is not a
//    JWS signature algorithm (RSA-OAEP, A256GCM, ...) are skipped and listed in skipped();
//  - keys of a kty or curve jwtx does not implement (Ed448, secp256k1, ...) are skipped likewise;
//  - a malformed or weak key inside a JWKS (not an object, ill-typed or missing members, bad
//    base64url, EC point off the curve, invalid Ed25519 point, RSA exponent/size/ROCA, short HMAC
//    secret, alg that does not fit the key) is skipped and listed with its status, e.g.
//    "jwks.json key #2 (kid \"a\"): EC point is not on P-256 [key_invalid]". add_jwk, add_pem and
//    add_hmac_secret name exactly one key, so there the same defect fails the load;
//  - several keys may share a "kid" (RFC 7517 §4.5: e.g. the same key as RSA and EC); a token
//    with that kid tries the ones that fit its alg (verifier_options::max_keys_tried);
//  - refused as a whole (key_set_invalid), because keeping any of it would be unsafe: a private-key
//    member ("d", "p", ...) on an asymmetric key (the document is a signing-key store or a leak:
//    a verifier must never hold signing keys, and a skipped note is too easy to miss for a key
//    everyone can now sign with); HMAC (oct) keys mixed with public keys unless allowed explicitly
//    (a published shared secret, and every kid-less token ambiguous between MAC and signature);
//  - a set with no usable key at all (an empty "keys" array, or every key skipped) fails build()
//    with key_set_invalid and a message naming the sources, unless allow_empty.
// Every string from the input that reaches a message (kid, kty, crv, use, alg, PEM label) is
// escaped and length-capped (quoted_for_message in engine/json_writer.h); |source| names are the
// caller's and are copied as given.
//
// Thread-safety: a key_set is immutable after construction; any number of threads may read it.
// Ownership: a key_set owns its keys; key pointers stay valid while the key_set lives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/jws/algorithm.h"
#include "engine/status.h"

struct rsa_st;
struct ec_key_st;

namespace jwtx {

namespace detail {
struct rsa_deleter {
  void operator()(rsa_st* p) const noexcept;
};
struct ec_key_deleter {
  void operator()(ec_key_st* p) const noexcept;
};
struct hmac_state;  // precomputed HMAC inner/outer state, defined in signature.cc
struct hmac_state_deleter {
  void operator()(hmac_state* p) const noexcept;
};
}  // namespace detail

class key {
 public:
  key_type type() const noexcept { return type_; }
  curve crv() const noexcept { return crv_; }
  // The JWK's own "alg", if it had one; the key then verifies only that algorithm.
  std::optional<algorithm> alg() const noexcept { return alg_; }
  std::string_view kid() const noexcept { return kid_; }
  bool has_kid() const noexcept { return has_kid_; }
  // RSA modulus bits, HMAC secret bits, or the curve's field size in bits.
  unsigned bits() const noexcept { return bits_; }
  // Where the key came from, for messages ("jwks.json key #2").
  std::string_view source() const noexcept { return source_; }

  // True if |a| may be verified with this key: key type, curve and the JWK's own alg all agree.
  bool compatible_with(algorithm a) const noexcept;

  // Raw BoringSSL objects (borrowed; valid for the key's lifetime). Null when not of that type.
  rsa_st* rsa() const noexcept { return rsa_.get(); }
  ec_key_st* ec() const noexcept { return ec_.get(); }
  const std::uint8_t* ed25519_public() const noexcept { return ed25519_; }
  const std::string& hmac_secret() const noexcept { return secret_; }
  // Precomputed HMAC state for |a| (HS256/384/512); null if not an oct key.
  const detail::hmac_state* hmac(algorithm a) const noexcept;

  key(key&&) noexcept;
  key& operator=(key&&) noexcept;
  ~key();

 private:
  friend class key_set_builder;
  key();

  key_type type_ = key_type::oct;
  curve crv_ = curve::none;
  std::optional<algorithm> alg_;
  std::string kid_;
  bool has_kid_ = false;
  unsigned bits_ = 0;
  std::string source_;
  std::size_t load_index_ = 0;
  std::unique_ptr<rsa_st, detail::rsa_deleter> rsa_;
  std::unique_ptr<ec_key_st, detail::ec_key_deleter> ec_;
  std::uint8_t ed25519_[32] = {};
  std::string secret_;
  std::unique_ptr<detail::hmac_state, detail::hmac_state_deleter> hmac_[3];
};

struct key_set_options {
  // Allow oct (HMAC) keys in the same set as RSA/EC/OKP keys. Off by default: a mixed set makes
  // every kid-less token ambiguous between a MAC and a signature.
  bool allow_mixed_symmetric = false;
  // Let build() succeed with no usable key (every token then fails key_not_found). Off by default:
  // an empty set is almost always the wrong file or endpoint, and a refresher that publishes it
  // turns every token away; with the failure it keeps the previous set.
  bool allow_empty = false;
};

class key_set {
 public:
  // Every key whose kid is exactly |kid| (keys without a kid never match, not even ""), in load
  // order; empty if none. Several keys may share a kid. O(log n), no allocation, never throws.
  std::span<const key> find_all(std::string_view kid) const noexcept;
  // The first of find_all(kid) (load order), or nullptr. With shared kids prefer find_all().
  const key* find(std::string_view kid) const noexcept;
  // Every key in load order (document order; sources in the order they were added): the order a
  // token without kid tries them in. Pointers into keys(), valid while the set lives.
  std::span<const key* const> in_load_order() const noexcept { return load_order_; }
  // Sorted by kid (byte-wise; keys without a kid first), then load order.
  const std::vector<key>& keys() const noexcept { return keys_; }
  // Human-readable reasons for keys that were skipped at load (use != sig, enc algs, malformed or
  // weak keys inside a JWKS, ...). Input strings in them are escaped and capped.
  const std::vector<std::string>& skipped() const noexcept { return skipped_; }
  // Identity of this set's contents: a 64-bit digest (SHA-256) over every key's type, curve, JWK
  // alg, kid and public material (HMAC: secret). Sets built from the same keys share it, so a
  // JWKS refresh that changed nothing keeps the token_cache warm; adding, dropping or changing any
  // key changes it, which invalidates every cached token (never 0).
  std::uint64_t generation() const noexcept { return generation_; }
  bool empty() const noexcept { return keys_.empty(); }

 private:
  friend class key_set_builder;
  std::vector<key> keys_;  // sorted by kid, then load order
  std::vector<const key*> load_order_;
  std::vector<std::string> skipped_;
  std::uint64_t generation_ = 0;
};

// Result of a load: on success code == ok and set is non-null; otherwise error names the source
// and the reason ("jwks.json key #1 (kid \"a\"): EC point is not on P-256").
struct key_set_result {
  status code = status::internal_error;
  std::string error;
  std::shared_ptr<const key_set> set;
  explicit operator bool() const noexcept { return code == status::ok; }
};

// Collects keys from several sources, then validates the set as a whole. Not thread-safe; build
// on one thread, then share the immutable key_set.
class key_set_builder {
 public:
  explicit key_set_builder(key_set_options options = {});
  ~key_set_builder();

  // Each add_* returns ok or the load error (the builder is then unusable: build() fails too).
  // |source| names the origin in error messages (a file name, "inline", ...).
  // A JWKS: fails only when the document itself is malformed ("keys" missing, not JSON) or holds
  // a whole-set refusal (see the loading rules above); bad keys inside it are skipped.
  status add_jwks(std::string_view json, std::string_view source = "jwks");
  // A single JWK object (not wrapped in {"keys":[...]}).
  status add_jwk(std::string_view json, std::string_view source = "jwk");
  // PEM "PUBLIC KEY" (RSA, EC or Ed25519 SPKI) or "RSA PUBLIC KEY" (PKCS#1). |kid| may be empty.
  status add_pem(std::string_view pem, std::string_view kid, std::string_view source = "pem");
  // Raw HMAC secret bytes. |alg| optionally pins HS256/384/512.
  status add_hmac_secret(std::string_view secret, std::string_view kid,
                         std::optional<algorithm> alg, std::string_view source = "secret");

  const std::string& error() const noexcept { return error_; }

  // The set, or the first load error; or key_set_invalid for HMAC keys mixed with public keys
  // (unless allowed) or for a set without any usable key (unless allow_empty), with a message
  // that names the sources and why they gave no key ("jwks.json: no usable verification key: the
  // \"keys\" array is empty"). Call once.
  key_set_result build();

 private:
  status fail(status code, std::string message);
  // A defect of one key: skipped and reported inside a JWKS, fail() otherwise.
  status bad_key(status code, std::string message);
  status finish_key(key k);  // whole-key checks shared by every source
  status add_key(key k);

  key_set_options options_;
  std::unique_ptr<key_set> set_;
  status failed_ = status::ok;
  std::string error_;
  bool in_jwks_ = false;              // add_jwk called by add_jwks for one of its keys
  std::vector<std::string> sources_;  // every source added, for the empty-set message
  std::size_t empty_jwks_ = 0;        // JWKS documents with an empty "keys" array
};

// Convenience: a set from one JWKS document.
key_set_result load_jwks(std::string_view json, key_set_options options = {});

}  // namespace jwtx
