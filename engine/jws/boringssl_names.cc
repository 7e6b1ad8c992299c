#include "engine/jws/boringssl_names.h"

#include <openssl/digest.h>
#include <openssl/nid.h>

namespace jwtx::detail {

int curve_nid(curve c) {
  switch (c) {
    case curve::p256:
      return NID_X9_62_prime256v1;
    case curve::p384:
      return NID_secp384r1;
    case curve::p521:
      return NID_secp521r1;
    default:
      return NID_undef;
  }
}

curve curve_from_nid(int nid) {
  switch (nid) {
    case NID_X9_62_prime256v1:
      return curve::p256;
    case NID_secp384r1:
      return curve::p384;
    case NID_secp521r1:
      return curve::p521;
    default:
      return curve::none;
  }
}

std::size_t coordinate_bytes(curve c) {
  switch (c) {
    case curve::p256:
      return 32;
    case curve::p384:
      return 48;
    case curve::p521:
      return 66;
    case curve::ed25519:
      return 32;
    default:
      return 0;
  }
}

unsigned curve_bits(curve c) {
  switch (c) {
    case curve::p256:
      return 256;
    case curve::p384:
      return 384;
    case curve::p521:
      return 521;
    case curve::ed25519:
      return 255;
    default:
      return 0;
  }
}

const EVP_MD* digest_for(algorithm a) {
  switch (hash_size(a)) {
    case 32:
      return EVP_sha256();
    case 48:
      return EVP_sha384();
    default:
      return EVP_sha512();
  }
}

int hash_nid(algorithm a) {
  switch (hash_size(a)) {
    case 32:
      return NID_sha256;
    case 48:
      return NID_sha384;
    default:
      return NID_sha512;
  }
}

}  // namespace jwtx::detail
