#!/usr/bin/env bash
# Checks libjwtx.so's dynamic symbol table: every defined symbol is a jwtx_* C function (no C++
# names, no template instantiations, no BoringSSL), every undefined one comes from the C/C++
# runtime or a shared dependency (never a jwtx:: C++ symbol), and the SONAME is as expected.
# Usage: check_exports.sh LIB EXPECTED_SONAME
set -euo pipefail
lib=$1
soname=$2
status=0
syms=$(readelf --dyn-syms -W "$lib" | awk 'NR > 3 && $8 != "" {print $7, $8}')
defined=$(awk '$1 != "UND" {sub(/@.*/, "", $2); print $2}' <<<"$syms" | sort -u)
undefined=$(awk '$1 == "UND" {sub(/@.*/, "", $2); print $2}' <<<"$syms" | sort -u)
bad=$(grep -v -E '^(jwtx_[a-z0-9_]+|JWTX_[0-9]+)$' <<<"$defined" || true)
if [ -n "$bad" ]; then
  echo "check_exports: $lib exports $(wc -l <<<"$bad") non-jwtx_* symbols, e.g.:" >&2
  head -n 10 <<<"$bad" >&2
  status=1
fi
bad=$(grep -E '^_ZN?K?4jwtx|^jwtx_' <<<"$undefined" || true)
if [ -n "$bad" ]; then
  echo "check_exports: $lib imports jwtx symbols:" >&2
  head -n 10 <<<"$bad" >&2
  status=1
fi
actual=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
if [ "$actual" != "$soname" ]; then
  echo "check_exports: SONAME is '$actual', expected '$soname'" >&2
  status=1
fi
if [ $status -eq 0 ]; then
  echo "check_exports: $lib: $(wc -l <<<"$defined") jwtx_* exports, $(wc -l <<<"$undefined") imports, SONAME $actual"
fi
exit $status
