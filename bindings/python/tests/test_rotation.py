"""Key rotation: publish a new key set into the verifier's key_store."""

import pytest

import jwtx
from jwtx._testing import SigningKey, make_jwks
from conftest import AUDIENCE, ISSUER, NOW, claims
import json


def test_publish_switches_keys_and_invalidates_the_cache():
    old = SigningKey.generate("ES256", "k-old")
    new = SigningKey.generate("ES256", "k-new")
    v = jwtx.Verifier(jwks=make_jwks([old.public_jwk()]), algorithms=["ES256"], issuer=ISSUER,
                      audience=AUDIENCE, now=NOW, cache_entries=256)
    old_token, new_token = old.mint(json.dumps(claims())), new.mint(json.dumps(claims()))
    assert v.verify(old_token).status == "ok"
    assert v.verify(old_token).from_cache
    assert v.verify(new_token).status == "key_not_found"

    v.publish(jwks=make_jwks([new.public_jwk()]))
    assert v.verify(new_token).status == "ok"
    assert v.verify(old_token).status == "key_not_found"  # the cached entry is not served
    assert [r.status for r in v.verify_batch([old_token, new_token])] == ["key_not_found", "ok"]

    # Overlap during a rotation: both keys published.
    v.publish(jwks=make_jwks([old.public_jwk(), new.public_jwk()]))
    assert [r.status for r in v.verify_batch([old_token, new_token])] == ["ok", "ok"]


def test_a_bad_publication_raises_and_keeps_the_current_keys():
    key = SigningKey.generate("EdDSA", "k1")
    v = jwtx.Verifier(jwks=make_jwks([key.public_jwk()]), algorithms=["EdDSA"], issuer=ISSUER,
                      audience=AUDIENCE, now=NOW)
    token = key.mint(json.dumps(claims()))
    with pytest.raises(ValueError, match="no usable"):
        v.publish(jwks='{"keys":[]}')
    with pytest.raises(ValueError, match="no keys"):
        v.publish()
    assert v.verify(token).status == "ok"


def test_rotation_to_another_key_type():
    rsa = SigningKey.generate("RS256", "r1")
    secret = b"s" * 32
    v = jwtx.Verifier(jwks=make_jwks([rsa.public_jwk()]), algorithms=["RS256", "HS256"],
                      issuer=ISSUER, audience=AUDIENCE, now=NOW)
    hs = SigningKey.from_hmac_secret(secret, "HS256", "h1")
    assert v.verify(hs.mint(json.dumps(claims()))).status == "key_not_found"
    v.publish(hmac_secret=secret, hmac_kid="h1")
    assert v.verify(hs.mint(json.dumps(claims()))).status == "ok"
