#!/usr/bin/env bash
# Fails if any given binary, shared object or static archive exports or imports a
# BoringSSL/OpenSSL symbol: a host process with OpenSSL loaded would otherwise bind one library's
# calls to the other's functions. ELF executables and shared objects are read through their
# dynamic symbol table (what the dynamic linker resolves); archives through every global or weak
# symbol of default visibility (what a static link with another libcrypto would resolve). A
# hidden undefined reference (BoringSSL's weak allocator hooks, cmake/boringssl/hidden_hooks.h)
# is allowed in an archive: it can never bind to a shared library, and the final link resolves it.
# Usage: check_symbols.sh FILE...
set -euo pipefail
pattern='^(EVP_|RSA_|EC_|ECDSA_|ED25519_|SHA|HMAC|CRYPTO_|BN_|OPENSSL_|ERR_|BIO_|PEM_|RAND_|X509|d2i_|i2d_)'
status=0
for file in "$@"; do
  if [[ "$file" == *.a ]]; then
    symbols=$(readelf -sW "$file" |
      awk '($5 == "GLOBAL" || $5 == "WEAK") && $6 == "DEFAULT" && $8 != "" {print $8}')
  else
    symbols=$(readelf --dyn-syms -W "$file" | awk 'NR > 3 && $8 != "" {sub(/@.*/, "", $8); print $8}')
  fi
  bad=$(grep -E "$pattern" <<<"$symbols" | sort -u || true)
  if [ -n "$bad" ]; then
    echo "check_symbols: $file exports or imports $(wc -l <<<"$bad") crypto symbols, e.g.:" >&2
    head -n 10 <<<"$bad" >&2
    status=1
  else
    echo "check_symbols: $file: no crypto symbols ($(wc -l <<<"$symbols") symbols checked)"
  fi
done
exit $status
