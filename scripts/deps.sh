#!/usr/bin/env bash
# Installs the Debian 12 packages jwtx needs, only those that are missing.
# Usage: scripts/deps.sh [extra-package ...]
set -euo pipefail
# android-libboringssl-dev serves -DJWTX_BORINGSSL=system; dpkg-dev and debian-archive-keyring
# fetch and check BoringSSL's source package for the default source build
# (scripts/boringssl_source.sh); libssl-dev only for the OpenSSL coexistence test. The Python
# module (bindings/python): pybind11-dev, python3-dev, python3-setuptools, python3-pip and
# python3-venv (an offline `pip install --no-build-isolation`), python3-pytest for its tests,
# python3-jwt and python3-cryptography for its bench (PyJWT) and the ssl test's certificate.
# libcurl4-gnutls-dev: the remote JWKS fetcher (engine/keys/http_fetch.*; GnuTLS flavour, never the
# OpenSSL one); openssl (the CLI only) makes the self-signed certificate of its HTTPS tests.
# `jwtx serve`: libyaml-cpp-dev (its config) and libevent-dev (evhttp, linked without event_openssl);
# nginx (its auth_request integration test, tests/integration/) and wrk (bench/serve*_wrk.sh).
# chromium: the capacity plots (tools/jwtx/bench/plot.*) are rendered headless in a test
# (tests/plot/render_test.py) to check the picture is not blank and its labels are drawn.
packages=(cmake ninja-build g++ pkg-config android-libboringssl-dev libsimdjson-dev libcli11-dev
          libgtest-dev libbenchmark-dev redis-server libhiredis-dev libtbb-dev
          dpkg-dev debian-archive-keyring libssl-dev
          pybind11-dev python3-dev python3-setuptools python3-pip python3-venv python3-pytest python3-jwt
          python3-cryptography libcurl4-gnutls-dev openssl libyaml-cpp-dev libevent-dev
          nginx wrk chromium "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "jwtx: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
