"""Shared fixtures: keys from the engine's test-only signer, a fixed clock, token helpers.

Run against the build-tree module: PYTHONPATH=<build>/bindings/python python3 -m pytest ...
"""

import base64
import json
import pathlib

import pytest

import jwtx
from jwtx._testing import SigningKey, make_jwks

NOW = 1_700_000_000
ISSUER = "https://issuer.example"
AUDIENCE = "api"
REPO = pathlib.Path(__file__).resolve().parents[3]
ALGS = ["HS256", "RS256", "PS256", "ES256", "ES384", "EdDSA"]


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**extra):
    c = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "exp": NOW + 600, "iat": NOW - 10}
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}


class Keys:
    """One signing key per algorithm (kid = the alg name) and the matching public JWKS."""

    def __init__(self):
        self.signers = {alg: SigningKey.generate(alg, alg) for alg in ALGS if alg != "HS256"}
        self.hmac_secret = b"0123456789abcdef0123456789abcdef"
        self.signers["HS256"] = SigningKey.from_hmac_secret(self.hmac_secret, "HS256", "HS256")
        self.jwks = make_jwks([k.public_jwk() for a, k in self.signers.items() if a != "HS256"])

    def mint(self, alg, payload=None, header=None):
        payload = claims() if payload is None else payload
        if not isinstance(payload, str):
            payload = json.dumps(payload)
        if header is not None and not isinstance(header, str):
            header = json.dumps(header)
        return self.signers[alg].mint(payload, header or "")

    def raw(self, alg, header_bytes, payload_bytes):
        """A token signed over arbitrary header/payload bytes (for malformed-JSON cases)."""
        signing_input = b64(header_bytes) + "." + b64(payload_bytes)
        return signing_input + "." + b64(self.signers[alg].sign(signing_input))


@pytest.fixture(scope="session")
def keys():
    return Keys()


@pytest.fixture(scope="session")
def verifier(keys):
    """Public keys, every asymmetric alg allowed, fixed clock."""
    return jwtx.Verifier(jwks=keys.jwks, algorithms=[a for a in ALGS if a != "HS256"],
                         issuer=ISSUER, audience=AUDIENCE, now=NOW)


@pytest.fixture(scope="session")
def hs_verifier(keys):
    return jwtx.Verifier(hmac_secret=keys.hmac_secret, hmac_kid="HS256", algorithms=["HS256"],
                         issuer=ISSUER, audience=AUDIENCE, now=NOW)
