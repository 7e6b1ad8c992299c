#!/usr/bin/env bash
# Fetches Debian's BoringSSL source package (android-platform-external-boringssl, bookworm) with
# `apt-get source` through a private apt configuration and unpacks it once into a cache directory
# that every later build tree and CI configuration reuses. Prints the unpacked source directory.
#
# The system's apt configuration is not changed: the deb-src list, the package lists and apt's
# download cache live in $cache/apt/. Trust comes from apt as usual: the bookworm Release file
# must be signed by a key in the Debian archive keyring, the Sources index must match the Release
# file's hashes and the downloaded files must match the Sources index; dpkg-source then checks
# the .dsc's checksums over the tarballs. The version is pinned, so a rebuilt cache is the same
# source; if bookworm ever replaces it (a point release), the fetch fails loudly instead of
# silently building other code: bump the version here and in cmake/boringssl.cmake.
#
# Usage: scripts/boringssl_source.sh [cache-dir]
#   cache-dir defaults to $JWTX_BORINGSSL_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/jwtx.
set -euo pipefail
package=android-platform-external-boringssl
version=13.0.0+r24-2
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

cache_root=${1:-${JWTX_BORINGSSL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jwtx}}
cache=$cache_root/boringssl-$version
source_dir=$cache/src
if [ -f "$source_dir/.jwtx-unpacked" ]; then
  echo "$source_dir"
  exit 0
fi

for tool in apt-get dpkg-source flock; do
  command -v "$tool" >/dev/null || {
    echo "boringssl_source: $tool missing (scripts/deps.sh installs dpkg-dev)" >&2
    exit 1
  }
done
[ -r "$keyring" ] || {
  echo "boringssl_source: $keyring missing (apt-get install debian-archive-keyring)" >&2
  exit 1
}

mkdir -p "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial" "$cache/apt/sources.d"
# Two configurations (or CI jobs) starting at once: one fetches, the other waits and reuses it.
exec 9>"$cache/.lock"
flock 9
if [ -f "$source_dir/.jwtx-unpacked" ]; then
  echo "$source_dir"
  exit 0
fi

cat >"$cache/apt/sources.d/bookworm-src.sources" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: $keyring
EOF
: >"$cache/apt/sources.list"
apt_options=(
  -o "Dir::Etc::sourcelist=$cache/apt/sources.list"
  -o "Dir::Etc::sourceparts=$cache/apt/sources.d"
  -o "Dir::State::lists=$cache/apt/lists"
  -o "Dir::Cache=$cache/apt/cache"
  -o "Debug::NoLocking=1"
)
# apt drops privileges to _apt for downloads when run as root; that user cannot write into a
# cache under root's home, so downloads run as the invoking user instead.
[ "$(id -u)" -ne 0 ] || apt_options+=(-o "APT::Sandbox::User=root")

echo "boringssl_source: fetching $package $version into $cache (once)" >&2
apt-get "${apt_options[@]}" -qq update
work=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get "${apt_options[@]}" -qq source "$package=$version" >&2)
unpacked=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name "$package-*")
[ -f "$unpacked/android-sources.cmake" ] || {
  echo "boringssl_source: $unpacked/android-sources.cmake missing" >&2
  exit 1
}
rm -rf "$source_dir"
mv "$unpacked" "$source_dir"
mkdir -p "$cache/dsc"
mv "$work"/*.dsc "$work"/*.tar.* "$cache/dsc/"
touch "$source_dir/.jwtx-unpacked"
echo "$source_dir"
