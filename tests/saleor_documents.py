"""Lojal's GraphQL documents (`app/saleor/graphql/`) by name, for tests that talk to the fake Saleor
directly and read its raw answers (the app itself only uses the generated client)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import httpx
from graphql import DocumentNode, OperationDefinitionNode, parse

from app.saleor.documents import complete_document
from app.saleor.transport import GraphQLTransport

GRAPHQL_DIR = Path(__file__).resolve().parent.parent / "app" / "saleor" / "graphql"


def document_names() -> list[str]:
    return sorted(path.stem for path in GRAPHQL_DIR.glob("*.graphql"))


@cache
def document_text(name: str) -> str:
    return complete_document(GRAPHQL_DIR / f"{name}.graphql", GRAPHQL_DIR / "fragments")


def load_document(name: str) -> DocumentNode:
    return parse(document_text(name))


def operation_name(name: str) -> str:
    [operation] = [d for d in load_document(name).definitions if isinstance(d, OperationDefinitionNode)]
    assert operation.name is not None
    return operation.name.value


class _RawTransport(GraphQLTransport):
    parse_float = float  # Saleor's answers as it sends them: amounts are JSON numbers


class DocumentClient:
    """Sends a named document through Lojal's own transport and answers the raw `data`."""

    def __init__(
        self,
        saleor_api_url: str,
        token: str | None,
        *,
        query_retries: int = 1,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._transport = _RawTransport(
            saleor_api_url, token, query_retries=query_retries, transport=transport
        )

    async def execute(self, name: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self._transport.execute(document_text(name), operation_name(name), variables or {})
