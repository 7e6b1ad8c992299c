#!/usr/bin/env bash
# Builds everything with warnings as errors and runs the whole test suite through ctest, with
# BoringSSL built from Debian's source package (the default; the first configure builds it once
# into ~/.cache/jwtx, see cmake/boringssl.cmake), and the Python module's pytest suite against the
# module built into that tree; then the suites that exercise BoringSSL (jwtx_crypto_tests) once
# more against Debian's binary android-libboringssl (-DJWTX_BORINGSSL=system), so that path keeps
# working.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
# -O1 -g1 (line tables only): these trees are for correctness and CI builds them from scratch on
# two cores (optimised builds: scripts/demo.sh, build-release). -Werror still applies.
g1=("-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG")
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJWTX_WERROR=ON "${g1[@]}" \
  >/dev/null
cmake --build build-test -j "$(nproc)"
ctest --test-dir build-test --output-on-failure -j "$(nproc)"
PYTHONPATH=build-test/bindings/python /usr/bin/python3 -m pytest -q -p no:cacheprovider bindings/python/tests
cmake -S . -B build-test-system -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJWTX_WERROR=ON \
  "${g1[@]}" -DJWTX_BORINGSSL=system -DJWTX_BENCH=OFF >/dev/null
cmake --build build-test-system -j "$(nproc)" --target jwtx_crypto_tests
build-test-system/tests/jwtx_crypto_tests --gtest_brief=1
