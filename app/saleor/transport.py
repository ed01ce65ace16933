"""How every call reaches Saleor: the base of the generated client (`app/saleor/generated/`), sending
through gql with our timeouts and retry rules.

gql validates each document against the Saleor schema Lojal ships (`app/saleor/schema.graphql`) before
anything is sent. Queries are idempotent and retried a bounded number of times on transport failures;
mutations are sent once, because a retried mutation whose first attempt did land would run twice.
Answers are parsed with exact Decimals, so money never passes through a float.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal
from functools import cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportError, TransportQueryError, TransportServerError
from gql.transport.httpx import HTTPXAsyncTransport
from graphql import DocumentNode, GraphQLSchema, OperationDefinitionNode, OperationType, build_schema, parse
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from app.errors import SaleorUnavailable

log = structlog.get_logger(__name__)

SCHEMA_PATH = Path(__file__).resolve().parent / "schema.graphql"
USER_AGENT = "Lojal (Saleor app)"


class SaleorGraphQLError(Exception):
    """Saleor answered, but with GraphQL errors (permission denied, invalid input, ...)."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


@cache
def saleor_schema() -> GraphQLSchema:
    """Saleor's schema, built once per process (about a second: do it before the first call matters)."""
    return build_schema(SCHEMA_PATH.read_text())


@cache
def _document(query: str) -> tuple[DocumentNode, bool]:
    """The parsed document and whether it only reads (its operations are all queries)."""
    document = parse(query)
    reads_only = all(
        definition.operation is OperationType.QUERY
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    )
    return document, reads_only


def saleor_origin(saleor_api_url: str) -> str:
    parts = urlsplit(saleor_api_url)
    return f"{parts.scheme}://{parts.netloc}"


def _json(value: Any) -> Any:
    """Generated input models (snake_case in Python) become the camelCase JSON Saleor expects, with
    only the fields the caller set."""
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, exclude_unset=True, mode="json")
    if isinstance(value, list):
        return [_json(item) for item in value]
    return to_jsonable_python(value)


def _json_variables(variables: dict[str, Any]) -> dict[str, Any]:
    # Imported here: the generated package imports this module (its base client) as it loads.
    from app.saleor.generated.base_model import UNSET

    # Optional arguments the caller left unset are not sent at all.
    return {name: _json(value) for name, value in variables.items() if value is not UNSET}


class GraphQLTransport:
    """Speaks to one Saleor with one token. Cheap to create; holds no open connection between calls."""

    # How JSON numbers in answers are read: exact Decimals (tests of the fake Saleor read raw floats).
    parse_float: Callable[[str], Any] = Decimal

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
            schema=saleor_schema(),
            transport=HTTPXAsyncTransport(
                url=self.saleor_api_url,
                json_deserialize=partial(json.loads, parse_float=self.parse_float),
                **kwargs,
            ),
            execute_timeout=self._timeout + 1,
        )

    async def execute(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Send one operation; the answer's `data`. Called by the generated client's methods."""
        document, reads_only = _document(query)
        name = operation_name or "anonymous"
        attempts = 1 + (self._query_retries if reads_only else 0)
        request = GraphQLRequest(
            document, variable_values=_json_variables(variables or {}), operation_name=operation_name
        )
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
        raise SaleorUnavailable(f"Saleor did not answer {name}")

    def get_data(self, response: dict[str, Any]) -> dict[str, Any]:
        """The generated client asks for the data of an answer; `execute` already returned it."""
        return response


async def fetch_jwks(
    saleor_api_url: str, *, timeout_seconds: float, transport: httpx.AsyncBaseTransport | None = None
) -> dict[str, Any]:
    """GET `<origin>/.well-known/jwks.json`; raises SaleorUnavailable with a reason on any failure."""
    url = saleor_origin(saleor_api_url) + "/.well-known/jwks.json"
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
