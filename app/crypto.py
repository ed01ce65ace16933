"""Secrets at rest: app tokens and voucher codes encrypted, codes matched by their hash."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class TokenCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256), keyed from SECRET_KEY."""

    def __init__(self, secret_key: str) -> None:
        # HKDF turns any long passphrase into the 32 bytes Fernet needs, bound to this purpose.
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lojal:app-token").derive(
            secret_key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def encrypt(self, token: str) -> bytes:
        return self._fernet.encrypt(token.encode())

    def decrypt(self, ciphertext: bytes) -> str:
        try:
            return self._fernet.decrypt(ciphertext).decode()
        except InvalidToken as exc:
            raise ValueError("app token cannot be decrypted: was SECRET_KEY changed?") from exc


def hash_code(code: str) -> str:
    """A code's fingerprint: enough to find the row it belongs to, useless to a reader of the table."""
    return hashlib.sha256(code.encode()).hexdigest()
