/* OpenSSL 3 and libjwtx.so in one process: OpenSSL computes a SHA-256 (checked against the known
 * digest of "abc"), generates a P-256 key and signs an ES256 token, and jwtx verifies that token.
 * If either library bound the other's BoringSSL/OpenSSL symbols, one of the two would break. */
#include <jwtx.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static size_t b64url(const unsigned char* in, size_t n, char* out) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16;
    if (i + 1 < n) v |= (unsigned)in[i + 1] << 8;
    if (i + 2 < n) v |= in[i + 2];
    out[o++] = a[(v >> 18) & 63];
    out[o++] = a[(v >> 12) & 63];
    if (i + 1 < n) out[o++] = a[(v >> 6) & 63];
    if (i + 2 < n) out[o++] = a[v & 63];
  }
  out[o] = '\0';
  return o;
}

static void check_sha256(void) {
  static const unsigned char expected[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                             0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                             0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                             0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  CHECK(EVP_Digest("abc", 3, md, &len, EVP_sha256(), NULL) == 1);
  CHECK(len == 32 && memcmp(md, expected, 32) == 0);
}

int main(void) {
  check_sha256();
  /* An ES256 key and token, made by OpenSSL. */
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  CHECK(pkey != NULL);
  if (!pkey) return 1;
  BIGNUM *x = NULL, *y = NULL;
  CHECK(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1);
  CHECK(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1);
  unsigned char xb[32], yb[32];
  CHECK(BN_bn2binpad(x, xb, 32) == 32 && BN_bn2binpad(y, yb, 32) == 32);
  char xs[64], ys[64];
  b64url(xb, 32, xs);
  b64url(yb, 32, ys);
  char jwks[512];
  snprintf(
      jwks, sizeof jwks,
      "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ossl\",\"x\":\"%s\",\"y\":\"%s\"}]}",
      xs, ys);

  const char* header = "{\"alg\":\"ES256\",\"kid\":\"ossl\",\"typ\":\"JWT\"}";
  const char* claims = "{\"sub\":\"openssl\",\"exp\":4102444800}";
  char token[1024];
  size_t n = b64url((const unsigned char*)header, strlen(header), token);
  token[n++] = '.';
  n += b64url((const unsigned char*)claims, strlen(claims), token + n);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char der[128];
  size_t der_len = sizeof der;
  CHECK(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1);
  CHECK(EVP_DigestSign(ctx, der, &der_len, (const unsigned char*)token, n) == 1);
  const unsigned char* p = der;
  ECDSA_SIG* sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
  CHECK(sig != NULL);
  unsigned char raw[64];
  CHECK(BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, 32) == 32);
  CHECK(BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + 32, 32) == 32);
  token[n++] = '.';
  n += b64url(raw, 64, token + n);

  /* jwtx verifies it. */
  char error[256] = "";
  jwtx_key_set* keys = jwtx_key_set_from_jwks(jwks, strlen(jwks), error, sizeof error);
  CHECK(keys != NULL);
  jwtx_verifier_options o;
  jwtx_verifier_options_init(&o);
  o.algorithms = "ES256";
  jwtx_verifier* v = jwtx_verifier_new(keys, &o, error, sizeof error);
  CHECK(v != NULL);
  jwtx_result* r = jwtx_result_new();
  jwtx_status s = jwtx_verify(v, token, n, r);
  if (s != JWTX_OK) fprintf(stderr, "jwtx_verify: %s\n", jwtx_status_name(s));
  CHECK(s == JWTX_OK);
  const char* sub;
  size_t sub_len;
  CHECK(jwtx_result_get_string(r, "sub", &sub, &sub_len) == JWTX_OK && sub_len == 7);
  /* A changed byte fails in jwtx; OpenSSL still works afterwards. */
  token[n - 2] = token[n - 2] == 'A' ? 'B' : 'A';
  CHECK(jwtx_verify(v, token, n, r) == JWTX_BAD_SIGNATURE);
  check_sha256();

  jwtx_result_free(r);
  jwtx_verifier_free(v);
  jwtx_key_set_free(keys);
  ECDSA_SIG_free(sig);
  EVP_MD_CTX_free(ctx);
  BN_free(x);
  BN_free(y);
  EVP_PKEY_free(pkey);
  printf("openssl + jwtx in one process: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
