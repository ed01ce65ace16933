"""The server process: the real app under uvicorn on a socket the parent already bound.

Run as `python -m bench.server --fd N --database-url URL --store-spec PATH`. The app is built with
create_app() exactly as `lojal serve` builds it (same uvicorn loop and HTTP parser, INFO JSON logs to
stderr), except that Saleor is the fake store reached through FakeNetwork and the outbox worker is off:
its Saleor calls happen after the answer by design, and the benchmark measures the answers.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import socket
from pathlib import Path

import uvicorn

from app.main import create_app
from app.settings import Settings
from bench.store import server_network


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True, help="inherited listening socket")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--store-spec", type=Path, required=True)
    return parser.parse_args()


def _settings(database_url: str, app_url: str, saleor_api_url: str) -> Settings:
    return Settings(
        _env_file=None,  # a developer's .env must not change what is measured
        app_url=app_url,
        database_url=database_url,
        secret_key=secrets.token_urlsafe(48),
        worker_in_process=False,
        allowed_saleor_api_urls=[saleor_api_url],
        log_level="INFO",
        log_json=True,
    )


async def _serve(arguments: argparse.Namespace) -> None:
    listener = socket.socket(fileno=arguments.fd)
    host, port = listener.getsockname()[:2]
    network, store = server_network(arguments.store_spec)
    app = create_app(
        _settings(arguments.database_url, f"http://{host}:{port}", store.api_url),
        saleor_transport=network,
    )
    # No access log, as `lojal serve` runs (app/cli.py); the app's own INFO request log line stays on.
    config = uvicorn.Config(app, access_log=False, log_level="warning", lifespan="on")
    await uvicorn.Server(config).serve(sockets=[listener])


def main() -> None:
    asyncio.run(_serve(_arguments()))


if __name__ == "__main__":
    main()
