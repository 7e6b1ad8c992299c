#!/usr/bin/env bash
# The package test (issue 12): installs the build tree into a scratch prefix and builds the example
# programs out of tree against it, as a consumer would. One step per ctest (tests/package/
# CMakeLists.txt):
#   install           cmake --install --prefix WORK/prefix --strip; checks the installed headers
#                     include no <openssl/...> and all compile together with only the package's
#                     flags, runs check_symbols.sh over the installed libraries, and mints an
#                     HS256 token with the installed `jwtx` CLI (secret + token files the
#                     examples read)
#   cmake-cpp|cmake-c     configures tests/package/consumer with find_package(jwtx), builds, runs
#   pkgconfig-cpp|pkgconfig-c  compiles with pkg-config jwtx-cpp / jwtx, runs
#   pkgconfig-openssl  tests/symbols/openssl_coexistence.cc against the installed libjwtx.a and
#                     OpenSSL 3 (skipped without libssl-dev)
# The C steps exit 77 (skipped) when the build has no C API (target jwtx_c).
# Usage: run.sh STEP BUILD_DIR SOURCE_DIR WORK_DIR HAS_C_API CXX CC LIBDIR (relative to the prefix)
# Environment: CMAKE, PKG_CONFIG and CMAKE_GENERATOR (the build's own; defaults from PATH).
set -euo pipefail
step=$1 build=$2 source=$3 work=$4 has_c=$5 cxx=$6 cc=$7
prefix=$work/prefix
libdir=$prefix/$8
cmake=${CMAKE:-cmake}
pkg_config=${PKG_CONFIG:-pkg-config}
keys=$work/keys
here=$source/tests/package

# Runs an example and checks its output: the token is valid, the tampered one has a bad signature.
run_example() {
  local out
  out=$("$@" "$keys/k1.secret" k1 "$keys/token.txt")
  echo "$out"
  grep -qx 'token: ok' <<<"$out" || { echo "FAILED: token not ok" >&2; exit 1; }
  grep -qx 'tampered: bad_signature' <<<"$out" ||
    { echo "FAILED: tampered not bad_signature" >&2; exit 1; }
}

case $step in
install)
  rm -rf "$work"
  mkdir -p "$work" "$keys"
  "$cmake" --install "$build" --prefix "$prefix" --strip >"$work/install.log"
  echo "installed into $prefix: $(find "$prefix" -type f | wc -l) files"
  # BoringSSL's headers are not installed, so no installed header may need them.
  if grep -rlE '#\s*include\s*[<"]openssl/' "$prefix/include"; then
    echo "FAILED: the installed headers above include <openssl/...>" >&2
    exit 1
  fi
  # Every installed C++ header, together, with nothing but the package's own flags: catches a
  # header that includes one that is not installed.
  (cd "$prefix/include/jwtx" && find engine -name '*.h' | sort | sed 's/.*/#include "&"/') \
    >"$work/all_headers.cc"
  "$cxx" -std=c++20 -fsyntax-only \
    $(PKG_CONFIG_PATH=$libdir/pkgconfig "$pkg_config" --cflags jwtx-cpp) "$work/all_headers.cc"
  echo "all $(wc -l <"$work/all_headers.cc") installed C++ headers compile together"
  libs=("$libdir/libjwtx.a")
  if [ "$has_c" = 1 ]; then libs+=("$libdir/libjwtx.so"); fi
  "$source/tests/symbols/check_symbols.sh" "${libs[@]}"
  "$prefix/bin/jwtx" keygen --alg HS256 --kid k1 --out-dir "$keys" >/dev/null
  "$prefix/bin/jwtx" mint --key "$keys/k1.private.jwk.json" --claims '{"sub":"alice"}' \
    --exp-in 3600 >"$keys/token.txt"
  ;;
cmake-cpp | cmake-c)
  lang=${step#cmake-}
  if [ "$lang" = c ] && [ "$has_c" != 1 ]; then echo "no C API in this build"; exit 77; fi
  dir=$work/cmake-$lang
  rm -rf "$dir"
  c_args=(-DJWTX_EXAMPLE_C=OFF)
  if [ "$lang" = c ]; then c_args=(-DJWTX_EXAMPLE_C=ON -DCMAKE_C_COMPILER="$cc"); fi
  "$cmake" -S "$here/consumer" -B "$dir" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" "${c_args[@]}" >"$dir.log"
  "$cmake" --build "$dir" --target "example_$lang" >>"$dir.log" || { cat "$dir.log"; exit 1; }
  run_example "$dir/example_$lang"
  ;;
pkgconfig-cpp)
  export PKG_CONFIG_PATH=$libdir/pkgconfig
  # jwtx-cpp names libjwtx.a by its full path; its dependencies come from Requires.
  "$cxx" -std=c++20 -O1 -o "$work/pkgconfig_example_cpp" "$here/example.cc" \
    $("$pkg_config" --cflags --libs jwtx-cpp)
  run_example "$work/pkgconfig_example_cpp"
  ;;
pkgconfig-openssl)
  # The installed libjwtx.a next to OpenSSL 3 in one program (tests/symbols' coexistence check,
  # here against what a consumer gets): each library's calls must reach its own code.
  export PKG_CONFIG_PATH=$libdir/pkgconfig
  if ! "$pkg_config" --exists 'libcrypto >= 3'; then echo "no OpenSSL 3 (libssl-dev)"; exit 77; fi
  "$cxx" -std=c++20 -O1 -o "$work/pkgconfig_openssl" \
    "$source/tests/symbols/openssl_coexistence.cc" \
    $("$pkg_config" --cflags --libs jwtx-cpp libcrypto)
  "$work/pkgconfig_openssl"
  ;;
pkgconfig-c)
  if [ "$has_c" != 1 ]; then echo "no C API in this build"; exit 77; fi
  export PKG_CONFIG_PATH=$libdir/pkgconfig
  # -ljwtx: the shared C API; the rpath stands in for an installation in a system directory.
  "$cc" -std=c11 -Wall -Wextra -Werror -O1 -o "$work/pkgconfig_example_c" "$here/example.c" \
    $("$pkg_config" --cflags --libs jwtx) -Wl,-rpath,"$("$pkg_config" --variable=libdir jwtx)"
  run_example "$work/pkgconfig_example_c"
  ;;
*)
  echo "unknown step $step" >&2
  exit 2
  ;;
esac
