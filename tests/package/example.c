/* A C program built out of tree against the installed package (tests/package/run.sh builds it
 * with find_package(jwtx) -> jwtx::jwtx_c and with pkg-config jwtx): verifies an HS256 token, then
 * the same token with one signature character changed, and prints each status name.
 * Usage: example_c SECRET_FILE KID TOKEN_FILE */
#include <jwtx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a whole file into a malloc'd buffer; NULL on error. */
static char* read_file(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  char* data = NULL;
  size_t size = 0;
  if (f == NULL) return NULL;
  for (;;) {
    char* grown = realloc(data, size + 4096 + 1);
    size_t n;
    if (grown == NULL) break;
    data = grown;
    n = fread(data + size, 1, 4096, f);
    size += n;
    if (n < 4096) break;
  }
  if (ferror(f) || data == NULL) {
    free(data);
    data = NULL;
  } else {
    data[size] = '\0';
    *len = size;
  }
  fclose(f);
  return data;
}

int main(int argc, char** argv) {
  char error[256];
  size_t secret_len = 0, token_len = 0;
  char *secret, *token;
  jwtx_key_set* keys;
  jwtx_verifier_options options;
  jwtx_verifier* verifier;
  jwtx_result* result;
  int rc = 2;

  if (argc != 4) {
    fprintf(stderr, "usage: example_c SECRET_FILE KID TOKEN_FILE\n");
    return 2;
  }
  secret = read_file(argv[1], &secret_len);
  token = read_file(argv[3], &token_len);
  if (secret == NULL || token == NULL) {
    fprintf(stderr, "cannot read the secret or the token\n");
    return 2;
  }
  while (token_len > 0 && (token[token_len - 1] == '\n' || token[token_len - 1] == '\r')) {
    token[--token_len] = '\0';
  }

  keys = jwtx_key_set_from_hmac((const unsigned char*)secret, secret_len, argv[2], error,
                                sizeof error);
  if (keys == NULL) {
    fprintf(stderr, "key set: %s\n", error);
    goto out;
  }
  jwtx_verifier_options_init(&options);
  options.algorithms = "HS256";
  verifier = jwtx_verifier_new(keys, &options, error, sizeof error);
  if (verifier == NULL) {
    fprintf(stderr, "verifier: %s\n", error);
    jwtx_key_set_free(keys);
    goto out;
  }
  result = jwtx_result_new();
  if (result != NULL) {
    /* Not the last character: keeps the signature's base64url canonical. */
    size_t signature_byte = (size_t)(strrchr(token, '.') - token) + 5;
    printf("jwtx %s\n", jwtx_version());
    printf("token: %s\n", jwtx_status_name(jwtx_verify(verifier, token, token_len, result)));
    token[signature_byte] = token[signature_byte] == 'A' ? 'B' : 'A';
    printf("tampered: %s\n", jwtx_status_name(jwtx_verify(verifier, token, token_len, result)));
    jwtx_result_free(result);
    rc = 0;
  }
  jwtx_verifier_free(verifier);
  jwtx_key_set_free(keys);
out:
  free(secret);
  free(token);
  return rc;
}
