"""`make saleor-schema SALEOR_API_URL=…`: write a running Saleor's GraphQL schema as SDL, read by
introspection (Saleor answers it without a token)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
from graphql import build_client_schema, get_introspection_query, print_schema


async def fetch_schema(saleor_api_url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> str:
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    async with httpx.AsyncClient(transport=transport, timeout=30, follow_redirects=False) as http:
        response = await http.post(saleor_api_url, json={"query": query})
    response.raise_for_status()
    answer = response.json()
    if answer.get("errors") or not answer.get("data"):
        raise RuntimeError(f"Saleor refused the introspection query: {answer.get('errors')}")
    return print_schema(build_client_schema(answer["data"])) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tools.saleor_schema SALEOR_API_URL OUTPUT", file=sys.stderr)
        return 2
    saleor_api_url, output = argv
    try:
        schema = asyncio.run(fetch_schema(saleor_api_url))
    except (httpx.HTTPError, RuntimeError) as exc:
        print(f"could not read the schema of {saleor_api_url}: {exc}", file=sys.stderr)
        return 1
    Path(output).write_text(schema)
    print(f"wrote {output}; now run `make test` to see what the new schema changes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
