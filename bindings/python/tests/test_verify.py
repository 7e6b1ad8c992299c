"""Verifier.verify: good tokens, every bad-input status, the Result's fields."""

import hashlib
import json

import pytest

import jwtx
from conftest import AUDIENCE, ISSUER, NOW, b64, claims


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256", "ES384", "EdDSA"])
def test_good_token_of_each_algorithm(keys, verifier, alg):
    token = keys.mint(alg)
    r = verifier.verify(token)
    assert r.valid and bool(r)
    assert r.status == "ok"
    assert r.alg == alg and r.kid == alg
    assert r.detail == ""
    assert r.claims == claims()


def test_good_hs256_token(keys, hs_verifier):
    r = hs_verifier.verify(keys.mint("HS256"))
    assert r.status == "ok" and r.claims["sub"] == "alice"


def test_bytes_and_str_tokens_agree(keys, verifier):
    token = keys.mint("ES256")
    a, b = verifier.verify(token), verifier.verify(token.encode())
    assert (a.status, a.fingerprint, a.claims) == (b.status, b.fingerprint, b.claims)


def test_fingerprint_is_sha256_prefix_and_repr_hides_the_token(keys, verifier):
    token = keys.mint("RS256")
    r = verifier.verify(token)
    assert r.fingerprint == hashlib.sha256(token.encode()).hexdigest()[:16]
    assert jwtx.fingerprint(token) == r.fingerprint
    assert token not in repr(r) and r.fingerprint in repr(r)


def test_pem_keys_with_kids(keys):
    v = jwtx.Verifier(pem={"RS256": keys.signers["RS256"].public_pem()}, algorithms=["RS256"],
                      issuer=ISSUER, audience=AUDIENCE, now=NOW)
    assert v.verify(keys.mint("RS256")).status == "ok"
    # A kid-less PEM serves kid-less tokens.
    v = jwtx.Verifier(pem=keys.signers["ES256"].public_pem(), algorithms=["ES256"],
                      issuer=ISSUER, audience=AUDIENCE, now=NOW)
    assert v.verify(keys.mint("ES256", header={"alg": "ES256"})).status == "ok"


def tampered_signature(token):
    head, _, sig = token.rpartition(".")
    flipped = "A" if sig[0] != "A" else "B"
    return head + "." + flipped + sig[1:]


# (name, builder(keys) -> token, verifier kwargs beyond the defaults, expected status)
def hs(keys, payload=None, header=None):
    return keys.mint("HS256", payload, header)


BAD_TOKENS = [
    ("malformed", lambda k: "only.two", {}),
    ("malformed", lambda k: "", {}),
    ("unsupported_jwe", lambda k: "a.b.c.d.e", {}),
    ("bad_base64", lambda k: "e30=.e30.e30", {}),
    ("bad_base64", lambda k: hs(k).replace(".", "+.", 1), {}),
    ("bad_json", lambda k: k.raw("HS256", b'{"alg":"HS256"', b"{}"), {}),
    ("bad_json", lambda k: k.raw("HS256", b'{"alg":"HS256"}', b'{"exp":'), {}),
    ("bad_utf8", lambda k: k.raw("HS256", b'{"alg":"HS256","x":"\xff"}', b"{}"), {}),
    ("not_object", lambda k: k.raw("HS256", b"[]", b"{}"), {}),
    ("not_object", lambda k: k.raw("HS256", b'{"alg":"HS256"}', b"[1]"), {}),
    ("duplicate_member", lambda k: hs(k, header='{"alg":"HS256","alg":"HS256"}'), {}),
    ("too_deep", lambda k: hs(k, header='{"alg":"HS256","x":' + "[" * 20 + "]" * 20 + "}"), {}),
    ("header_invalid", lambda k: hs(k, header='{"typ":"JWT"}'), {}),
    ("header_invalid", lambda k: hs(k, header='{"alg":"HS256","kid":7}'), {}),
    ("alg_not_allowed", lambda k: hs(k, header='{"alg":"none"}'), {}),
    ("alg_not_allowed", lambda k: hs(k, header='{"alg":"HS512"}'), {}),
    ("key_not_found", lambda k: hs(k, header='{"alg":"HS256","kid":"other"}'), {}),
    ("crit_unsupported", lambda k: hs(k, header='{"alg":"HS256","crit":["x"],"x":1}'), {}),
    ("typ_mismatch", lambda k: hs(k), {"typ": "at+jwt"}),
    ("bad_signature", lambda k: tampered_signature(hs(k)), {}),
    ("bad_signature", lambda k: hs(k)[:-3], {}),  # 30 bytes: the wrong length for HS256
    ("expired", lambda k: hs(k, claims(exp=NOW - 120)), {}),
    ("not_yet_valid", lambda k: hs(k, claims(nbf=NOW + 3600)), {}),
    ("issued_in_future", lambda k: hs(k, claims(iat=NOW + 3600)), {}),
    ("too_old", lambda k: hs(k, claims(iat=NOW - 7200)), {"max_age": 3600}),
    ("issuer_mismatch", lambda k: hs(k, claims(iss="https://evil.example")), {}),
    ("issuer_mismatch", lambda k: hs(k, claims(iss=None)), {}),
    ("audience_mismatch", lambda k: hs(k, claims(aud="other-api")), {}),
    ("audience_mismatch", lambda k: hs(k, claims(aud=["x", "y"])), {}),
    ("missing_claim", lambda k: hs(k, claims(exp=None)), {}),
    ("missing_claim", lambda k: hs(k), {"required_claims": ["jti"]}),
    ("claim_type", lambda k: hs(k, claims(exp="soon")), {}),
    ("too_large", lambda k: hs(k, claims(pad="x" * 20000)), {}),
    ("too_large", lambda k: "x" * 100, {"max_token_bytes": 99}),
]


@pytest.mark.parametrize("expected,build,options", BAD_TOKENS,
                         ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD_TOKENS)])
def test_bad_input_gets_its_status_not_an_exception(keys, expected, build, options):
    kwargs = dict(hmac_secret=keys.hmac_secret, hmac_kid="HS256", algorithms=["HS256"],
                  issuer=ISSUER, audience=AUDIENCE, now=NOW)
    kwargs.update(options)
    v = jwtx.Verifier(**kwargs)
    token = build(keys)
    r = v.verify(token)
    assert r.status == expected, r.detail
    assert not r.valid and not bool(r)
    assert r.claims is None
    assert r.detail  # names the rule
    assert r.fingerprint == hashlib.sha256(token.encode()).hexdigest()[:16]


def test_alg_key_mismatch_and_bad_signature_across_algorithms(keys, verifier):
    # An RS256 header naming the EC key: the key cannot verify that alg.
    token = keys.mint("RS256", header={"alg": "RS256", "kid": "ES256"})
    assert verifier.verify(token).status == "alg_key_mismatch"
    # Signed by another RSA key under the right kid.
    other = jwtx._testing.SigningKey.generate("RS256", "RS256")
    assert verifier.verify(other.mint(json.dumps(claims()))).status == "bad_signature"


def test_expired_is_decided_by_the_leeway(keys):
    token = keys.mint("HS256", claims(exp=NOW - 30))
    base = dict(hmac_secret=keys.hmac_secret, hmac_kid="HS256", algorithms=["HS256"],
                issuer=ISSUER, audience=AUDIENCE, now=NOW)
    assert jwtx.Verifier(**base).verify(token).status == "ok"  # default leeway 60 s
    assert jwtx.Verifier(**base, leeway=0).verify(token).status == "expired"


def test_every_status_name_is_exposed():
    names = jwtx.status_names()
    assert names[0] == "ok" and "too_large" in names and "bad_signature" in names
    assert len(set(names)) == len(names)


def test_non_text_tokens_raise_type_error(verifier):
    for bad in (None, 42, bytearray(b"a.b.c"), ["a.b.c"]):
        with pytest.raises(TypeError):
            verifier.verify(bad)


def test_non_ascii_and_unencodable_str_tokens_are_invalid_not_exceptions(verifier):
    assert verifier.verify("é.é.é").status == "bad_base64"
    assert verifier.verify("\ud800.a.b").status == "bad_base64"  # lone surrogate


def test_claims_keep_json_types(keys, hs_verifier):
    payload = claims(
        nested={"a": {"b": [1, {"c": None}]}, "empty": {}},
        arr=[1, "two", 3.5, True, False, None, []],
        big=9007199254740993,  # 2^53 + 1: a double would round it
        int64_max=2**63 - 1,
        uint64=2**64 - 1,
        negative=-(2**63),
        flt=1.5,
        tiny=1e-300,
        yes=True,
        no=False,
        text="é ✓ \U0001F600 \"quoted\" \\ /",
    )
    payload["nothing"] = None  # claims() drops None values
    r = hs_verifier.verify(keys.mint("HS256", json.dumps(payload)))
    assert r.status == "ok"
    c = r.claims
    assert c == payload
    assert type(c["big"]) is int and c["big"] == 2**53 + 1
    assert type(c["uint64"]) is int and c["uint64"] == 2**64 - 1
    assert type(c["flt"]) is float and type(c["yes"]) is bool and c["nothing"] is None
    assert r.claims is c  # built once


def test_claims_from_cache_hits(keys):
    v = jwtx.Verifier(jwks=keys.jwks, algorithms=["ES256"], issuer=ISSUER, audience=AUDIENCE,
                      now=NOW, cache_entries=1024)
    token = keys.mint("ES256", claims(roles=["a", "b"]))
    first, second = v.verify(token), v.verify(token)
    assert not first.from_cache and second.from_cache
    assert first.claims == second.claims == claims(roles=["a", "b"])
    # A tampered copy is not served from the cache.
    assert v.verify(tampered_signature(token)).status == "bad_signature"


@pytest.mark.parametrize("kwargs,message", [
    (dict(algorithms=[]), "algorithms is empty"),
    (dict(algorithms=["none"]), "none"),
    (dict(algorithms=["rs256"]), "rs256"),
    (dict(algorithms="RS256"), "not a str"),
    (dict(algorithms=["RS256"], leeway=-1), "leeway"),
    (dict(algorithms=["RS256"], leeway=float("nan")), "leeway"),
    (dict(algorithms=["RS256"], max_token_bytes=0), "max_token_bytes"),
    (dict(algorithms=["RS256"], max_token_bytes=-5), "max_token_bytes"),
    (dict(algorithms=["RS256"], cache_entries=2**40), "cache_entries"),
    (dict(algorithms=["RS256"], max_age=-3), "max_age"),
    (dict(algorithms=["RS256"], now=float("inf")), "now"),
    (dict(algorithms=["RS256"], threads=-1), "threads"),
])
def test_configuration_errors_raise_value_error(keys, kwargs, message):
    with pytest.raises(ValueError, match=message):
        jwtx.Verifier(jwks=keys.jwks, **kwargs)


@pytest.mark.parametrize("key_kwargs,message", [
    (dict(), "no keys"),
    (dict(jwks="not json"), "jwks"),
    (dict(jwks='{"keys":[]}'), "no usable"),
    (dict(pem="-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), "pem"),
    (dict(hmac_secret=b"short"), "short|small|bytes"),
    (dict(hmac_kid="k"), "hmac_kid"),
])
def test_key_errors_raise_value_error_with_the_reason(key_kwargs, message):
    with pytest.raises(ValueError, match=message):
        jwtx.Verifier(algorithms=["RS256", "HS256"], **key_kwargs)


def test_private_keys_are_refused(keys):
    private = jwtx._testing.make_jwks([keys.signers["ES256"].private_jwk()])
    with pytest.raises(ValueError, match="private"):
        jwtx.Verifier(jwks=private, algorithms=["ES256"])


def test_skipped_keys_are_reported(keys):
    doc = json.loads(keys.jwks)
    doc["keys"].append({"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA", "kid": "odd"})
    v = jwtx.Verifier(jwks=json.dumps(doc), algorithms=["ES256"])
    assert v.key_count == len(doc["keys"]) - 1
    assert len(v.skipped_keys) == 1 and "odd" in v.skipped_keys[0]


def test_version():
    assert jwtx.__version__.count(".") == 2
