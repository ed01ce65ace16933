"""Builds Saleor clients for installations; the one object that knows how to reach Saleor."""

from __future__ import annotations

from typing import Any

import httpx

from app.installations.crypto import TokenCipher
from app.installations.models import Installation
from app.saleor.client import SaleorClient, fetch_jwks
from app.settings import Settings


class AppUninstalled(Exception):
    """The installation has no token any more (uninstalled); nothing can be sent to its Saleor."""


class SaleorGateway:
    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.cipher = TokenCipher(settings.secret_key)
        # Tests hand in a transport that reaches a fake Saleor; production uses the network.
        self.transport = transport

    def client_with_token(self, saleor_api_url: str, token: str | None) -> SaleorClient:
        return SaleorClient(
            saleor_api_url,
            token,
            timeout_seconds=self.settings.saleor_timeout_seconds,
            query_retries=self.settings.saleor_query_retries,
            transport=self.transport,
        )

    def client_for(self, installation: Installation) -> SaleorClient:
        if not installation.is_active or installation.token_encrypted is None:
            raise AppUninstalled(f"installation {installation.id} is not active")
        token = self.cipher.decrypt(installation.token_encrypted)
        return self.client_with_token(installation.saleor_api_url, token)

    async def fetch_jwks(self, saleor_api_url: str) -> dict[str, Any]:
        return await fetch_jwks(
            saleor_api_url, timeout_seconds=self.settings.saleor_timeout_seconds, transport=self.transport
        )
