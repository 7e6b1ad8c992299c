"""nginx auth_request -> `jwtx serve` -> upstream, with real processes and real HTTP requests.

Three stacks (each a `jwtx serve` and an nginx in front of it, sharing one echo upstream), so that a
feature still on another branch fails only its own tests:
  local    local_jwks, two providers (one requiring scope admin): the verdicts through nginx,
           claim headers, hostile requests, key rotation and a lost key file by SIGHUP reload.
  remote   remote_jwks over HTTPS (the test's own endpoint, self-signed, ca_file): rotation picked
           up on first use, endpoint down -> last good keys.  [needs_remote_jwks: wt-remote]
  revoke   `revocation: {redis: ...}` with a private redis-server and `jwtx revoke`.
           [needs_revocation: wt-metrics]
Run: JWTX_CLI=build/jwtx /usr/bin/python3 -m pytest -q tests/integration (ctest: nginx_integration).
"""

import base64
import json
import os
import signal
import subprocess
import time

import pytest

from stack import (EchoUpstream, JwksServer, JwtxServe, Keys, Nginx, Redis, answers, b64,
                   http_get, raw_exchange, time_wait_to, wait_until)

CORP = "https://corp.example"
ADMIN = "https://admin.example"
REMOTE = "https://remote.example"


def claims(iss=CORP, **extra):
    c = {"iss": iss, "aud": "api", "sub": "alice", "tenant": "acme", "scope": "read write"}
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def header(headers, name):
    """Every value of |name| (case-insensitive) in a list of (name, value)."""
    return [v for k, v in headers if k.lower() == name.lower()]


def upstream_saw(body):
    """The request headers the echo upstream got, lower-cased names -> list of values."""
    seen = {}
    for k, v in json.loads(body)["headers"]:
        seen.setdefault(k.lower(), []).append(v)
    return seen


def provider_yaml(name, iss, key_source, extra=""):
    return (f"  {name}:\n"
            f"    issuer: {iss}\n"
            f"    audiences: [api]\n"
            f"    algorithms: [ES256]\n"
            f"    {key_source}\n"
            f"    claim_to_headers:\n"
            f"      - {{claim_name: sub, header_name: X-Jwt-Sub}}\n"
            f"      - {{claim_name: tenant, header_name: X-Jwt-Tenant}}\n"
            f"      - {{claim_name: scope, header_name: X-Jwt-Scope}}\n" + extra)


class Stack:
    def __init__(self, tmp, name, config_yaml, upstream, needs=""):
        self.serve = JwtxServe(tmp, name, config_yaml, needs)
        # Healthy: a remote provider's first JWKS fetch has started by now.
        self.started = time.monotonic()
        try:
            self.nginx = Nginx(tmp, f"nginx_{name}", self.serve.port, upstream.port)
        except BaseException:
            self.serve.stop()
            raise

    def get(self, headers=None, path="/app"):
        return http_get(self.nginx.port, path, headers)

    def stop(self):
        # nginx first (it holds keep-alive connections to the sidecar); the sidecar must drain
        # and exit 0 on SIGTERM.
        self.nginx.stop(signal.SIGQUIT)
        return self.serve.stop()


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return str(tmp_path_factory.mktemp("nginx_it"))


@pytest.fixture(scope="module")
def keys(tmp):
    k = Keys(tmp)
    for kid in ("k1", "k2", "stranger"):
        k.generate(kid)
    return k


@pytest.fixture(scope="module")
def upstream():
    u = EchoUpstream()
    yield u
    u.stop()


@pytest.fixture(scope="module")
def local(tmp, keys, upstream):
    jwks = os.path.join(tmp, "local.jwks.json")
    with open(jwks, "w") as f:
        f.write(keys.public_jwks("k1"))
    source = f"local_jwks: {{filename: {jwks}}}"
    config = ("providers:\n" + provider_yaml("corp", CORP, source) +
              provider_yaml("admin", ADMIN, source, "    requirements: {scopes: [admin]}\n"))
    s = Stack(tmp, "local", config, upstream)
    s.jwks_path = jwks
    yield s
    assert s.stop() == 0, s.serve.stderr()


# ---- the verdicts through nginx (local_jwks) ----


def test_valid_token_reaches_upstream_with_claim_headers(local, keys):
    token = keys.mint("k1", claims())
    # Forged claim headers from the client must not survive: nginx sets them from the verdict.
    status, _, body = local.get({**bearer(token), "X-Jwt-Sub": "mallory", "X-Jwt-Tenant": "evil"})
    assert status == 200, body
    seen = upstream_saw(body)
    assert seen["x-jwt-sub"] == ["alice"]
    assert seen["x-jwt-tenant"] == ["acme"]
    assert seen["x-jwt-scope"] == ["read write"]
    assert json.loads(body)["path"] == "/app"


def test_nginx_keeps_its_connection_to_the_sidecar(local, keys):
    """nginx's default GET auth subrequests with upstream keepalive reuse their connections:
    the sidecar's answers have no body (with one, nginx closed the connection after each check)."""
    token = keys.mint("k1", claims())
    before = time_wait_to(local.serve.port)
    for _ in range(20):
        assert local.get(bearer(token))[0] == 200
    assert time_wait_to(local.serve.port) - before <= 2


def test_absent_claim_drops_the_forged_header(local, keys):
    status, _, body = local.get({**bearer(keys.mint("k1", claims(tenant=None))),
                                 "X-Jwt-Tenant": "evil"})
    assert status == 200, body
    assert "x-jwt-tenant" not in upstream_saw(body)


def expect_invalid_token(stack, headers, description):
    status, hdrs, body = stack.get(headers)
    assert status == 401, body
    assert header(hdrs, "WWW-Authenticate") == [
        f'Bearer error="invalid_token", error_description="{description}"'], hdrs


def test_expired(local, keys):
    expect_invalid_token(local, bearer(keys.mint("k1", claims(), exp_in=-600)), "expired")


def test_wrong_audience(local, keys):
    expect_invalid_token(local, bearer(keys.mint("k1", claims(aud="web"))), "audience_mismatch")


def test_tampered_payload(local, keys):
    h, p, s = keys.mint("k1", claims()).split(".")
    forged = b64(json.dumps(claims(sub="root")))
    assert forged != p
    expect_invalid_token(local, bearer(f"{h}.{forged}.{s}"), "bad_signature")


def test_alg_none(local):
    token = f'{b64(json.dumps({"alg": "none", "typ": "JWT"}))}.{b64(json.dumps(claims()))}.'
    expect_invalid_token(local, bearer(token), "alg_not_allowed")


def test_unknown_kid(local, keys):
    expect_invalid_token(local, bearer(keys.mint("stranger", claims())), "key_not_found")


def test_no_token_is_a_plain_bearer_challenge(local, upstream):
    before = upstream.requests
    status, hdrs, _ = local.get()
    assert status == 401
    assert header(hdrs, "WWW-Authenticate") == ["Bearer"]
    status, hdrs, _ = local.get({"Authorization": "Basic YWxpY2U6cGFzc3dvcmQ="})
    assert status == 401
    assert header(hdrs, "WWW-Authenticate") == ["Bearer"]
    assert upstream.requests == before, "a refused request reached the upstream"


def test_insufficient_scope_is_403(local, keys):
    status, hdrs, body = local.get(bearer(keys.mint("k1", claims(iss=ADMIN))))
    assert status == 403, body
    [www] = header(hdrs, "WWW-Authenticate")
    assert www.startswith('Bearer error="insufficient_scope"'), www
    status, _, body = local.get(bearer(keys.mint("k1", claims(iss=ADMIN, scope="read admin"))))
    assert status == 200, body
    assert upstream_saw(body)["x-jwt-scope"] == ["read admin"]


def test_hostile_requests_get_4xx_and_the_sidecar_stays_healthy(local, keys):
    token = keys.mint("k1", claims())
    # One header line over nginx's large_client_header_buffers (8k).
    status, _, _ = local.get({**bearer(token), "X-Big": "a" * (64 * 1024)})
    assert 400 <= status < 500
    # Headers nginx accepts but whose total is over the sidecar's --max-header-bytes (16 KiB):
    # the auth subrequest forwards only Authorization and Cookie, so this is still a 200.
    big = {f"X-Pad-{i}": "p" * 6000 for i in range(3)}
    status, _, body = local.get({**bearer(token), **big})
    assert status == 200, body
    # A long bogus credential (under nginx's 8k line limit): the sidecar's 401, never a 500.
    status, hdrs, _ = local.get(bearer("a" * 7000 + "." + "b" * 500 + ".c"))
    assert status == 401
    assert "invalid_token" in header(hdrs, "WWW-Authenticate")[0]
    for garbage in (b"\x01\x02 nonsense\r\n\r\n", b"GET / HTTP/1.1 extra\r\n\r\n",
                    b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"):
        # Through nginx, and the same garbage straight at the sidecar.
        for port in (local.nginx.port, local.serve.port):
            reply = raw_exchange(port, garbage)
            assert reply == b"" or reply.startswith(b"HTTP/1.1 4"), (port, reply[:80])
    # An unknown HTTP version: nginx answers 505 (RFC 9110 §15.6.6) and never asks the sidecar.
    assert raw_exchange(local.nginx.port, b"GET / HTTP/9.9\r\n\r\n").startswith(b"HTTP/1.1 505")
    assert answers(local.serve.port, "/healthz")
    assert answers(local.serve.port, "/readyz")
    assert local.get(bearer(token))[0] == 200


def test_rotation_and_lost_key_file_by_reload(local, keys):
    """The local_jwks equivalent of the remote tests: SIGHUP picks up a rotated file; a JWKS file
    that went missing is a bad config, so the old keys keep serving."""
    old = keys.mint("k1", claims())
    new = keys.mint("k2", claims())
    with open(local.jwks_path + ".tmp", "w") as f:
        f.write(keys.public_jwks("k1", "k2"))
    os.replace(local.jwks_path + ".tmp", local.jwks_path)
    local.serve.send(signal.SIGHUP)
    wait_until(lambda: local.get(bearer(new))[0] == 200, 5, "the reload to take k2")
    os.remove(local.jwks_path)
    local.serve.send(signal.SIGHUP)
    wait_until(lambda: "reload refused" in local.serve.stderr(), 5, "the refused reload")
    assert local.get(bearer(old))[0] == 200
    assert local.get(bearer(new))[0] == 200


def test_access_log_names_tokens_by_fingerprint_only(local, keys):
    token = keys.mint("k1", claims())
    assert local.get(bearer(token))[0] == 200
    wait_until(lambda: "status=200" in local.serve.stdout(), 5, "the access log line")
    log = local.serve.stdout()
    assert token not in log and token.split(".")[2] not in log


# ---- remote_jwks over HTTPS [needs wt-remote's remote_jwks in jwtx serve] ----


@pytest.fixture(scope="module")
def remote(tmp, keys, upstream):
    jwks = JwksServer(tmp, keys.public_jwks("k1"))
    source = (f"remote_jwks: {{uri: \"{jwks.uri}\", cache_duration: 300, timeout: 2, "
              f"min_refetch_interval: 1, ca_file: {jwks.cert}}}")
    try:
        s = Stack(tmp, "remote", "providers:\n" + provider_yaml("idp", REMOTE, source), upstream,
                  "remote_jwks in jwtx serve (branch wt-remote)")
    except BaseException:
        jwks.stop()
        raise
    s.jwks = jwks
    yield s
    jwks.stop()
    assert s.stop() == 0, s.serve.stderr()


@pytest.mark.needs_remote_jwks
def test_remote_rotation_is_picked_up_on_first_use(remote, keys):
    """[needs remote_jwks] A new kid at the endpoint: the very first request with it is a 200."""
    assert remote.get(bearer(keys.mint("k1", claims(iss=REMOTE))))[0] == 200
    # The first fetch was at start; a refetch is allowed once min_refetch_interval (1 s) passed.
    fetches = remote.jwks.fetches
    remote.jwks.set_keys(keys.public_jwks("k1", "k2"))
    time.sleep(max(0.0, remote.started + 1.2 - time.monotonic()))
    status, hdrs, body = remote.get(bearer(keys.mint("k2", claims(iss=REMOTE))))
    assert status == 200, (hdrs, body, remote.serve.stderr())
    assert upstream_saw(body)["x-jwt-sub"] == ["alice"]
    assert remote.jwks.fetches == fetches + 1


@pytest.mark.needs_remote_jwks
def test_remote_endpoint_down_keeps_the_last_good_keys(remote, keys):
    """[needs remote_jwks] The endpoint is gone: the last good keys keep verifying new tokens
    (fresh jti: not answered from the verified-token cache)."""
    remote.jwks.stop()
    for _ in range(2):
        status, _, body = remote.get(bearer(keys.mint("k1", claims(iss=REMOTE))))
        assert status == 200, body
    # An unknown kid while the endpoint is down: a refetch fails, the answer is a clean 401.
    expect_invalid_token(remote, bearer(keys.mint("stranger", claims(iss=REMOTE))),
                         "key_not_found")
    assert answers(remote.serve.port, "/healthz")
    assert remote.get(bearer(keys.mint("k1", claims(iss=REMOTE))))[0] == 200


# ---- revocation through Redis [needs wt-metrics' revocation in jwtx serve] ----


@pytest.fixture(scope="module")
def revoke_stack(tmp, keys, upstream):
    redis_dir = os.path.join(tmp, "redis")
    os.makedirs(redis_dir)
    redis = Redis(redis_dir)
    target = f"127.0.0.1:{redis.port}/jwtx:it"
    source = f"local_jwks: {{filename: {keys.public_jwks_path('k1')}}}"
    config = ("revocation: {redis: \"" + target + "\", max_staleness: 30, fail_closed: false}\n"
              "providers:\n" + provider_yaml("corp", CORP, source))
    try:
        s = Stack(tmp, "revoke", config, upstream, "revocation in jwtx serve (branch wt-metrics)")
    except BaseException:
        redis.stop()
        raise
    s.redis_target = target
    yield s
    try:
        assert s.stop() == 0, s.serve.stderr()
    finally:
        redis.stop()


@pytest.mark.needs_revocation
def test_revoked_jti_is_401(revoke_stack, keys):
    """[needs revocation] `jwtx revoke` -> the next requests with that jti are 401 revoked."""
    token = keys.mint("k1", claims())
    other = keys.mint("k1", claims())
    assert revoke_stack.get(bearer(token))[0] == 200  # also puts it in the verified cache
    jti = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["jti"]
    subprocess.run([keys.cli, "revoke", "--redis", revoke_stack.redis_target, "--jti", jti,
                    "--ttl", "600"], check=True, capture_output=True)
    wait_until(lambda: revoke_stack.get(bearer(token))[0] == 401, 5, "the revocation to apply")
    expect_invalid_token(revoke_stack, bearer(token), "revoked")
    assert revoke_stack.get(bearer(other))[0] == 200
