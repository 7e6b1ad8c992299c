"""Verifier.verify_batch: the same answer as verify for every token, on the pipeline's arena."""

import sys
import threading

import pytest

import jwtx
from conftest import AUDIENCE, ISSUER, NOW, claims
from test_verify import BAD_TOKENS


def mixed_tokens(keys):
    tokens = []
    for alg in ("RS256", "PS256", "ES256", "EdDSA"):
        tokens += [keys.mint(alg, claims(jti=f"{alg}-{i}")) for i in range(3)]
    tokens.append(keys.mint("ES256", claims(exp=NOW - 3600)))
    tokens.append(keys.mint("RS256", claims(aud="other")))
    tokens += [b(keys) for _, b, o in BAD_TOKENS if not o]
    tokens.append(tokens[0].encode())  # bytes
    return tokens


def summary(r):
    return (r.valid, r.status, r.alg, r.kid, r.detail, r.fingerprint, r.claims)


def test_batch_equals_verify_per_token(keys, verifier):
    tokens = mixed_tokens(keys)
    batch = verifier.verify_batch(tokens)
    assert len(batch) == len(tokens)
    assert [summary(r) for r in batch] == [summary(verifier.verify(t)) for t in tokens]
    assert {r.status for r in batch} >= {"ok", "expired", "audience_mismatch", "malformed"}
    assert verifier.batch_counts()["ok"] >= 12


def test_batch_longer_than_one_chunk(keys, hs_verifier):
    # 2500 tokens cross the binding's 1024-token chunks; every 7th is bad.
    good = keys.mint("HS256")
    bad = keys.mint("HS256", claims(iss="https://evil.example"))
    tokens = [bad if i % 7 == 0 else good for i in range(2500)]
    results = hs_verifier.verify_batch(tokens)
    assert [r.status for r in results] == [
        "issuer_mismatch" if i % 7 == 0 else "ok" for i in range(2500)]


def test_batch_accepts_any_iterable_and_empty(keys, verifier):
    token = keys.mint("EdDSA")
    assert [r.status for r in verifier.verify_batch((token, token))] == ["ok", "ok"]
    assert [r.status for r in verifier.verify_batch(t for t in [token])] == ["ok"]
    assert verifier.verify_batch([]) == []


def test_batch_type_errors_name_the_item(keys, verifier):
    with pytest.raises(TypeError, match=r"tokens\[1\]"):
        verifier.verify_batch([keys.mint("ES256"), 5])
    with pytest.raises(TypeError):
        verifier.verify_batch(7)


def test_batch_from_several_python_threads(keys, verifier):
    tokens = [keys.mint(a) for a in ("RS256", "ES256", "EdDSA")] * 20
    failures = []

    def run():
        for _ in range(3):
            statuses = {r.status for r in verifier.verify_batch(tokens)}
            if statuses != {"ok"}:
                failures.append(statuses)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_threads_option(keys):
    v = jwtx.Verifier(jwks=keys.jwks, algorithms=["ES256"], issuer=ISSUER, audience=AUDIENCE,
                      now=NOW, threads=1)
    assert v.threads == 1
    assert v.verify_batch([keys.mint("ES256")])[0].status == "ok"


def _other_thread_ran_during(call):
    """True if another Python thread ran bytecode while |call| ran. The switch interval is made
    long (0.5 s), so while |call| is shorter the interpreter never takes the GIL away from it:
    the counter can only move if |call| released the GIL itself."""
    count = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1

    old = sys.getswitchinterval()
    sys.setswitchinterval(0.5)
    t = threading.Thread(target=spin)
    try:
        t.start()
        before = count[0]
        call()
        ran = count[0] != before
    finally:
        stop.set()
        sys.setswitchinterval(old)
        t.join()
    return ran


def test_verify_batch_and_verify_release_the_gil(keys, verifier):
    tokens = [keys.mint("ES384", claims(jti=str(i))) for i in range(40)]  # ~10 ms of signatures
    assert _other_thread_ran_during(lambda: verifier.verify_batch(tokens))
    assert _other_thread_ran_during(lambda: [verifier.verify(t) for t in tokens])
