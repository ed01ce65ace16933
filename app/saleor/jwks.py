"""The gate: proves who is speaking (webhook JWS, dashboard token, shopper token) for an installation.

Keys come from the installation's stored JWKS. When a key is unknown or a signature fails, the JWKS is
fetched again (at most once per `jwks_refetch_interval_seconds` per installation), so a Saleor that
rotated its key keeps working while a flood of forged requests cannot make us hammer Saleor. Only keys
fetched fresh can refuse a signature (401); when they cannot be had, the answer is 503 and Saleor
retries, so no delivery is lost to a key rotation.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

import jwt
import structlog
from jwt.algorithms import RSAAlgorithm

from app.clock import now as clock_now
from app.errors import SaleorUnavailable, TemporarilyUnavailable, Unauthorized
from app.saleor.gateway import SaleorGateway

log = structlog.get_logger(__name__)

ALGORITHMS = ["RS256"]
CLOCK_SKEW_SECONDS = 10


class KeyOwner(Protocol):
    """A store whose keys are kept (an Installation); a refetched JWKS is written back to it, and the
    caller's transaction stores it."""

    id: int
    saleor_api_url: str
    jwks: dict[str, Any]
    jwks_fetched_at: datetime


class InvalidSignature(Unauthorized):
    error = "invalid_signature"


class InvalidToken(Unauthorized):
    error = "invalid_token"


class _KeyProblem(Exception):
    """Internal: the stored JWKS could not verify; a refetch may help."""


@lru_cache(maxsize=256)
def _load_key(jwk_json: str) -> Any:
    # Parsing an RSA key costs more than verifying with it; keys repeat on every request.
    return RSAAlgorithm.from_jwk(jwk_json)


def _public_key(jwks: dict[str, Any], kid: str | None) -> Any:
    for key in jwks.get("keys", []):
        if isinstance(key, dict) and key.get("kid") == kid and key.get("kty") == "RSA":
            return _load_key(json.dumps(key, sort_keys=True))
    raise _KeyProblem(f"no key with kid {kid!r}")


class KeysUnavailable(TemporarilyUnavailable):
    """Saleor's keys could not be refreshed just now: the sender should try again (Saleor retries 5xx)."""

    error = "keys_unavailable"


class JwksVerifier:
    """Verifies against the stored keys; when they do not verify, against keys fetched fresh.

    Fresh means fetched within `jwks_refetch_interval_seconds`. A signature that fresh keys refuse is
    refused (401); when fresh keys cannot be had (Saleor's key endpoint fails, or it was asked moments
    ago and failed) the answer is 503, so a delivery signed with a newly rotated key is retried rather
    than lost. A flood of forgeries costs Saleor at most one fetch per interval."""

    def __init__(self, gateway: SaleorGateway) -> None:
        self.gateway = gateway
        self._fetched: dict[int, tuple[datetime, dict[str, Any]]] = {}  # the last good fetch
        self._failed: dict[int, datetime] = {}  # the last failed fetch

    def _is_recent(self, moment: datetime | None) -> bool:
        interval = timedelta(seconds=self.gateway.settings.jwks_refetch_interval_seconds)
        return moment is not None and clock_now() - moment < interval

    async def _fresh_keys(self, installation: KeyOwner) -> dict[str, Any]:
        """Keys fetched within the interval, fetching them if needed; KeysUnavailable otherwise."""
        fetched = self._fetched.get(installation.id)
        if fetched is not None and self._is_recent(fetched[0]):
            jwks = fetched[1]
        elif self._is_recent(self._failed.get(installation.id)):
            raise KeysUnavailable("Saleor's signing keys could not be fetched moments ago; try again later")
        else:
            try:
                jwks = await self.gateway.fetch_jwks(installation.saleor_api_url)
            except SaleorUnavailable as exc:
                self._failed[installation.id] = clock_now()
                log.warning("jwks_refetch_failed", installation_id=installation.id, reason=str(exc))
                raise KeysUnavailable("Saleor's signing keys could not be fetched; try again later") from exc
            self._fetched[installation.id] = (clock_now(), jwks)
            log.info("jwks_refetched", installation_id=installation.id, changed=jwks != installation.jwks)
        if jwks != installation.jwks:
            # Stored with the request's transaction: kept when this request succeeds.
            installation.jwks = jwks
            installation.jwks_fetched_at = clock_now()
        return jwks

    async def verify_webhook(self, installation: KeyOwner, signature: str | None, raw_body: bytes) -> None:
        """Verify Saleor's detached, unencoded-payload JWS (RFC 7797) over the exact raw body."""
        if not signature:
            raise InvalidSignature("the saleor-signature header is missing")
        parts = signature.split(".")
        if len(parts) != 3 or parts[1] != "":
            # Legacy HMAC signatures only exist for webhooks with a secretKey; Lojal never sets one.
            raise InvalidSignature("saleor-signature is not a detached JWS")
        try:
            header = jwt.get_unverified_header(signature)
        except jwt.PyJWTError as exc:
            raise InvalidSignature("saleor-signature has an unreadable header") from exc
        if header.get("alg") not in ALGORITHMS:
            raise InvalidSignature("saleor-signature must be RS256")

        def check(jwks: dict[str, Any]) -> None:
            key = _public_key(jwks, header.get("kid"))
            try:
                jwt.api_jws.PyJWS().decode_complete(
                    signature, key=key, algorithms=ALGORITHMS, detached_payload=raw_body
                )
            except jwt.PyJWTError as exc:
                raise _KeyProblem(str(exc)) from exc

        try:
            check(installation.jwks)
            return
        except _KeyProblem:
            pass
        try:
            check(await self._fresh_keys(installation))
        except _KeyProblem:
            raise InvalidSignature("the webhook signature does not verify against Saleor's keys") from None

    async def decode_token(
        self,
        installation: KeyOwner,
        token: str,
        *,
        audience: str | None = None,
    ) -> dict[str, Any]:
        """Verify a Saleor-issued JWT (RS256, our store as issuer, not expired) and return its claims."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("the token is not a JWT") from exc
        if header.get("alg") not in ALGORITHMS:
            raise InvalidToken("the token must be signed with RS256")

        def decode(jwks: dict[str, Any]) -> dict[str, Any]:
            key = _public_key(jwks, header.get("kid"))
            try:
                claims: dict[str, Any] = jwt.decode(
                    token,
                    key=key,
                    algorithms=ALGORITHMS,
                    issuer=installation.saleor_api_url,
                    audience=audience,
                    leeway=CLOCK_SKEW_SECONDS,
                    options={"require": ["exp", "iss"], "verify_aud": audience is not None},
                )
            except jwt.InvalidSignatureError as exc:
                raise _KeyProblem(str(exc)) from exc
            except jwt.ExpiredSignatureError as exc:
                raise InvalidToken("the token has expired") from exc
            except jwt.InvalidIssuerError as exc:
                raise InvalidToken("the token was issued by another Saleor") from exc
            except jwt.InvalidAudienceError as exc:
                raise InvalidToken("the token was issued for another audience") from exc
            except jwt.PyJWTError as exc:
                raise InvalidToken(f"the token is not valid: {exc}") from exc
            return claims

        try:
            return decode(installation.jwks)
        except _KeyProblem:
            pass
        try:
            return decode(await self._fresh_keys(installation))
        except _KeyProblem:
            raise InvalidToken("the token's signature does not verify against Saleor's keys") from None
