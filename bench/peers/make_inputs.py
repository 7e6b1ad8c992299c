#!/usr/bin/env python3
"""Writes the inputs every peer harness verifies (protocol: bench/peers/peer_harness.h).

Keys and tokens come from the jwtx CLI (`jwtx keygen`, `jwtx mint`); this script only arranges the
files and flips one signature bit for the tampered token (base64url re-encoding, no cryptography).
For each algorithm, in OUT: ALG.key (public PEM, or the raw HMAC secret), ALG.tokens (COUNT tokens,
distinct jti), ALG.tampered, ALG.wrong_aud, ALG.expired. Tokens are never printed.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys

ISSUER = "https://issuer.example"
AUDIENCE = "api.example"
TEN_YEARS = 10 * 365 * 24 * 3600
# ~300 bytes of payload with iat, exp and jti added by `jwtx mint`.
CLAIMS = {
    "iss": ISSUER,
    "aud": AUDIENCE,
    "sub": "user-1234567890",
    "name": "Ada Lovelace",
    "email": "ada.lovelace@example.com",
    "azp": "gateway-client",
    "tenant": "tenant-0042",
    "scope": "read:orders write:orders read:profile",
    "roles": ["admin", "billing"],
}


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url_encode(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def tamper(token):
    """The same token with one bit of the signature's middle byte flipped."""
    head, payload, sig = token.split(".")
    raw = bytearray(b64url_decode(sig))
    raw[len(raw) // 2] ^= 0x01
    return ".".join([head, payload, b64url_encode(bytes(raw))])


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"make_inputs: {cmd[1]} failed (exit {r.returncode}): {r.stderr.strip()}")
    return r.stdout


def mint(jwtx, key, claims, exp_in, count):
    out = run([jwtx, "mint", "--key", key, "--claims", json.dumps(claims, separators=(",", ":")),
               "--exp-in", str(exp_in), "--iat-now", "--count", str(count)])
    tokens = out.split()
    if len(tokens) != count:
        sys.exit(f"make_inputs: jwtx mint gave {len(tokens)} tokens, wanted {count}")
    return tokens


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jwtx", required=True, help="path of the jwtx CLI")
    ap.add_argument("--out", required=True, help="output directory (replaced)")
    ap.add_argument("--algs", default="HS256,RS256,PS256,ES256,ES384,EdDSA")
    ap.add_argument("--count", type=int, default=100, help="distinct tokens per algorithm")
    a = ap.parse_args()
    if not 1 <= a.count <= 100000:
        sys.exit("make_inputs: --count must be in [1, 100000]")
    if os.path.isdir(a.out):
        shutil.rmtree(a.out)
    keys = os.path.join(a.out, "keys")
    os.makedirs(keys)
    for alg in a.algs.split(","):
        kid = "peer-" + alg
        run([a.jwtx, "keygen", "--alg", alg, "--kid", kid, "--out-dir", keys])
        private = os.path.join(keys, kid + ".private.jwk.json")
        public = os.path.join(keys, kid + (".secret" if alg.startswith("HS") else ".public.pem"))
        shutil.copyfile(public, os.path.join(a.out, alg + ".key"))
        good = mint(a.jwtx, private, CLAIMS, TEN_YEARS, a.count)
        wrong_aud = mint(a.jwtx, private, dict(CLAIMS, aud="other.example"), TEN_YEARS, 1)
        expired = mint(a.jwtx, private, CLAIMS, -3600, 1)
        base = os.path.join(a.out, alg)
        write(base + ".tokens", "\n".join(good) + "\n")
        write(base + ".tampered", tamper(good[0]) + "\n")
        write(base + ".wrong_aud", wrong_aud[0] + "\n")
        write(base + ".expired", expired[0] + "\n")
        payload = len(b64url_decode(good[0].split(".")[1]))
        write(base + ".info.json", json.dumps({"alg": alg, "count": a.count,
                                                "token_bytes": len(good[0]),
                                                "payload_bytes": payload}) + "\n")


if __name__ == "__main__":
    main()
