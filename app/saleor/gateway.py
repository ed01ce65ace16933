"""Builds typed Saleor clients for installations; the one object that knows how to reach Saleor."""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from app.crypto import TokenCipher
from app.errors import PermanentFailure
from app.netguard import GuardedTransport
from app.saleor.generated import SaleorClient
from app.saleor.transport import fetch_jwks
from app.settings import Settings


class SaleorStore(Protocol):
    """What the gateway needs of an installation (`app.installations.models.Installation` is one)."""

    @property
    def id(self) -> int: ...
    @property
    def saleor_api_url(self) -> str: ...
    @property
    def token_encrypted(self) -> bytes | None: ...
    @property
    def is_active(self) -> bool: ...


class AppUninstalled(PermanentFailure):
    """The installation has no token any more (uninstalled); nothing can be sent to its Saleor."""


class SaleorGateway:
    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.cipher = TokenCipher(settings.secret_key)
        # Every call to any Saleor goes through one guarded transport and its connection pool. Tests hand
        # in a transport that reaches a fake Saleor; production uses the network.
        self.transport = GuardedTransport(settings.address_policy, inner=transport)

    async def aclose(self) -> None:
        await self.transport.close_pool()

    def client_with_token(self, saleor_api_url: str, token: str | None) -> SaleorClient:
        return SaleorClient(
            saleor_api_url,
            token,
            timeout_seconds=self.settings.saleor_timeout_seconds,
            query_retries=self.settings.saleor_query_retries,
            transport=self.transport,
        )

    def client_for(self, store: SaleorStore) -> SaleorClient:
        if not store.is_active or store.token_encrypted is None:
            raise AppUninstalled(f"installation {store.id} is not active")
        return self.client_with_token(store.saleor_api_url, self.cipher.decrypt(store.token_encrypted))

    async def fetch_jwks(self, saleor_api_url: str) -> dict[str, Any]:
        return await fetch_jwks(
            saleor_api_url, timeout_seconds=self.settings.saleor_timeout_seconds, transport=self.transport
        )
