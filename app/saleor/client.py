"""Async GraphQL client for one Saleor installation (gql over httpx).

Documents live in `app/saleor/graphql/*.graphql` and are named by file stem. Queries are idempotent
and retried a bounded number of times on transport failures; mutations are sent once, because a
retried mutation whose first attempt did land would run twice.
"""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog
from gql import Client, GraphQLRequest
from gql.transport.exceptions import (
    TransportError,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.httpx import HTTPXAsyncTransport
from graphql import DocumentNode, OperationType, parse
from graphql.language import OperationDefinitionNode

from app.errors import SaleorUnavailable
from app.saleor.documents import complete_document

log = structlog.get_logger(__name__)

GRAPHQL_DIR = Path(__file__).resolve().parent / "graphql"
USER_AGENT = "Lojal (Saleor app)"


class SaleorGraphQLError(Exception):
    """Saleor answered, but with GraphQL errors (permission denied, invalid input, ...)."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


@cache
def load_document(name: str) -> DocumentNode:
    return parse(complete_document(GRAPHQL_DIR / f"{name}.graphql", GRAPHQL_DIR / "fragments"))


def document_names() -> list[str]:
    return sorted(path.stem for path in GRAPHQL_DIR.glob("*.graphql"))


def is_query(document: DocumentNode) -> bool:
    return all(
        definition.operation is OperationType.QUERY
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    )


def saleor_origin(saleor_api_url: str) -> str:
    parts = urlsplit(saleor_api_url)
    return f"{parts.scheme}://{parts.netloc}"


def jwks_url(saleor_api_url: str) -> str:
    return saleor_origin(saleor_api_url) + "/.well-known/jwks.json"


class SaleorClient:
    """Speaks to one Saleor with one token. Cheap to create; holds no open connection between calls."""

    def __init__(
        self,
        saleor_api_url: str,
        token: str | None,
        *,
        timeout_seconds: float = 10.0,
        query_retries: int = 2,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.saleor_api_url = saleor_api_url
        self._token = token
        self._timeout = timeout_seconds
        self._query_retries = query_retries
        self._transport = transport

    def _gql_client(self) -> Client:
        headers = {"User-Agent": USER_AGENT}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        kwargs: dict[str, Any] = {"headers": headers, "timeout": self._timeout, "follow_redirects": False}
        if self._transport is not None:
            kwargs["transport"] = self._transport
        return Client(
            transport=HTTPXAsyncTransport(url=self.saleor_api_url, **kwargs),
            fetch_schema_from_transport=False,
            execute_timeout=self._timeout + 1,
        )

    async def execute(self, name: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        document = load_document(name)
        attempts = 1 + (self._query_retries if is_query(document) else 0)
        request = GraphQLRequest(document, variable_values=variables or {})
        for attempt in range(1, attempts + 1):
            try:
                async with self._gql_client() as session:
                    result: dict[str, Any] = await session.execute(request)
                    return result
            except TransportQueryError as exc:
                raise SaleorGraphQLError(f"Saleor refused {name}: {exc}", list(exc.errors or [])) from exc
            except (TransportError, httpx.HTTPError, TimeoutError, OSError) as exc:
                retryable = not isinstance(exc, TransportServerError) or (exc.code or 500) >= 500
                log.warning(
                    "saleor_call_failed",
                    document=name,
                    attempt=attempt,
                    attempts=attempts,
                    error=type(exc).__name__,
                )
                if not retryable or attempt == attempts:
                    raise SaleorUnavailable(f"Saleor did not answer {name}: {type(exc).__name__}") from exc
                await asyncio.sleep(0.2 * 2 ** (attempt - 1))
        raise AssertionError("unreachable")


async def fetch_jwks(
    saleor_api_url: str, *, timeout_seconds: float, transport: httpx.AsyncBaseTransport | None = None
) -> dict[str, Any]:
    """GET `<origin>/.well-known/jwks.json`; raises SaleorUnavailable with a reason on any failure."""
    url = jwks_url(saleor_api_url)
    try:
        async with httpx.AsyncClient(
            timeout=timeout_seconds, transport=transport, follow_redirects=False
        ) as http:
            response = await http.get(url, headers={"User-Agent": USER_AGENT})
    except (httpx.HTTPError, OSError) as exc:
        raise SaleorUnavailable(f"could not fetch Saleor's JWKS from {url}: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise SaleorUnavailable(f"Saleor's JWKS at {url} answered HTTP {response.status_code}")
    try:
        jwks = response.json()
    except ValueError as exc:
        raise SaleorUnavailable(f"Saleor's JWKS at {url} is not JSON") from exc
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise SaleorUnavailable(f"Saleor's JWKS at {url} holds no keys")
    return jwks
