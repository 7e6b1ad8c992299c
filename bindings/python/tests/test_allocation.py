"""Per-call allocation: after warm-up, a valid token costs the C heap nothing (the Result and its
strings come from Python's own allocator). RS256 misses allocate exactly what BoringSSL's
RSA_verify does on its own (19 blocks, as tests/alloc/alloc_test.cc counts for C++). Runs in a
child interpreter with the malloc-counting shim the build puts next to the module."""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

import jwtx._jwtx

SHIM = pathlib.Path(jwtx._jwtx.__file__).resolve().parent.parent / "libjwtx_malloc_counter.so"

SCRIPT = textwrap.dedent(r'''
    import ctypes, json, jwtx
    from jwtx._testing import SigningKey, make_jwks
    lib = ctypes.CDLL(None)
    count = ctypes.c_ulong.in_dll(lib, "jwtx_malloc_count")
    counting = ctypes.c_int.in_dll(lib, "jwtx_malloc_counting")
    payload = json.dumps({"sub": "a", "exp": 1_700_000_600, "iss": "i", "aud": "a",
                          "roles": ["x", "y"]})
    out = {}
    for alg in ("HS256", "ES256", "EdDSA", "RS256"):
        if alg == "HS256":
            key = SigningKey.from_hmac_secret(b"s" * 32, "HS256", "h")
            keys = dict(hmac_secret=b"s" * 32, hmac_kid="h")
        else:
            key = SigningKey.generate(alg, "k")
            keys = dict(jwks=make_jwks([key.public_jwk()]))
        token = key.mint(payload)
        for cache in (0, 1024):
            v = jwtx.Verifier(algorithms=[alg], issuer="i", audience="a", now=1_700_000_000,
                              cache_entries=cache, **keys)
            for _ in range(50):
                v.verify(token)
            count.value = 0
            counting.value = 1
            for _ in range(500):
                r = v.verify(token)
            counting.value = 0
            assert r.valid
            out[f"{alg}/{cache}"] = count.value / 500
    print(json.dumps(out))
''')


@pytest.mark.skipif(not SHIM.exists(), reason="the counting shim is built with the build tree")
def test_valid_tokens_cost_no_heap_allocation():
    env = dict(os.environ, LD_PRELOAD=str(SHIM))
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    per_call = json.loads(out.stdout)
    assert per_call == {
        "HS256/0": 0, "HS256/1024": 0, "ES256/0": 0, "ES256/1024": 0,
        "EdDSA/0": 0, "EdDSA/1024": 0,
        "RS256/0": 19,  # BoringSSL's RSA_verify, not jwtx (tests/alloc/alloc_test.cc)
        "RS256/1024": 0,  # a cache hit runs no RSA
    }, per_call
