"""Test-only helpers: key generation and token minting through the engine's signer.

Not for production: a verifier never needs a signing key, and nothing here protects the private
keys it generates.
"""

from jwtx._jwtx import _testing as _native

SigningKey = _native.SigningKey
make_jwks = _native.make_jwks

__all__ = ["SigningKey", "make_jwks"]
