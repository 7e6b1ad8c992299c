// Signature verification per JWS algorithm, on keys prepared at load (BoringSSL only).
//
// Contract: verify_signature() checks the signature *encoding* strictly before any math:
//   HS*   : length must equal the hash size; compared with CRYPTO_memcmp (constant time).
//   RS/PS : length must equal the modulus length in bytes; PS* uses MGF1 with the same hash and a
//           salt as long as the hash (RFC 7518 §3.5).
//   ES*   : raw r||s, exactly twice the coordinate size (DER is rejected); r and s must be in
//           [1, n-1] (a zero r or s is the CVE-2022-21449 "psychic signature").
//   EdDSA : 64 bytes, Ed25519 (RFC 8032) via ED25519_verify.
// It re-checks alg/key compatibility (status::alg_key_mismatch) but not key size policy.
// Returns status::ok or status::bad_signature (status::internal_error only if BoringSSL fails to
// allocate). Never throws; no heap allocation for HS*, EdDSA and ES* (BoringSSL's ECDSA_SIG and
// RSA paths allocate internally — see bench/ and the allocation test for the measured count).
// Thread-safety: keys are only read; safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/jws/algorithm.h"
#include "engine/keys/key_set.h"
#include "engine/status.h"

namespace jwtx {

status verify_signature(algorithm alg, const key& k, std::string_view signing_input,
                        const std::uint8_t* sig, std::size_t sig_len) noexcept;

}  // namespace jwtx
