#!/usr/bin/env bash
# jwtx side by side with libjwt, cpp-jwt, PyJWT, fast-jwt, jose and jsonwebtoken (README.md here).
# One command: installs what is missing (Debian packages via scripts/deps.sh, the npm packages
# pinned in node/package-lock.json via `npm ci`), builds jwtx's harness (Release, BoringSSL from
# source, the tree scripts/demo.sh uses) and the C/C++ peers' harnesses (g++ -O2, OpenSSL via
# pkg-config, one executable each: never OpenSSL and BoringSSL in one process), writes the shared
# inputs once with the jwtx CLI, then runs driver.py. About 6 minutes with the defaults.
# Usage: bench/peers/run.sh [--fresh-inputs] [driver.py flags: --seconds S --rounds R --json ...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

fresh=0
if [[ "${1:-}" == "--fresh-inputs" ]]; then
  fresh=1
  shift
fi

# Debian: the peers and what builds their harnesses; nodejs only when the machine has no node
# (a machine's node 20 ships its npm; Debian's npm package conflicts with it).
extra=(libjwt-dev libcpp-jwt-dev nlohmann-json3-dev python3-jwt python3-cryptography libssl-dev
       pkg-config g++)
command -v node >/dev/null || extra+=(nodejs npm)
scripts/deps.sh "${extra[@]}"

# npm: exact versions from the lock file; reinstalled only when the lock changed.
node_dir="$here/node"
if [[ ! -f "$node_dir/node_modules/.package-lock.json" ||
      "$node_dir/package-lock.json" -nt "$node_dir/node_modules/.package-lock.json" ]]; then
  echo "peers: npm ci (fast-jwt, jose, jsonwebtoken)" >&2
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# jwtx: the release tree of scripts/demo.sh (-O3, BoringSSL built from source once, cached).
build="build-release"
echo "peers: building jwtx's harness and CLI ($build)" >&2
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DJWTX_TESTS=OFF >/dev/null
cmake --build "$build" --target jwtx_peers_harness jwtx_cli >/dev/null

# The C/C++ peers: their own executables, OpenSSL only.
bin="$root/$build/bench/peers"
cxx=(g++ -std=c++20 -O2 -DNDEBUG -Wall -Wextra -Werror)
if [[ ! -x "$bin/libjwt_harness" || "$here/libjwt_harness.cc" -nt "$bin/libjwt_harness" ||
      "$here/peer_harness.h" -nt "$bin/libjwt_harness" ]]; then
  echo "peers: building libjwt_harness" >&2
  # shellcheck disable=SC2046  # pkg-config prints several flags
  "${cxx[@]}" -DLIBJWT_VERSION="\"$(pkg-config --modversion libjwt)\"" "$here/libjwt_harness.cc" \
    -o "$bin/libjwt_harness" $(pkg-config --cflags --libs libjwt)
fi
if [[ ! -x "$bin/cppjwt_harness" || "$here/cppjwt_harness.cc" -nt "$bin/cppjwt_harness" ||
      "$here/peer_harness.h" -nt "$bin/cppjwt_harness" ]]; then
  echo "peers: building cppjwt_harness (header-only cpp-jwt: ~15 s)" >&2
  # shellcheck disable=SC2046
  "${cxx[@]}" -DCPPJWT_VERSION="\"$(dpkg-query -W -f='${Version}' libcpp-jwt-dev)\"" \
    "$here/cppjwt_harness.cc" -o "$bin/cppjwt_harness" $(pkg-config --cflags --libs openssl)
fi

# The shared inputs: written once (keys and tokens stay the same across runs) unless asked.
inputs="$root/$build/bench/peers/inputs"
if [[ "$fresh" == 1 || ! -f "$inputs/EdDSA.expired" ]]; then
  echo "peers: writing the inputs ($inputs)" >&2
  python3 "$here/make_inputs.py" --jwtx "$root/$build/jwtx" --out "$inputs"
fi

exec python3 "$here/driver.py" --inputs "$inputs" --bin "$bin" "$@"
