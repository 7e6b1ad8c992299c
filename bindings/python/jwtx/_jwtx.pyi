# Type stubs for the compiled module (bindings/python/src/module.cc).
from typing import Any, Mapping, Sequence

__version__: str

def status_names() -> list[str]: ...
def fingerprint(token: str | bytes) -> str: ...

class Result:
    """The outcome of verifying one token."""

    @property
    def valid(self) -> bool: ...
    @property
    def status(self) -> str:
        """The stable status name: "ok", "expired", "bad_signature", ... (see status_names())."""
    @property
    def claims(self) -> dict[str, Any] | None:
        """The whole verified payload (built on first access); None unless valid."""
    @property
    def fingerprint(self) -> str:
        """16 hex digits naming the token in logs (the token itself is never shown)."""
    @property
    def alg(self) -> str | None: ...
    @property
    def kid(self) -> str | None: ...
    @property
    def detail(self) -> str:
        """One sentence naming the failed rule ("" when valid); never token content."""
    @property
    def from_cache(self) -> bool: ...
    def __bool__(self) -> bool: ...

class Verifier:
    """Verifies JWTs against one key set and one policy. Thread-safe."""

    def __init__(
        self,
        *,
        jwks: str | bytes | None = None,
        pem: str | bytes | Mapping[str, str | bytes] | None = None,
        hmac_secret: str | bytes | None = None,
        hmac_kid: str | None = None,
        algorithms: Sequence[str],
        issuer: str | Sequence[str] | None = None,
        audience: str | Sequence[str] | None = None,
        leeway: float = 60.0,
        cache_entries: int = 0,
        required_claims: Sequence[str] | None = None,
        typ: str | None = None,
        max_token_bytes: int = 16384,
        max_json_depth: int = 16,
        require_exp: bool = True,
        max_age: float | None = None,
        allow_mixed_key_types: bool = False,
        threads: int = 0,
        now: float | None = None,
    ) -> None: ...
    def verify(self, token: str | bytes) -> Result: ...
    def verify_batch(self, tokens: Sequence[str | bytes]) -> list[Result]: ...
    def publish(
        self,
        *,
        jwks: str | bytes | None = None,
        pem: str | bytes | Mapping[str, str | bytes] | None = None,
        hmac_secret: str | bytes | None = None,
        hmac_kid: str | None = None,
    ) -> None: ...
    @property
    def skipped_keys(self) -> list[str]: ...
    @property
    def key_count(self) -> int: ...
    @property
    def threads(self) -> int: ...
    def batch_counts(self) -> dict[str, int]: ...
