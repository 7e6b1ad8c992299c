// Internal: maps jwtx enums (curve, algorithm) to BoringSSL identifiers (NIDs, EVP_MDs) and
// curve sizes. Shared by key_set.cc, signer.cc and signature.cc; not part of the public API.
#pragma once

#include <openssl/base.h>

#include <cstddef>

#include "engine/jws/algorithm.h"

namespace jwtx::detail {

// NID of the EC group for a NIST curve; NID_undef for none and ed25519.
int curve_nid(curve c);

// Inverse of curve_nid: curve::none for any NID other than P-256/P-384/P-521.
curve curve_from_nid(int nid);

// Bytes per coordinate / scalar (P-256: 32, P-384: 48, P-521: 66, Ed25519: 32); 0 for none.
std::size_t coordinate_bytes(curve c);

// Key size in bits (P-256: 256, P-384: 384, P-521: 521, Ed25519: 255); 0 for none.
unsigned curve_bits(curve c);

// The hash of |a| by hash_size: SHA-256, SHA-384 or SHA-512.
const EVP_MD* digest_for(algorithm a);

// NID of that hash: NID_sha256, NID_sha384 or NID_sha512.
int hash_nid(algorithm a);

}  // namespace jwtx::detail
