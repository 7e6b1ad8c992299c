/* Test-only helpers for the C tests: key generation and token minting (engine/signer.h), base64url
 * and a private redis-server (tests/redis_server.h). Written in C++ because signing is not part of
 * the C API; the tests themselves stay C. Strings returned are malloc'd: free() them. */
#ifndef JWTX_C_TEST_SIGNER_H_
#define JWTX_C_TEST_SIGNER_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jt_key jt_key;

/* A fresh signing key for |alg| ("RS256", "ES256", "EdDSA", ...); NULL on failure. */
jt_key* jt_key_generate(const char* alg, const char* kid);
/* An HMAC signing key over |secret| for alg HS256/384/512. */
jt_key* jt_key_hmac(const unsigned char* secret, size_t len, const char* alg, const char* kid);
void jt_key_free(jt_key* k);
/* {"keys":[public JWK of each key]} */
char* jt_jwks(const jt_key* const* keys, size_t n);
/* The key's SPKI PEM. */
char* jt_public_pem(const jt_key* k);
/* "header.payload.signature" over |payload_json|; header_json NULL: {"alg":..,"typ":"JWT","kid":..}
 * (used verbatim otherwise). */
char* jt_mint(const jt_key* k, const char* payload_json, const char* header_json);
/* base64url without padding of bytes[0..len). */
char* jt_b64url(const char* bytes, size_t len);

/* Starts a private redis-server on a free loopback port; returns the port, or 0 (reason on
 * stderr). jt_redis_stop() kills it and removes its directory. One server per process. */
unsigned jt_redis_start(void);
void jt_redis_stop(void);

#ifdef __cplusplus
}
#endif

#endif
