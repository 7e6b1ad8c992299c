#!/usr/bin/python3
"""PyJWT's harness on the shared inputs, same protocol as bench/peers/peer_harness.h.

    /usr/bin/python3 pyjwt_harness.py ALG DIR SECONDS

Debian's interpreter (python3-jwt, python3-cryptography). The key is loaded once into a
cryptography key object (PyJWT's prepare_key then passes it through), and each token goes through
jwt.decode with the algorithm pinned, issuer and audience set and exp, iss, aud required. PyJWT has
no verified-token cache ("cache" exits 6, like an algorithm it lacks).
"""
import json
import sys
import time

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key

ISSUER = "https://issuer.example"
AUDIENCE = "api.example"


def out(obj):
    print(json.dumps(obj, separators=(",", ":")), flush=True)


def read_lines(path):
    with open(path, "rb") as f:
        return [line.decode() for line in f.read().split(b"\n") if line]


def main(argv):
    if not 4 <= len(argv) <= 5 or (len(argv) == 5 and argv[4] != "cache"):
        print("usage: pyjwt_harness.py ALG DIR SECONDS [cache]", file=sys.stderr)
        return 2
    alg, base = argv[1], argv[2] + "/" + argv[1]
    try:
        seconds = float(argv[3])
    except ValueError:
        seconds = 0
    if not 0 < seconds <= 3600:
        print("SECONDS must be a number in (0, 3600]", file=sys.stderr)
        return 2
    if len(argv) == 5:
        out({"impl": "pyjwt", "alg": alg, "unsupported": "no verified-token cache"})
        return 6
    try:
        with open(base + ".key", "rb") as f:
            key_bytes = f.read()
        tokens = read_lines(base + ".tokens")
        bad = []
        for name in ("tampered", "wrong_aud", "expired"):
            lines = read_lines(f"{base}.{name}")
            if len(lines) != 1:
                raise ValueError(f"{base}.{name}: expected one token")
            bad.append((name, lines[0]))
    except (OSError, ValueError) as e:
        print(f"cannot read the inputs {base}.*: {e}", file=sys.stderr)
        return 3
    if alg not in jwt.algorithms.get_default_algorithms():
        out({"impl": "pyjwt", "alg": alg, "unsupported": f"no {alg}"})
        return 6
    key = key_bytes if alg.startswith("HS") else load_pem_public_key(key_bytes)
    options = {"require": ["exp", "iss", "aud"]}

    def verify(token):
        try:
            jwt.decode(token, key, algorithms=[alg], audience=AUDIENCE, issuer=ISSUER,
                       options=options)
            return True
        except jwt.PyJWTError:
            return False

    if not all(verify(t) for t in tokens):
        out({"impl": "pyjwt", "alg": alg, "void": "a good token was rejected"})
        return 4
    for name, t in bad:
        if verify(t):
            out({"impl": "pyjwt", "alg": alg, "void": f"the {name} token was accepted"})
            return 4

    state = {"i": 0}

    def loop(secs):
        """Verifies for secs, reading the clock every 64 tokens; (count, elapsed) or None."""
        start = time.perf_counter()
        now, done, i, n = start, 0, state["i"], len(tokens)
        while now < start + secs:
            for _ in range(64):
                if not verify(tokens[i]):
                    return None
                i = (i + 1) % n
            done += 64
            now = time.perf_counter()
        state["i"] = i
        return done, time.perf_counter() - start

    warm = loop(max(seconds / 4, 0.5))  # peer_harness.h's warmup_seconds()
    cpu_start = time.process_time()
    timed = warm and loop(seconds)
    cpu = time.process_time() - cpu_start
    if not timed:
        out({"impl": "pyjwt", "alg": alg, "error": "a good token was rejected while timed"})
        return 5
    count, elapsed = timed
    out({"impl": "pyjwt", "version": jwt.__version__, "alg": alg, "mode": "verify",
         "tokens_per_s": round(count / elapsed, 1), "verified": count,
         "seconds": round(elapsed, 3), "cpu_seconds": round(cpu, 3),
         "distinct_tokens": len(tokens),
         "runtime": "python " + sys.version.split()[0]})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
