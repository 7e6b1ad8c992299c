"""jwtx: strict, fast JWT (JWS compact) verification, over the jwtx C++ engine.

    import jwtx
    v = jwtx.Verifier(jwks=open("jwks.json").read(), algorithms=["RS256"],
                      issuer="https://issuer.example", audience="api", cache_entries=65536)
    r = v.verify(token)                 # never raises for a bad token
    if r.valid:
        print(r.claims["sub"])
    else:
        print(r.status, r.fingerprint, r.detail)   # stable status name, never the token
    results = v.verify_batch(tokens)    # GIL released, on the engine's TBB arena
    v.publish(jwks=new_jwks)            # key rotation; verifications continue

Configuration errors (bad options, unusable keys) raise ValueError; a token that is neither str
nor bytes raises TypeError; every invalid token is a Result with valid False.
"""

from jwtx._jwtx import Result, Verifier, __version__, fingerprint, status_names

__all__ = ["Result", "Verifier", "__version__", "fingerprint", "status_names"]
