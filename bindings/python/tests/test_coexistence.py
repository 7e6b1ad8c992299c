"""jwtx next to OpenSSL 3 in one interpreter: hashlib and ssl (both OpenSSL) keep working before
and after jwtx (its own BoringSSL, linked in with every symbol local) is imported and used, in
both import orders. Each order runs in a fresh interpreter so the import order is real."""

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(r'''
    import datetime, hashlib, json, socket, ssl, sys, tempfile, threading

    def use_openssl(tag):
        # SHA-256 and SHA3 of known bytes through hashlib (OpenSSL 3's EVP).
        assert hashlib.sha256(b"abc").hexdigest() == (
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), tag
        assert hashlib.sha3_256(b"").hexdigest().startswith("a7ffc6f8bf1ed766"), tag
        # RFC 7914 section 11's PBKDF2-HMAC-SHA256 vector.
        assert hashlib.pbkdf2_hmac("sha256", b"password", b"salt", 1).hex() == (
            "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"), tag
        ctx = ssl.create_default_context()
        assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname, tag
        assert ssl.OPENSSL_VERSION.startswith("OpenSSL 3"), ssl.OPENSSL_VERSION
        tls_roundtrip(tag)

    def tls_roundtrip(tag):
        # A real TLS 1.3 handshake over loopback with a fresh self-signed certificate.
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
        now = datetime.datetime.utcnow()
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(1)
                .not_valid_before(now - datetime.timedelta(minutes=1))
                .not_valid_after(now + datetime.timedelta(hours=1))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
                .sign(key, hashes.SHA256()))
        with tempfile.NamedTemporaryFile("wb", suffix=".pem") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
            f.flush()
            server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            server_ctx.load_cert_chain(f.name)
            client_ctx = ssl.create_default_context(cafile=f.name)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(10)
        def serve():
            conn, _ = listener.accept()
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                tls.sendall(tls.recv(64).upper())
        t = threading.Thread(target=serve)
        t.start()
        with socket.create_connection(listener.getsockname(), timeout=10) as raw:
            with client_ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                assert tls.version() == "TLSv1.3", tag
                tls.sendall(b"ping")
                assert tls.recv(64) == b"PING", tag
        t.join()
        listener.close()

    def use_jwtx():
        import jwtx
        from jwtx._testing import SigningKey, make_jwks
        for alg in ("ES256", "RS256", "EdDSA"):
            k = SigningKey.generate(alg, "k")
            v = jwtx.Verifier(jwks=make_jwks([k.public_jwk()]), algorithms=[alg],
                              now=1_700_000_000)
            token = k.mint(json.dumps({"sub": "a", "exp": 1_700_000_600}))
            assert v.verify(token).status == "ok", alg
            assert v.verify(token[:-4] + "AAAA").status == "bad_signature", alg
            assert v.verify_batch([token])[0].status == "ok", alg
            assert jwtx.fingerprint(token) == hashlib.sha256(token.encode()).hexdigest()[:16]

    if sys.argv[1] == "openssl-first":
        use_openssl("before jwtx")
        use_jwtx()
        use_openssl("after jwtx")
    else:
        use_jwtx()
        use_openssl("after jwtx")
        use_jwtx()
    print("coexistence ok")
''')


@pytest.mark.parametrize("order", ["openssl-first", "jwtx-first"])
def test_ssl_and_hashlib_work_before_and_after_jwtx(order):
    out = subprocess.run([sys.executable, "-c", SCRIPT, order], capture_output=True, text=True,
                         timeout=120, env=os.environ.copy())
    assert out.returncode == 0, out.stderr
    assert "coexistence ok" in out.stdout
