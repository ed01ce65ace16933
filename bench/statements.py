"""`python -m bench.statements [DATABASE_URL]`: the SQL one ORDER_FULLY_PAID delivery runs, printed.

Three deliveries through the real app (in-process, fake Saleor): a new order of a new customer, a new
order of a customer Lojal knows, and the same delivery again (already applied). Counts every round trip
to the database, BEGIN and COMMIT included. Defaults to a scratch PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import Database
from app.main import create_app
from app.settings import Settings
from app.startup import run_migrations
from tests.factories import Line, order_body
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tests.helpers import deliver, install

SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def _scratch_database(server: str) -> str:
    url = make_url(server)
    name = f"{url.database}_lojal_statements"
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


async def measure(database_url: str) -> dict[str, list[str]]:
    await asyncio.to_thread(run_migrations, database_url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        app_url="http://lojal.test",
        database_url=database_url,
        secret_key="statements-secret-key-that-is-long-enough-0123",  # noqa: S106 - a scratch database
        worker_in_process=False,
        log_level="ERROR",
    )
    database = Database(database_url)
    network = FakeNetwork()
    saleor = network.add(FakeSaleor(host="shop-a.saleor.test", app_id="QXBwOjE=", key_slot=0))
    app = create_app(settings, database=database, saleor_transport=network)
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split())[:160])

    sa.event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    runs: dict[str, list[str]] = {}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://lojal.test") as client,
    ):
        assert (await install(client, saleor)).status_code == 200
        cases = {
            "new order, new customer": order_body(saleor, order_id="T3JkZXI6MQ==", lines=[Line(30)]),
            "new order, known customer": order_body(saleor, order_id="T3JkZXI6Mg==", lines=[Line(40)]),
        }
        cases["the same delivery again"] = cases["new order, known customer"]
        for name, body in cases.items():
            seen.clear()
            response = await deliver(client, saleor, "ORDER_FULLY_PAID", body)
            assert response.status_code == 200, response.text
            runs[name] = list(seen)
    await database.dispose()
    return runs


def main(argv: list[str]) -> int:
    url = argv[0] if argv else asyncio.run(_scratch_database(SERVER))
    for name, statements in asyncio.run(measure(url)).items():
        print(f"\n== {name}: {len(statements)} statements")
        for statement in statements:
            print("  ", statement)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
