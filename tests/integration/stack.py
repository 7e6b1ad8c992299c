"""Processes and servers for the nginx -> jwtx serve -> upstream integration test.

Everything listens on 127.0.0.1 on a port the kernel just handed out, lives in a temp dir, and is
stopped by the test (also on failure): child processes get PR_SET_PDEATHSIG so that even a killed
pytest leaves nothing behind, and nginx runs with `master_process off` (one process, no orphaned
workers). The small servers the test controls (the echo upstream, the HTTPS JWKS endpoint) are
threads of the test process.

Environment: JWTX_CLI = the built `jwtx` binary (ctest sets it); nginx from PATH or /usr/sbin,
redis-server and openssl from PATH (scripts/deps.sh installs them). A missing tool fails the test
with a message saying so; nothing is skipped.
"""

import base64
import ctypes
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

HOST = "127.0.0.1"


def free_port():
    """A port the kernel just handed out (closed again: another process could take it, rarely)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tool(name, hint):
    """The path of |name| (PATH, then /usr/sbin), or an AssertionError naming the package."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    assert path, f"{name} not found ({hint})"
    return path


def jwtx_cli():
    path = os.environ.get("JWTX_CLI", "")
    assert path and os.access(path, os.X_OK), (
        "JWTX_CLI must name the built jwtx binary (ctest sets it; by hand: "
        "JWTX_CLI=build/jwtx python3 -m pytest tests/integration)")
    return path


def _die_with_parent():
    # Runs in the child between fork and exec: SIGKILL it when the test process dies.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Process:
    """A child process with stdout/stderr in files; stop() is idempotent."""

    def __init__(self, args, out_path, err_path):
        self.out_path, self.err_path = out_path, err_path
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         preexec_fn=_die_with_parent)

    def alive(self):
        return self.proc.poll() is None

    def send(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, grace=5.0):
        """Sends |sig|, waits up to |grace| s, then SIGKILL. Returns the exit status."""
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def stderr(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def stdout(self):
        with open(self.out_path, errors="replace") as f:
            return f.read()


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.02)


def http_get(port, path="/", headers=None, timeout=5.0):
    """(status, headers as a list of (name, value), body) of one GET on a fresh connection."""
    c = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        c.close()


def time_wait_to(port):
    """Loopback TCP connections to |port| in TIME_WAIT on the side that closed them first (Linux
    /proc/net/tcp): how many connections a client opened and closed."""
    count = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[2].split(":")[1], 16) == port and fields[3] == "06":
                count += 1
    return count


def answers(port, path="/healthz"):
    try:
        return http_get(port, path, timeout=1.0)[0] == 200
    except OSError:
        return False


def raw_exchange(port, data, timeout=5.0):
    """Sends raw bytes and returns whatever comes back until the peer closes (or |timeout|)."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except OSError:
            pass  # the server may close while we still send (e.g. a huge header)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except OSError:
            pass
        return out


# ---- servers the test controls (threads of the test process) ----


class _Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body, content_type="application/json", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _Threaded(http.server.ThreadingHTTPServer):
    daemon_threads = True


class _Background:
    def __init__(self, server):
        self.server = server
        self.port = server.server_address[1]
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()
        self.up = True

    def stop(self):
        """Closes the listening socket: new connections are refused from here on."""
        if self.up:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join()
            self.up = False


class EchoUpstream(_Background):
    """The protected service: answers every GET with the request headers it got, as JSON."""

    def __init__(self):
        outer = self
        self.requests = 0

        class Handler(_Quiet):
            def do_GET(self):
                outer.requests += 1
                body = json.dumps({"path": self.path, "headers": self.headers.items()}).encode()
                self._send(200, body)

        super().__init__(_Threaded((HOST, 0), Handler))


class JwksServer(_Background):
    """An HTTPS JWKS endpoint (self-signed certificate for 127.0.0.1, made with the openssl CLI).

    set_keys() swaps the document it serves (rotation); stop() takes it down; fetches counts the
    GETs it answered.
    """

    def __init__(self, tmp, jwks_text):
        self.cert = os.path.join(tmp, "jwks_cert.pem")
        key = os.path.join(tmp, "jwks_key.pem")
        subprocess.run(
            [tool("openssl", "apt-get install openssl"), "req", "-x509", "-newkey", "ec",
             "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", self.cert,
             "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
             "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, capture_output=True)
        self.document = jwks_text.encode()
        self.fetches = 0
        outer = self

        class Handler(_Quiet):
            def do_GET(self):
                outer.fetches += 1
                self._send(200, outer.document, extra=[("Cache-Control", "max-age=300")])

        server = _Threaded((HOST, 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        super().__init__(server)
        self.uri = f"https://127.0.0.1:{self.port}/jwks.json"

    def set_keys(self, jwks_text):
        self.document = jwks_text.encode()


# ---- the jwtx CLI, jwtx serve, nginx, redis ----


class Keys:
    """Signing keys from `jwtx keygen` in |tmp|; tokens from `jwtx mint`."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.cli = jwtx_cli()

    def generate(self, kid, alg="ES256"):
        subprocess.run([self.cli, "keygen", "--alg", alg, "--kid", kid, "--out-dir", self.tmp],
                       check=True, capture_output=True)
        return self.public_jwks_path(kid)

    def public_jwks_path(self, kid):
        return os.path.join(self.tmp, f"{kid}.public.jwks.json")

    def public_jwks(self, *kids):
        """One JWKS document holding the public keys of |kids|."""
        keys = []
        for kid in kids:
            with open(self.public_jwks_path(kid)) as f:
                keys += json.load(f)["keys"]
        return json.dumps({"keys": keys})

    def mint(self, kid, claims, exp_in=300, jti=True):
        args = [self.cli, "mint", "--key", os.path.join(self.tmp, f"{kid}.private.jwk.json"),
                "--claims", json.dumps(claims), "--exp-in", str(exp_in)]
        if jti:
            args += ["--count", "1"]  # adds a distinct jti
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        return out.strip()


class JwtxServe(Process):
    """`jwtx serve` on a free port with |config_yaml| written to the temp dir; waits for /healthz.
    |needs| names the feature the config relies on, for the message when the start fails."""

    def __init__(self, tmp, name, config_yaml, needs=""):
        self.config_path = os.path.join(tmp, f"{name}.yaml")
        with open(self.config_path, "w") as f:
            f.write(config_yaml)
        self.port = free_port()
        super().__init__([jwtx_cli(), "serve", "--listen", f"{HOST}:{self.port}", "--config",
                          self.config_path],
                         os.path.join(tmp, f"{name}.access.log"),
                         os.path.join(tmp, f"{name}.stderr.log"))
        deadline = time.monotonic() + 10
        needs = f" [this stack needs {needs}]" if needs else ""
        while not answers(self.port):
            assert self.alive(), f"jwtx serve ({name}) exited at start{needs}:\n{self.stderr()}"
            assert time.monotonic() < deadline, f"jwtx serve ({name}) not healthy:\n{self.stderr()}"
            time.sleep(0.02)


# The nginx side of the integration, as a platform team would write it. Points worth copying:
# - the auth subrequest is nginx's default GET: nginx keeps an upstream connection of an auth
#   subrequest alive only when the answer has no body, and jwtx serve's answers have none (the
#   keep-alive test below fails if one comes back);
# - the auth subrequest forwards only what the sidecar reads (Authorization, Cookie): the client's
#   other headers never count against the sidecar's --max-header-bytes, and no body is sent;
# - every claim header is set from the sidecar's answer with proxy_set_header, which replaces any
#   value the client sent (an empty value drops the header): clients cannot forge X-Jwt-*;
# - nginx's auth_request copies the sidecar's WWW-Authenticate into a 401 by itself (even through an
#   error_page: adding it again there sends it twice), but not into a 403: the 403 goes through a
#   named location that adds it from $auth_www (RFC 6750 insufficient_scope).
NGINX_CONF = """
master_process off;
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx.error.log info;
events {{ worker_connections 256; }}
http {{
  access_log {tmp}/nginx.access.log;
  client_body_temp_path {tmp}/client_body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  upstream jwtx_auth {{ server 127.0.0.1:{jwtx_port}; keepalive 16; }}
  upstream app {{ server 127.0.0.1:{upstream_port}; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      auth_request /_jwtx_auth;
      auth_request_set $jwt_sub $upstream_http_x_jwt_sub;
      auth_request_set $jwt_tenant $upstream_http_x_jwt_tenant;
      auth_request_set $jwt_scope $upstream_http_x_jwt_scope;
      auth_request_set $auth_www $upstream_http_www_authenticate;
      proxy_set_header X-Jwt-Sub $jwt_sub;
      proxy_set_header X-Jwt-Tenant $jwt_tenant;
      proxy_set_header X-Jwt-Scope $jwt_scope;
      proxy_pass http://app;
      error_page 403 = @jwtx_403;
    }}
    location = /_jwtx_auth {{
      internal;
      proxy_pass http://jwtx_auth/auth;
      proxy_http_version 1.1;
      proxy_pass_request_body off;
      proxy_pass_request_headers off;
      proxy_set_header Connection "";
      proxy_set_header Authorization $http_authorization;
      proxy_set_header Cookie $http_cookie;
      proxy_set_header X-Original-URI $request_uri;
    }}
    location @jwtx_403 {{
      add_header WWW-Authenticate $auth_www always;
      return 403;
    }}
  }}
}}
"""


class Nginx(Process):
    """Debian's nginx with NGINX_CONF in its own prefix dir, on a free port; waits until it answers.
    """

    def __init__(self, tmp, name, jwtx_port, upstream_port):
        prefix = os.path.join(tmp, name)
        os.makedirs(prefix)
        os.chmod(prefix, 0o755)  # run as root, nginx's worker may switch to an unprivileged user
        self.port = free_port()
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(tmp=prefix, port=self.port, jwtx_port=jwtx_port,
                                      upstream_port=upstream_port))
        self.error_log = os.path.join(prefix, "nginx.error.log")
        nginx = tool("nginx", "scripts/deps.sh installs Debian's nginx")
        super().__init__([nginx, "-p", prefix, "-c", conf, "-e", self.error_log],
                         os.path.join(prefix, "stdout"), os.path.join(prefix, "stderr"))

        def up():
            assert self.alive(), f"nginx exited at start:\n{self.stderr()}"
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return True
            except OSError:
                return False

        wait_until(up, 10, "nginx to listen")


class Redis(Process):
    def __init__(self, tmp):
        self.port = free_port()
        redis = tool("redis-server", "scripts/deps.sh installs redis-server")
        super().__init__([redis, "--port", str(self.port), "--bind", HOST, "--save", "",
                          "--appendonly", "no", "--dir", tmp, "--daemonize", "no"],
                         os.path.join(tmp, "redis.out"), os.path.join(tmp, "redis.err"))

        def up():
            assert self.alive(), f"redis-server exited at start:\n{self.stdout()}"
            try:
                with socket.create_connection((HOST, self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    return s.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        wait_until(up, 10, "redis-server to answer PING")
