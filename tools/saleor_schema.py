"""`make saleor-schema SALEOR_API_URL=…`: write a running Saleor's GraphQL schema as SDL, by introspection
(public: no token needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
from graphql import build_client_schema, get_introspection_query, print_schema


def fetch_schema(saleor_api_url: str) -> str:
    response = httpx.post(
        saleor_api_url, json={"query": get_introspection_query(descriptions=True)}, timeout=30, follow_redirects=False
    )
    response.raise_for_status()
    answer = response.json()
    if "errors" in answer:
        raise SystemExit(f"Saleor refused the introspection query: {answer['errors']}")
    return print_schema(build_client_schema(answer["data"])) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tools.saleor_schema SALEOR_API_URL OUTPUT", file=sys.stderr)
        return 2
    saleor_api_url, output = argv
    Path(output).write_text(fetch_schema(saleor_api_url))
    print(f"wrote {output}; now `make saleor-client` and run the tests")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
