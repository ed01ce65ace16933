"""Signing like Saleor 3.24: RSA keys with a thumbprint kid, their JWKS entry, detached JWS for webhook
deliveries and RS256 JWTs for tokens."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class SigningKey:
    """An RSA key with an RFC 7638 thumbprint as kid, as Saleor's JWTManager makes them."""

    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.private_key.public_key().public_numbers()
        self.e = _b64url_uint(numbers.e)
        self.n = _b64url_uint(numbers.n)
        canonical = json.dumps(
            {"e": self.e, "kty": "RSA", "n": self.n}, separators=(",", ":"), sort_keys=True
        )
        self.kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")

    @property
    def jwk(self) -> dict[str, Any]:
        return {
            "kty": "RSA",
            "key_ops": ["verify"],
            "n": self.n,
            "e": self.e,
            "use": "sig",
            "kid": self.kid,
            "alg": "RS256",
        }


@cache
def _cached_key(slot: int) -> SigningKey:
    # RSA key generation is slow; tests reuse a handful of keys by slot.
    return SigningKey()


def sign_detached(body: bytes, key: SigningKey) -> str:
    """Detached JWS with an unencoded payload (RFC 7797), exactly as Saleor signs deliveries."""
    return jwt.api_jws.encode(
        body,
        key.private_key,
        algorithm="RS256",
        headers={"kid": key.kid, "b64": False, "crit": ["b64"], "typ": "JWT"},
        is_payload_detached=True,
    )


def sign_token(claims: dict[str, Any], key: SigningKey) -> str:
    """An RS256 JWT carrying the key's kid, as Saleor issues access and app tokens."""
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid, "typ": "JWT"})
