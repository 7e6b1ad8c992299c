/* Tests of the C API (jwtx.h), written in C11 against libjwtx.so. Tokens and keys come from a
 * small C++ helper (test_signer.h); everything under test goes through jwtx.h.
 * Usage: jwtx_c_tests [TEST...]  (no argument: every test). Exit status 0 iff every check held. */
#define _POSIX_C_SOURCE 200809L
#include <jwtx.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "test_signer.h"

#define CHECK_STATUS(got, want)                                                   \
  do {                                                                            \
    jwtx_status got_ = (got), want_ = (want);                                     \
    if (got_ != want_) {                                                          \
      fprintf(stderr, "%s:%d: %s is %s, expected %s\n", __FILE__, __LINE__, #got, \
              jwtx_status_name(got_), jwtx_status_name(want_));                   \
      ++failures;                                                                 \
    }                                                                             \
  } while (0)

/* Every test runs at this fixed time (an injected clock), so exp/nbf/iat cases are exact. */
#define NOW 1700000000.0
static double fixed_clock(void* context) { return *(const double*)context; }
static double now_value = NOW;
static double nan_value = NAN;

static char* fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static char* fmt(const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  va_list again;
  va_copy(again, ap);
  const int n = vsnprintf(NULL, 0, format, ap);
  va_end(ap);
  if (n < 0) abort();
  char* out = malloc((size_t)n + 1);
  if (!out) abort();
  vsnprintf(out, (size_t)n + 1, format, again);
  va_end(again);
  return out;
}

/* A standard payload valid at NOW. */
static const char* kGoodClaims =
    "{\"iss\":\"https://issuer.example\",\"aud\":\"api\",\"sub\":\"user-1\",\"jti\":\"j-1\","
    "\"exp\":1700003600,\"iat\":1699999000,\"scope\":\"read write\",\"n\":42,"
    "\"big\":18446744073709551615,\"frac\":1.5,\"admin\":true,\"roles\":[\"a\",\"b\"],"
    "\"a/b\":\"slash\",\"obj\":{\"k\":[1,2,{\"x\":null}]}}";

static jwtx_verifier_options base_options(const char* algorithms) {
  jwtx_verifier_options o;
  jwtx_verifier_options_init(&o);
  o.algorithms = algorithms;
  static const char* const issuers[] = {"https://issuer.example"};
  static const char* const audiences[] = {"api"};
  o.issuers = issuers;
  o.issuer_count = 1;
  o.audiences = audiences;
  o.audience_count = 1;
  o.clock = fixed_clock;
  o.clock_context = &now_value;
  return o;
}

static jwtx_key_set* jwks_of(jt_key* k) {
  const jt_key* keys[] = {k};
  char* jwks = jt_jwks(keys, 1);
  char error[256] = "";
  jwtx_key_set* set = jwtx_key_set_from_jwks(jwks, strlen(jwks), error, sizeof error);
  if (!set) fprintf(stderr, "jwks load failed: %s\n", error);
  free(jwks);
  return set;
}

static jwtx_verifier* verifier_for(jwtx_key_set* keys, const jwtx_verifier_options* o) {
  char error[256] = "";
  jwtx_verifier* v = jwtx_verifier_new(keys, o, error, sizeof error);
  if (!v) fprintf(stderr, "verifier_new failed: %s\n", error);
  return v;
}

static jwtx_status verify_str(const jwtx_verifier* v, const char* token, jwtx_result* r) {
  return jwtx_verify(v, token, strlen(token), r);
}

/* One key (kid "k1") for |alg|, a key set of it and a verifier with base_options(alg): declares
 * k, keys, o and v. */
#define FIXTURE(alg)                           \
  jt_key* k = jt_key_generate(alg, "k1");      \
  jwtx_key_set* keys = jwks_of(k);             \
  jwtx_verifier_options o = base_options(alg); \
  jwtx_verifier* v = verifier_for(keys, &o)

static void fixture_free(jwtx_verifier* v, jwtx_key_set* keys, jt_key* k) {
  jwtx_verifier_free(v);
  jwtx_key_set_free(keys);
  jt_key_free(k);
}

/* --- tests -------------------------------------------------------------------------------- */

static void test_version(void) {
  char* expected = fmt("%d.%d.%d", JWTX_VERSION_MAJOR, JWTX_VERSION_MINOR, JWTX_VERSION_PATCH);
  CHECK(strcmp(jwtx_version(), expected) == 0);
  free(expected);
#ifdef JWTX_EXPECT_VERSION
  /* The project's version as CMake knows it. */
  CHECK(strcmp(jwtx_version(), JWTX_EXPECT_VERSION) == 0);
#endif
}

static void test_status_names(void) {
  /* Engine statuses: 0..34, each with its own name; C-only ones from 64. */
  for (int i = 0; i <= JWTX_SHUTTING_DOWN; ++i) {
    const char* name = jwtx_status_name((jwtx_status)i);
    CHECK(name && strcmp(name, "unknown") != 0);
    for (int j = 0; j < i; ++j) CHECK(strcmp(name, jwtx_status_name((jwtx_status)j)) != 0);
  }
  CHECK(strcmp(jwtx_status_name(JWTX_OK), "ok") == 0);
  CHECK(strcmp(jwtx_status_name(JWTX_BAD_SIGNATURE), "bad_signature") == 0);
  CHECK(strcmp(jwtx_status_name(JWTX_SHUTTING_DOWN), "shutting_down") == 0);
  CHECK(strcmp(jwtx_status_name(JWTX_INVALID_ARGUMENT), "invalid_argument") == 0);
  CHECK(strcmp(jwtx_status_name(JWTX_CLAIM_NOT_FOUND), "claim_not_found") == 0);
  CHECK(strcmp(jwtx_status_name(JWTX_NO_PAYLOAD), "no_payload") == 0);
  CHECK(strcmp(jwtx_status_name(JWTX_UNAVAILABLE), "unavailable") == 0);
  CHECK(strcmp(jwtx_status_name((jwtx_status)35), "unknown") == 0);
  CHECK(strcmp(jwtx_status_name((jwtx_status)-1), "unknown") == 0);
  CHECK(strcmp(jwtx_status_name((jwtx_status)1000), "unknown") == 0);
}

/* Good tokens of several algorithms, from JWKS, and RS256 from PEM. */
static void test_good_tokens(void) {
  const char* algs[] = {"RS256", "RS512", "PS256", "ES256", "ES384", "ES512", "EdDSA"};
  jwtx_result* r = jwtx_result_new();
  for (size_t i = 0; i < sizeof algs / sizeof algs[0]; ++i) {
    jt_key* k = jt_key_generate(algs[i], "k1");
    CHECK(k != NULL);
    if (!k) continue;
    jwtx_key_set* keys = jwks_of(k);
    CHECK(keys && jwtx_key_set_size(keys) == 1);
    jwtx_verifier_options o = base_options(algs[i]);
    jwtx_verifier* v = verifier_for(keys, &o);
    char* token = jt_mint(k, kGoodClaims, NULL);
    CHECK_STATUS(verify_str(v, token, r), JWTX_OK);
    CHECK_STATUS(jwtx_result_status(r), JWTX_OK);
    CHECK(jwtx_result_alg(r) && strcmp(jwtx_result_alg(r), algs[i]) == 0);
    char detail[64];
    size_t needed = 99;
    CHECK_STATUS(jwtx_result_detail(r, detail, sizeof detail, &needed), JWTX_OK);
    CHECK(needed == 0 && detail[0] == '\0');
    free(token);
    jwtx_verifier_free(v);
    jwtx_key_set_free(keys);
    jt_key_free(k);
  }
  /* PEM. */
  jt_key* k = jt_key_generate("RS256", "pem-kid");
  char* pem = jt_public_pem(k);
  char error[256] = "";
  jwtx_key_set* keys = jwtx_key_set_from_pem(pem, strlen(pem), "pem-kid", error, sizeof error);
  CHECK(keys != NULL);
  jwtx_verifier_options o = base_options("RS256");
  jwtx_verifier* v = verifier_for(keys, &o);
  char* token = jt_mint(k, kGoodClaims, NULL);
  CHECK_STATUS(verify_str(v, token, r), JWTX_OK);
  /* HMAC. */
  unsigned char secret[32];
  for (int i = 0; i < 32; ++i) secret[i] = (unsigned char)(i * 7 + 1);
  jt_key* h = jt_key_hmac(secret, sizeof secret, "HS256", NULL);
  jwtx_key_set* hkeys = jwtx_key_set_from_hmac(secret, sizeof secret, NULL, error, sizeof error);
  CHECK(hkeys != NULL);
  jwtx_verifier_options ho = base_options("HS256");
  jwtx_verifier* hv = verifier_for(hkeys, &ho);
  char* htoken = jt_mint(h, kGoodClaims, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
  CHECK_STATUS(verify_str(hv, htoken, r), JWTX_OK);
  /* The caller's handles may go before the verifier: it keeps its own references. */
  jwtx_key_set_free(hkeys);
  CHECK_STATUS(verify_str(hv, htoken, r), JWTX_OK);
  free(htoken);
  jwtx_verifier_free(hv);
  jt_key_free(h);
  free(token);
  free(pem);
  fixture_free(v, keys, k);
  jwtx_result_free(r);
}

/* Key loading errors: NULL + a message. */
static void test_key_load_errors(void) {
  char error[256];
  error[0] = '\0';
  CHECK(jwtx_key_set_from_jwks("{", 1, error, sizeof error) == NULL);
  CHECK(strncmp(error, "key_invalid: ", 13) == 0);
  error[0] = '\0';
  const char* empty = "{\"keys\":[]}";
  CHECK(jwtx_key_set_from_jwks(empty, strlen(empty), error, sizeof error) == NULL);
  CHECK(strstr(error, "no usable") != NULL);
  CHECK(strncmp(error, "key_set_invalid: ", 17) == 0);
  /* A private key member: the whole set is refused. */
  const char* priv =
      "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":"
      "\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
      "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\",\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-"
      "0iY7X1fCE9-E9LI\"}]}";
  error[0] = '\0';
  CHECK(jwtx_key_set_from_jwks(priv, strlen(priv), error, sizeof error) == NULL);
  CHECK(strncmp(error, "key_set_invalid: ", 17) == 0);
  error[0] = '\0';
  CHECK(jwtx_key_set_from_pem("nope", 4, NULL, error, sizeof error) == NULL);
  CHECK(strncmp(error, "key_invalid: ", 13) == 0);
  /* A short HMAC secret. */
  unsigned char s[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  error[0] = '\0';
  CHECK(jwtx_key_set_from_hmac(s, sizeof s, "k", error, sizeof error) == NULL);
  CHECK(strncmp(error, "key_too_small: ", 15) == 0);
  /* A tiny error buffer is truncated, NUL-terminated. */
  char tiny[4] = {'x', 'x', 'x', 'x'};
  CHECK(jwtx_key_set_from_jwks("{", 1, tiny, sizeof tiny) == NULL);
  CHECK(tiny[3] == '\0');
  /* A bad key inside a JWKS is skipped, the rest loads. */
  jt_key* k = jt_key_generate("ES256", "good");
  const jt_key* ks[] = {k};
  char* good = jt_jwks(ks, 1);
  /* splice a malformed key in front: {"keys":[{"kty":"EC"},<good>]} */
  char* mixed = fmt("{\"keys\":[{\"kty\":\"EC\",\"kid\":\"bad\"},%s", good + strlen("{\"keys\":["));
  jwtx_key_set* set = jwtx_key_set_from_jwks(mixed, strlen(mixed), error, sizeof error);
  CHECK(set != NULL);
  CHECK(jwtx_key_set_size(set) == 1);
  CHECK(jwtx_key_set_skipped_count(set) == 1);
  jwtx_key_set_free(set);
  free(mixed);
  free(good);
  jt_key_free(k);
}

struct bad_case {
  const char* name;
  char* token; /* owned */
  jwtx_status want;
};

/* The status of every kind of bad input the C++ tests cover, through jwtx_verify. */
static void test_bad_inputs(void) {
  jt_key* k = jt_key_generate("ES256", "k1");
  jt_key* other = jt_key_generate("ES256", "k1"); /* same kid, different key */
  jt_key* rsa = jt_key_generate("RS256", "k1");
  jwtx_key_set* keys = jwks_of(k);
  static const char* const required[] = {"sub", "tenant"};
  jwtx_verifier_options o = base_options("ES256,RS256");
  o.typ = "JWT";
  o.max_token_bytes = 4096;
  o.max_json_depth = 8;
  o.required_claims = required;
  o.required_claim_count = 1; /* "sub"; the missing_claim case uses its own verifier below */
  jwtx_verifier* v = verifier_for(keys, &o);
  const char* hdr = "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"k1\"}";
  char* good = jt_mint(k, kGoodClaims, hdr);
  char* hb = jt_b64url(hdr, strlen(hdr));
  char* pb = jt_b64url(kGoodClaims, strlen(kGoodClaims));
  const char* dot1 = strchr(good, '.');
  const char* sig = strrchr(good, '.') + 1;
  char* big = malloc(5000);
  memset(big, 'a', 4999);
  big[4999] = '\0';
  char deep_claims[256];
  strcpy(deep_claims,
         "{\"exp\":1700003600,\"sub\":\"s\",\"iss\":\"https://"
         "issuer.example\",\"aud\":\"api\",\"d\":");
  for (int i = 0; i < 10; ++i) strcat(deep_claims, "[");
  for (int i = 0; i < 10; ++i) strcat(deep_claims, "]");
  strcat(deep_claims, "}");
  /* A flipped signature byte (first char changed within the alphabet). */
  char* badsig = strdup(good);
  char* s0 = strrchr(badsig, '.') + 1;
  s0[0] = s0[0] == 'A' ? 'B' : 'A';
  char* bad_utf8_hdr_b64 = jt_b64url("{\"alg\":\"ES256\",\"x\":\"\xff\"}", 22);
  char* arr_hdr_b64 = jt_b64url("[1]", 3);
  char* badjson_hdr_b64 = jt_b64url("{\"alg\":", 7);
  char* none_hdr_b64 = jt_b64url("{\"alg\":\"none\"}", 14);
#define CLAIMS(extra) \
  "{\"iss\":\"https://issuer.example\",\"aud\":\"api\",\"sub\":\"user-1\",\"jti\":\"j-1\"" extra "}"
  struct bad_case cases[] = {
      {"malformed", strdup("abc.def"), JWTX_MALFORMED},
      {"malformed_empty", strdup(""), JWTX_MALFORMED},
      {"too_large", strdup(big), JWTX_TOO_LARGE},
      {"unsupported_jwe", strdup("a.b.c.d.e"), JWTX_UNSUPPORTED_JWE},
      {"bad_base64", fmt("%s.%s.%s", hb, pb, "sig!"), JWTX_BAD_BASE64},
      {"bad_base64_padding", fmt("%s=.%s", hb, dot1 + 1), JWTX_BAD_BASE64},
      {"bad_json", fmt("%s.%s.%s", badjson_hdr_b64, pb, sig), JWTX_BAD_JSON},
      {"bad_utf8", fmt("%s.%s.%s", bad_utf8_hdr_b64, pb, sig), JWTX_BAD_UTF8},
      {"not_object", fmt("%s.%s.%s", arr_hdr_b64, pb, sig), JWTX_NOT_OBJECT},
      {"duplicate_member",
       jt_mint(k, kGoodClaims,
               "{\"alg\":\"ES256\",\"alg\":\"ES256\",\"kid\":\"k1\",\"typ\":\"JWT\"}"),
       JWTX_DUPLICATE_MEMBER},
      {"too_deep", jt_mint(k, deep_claims, hdr), JWTX_TOO_DEEP},
      {"header_invalid", jt_mint(k, kGoodClaims, "{\"typ\":\"JWT\",\"kid\":\"k1\"}"),
       JWTX_HEADER_INVALID},
      {"alg_none", fmt("%s.%s.", none_hdr_b64, pb), JWTX_ALG_NOT_ALLOWED},
      {"alg_not_allowed",
       jt_mint(k, kGoodClaims, "{\"alg\":\"ES384\",\"typ\":\"JWT\",\"kid\":\"k1\"}"),
       JWTX_ALG_NOT_ALLOWED},
      {"alg_key_mismatch",
       jt_mint(rsa, kGoodClaims, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}"),
       JWTX_ALG_KEY_MISMATCH},
      {"key_not_found",
       jt_mint(k, kGoodClaims, "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"nope\"}"),
       JWTX_KEY_NOT_FOUND},
      {"crit_unsupported",
       jt_mint(k, kGoodClaims,
               "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"k1\",\"crit\":[\"x\"],\"x\":1}"),
       JWTX_CRIT_UNSUPPORTED},
      {"typ_mismatch",
       jt_mint(k, kGoodClaims, "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}"),
       JWTX_TYP_MISMATCH},
      {"bad_signature", strdup(badsig), JWTX_BAD_SIGNATURE},
      {"bad_signature_other_key", jt_mint(other, kGoodClaims, hdr), JWTX_BAD_SIGNATURE},
      {"expired", jt_mint(k, CLAIMS(",\"exp\":1699999000"), hdr), JWTX_EXPIRED},
      {"not_yet_valid", jt_mint(k, CLAIMS(",\"exp\":1700003600,\"nbf\":1700001000"), hdr),
       JWTX_NOT_YET_VALID},
      {"issued_in_future", jt_mint(k, CLAIMS(",\"exp\":1700003600,\"iat\":1700001000"), hdr),
       JWTX_ISSUED_IN_FUTURE},
      {"issuer_mismatch",
       jt_mint(
           k, "{\"iss\":\"https://evil.example\",\"aud\":\"api\",\"sub\":\"s\",\"exp\":1700003600}",
           hdr),
       JWTX_ISSUER_MISMATCH},
      {"audience_mismatch",
       jt_mint(k,
               "{\"iss\":\"https://"
               "issuer.example\",\"aud\":\"other\",\"sub\":\"s\",\"exp\":1700003600}",
               hdr),
       JWTX_AUDIENCE_MISMATCH},
      {"missing_claim_sub",
       jt_mint(k, "{\"iss\":\"https://issuer.example\",\"aud\":\"api\",\"exp\":1700003600}", hdr),
       JWTX_MISSING_CLAIM},
      {"missing_claim_exp", jt_mint(k, CLAIMS(""), hdr), JWTX_MISSING_CLAIM},
      {"claim_type", jt_mint(k, CLAIMS(",\"exp\":\"soon\""), hdr), JWTX_CLAIM_TYPE},
  };
  jwtx_result* r = jwtx_result_new();
  CHECK_STATUS(verify_str(v, good, r), JWTX_OK);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    jwtx_status got = jwtx_verify(v, cases[i].token, strlen(cases[i].token), r);
    if (got != cases[i].want) {
      char d[256];
      jwtx_result_detail(r, d, sizeof d, NULL);
      fprintf(stderr, "bad input %s: got %s, expected %s (%s)\n", cases[i].name,
              jwtx_status_name(got), jwtx_status_name(cases[i].want), d);
      ++failures;
    }
    /* Every failure names its rule, and never carries token content. */
    char detail[512];
    size_t needed = 0;
    jwtx_status ds = jwtx_result_detail(r, detail, sizeof detail, &needed);
    CHECK(ds == JWTX_OK || ds == JWTX_BUFFER_TOO_SMALL);
    CHECK(needed > 0);
    CHECK(strstr(detail, "user-1") == NULL);
    free(cases[i].token);
  }
  /* too_old: max_age; missing_claim for a configured claim; key_too_small; clock_invalid;
   * options refused at construction. */
  {
    jwtx_verifier_options o2 = base_options("ES256");
    o2.max_age_seconds = 100;
    jwtx_verifier* v2 = verifier_for(keys, &o2);
    CHECK_STATUS(verify_str(v2, good, r), JWTX_TOO_OLD); /* iat is 1000 s before NOW */
    jwtx_verifier_free(v2);
    o2 = base_options("ES256");
    o2.required_claims = required;
    o2.required_claim_count = 2;
    v2 = verifier_for(keys, &o2);
    CHECK_STATUS(verify_str(v2, good, r), JWTX_MISSING_CLAIM);
    jwtx_verifier_free(v2);
    o2 = base_options("ES256");
    o2.clock_context = &nan_value;
    v2 = verifier_for(keys, &o2);
    CHECK_STATUS(verify_str(v2, good, r), JWTX_CLOCK_INVALID);
    jwtx_verifier_free(v2);
    char error[256] = "";
    o2 = base_options("ES256");
    o2.leeway_seconds = NAN;
    CHECK(jwtx_verifier_new(keys, &o2, error, sizeof error) == NULL);
    CHECK(strstr(error, "leeway") != NULL);
    CHECK(strncmp(error, "options_invalid: ", 17) == 0);
    o2 = base_options("ES256,none");
    CHECK(jwtx_verifier_new(keys, &o2, error, sizeof error) == NULL);
    CHECK(strstr(error, "none") != NULL);
    o2 = base_options("");
    CHECK(jwtx_verifier_new(keys, &o2, error, sizeof error) == NULL);
    o2 = base_options("ES256");
    o2.max_token_bytes = 0;
    CHECK(jwtx_verifier_new(keys, &o2, error, sizeof error) == NULL);
    CHECK(strstr(error, "max_token_bytes") != NULL);
    o2 = base_options("ES256");
    o2.issuers = NULL;
    CHECK(jwtx_verifier_new(keys, &o2, error, sizeof error) == NULL);
  }
  {
    unsigned char secret[32];
    memset(secret, 9, sizeof secret);
    jt_key* h = jt_key_hmac(secret, sizeof secret, "HS512", NULL);
    jwtx_key_set* hk = jwtx_key_set_from_hmac(secret, sizeof secret, NULL, NULL, 0);
    jwtx_verifier_options ho = base_options("HS512");
    jwtx_verifier* hv = verifier_for(hk, &ho);
    char* t = jt_mint(h, kGoodClaims, "{\"alg\":\"HS512\"}");
    CHECK_STATUS(verify_str(hv, t, r), JWTX_KEY_TOO_SMALL); /* a 32-byte secret for HS512 */
    free(t);
    jwtx_verifier_free(hv);
    jwtx_key_set_free(hk);
    jt_key_free(h);
  }
#undef CLAIMS
  jwtx_result_free(r);
  free(bad_utf8_hdr_b64);
  free(arr_hdr_b64);
  free(badjson_hdr_b64);
  free(none_hdr_b64);
  free(badsig);
  free(big);
  free(hb);
  free(pb);
  free(good);
  fixture_free(v, keys, k);
  jt_key_free(other);
  jt_key_free(rsa);
}

static void test_claims(void) {
  FIXTURE("EdDSA");
  char* token = jt_mint(k, kGoodClaims, NULL);
  jwtx_result* r = jwtx_result_new();
  const char* s = NULL;
  size_t n = 0;
  int64_t i64 = 0;
  double d = 0;
  int b = -1;
  char buf[128];
  size_t needed = 0;
  /* No verification yet: no payload. */
  CHECK_STATUS(jwtx_result_get_string(r, "sub", &s, &n), JWTX_NO_PAYLOAD);
  CHECK_STATUS(jwtx_result_payload(r, &s, &n), JWTX_NO_PAYLOAD);
  CHECK_STATUS(verify_str(v, token, r), JWTX_OK);
  /* By name. */
  CHECK_STATUS(jwtx_result_get_string(r, "sub", &s, &n), JWTX_OK);
  CHECK(n == 6 && memcmp(s, "user-1", 6) == 0);
  CHECK_STATUS(jwtx_result_get_string(r, "a/b", &s, &n), JWTX_OK);
  CHECK(n == 5 && memcmp(s, "slash", 5) == 0);
  CHECK_STATUS(jwtx_result_get_int64(r, "n", &i64), JWTX_OK);
  CHECK(i64 == 42);
  CHECK_STATUS(jwtx_result_get_int64(r, "exp", &i64), JWTX_OK);
  CHECK(i64 == 1700003600);
  CHECK_STATUS(jwtx_result_get_double(r, "frac", &d), JWTX_OK);
  CHECK(d == 1.5);
  CHECK_STATUS(jwtx_result_get_double(r, "n", &d), JWTX_OK);
  CHECK(d == 42.0);
  CHECK_STATUS(jwtx_result_get_bool(r, "admin", &b), JWTX_OK);
  CHECK(b == 1);
  CHECK_STATUS(jwtx_result_get_json(r, "roles", buf, sizeof buf, &needed), JWTX_OK);
  CHECK(strcmp(buf, "[\"a\",\"b\"]") == 0 && needed == 9);
  CHECK_STATUS(jwtx_result_get_json(r, "sub", buf, sizeof buf, &needed), JWTX_OK);
  CHECK(strcmp(buf, "\"user-1\"") == 0);
  /* Absent, wrong type, out of range. */
  i64 = 7;
  CHECK_STATUS(jwtx_result_get_int64(r, "nope", &i64), JWTX_CLAIM_NOT_FOUND);
  CHECK(i64 == 7); /* untouched */
  CHECK_STATUS(jwtx_result_get_string(r, "n", &s, &n), JWTX_CLAIM_WRONG_TYPE);
  CHECK_STATUS(jwtx_result_get_int64(r, "sub", &i64), JWTX_CLAIM_WRONG_TYPE);
  CHECK_STATUS(jwtx_result_get_int64(r, "frac", &i64), JWTX_CLAIM_WRONG_TYPE);
  CHECK_STATUS(jwtx_result_get_int64(r, "big", &i64), JWTX_CLAIM_OUT_OF_RANGE);
  CHECK_STATUS(jwtx_result_get_bool(r, "n", &b), JWTX_CLAIM_WRONG_TYPE);
  CHECK_STATUS(jwtx_result_get_double(r, "roles", &d), JWTX_CLAIM_WRONG_TYPE);
  CHECK_STATUS(jwtx_result_get_string(r, "/sub", &s, &n), JWTX_CLAIM_NOT_FOUND); /* a name */
  /* By pointer. */
  CHECK_STATUS(jwtx_result_pointer_string(r, "/roles/1", &s, &n), JWTX_OK);
  CHECK(n == 1 && s[0] == 'b');
  CHECK_STATUS(jwtx_result_pointer_string(r, "/a~1b", &s, &n), JWTX_OK);
  CHECK(n == 5);
  CHECK_STATUS(jwtx_result_pointer_int64(r, "/obj/k/1", &i64), JWTX_OK);
  CHECK(i64 == 2);
  CHECK_STATUS(jwtx_result_pointer_double(r, "/frac", &d), JWTX_OK);
  CHECK_STATUS(jwtx_result_pointer_bool(r, "/admin", &b), JWTX_OK);
  CHECK_STATUS(jwtx_result_pointer_json(r, "/obj", buf, sizeof buf, &needed), JWTX_OK);
  CHECK(strcmp(buf, "{\"k\":[1,2,{\"x\":null}]}") == 0);
  CHECK_STATUS(jwtx_result_pointer_json(r, "/obj/k/2/x", buf, sizeof buf, &needed), JWTX_OK);
  CHECK(strcmp(buf, "null") == 0);
  CHECK_STATUS(jwtx_result_pointer_string(r, "/roles/9", &s, &n), JWTX_CLAIM_NOT_FOUND);
  CHECK_STATUS(jwtx_result_pointer_string(r, "/nope", &s, &n), JWTX_CLAIM_NOT_FOUND);
  CHECK_STATUS(jwtx_result_pointer_int64(r, "/sub", &i64), JWTX_CLAIM_WRONG_TYPE);
  CHECK_STATUS(jwtx_result_pointer_int64(r, "/big", &i64), JWTX_CLAIM_OUT_OF_RANGE);
  /* The whole payload, "" pointer = root. */
  CHECK_STATUS(jwtx_result_payload(r, &s, &n), JWTX_OK);
  CHECK(n == strlen(kGoodClaims) && memcmp(s, kGoodClaims, n) == 0);
  /* Buffer too small: truncated, NUL-terminated, length reported. */
  char small[4];
  CHECK_STATUS(jwtx_result_get_json(r, "roles", small, sizeof small, &needed),
               JWTX_BUFFER_TOO_SMALL);
  CHECK(needed == 9 && small[3] == '\0');
  CHECK_STATUS(jwtx_result_get_json(r, "roles", NULL, 0, &needed), JWTX_BUFFER_TOO_SMALL);
  CHECK(needed == 9);
  /* A signature that fails: no payload for any accessor. */
  char* bad = strdup(token);
  char* sig = strrchr(bad, '.') + 1;
  sig[0] = sig[0] == 'A' ? 'B' : 'A';
  CHECK_STATUS(verify_str(v, bad, r), JWTX_BAD_SIGNATURE);
  CHECK_STATUS(jwtx_result_get_string(r, "sub", &s, &n), JWTX_NO_PAYLOAD);
  CHECK_STATUS(jwtx_result_pointer_json(r, "/sub", buf, sizeof buf, &needed), JWTX_NO_PAYLOAD);
  CHECK_STATUS(jwtx_result_payload(r, &s, &n), JWTX_NO_PAYLOAD);
  /* A verified token failing a later rule still has its claims (expired). */
  char* expired = jt_mint(k,
                          "{\"iss\":\"https://issuer.example\",\"aud\":\"api\",\"sub\":\"old\","
                          "\"exp\":1600000000}",
                          NULL);
  CHECK_STATUS(verify_str(v, expired, r), JWTX_EXPIRED);
  CHECK_STATUS(jwtx_result_get_string(r, "sub", &s, &n), JWTX_OK);
  CHECK(n == 3 && memcmp(s, "old", 3) == 0);
  free(expired);
  free(bad);
  free(token);
  jwtx_result_free(r);
  fixture_free(v, keys, k);
}

static int is_hex16(const char* f) {
  if (strlen(f) != 16) return 0;
  for (int i = 0; i < 16; ++i)
    if (!((f[i] >= '0' && f[i] <= '9') || (f[i] >= 'a' && f[i] <= 'f'))) return 0;
  return 1;
}

static void test_fingerprint(void) {
  char f1[JWTX_FINGERPRINT_SIZE], f2[JWTX_FINGERPRINT_SIZE], f3[JWTX_FINGERPRINT_SIZE];
  const char* token = "aaa.bbb.ccc";
  CHECK_STATUS(jwtx_fingerprint(token, strlen(token), f1), JWTX_OK);
  CHECK(is_hex16(f1));
  CHECK(strstr(f1, "aaa") == NULL);
  jt_key* k = jt_key_generate("ES256", "k1");
  jwtx_key_set* keys = jwks_of(k);
  jwtx_verifier_options o = base_options("ES256");
  o.max_token_bytes = 8;
  jwtx_verifier* v = verifier_for(keys, &o);
  jwtx_result* r = jwtx_result_new();
  CHECK_STATUS(verify_str(v, token, r), JWTX_TOO_LARGE);
  CHECK_STATUS(jwtx_result_fingerprint(r, f2), JWTX_OK);
  CHECK(strcmp(f1, f2) == 0);
  CHECK_STATUS(verify_str(v, "x.y", r), JWTX_MALFORMED);
  CHECK_STATUS(jwtx_result_fingerprint(r, f3), JWTX_OK);
  CHECK_STATUS(jwtx_fingerprint("x.y", 3, f2), JWTX_OK);
  CHECK(strcmp(f3, f2) == 0 && strcmp(f1, f3) != 0);
  CHECK_STATUS(jwtx_fingerprint(NULL, 0, f2), JWTX_OK); /* the empty string */
  CHECK_STATUS(jwtx_fingerprint(NULL, 3, f2), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_fingerprint(token, 3, NULL), JWTX_INVALID_ARGUMENT);
  jwtx_result_free(r);
  fixture_free(v, keys, k);
}

/* NULL handles and pointers are rejected with a status (or NULL/0), never dereferenced. */
static void test_null_arguments(void) {
  char error[128] = "";
  jwtx_result* r = jwtx_result_new();
  const char* s;
  size_t n;
  int64_t i;
  double d;
  int b;
  char buf[JWTX_FINGERPRINT_SIZE];
  CHECK(jwtx_key_set_from_jwks(NULL, 5, error, sizeof error) == NULL);
  CHECK(strcmp(error, "json is NULL") == 0);
  CHECK(jwtx_key_set_from_pem(NULL, 5, NULL, NULL, 0) == NULL);
  CHECK(jwtx_key_set_from_hmac(NULL, 32, NULL, NULL, 0) == NULL);
  CHECK(jwtx_verifier_new(NULL, NULL, error, sizeof error) == NULL);
  jwtx_key_set_free(NULL);
  jwtx_verifier_free(NULL);
  jwtx_result_free(NULL);
  jwtx_pipeline_free(NULL);
  jwtx_pipeline_close(NULL);
  jwtx_results_free(NULL);
  jwtx_revocation_set_free(NULL);
  jwtx_redis_feed_stop(NULL);
  jwtx_verifier_options_init(NULL);
  jwtx_pipeline_options_init(NULL);
  CHECK(jwtx_key_set_size(NULL) == 0 && jwtx_key_set_skipped_count(NULL) == 0);
  CHECK_STATUS(jwtx_verify(NULL, "a.b.c", 5, r), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_verifier_publish_keys(NULL, NULL), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_result_status(NULL), JWTX_INVALID_ARGUMENT);
  CHECK(jwtx_result_alg(NULL) == NULL && jwtx_result_from_cache(NULL) == 0);
  CHECK_STATUS(jwtx_result_fingerprint(NULL, buf), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_result_detail(NULL, buf, sizeof buf, NULL), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_result_get_string(NULL, "a", &s, &n), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_result_get_string(r, NULL, &s, &n), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_result_get_string(r, "a", NULL, &n), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_result_get_int64(r, "a", NULL), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_result_get_double(NULL, "a", &d), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_result_get_bool(NULL, "a", &b), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_result_pointer_int64(NULL, "/a", &i), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_result_pointer_json(r, NULL, buf, sizeof buf, NULL), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_result_payload(NULL, &s, &n), JWTX_INVALID_ARGUMENT);
  CHECK(jwtx_pipeline_new(NULL, NULL, error, sizeof error) == NULL);
  CHECK_STATUS(jwtx_submit(NULL, "a", 1, NULL, NULL), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_verify_batch(NULL, NULL, NULL, 0, NULL, NULL), JWTX_INVALID_ARGUMENT);
  CHECK(jwtx_results_get(NULL, 0) == NULL && jwtx_results_capacity(NULL) == 0);
  CHECK_STATUS(jwtx_revocation_add(NULL, "j", 1, 0), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_revocation_remove(NULL, "j", 1), JWTX_INVALID_ARGUMENT);
  CHECK(jwtx_revocation_contains(NULL, "j", 1) == 0 && jwtx_revocation_size(NULL) == 0);
  CHECK(jwtx_redis_feed_start(NULL, "127.0.0.1:1", error, sizeof error) == NULL);
  CHECK(jwtx_redis_feed_synced(NULL) == 0);
  CHECK_STATUS(jwtx_redis_feed_get_stats(NULL, NULL), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_redis_publish_revocation(NULL, "j", 1, 0, 1, NULL, 0), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_verifier_metrics(NULL, NULL), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_pipeline_metrics(NULL, NULL), JWTX_INVALID_ARGUMENT);
  /* With a real verifier: NULL token, NULL result. */
  FIXTURE("ES256");
  CHECK_STATUS(jwtx_verify(v, NULL, 5, r), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_verify(v, "a.b.c", 5, NULL), JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_verifier_publish_keys(v, NULL), JWTX_INVALID_ARGUMENT);
  CHECK(jwtx_verifier_new(keys, NULL, error, sizeof error) == NULL);
  CHECK(strcmp(error, "options is NULL") == 0);
  fixture_free(v, keys, k);
  jwtx_result_free(r);
}

/* A caller compiled against the first, smaller jwtx_verifier_options keeps working: the library
 * reads only struct_size bytes (the struct below is heap-allocated at its exact size, so ASan
 * catches any read beyond it) and the newer fields keep their defaults. */
struct options_v0 {
  size_t struct_size;
  const char* algorithms;
  const char* const* issuers;
  size_t issuer_count;
  const char* const* audiences;
  size_t audience_count;
  double leeway_seconds;
  const char* const* required_claims;
  size_t required_claim_count;
  size_t max_token_bytes;
  size_t cache_entries;
  const char* typ;
};

static void test_abi_sizes(void) {
  CHECK(sizeof(struct options_v0) == JWTX_VERIFIER_OPTIONS_V0_SIZE);
  CHECK(sizeof(struct options_v0) < sizeof(jwtx_verifier_options));
  jt_key* k = jt_key_generate("ES256", "k1");
  jwtx_key_set* keys = jwks_of(k);
  struct options_v0* old = malloc(sizeof *old);
  memset(old, 0, sizeof *old);
  old->struct_size = sizeof *old;
  old->algorithms = "ES256";
  old->leeway_seconds = 60;
  old->max_token_bytes = 16384;
  static const char* const aud[] = {"api"};
  old->audiences = aud;
  old->audience_count = 1;
  char error[256] = "";
  jwtx_verifier* v =
      jwtx_verifier_new(keys, (const jwtx_verifier_options*)(const void*)old, error, sizeof error);
  CHECK(v != NULL);
  jwtx_result* r = jwtx_result_new();
  /* Real time (no clock field in v0): exp far in the future; require_exp defaults to on. */
  char* good = jt_mint(k, "{\"aud\":\"api\",\"exp\":4102444800}", NULL);
  char* no_exp = jt_mint(k, "{\"aud\":\"api\"}", NULL);
  CHECK_STATUS(verify_str(v, good, r), JWTX_OK);
  CHECK_STATUS(verify_str(v, no_exp, r), JWTX_MISSING_CLAIM);
  jwtx_verifier_free(v);
  /* Too small for the first layout: refused. */
  old->struct_size = offsetof(struct options_v0, typ);
  CHECK(jwtx_verifier_new(keys, (const jwtx_verifier_options*)(const void*)old, error,
                          sizeof error) == NULL);
  CHECK(strstr(error, "struct_size") != NULL);
  free(old);
  /* A newer caller's bigger struct: accepted when the unknown tail is zero, else refused. */
  struct {
    jwtx_verifier_options known;
    uint64_t future[2];
  } bigger;
  jwtx_verifier_options_init(&bigger.known);
  bigger.known.algorithms = "ES256";
  bigger.known.ignore_aud_when_unconfigured = 1;
  bigger.future[0] = bigger.future[1] = 0;
  bigger.known.struct_size = sizeof bigger;
  v = jwtx_verifier_new(keys, &bigger.known, error, sizeof error);
  CHECK(v != NULL);
  CHECK_STATUS(verify_str(v, good, r), JWTX_OK);
  jwtx_verifier_free(v);
  bigger.future[1] = 1;
  CHECK(jwtx_verifier_new(keys, &bigger.known, error, sizeof error) == NULL);
  CHECK(strstr(error, "does not know") != NULL);
  /* Metrics into an older, smaller struct: only its prefix is written. */
  jwtx_verifier_options o = base_options("ES256");
  v = verifier_for(keys, &o);
  const jwtx_status counted = verify_str(v, good, r);
  jwtx_metrics m;
  memset(&m, 0xAB, sizeof m);
  m.struct_size = offsetof(jwtx_metrics, cache_capacity);
  CHECK_STATUS(jwtx_verifier_metrics(v, &m), JWTX_OK);
  CHECK(m.struct_size == offsetof(jwtx_metrics, cache_capacity));
  CHECK(m.status_counts[counted] == 1);
  CHECK(m.cache_capacity == 0xABABABABABABABABull); /* beyond the caller's struct: untouched */
  m.struct_size = 4;
  CHECK_STATUS(jwtx_verifier_metrics(v, &m), JWTX_INVALID_ARGUMENT);
  jwtx_pipeline_options po;
  jwtx_pipeline_options_init(&po);
  CHECK(po.struct_size == sizeof po && po.queue_capacity == 4096 && po.max_batch == 64);
  free(good);
  free(no_exp);
  jwtx_result_free(r);
  fixture_free(v, keys, k);
}

/* --- rotation ------------------------------------------------------------------------------ */

struct rotation_reader {
  const jwtx_verifier* v;
  const char* token;
  atomic_int* stop;
  atomic_long verified;
  long failed;
};

static void* rotation_reader_main(void* arg) {
  struct rotation_reader* rr = arg;
  jwtx_result* r = jwtx_result_new();
  while (!atomic_load(rr->stop)) {
    if (verify_str(rr->v, rr->token, r) == JWTX_OK)
      atomic_fetch_add(&rr->verified, 1);
    else
      ++rr->failed;
  }
  jwtx_result_free(r);
  return NULL;
}

static void test_rotation(void) {
  jt_key* a = jt_key_generate("ES256", "a");
  jt_key* b = jt_key_generate("ES256", "b");
  jwtx_key_set* set_a = jwks_of(a);
  jwtx_key_set* set_b = jwks_of(b);
  const jt_key* both_keys[] = {a, b};
  char* both_jwks = jt_jwks(both_keys, 2);
  jwtx_key_set* set_ab = jwtx_key_set_from_jwks(both_jwks, strlen(both_jwks), NULL, 0);
  CHECK(set_ab && jwtx_key_set_size(set_ab) == 2);
  jwtx_verifier_options o = base_options("ES256");
  jwtx_verifier* v = verifier_for(set_a, &o);
  char* ta = jt_mint(a, kGoodClaims, NULL);
  char* tb = jt_mint(b, kGoodClaims, NULL);
  jwtx_result* r = jwtx_result_new();
  CHECK_STATUS(verify_str(v, ta, r), JWTX_OK);
  CHECK_STATUS(verify_str(v, tb, r), JWTX_KEY_NOT_FOUND);
  CHECK_STATUS(jwtx_verifier_publish_keys(v, set_b), JWTX_OK);
  CHECK_STATUS(verify_str(v, ta, r), JWTX_KEY_NOT_FOUND);
  CHECK_STATUS(verify_str(v, tb, r), JWTX_OK);
  /* Readers verifying a token valid in both sets never fail while sets rotate under them. */
  atomic_int stop = 0;
  struct rotation_reader readers[2] = {{v, tb, &stop, 0, 0}, {v, tb, &stop, 0, 0}};
  pthread_t threads[2];
  for (int i = 0; i < 2; ++i) pthread_create(&threads[i], NULL, rotation_reader_main, &readers[i]);
  /* At least 200 publications, and on until both readers verified 200 tokens meanwhile. */
  for (int i = 0; i < 200 || atomic_load(&readers[0].verified) < 200 ||
                  atomic_load(&readers[1].verified) < 200;
       ++i) {
    CHECK_STATUS(jwtx_verifier_publish_keys(v, i % 2 ? set_ab : set_b), JWTX_OK);
    if (i > 1000000) break;
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < 2; ++i) {
    pthread_join(threads[i], NULL);
    CHECK(readers[i].failed == 0);
    CHECK(atomic_load(&readers[i].verified) >= 200);
  }
  free(both_jwks);
  free(ta);
  free(tb);
  jwtx_result_free(r);
  jwtx_verifier_free(v);
  jwtx_key_set_free(set_a);
  jwtx_key_set_free(set_b);
  jwtx_key_set_free(set_ab);
  jt_key_free(a);
  jt_key_free(b);
}

/* --- pipeline ------------------------------------------------------------------------------ */

struct request {
  atomic_int calls;
  jwtx_status status;
  char fingerprint[JWTX_FINGERPRINT_SIZE];
  char sub[16];
  atomic_int* done;
  atomic_int* gate; /* when not NULL: wait until it opens */
};

static void on_done(void* user, jwtx_status status, const jwtx_result* result) {
  struct request* req = user;
  if (req->gate) {
    while (!atomic_load(req->gate)) sched_yield();
  }
  req->status = status;
  CHECK_STATUS(jwtx_result_status(result), status);
  jwtx_result_fingerprint(result, req->fingerprint);
  const char* s;
  size_t n;
  if (jwtx_result_get_string(result, "sub", &s, &n) == JWTX_OK && n < sizeof req->sub) {
    memcpy(req->sub, s, n);
    req->sub[n] = '\0';
  }
  atomic_fetch_add(&req->calls, 1);
  atomic_fetch_add(req->done, 1);
}

static void wait_for(atomic_int* counter, int value) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (atomic_load(counter) < value) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec > 20) {
      fprintf(stderr, "timed out waiting for %d completions (have %d)\n", value,
              atomic_load(counter));
      ++failures;
      return;
    }
    sched_yield();
  }
}

enum { kTokens = 64 };

/* Tokens 0..kTokens-1: every 4th has a broken signature, every 4th+1 is expired. */
static char* pipeline_token(jt_key* k, int i) {
  char* claims =
      fmt("{\"iss\":\"https://issuer.example\",\"aud\":\"api\",\"sub\":\"u%d\",\"exp\":%d}", i,
          i % 4 == 1 ? 1600000000 : 1700003600);
  char* t = jt_mint(k, claims, NULL);
  free(claims);
  if (i % 4 == 0) {
    char* sig = strrchr(t, '.') + 1;
    sig[2] = sig[2] == 'A' ? 'B' : 'A';
  }
  return t;
}

static void test_submit(void) {
  FIXTURE("ES256");
  jwtx_pipeline_options po;
  jwtx_pipeline_options_init(&po);
  po.concurrency = 2;
  char error[256] = "";
  jwtx_pipeline* p = jwtx_pipeline_new(v, &po, error, sizeof error);
  CHECK(p != NULL);
  if (!p) return;
  jwtx_verifier_free(v); /* the pipeline keeps its own reference */
  static struct request reqs[kTokens];
  char* tokens[kTokens];
  atomic_int done = 0;
  for (int i = 0; i < kTokens; ++i) {
    memset(&reqs[i], 0, sizeof reqs[i]);
    reqs[i].done = &done;
    tokens[i] = pipeline_token(k, i);
    CHECK_STATUS(jwtx_submit(p, tokens[i], strlen(tokens[i]), on_done, &reqs[i]), JWTX_OK);
  }
  wait_for(&done, kTokens);
  jwtx_pipeline_close(p);
  jwtx_result* r = jwtx_result_new();
  jwtx_verifier* direct = verifier_for(keys, &o);
  for (int i = 0; i < kTokens; ++i) {
    CHECK(atomic_load(&reqs[i].calls) == 1);
    CHECK_STATUS(reqs[i].status, verify_str(direct, tokens[i], r));
    char f[JWTX_FINGERPRINT_SIZE];
    jwtx_fingerprint(tokens[i], strlen(tokens[i]), f);
    CHECK(strcmp(f, reqs[i].fingerprint) == 0);
    if (i % 4 != 0) {
      char want[16];
      snprintf(want, sizeof want, "u%d", i);
      CHECK(strcmp(reqs[i].sub, want) == 0);
    }
  }
  /* After close: refused, callback never called. */
  struct request late = {0};
  late.done = &done;
  CHECK_STATUS(jwtx_submit(p, tokens[0], strlen(tokens[0]), on_done, &late), JWTX_SHUTTING_DOWN);
  CHECK(atomic_load(&late.calls) == 0);
  CHECK_STATUS(jwtx_submit(p, tokens[0], strlen(tokens[0]), NULL, &late), JWTX_INVALID_ARGUMENT);
  jwtx_metrics m;
  m.struct_size = sizeof m;
  CHECK_STATUS(jwtx_pipeline_metrics(p, &m), JWTX_OK);
  CHECK(m.status_counts[JWTX_OK] == kTokens / 2);
  CHECK(m.status_counts[JWTX_BAD_SIGNATURE] == kTokens / 4);
  CHECK(m.status_counts[JWTX_EXPIRED] == kTokens / 4);
  CHECK(m.refused_shutting_down == 1);
  CHECK(m.latency_ns.count == kTokens);
  CHECK(m.batches >= 1);
  jwtx_pipeline_free(p);

  /* A full queue: one slot, held by a completion that waits on a gate -> overloaded. */
  v = verifier_for(keys, &o);
  po.queue_capacity = 1;
  po.large_slots = 0;
  po.concurrency = 1;
  p = jwtx_pipeline_new(v, &po, error, sizeof error);
  CHECK(p != NULL);
  atomic_int gate = 0;
  atomic_int held_done = 0;
  struct request held = {0};
  held.done = &held_done;
  held.gate = &gate;
  CHECK_STATUS(jwtx_submit(p, tokens[2], strlen(tokens[2]), on_done, &held), JWTX_OK);
  struct request extra = {0};
  extra.done = &held_done;
  CHECK_STATUS(jwtx_submit(p, tokens[3], strlen(tokens[3]), on_done, &extra), JWTX_OVERLOADED);
  /* submit_wait gives up after its timeout while the slot stays taken. */
  CHECK_STATUS(jwtx_submit_wait(p, tokens[3], strlen(tokens[3]), on_done, &extra, 1000000),
               JWTX_OVERLOADED);
  atomic_store(&gate, 1);
  wait_for(&held_done, 1);
  CHECK_STATUS(jwtx_submit_wait(p, tokens[3], strlen(tokens[3]), on_done, &extra, 5000000000ull),
               JWTX_OK);
  wait_for(&held_done, 2);
  CHECK_STATUS(held.status, JWTX_OK);
  /* Too large for the verifier: refused at submit. */
  char* huge = malloc(20000);
  memset(huge, 'a', 19999);
  huge[19999] = '\0';
  CHECK_STATUS(jwtx_submit(p, huge, strlen(huge), on_done, &extra), JWTX_TOO_LARGE);
  free(huge);
  /* Bad options: NULL + reason. */
  po.max_batch = 0;
  CHECK(jwtx_pipeline_new(v, &po, error, sizeof error) == NULL);
  CHECK(strstr(error, "max_batch") != NULL);
  jwtx_pipeline_free(p);
  jwtx_verifier_free(v);
  for (int i = 0; i < kTokens; ++i) free(tokens[i]);
  jwtx_result_free(r);
  jwtx_verifier_free(direct);
  jwtx_key_set_free(keys);
  jt_key_free(k);
}

static void test_verify_batch(void) {
  FIXTURE("RS256");
  jwtx_pipeline_options po;
  jwtx_pipeline_options_init(&po);
  po.concurrency = 2;
  jwtx_pipeline* p = jwtx_pipeline_new(v, &po, NULL, 0);
  CHECK(p != NULL);
  char* tokens[kTokens];
  size_t lens[kTokens];
  for (int i = 0; i < kTokens; ++i) {
    tokens[i] = pipeline_token(k, i);
    lens[i] = strlen(tokens[i]);
  }
  jwtx_results* rs = jwtx_results_new(kTokens);
  CHECK(jwtx_results_capacity(rs) == kTokens);
  jwtx_status statuses[kTokens];
  jwtx_result* r = jwtx_result_new();
  for (int round = 0; round < 2; ++round) { /* reused results */
    CHECK_STATUS(jwtx_verify_batch(p, (const char* const*)tokens, round ? NULL : lens, kTokens, rs,
                                   statuses),
                 JWTX_OK);
    for (int i = 0; i < kTokens; ++i) {
      jwtx_status want = verify_str(v, tokens[i], r);
      CHECK_STATUS(statuses[i], want);
      const jwtx_result* ri = jwtx_results_get(rs, i);
      CHECK_STATUS(jwtx_result_status(ri), want);
      const char* s;
      size_t n;
      if (want == JWTX_OK) {
        CHECK_STATUS(jwtx_result_get_string(ri, "sub", &s, &n), JWTX_OK);
        char expect[16];
        snprintf(expect, sizeof expect, "u%d", i);
        CHECK(n == strlen(expect) && memcmp(s, expect, n) == 0);
      }
    }
  }
  /* A batch result is read-only: jwtx_verify refuses it. */
  CHECK_STATUS(jwtx_verify(v, tokens[0], lens[0], (jwtx_result*)jwtx_results_get(rs, 0)),
               JWTX_INVALID_ARGUMENT);
  CHECK(jwtx_results_get(rs, kTokens) == NULL);
  CHECK_STATUS(jwtx_verify_batch(p, (const char* const*)tokens, lens, kTokens + 1, rs, NULL),
               JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_verify_batch(p, NULL, NULL, 0, rs, NULL), JWTX_OK);
  jwtx_metrics m;
  m.struct_size = sizeof m;
  CHECK_STATUS(jwtx_pipeline_metrics(p, &m), JWTX_OK);
  CHECK(m.status_counts[JWTX_OK] == kTokens); /* 2 rounds x kTokens/2 */
  CHECK_STATUS(jwtx_verifier_metrics(v, &m), JWTX_OK);
  CHECK(m.status_counts[JWTX_OK] == kTokens); /* the direct jwtx_verify calls */
  CHECK(m.status_counts[JWTX_BAD_SIGNATURE] == kTokens / 2);
  CHECK(m.status_counts[JWTX_INVALID_ARGUMENT] == 0);
  for (int i = 0; i < kTokens; ++i) free(tokens[i]);
  jwtx_results_free(rs);
  jwtx_result_free(r);
  jwtx_pipeline_free(p);
  fixture_free(v, keys, k);
}

static void test_cache_metrics(void) {
  jt_key* k = jt_key_generate("ES256", "k1");
  jwtx_key_set* keys = jwks_of(k);
  jwtx_verifier_options o = base_options("ES256");
  o.cache_entries = 1024;
  jwtx_verifier* v = verifier_for(keys, &o);
  char* t = jt_mint(k, kGoodClaims, NULL);
  jwtx_result* r = jwtx_result_new();
  for (int i = 0; i < 5; ++i) CHECK_STATUS(verify_str(v, t, r), JWTX_OK);
  CHECK(jwtx_result_from_cache(r) == 1);
  const char* s;
  size_t n;
  CHECK_STATUS(jwtx_result_get_string(r, "scope", &s, &n), JWTX_OK); /* decoded after a hit */
  CHECK(n == 10 && memcmp(s, "read write", 10) == 0);
  jwtx_metrics m;
  m.struct_size = sizeof m;
  CHECK_STATUS(jwtx_verifier_metrics(v, &m), JWTX_OK);
  CHECK(m.status_counts[JWTX_OK] == 5);
  CHECK(m.cache_hits == 4 && m.cache_misses == 1 && m.cache_inserts == 1);
  CHECK(m.cache_capacity >= 1024 && m.cache_size == 1);
  free(t);
  jwtx_result_free(r);
  fixture_free(v, keys, k);
}

/* --- revocation ---------------------------------------------------------------------------- */

static void test_revocation(void) {
  jt_key* k = jt_key_generate("ES256", "k1");
  jwtx_key_set* keys = jwks_of(k);
  jwtx_revocation_set* set = jwtx_revocation_set_new();
  jwtx_verifier_options o = base_options("ES256");
  o.revocation = set;
  o.cache_entries = 64; /* revocation is checked on cache hits too */
  jwtx_verifier* v = verifier_for(keys, &o);
  jwtx_revocation_set_free(set); /* the verifier keeps its own reference... */
  set = NULL;
  jwtx_verifier_free(v);
  set = jwtx_revocation_set_new();
  o.revocation = set;
  v = verifier_for(keys, &o);
  char* t = jt_mint(k, kGoodClaims, NULL); /* jti "j-1" */
  jwtx_result* r = jwtx_result_new();
  CHECK_STATUS(verify_str(v, t, r), JWTX_OK);
  CHECK_STATUS(verify_str(v, t, r), JWTX_OK);
  CHECK(jwtx_result_from_cache(r) == 1);
  CHECK_STATUS(jwtx_revocation_add(set, "j-1", 3, INFINITY), JWTX_OK);
  CHECK(jwtx_revocation_contains(set, "j-1", 3) == 1);
  CHECK(jwtx_revocation_contains(set, "j-2", 3) == 0);
  CHECK(jwtx_revocation_size(set) == 1);
  CHECK_STATUS(verify_str(v, t, r), JWTX_REVOKED);
  CHECK_STATUS(jwtx_revocation_add(set, "\0bin", 4, NAN), JWTX_OK); /* any bytes; NaN = forever */
  CHECK(jwtx_revocation_contains(set, "\0bin", 4) == 1);
  CHECK_STATUS(jwtx_revocation_remove(set, "j-1", 3), JWTX_OK);
  CHECK_STATUS(jwtx_revocation_remove(set, "j-1", 3), JWTX_NOT_FOUND);
  CHECK_STATUS(verify_str(v, t, r), JWTX_OK);
  /* Fail closed on a stale list: a feed that never reached its server leaves the list unsynced. */
  char error[256] = "";
  jwtx_revocation_set* fleet = jwtx_revocation_set_new();
  jwtx_verifier_options oc = base_options("ES256");
  oc.revocation = fleet;
  oc.revocation_max_staleness_seconds = 30;
  oc.revocation_fail_closed = 1;
  jwtx_verifier* vc = verifier_for(keys, &oc);
  jwtx_redis_feed* feed = jwtx_redis_feed_start(fleet, "127.0.0.1:1", error, sizeof error);
  CHECK(feed != NULL);
  CHECK_STATUS(verify_str(vc, t, r), JWTX_REVOCATION_UNAVAILABLE);
  CHECK(jwtx_redis_feed_synced(feed) == 0);
  jwtx_redis_feed_stop(feed);
  CHECK(jwtx_redis_feed_start(fleet, "no-port", error, sizeof error) == NULL);
  CHECK(error[0] != '\0');
  CHECK_STATUS(jwtx_redis_publish_revocation("bad endpoint", "j", 1, 0, 1, error, sizeof error),
               JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(jwtx_redis_publish_revocation("127.0.0.1:1", "", 0, 0, 1, error, sizeof error),
               JWTX_INVALID_ARGUMENT);
  CHECK_STATUS(
      jwtx_redis_publish_revocation("127.0.0.1:1", "j", 1, INFINITY, 0.2, error, sizeof error),
      JWTX_UNAVAILABLE);
  CHECK(error[0] != '\0');
  jwtx_verifier_free(vc);
  jwtx_revocation_set_free(fleet);
  free(t);
  jwtx_result_free(r);
  jwtx_verifier_free(v);
  jwtx_revocation_set_free(set);
  jwtx_key_set_free(keys);
  jt_key_free(k);
}

static void test_redis_feed(void) {
  unsigned port = jt_redis_start();
  CHECK(port != 0);
  if (!port) return;
  char* endpoint = fmt("127.0.0.1:%u/capi:revoked", port);
  char error[256] = "";
  /* Published before the feed starts: found by the full load. */
  CHECK_STATUS(
      jwtx_redis_publish_revocation(endpoint, "early", 5, INFINITY, 5, error, sizeof error),
      JWTX_OK);
  jt_key* k = jt_key_generate("ES256", "k1");
  jwtx_key_set* keys = jwks_of(k);
  jwtx_revocation_set* set = jwtx_revocation_set_new();
  jwtx_verifier_options o = base_options("ES256");
  o.revocation = set;
  jwtx_verifier* v = verifier_for(keys, &o);
  jwtx_redis_feed* feed = jwtx_redis_feed_start(set, endpoint, error, sizeof error);
  CHECK(feed != NULL);
  jwtx_revocation_set_free(set); /* the feed and the verifier keep it alive */
  /* The set is only reachable through the verifier now; check through verification. */
  char* t = jt_mint(k, kGoodClaims, NULL); /* jti "j-1" */
  char* early = jt_mint(k,
                        "{\"iss\":\"https://issuer.example\",\"aud\":\"api\",\"jti\":\"early\","
                        "\"exp\":1700003600}",
                        NULL);
  jwtx_result* r = jwtx_result_new();
  struct timespec nap = {0, 5000000};
  int tries = 0;
  while (verify_str(v, early, r) != JWTX_REVOKED && tries++ < 2000) nanosleep(&nap, NULL);
  CHECK_STATUS(verify_str(v, early, r), JWTX_REVOKED);
  CHECK_STATUS(verify_str(v, t, r), JWTX_OK);
  /* Published while the feed runs: arrives over the channel. */
  CHECK_STATUS(jwtx_redis_publish_revocation(endpoint, "j-1", 3, INFINITY, 5, error, sizeof error),
               JWTX_OK);
  tries = 0;
  while (verify_str(v, t, r) != JWTX_REVOKED && tries++ < 2000) nanosleep(&nap, NULL);
  CHECK_STATUS(verify_str(v, t, r), JWTX_REVOKED);
  CHECK(jwtx_redis_feed_synced(feed) == 1);
  jwtx_redis_feed_stats stats;
  stats.struct_size = sizeof stats;
  CHECK_STATUS(jwtx_redis_feed_get_stats(feed, &stats), JWTX_OK);
  CHECK(stats.connects >= 1 && stats.loads >= 1 && stats.messages >= 1);
  jwtx_redis_feed_stop(feed);
  /* The entries stay after the feed stops. */
  CHECK_STATUS(verify_str(v, t, r), JWTX_REVOKED);
  free(t);
  free(early);
  free(endpoint);
  jwtx_result_free(r);
  fixture_free(v, keys, k);
  jt_redis_stop();
}

/* --- main ---------------------------------------------------------------------------------- */

struct test {
  const char* name;
  void (*fn)(void);
};

static const struct test kTests[] = {
    {"version", test_version},
    {"status_names", test_status_names},
    {"good_tokens", test_good_tokens},
    {"key_load_errors", test_key_load_errors},
    {"bad_inputs", test_bad_inputs},
    {"claims", test_claims},
    {"fingerprint", test_fingerprint},
    {"null_arguments", test_null_arguments},
    {"abi_sizes", test_abi_sizes},
    {"rotation", test_rotation},
    {"submit", test_submit},
    {"verify_batch", test_verify_batch},
    {"cache_metrics", test_cache_metrics},
    {"revocation", test_revocation},
    {"redis_feed", test_redis_feed},
};

int main(int argc, char** argv) {
  int ran = 0;
  for (size_t i = 0; i < sizeof kTests / sizeof kTests[0]; ++i) {
    int selected = argc < 2;
    for (int a = 1; a < argc; ++a) selected |= strcmp(argv[a], kTests[i].name) == 0;
    if (!selected) continue;
    const int before = failures;
    kTests[i].fn();
    printf("%-16s %s\n", kTests[i].name, failures == before ? "ok" : "FAILED");
    ++ran;
  }
  if (ran == 0) {
    fprintf(stderr, "no such test\n");
    return 2;
  }
  return failures == 0 ? 0 : 1;
}
