"""Faults over real HTTP against a served app (uvicorn in its own process, PostgreSQL): the database cut
with deliveries in flight, and the server killed with SIGKILL mid-load. After Saleor's redeliveries,
every order has earned exactly once and `lojal doctor` finds nothing. A cut database answers 503 (Saleor
retries), never 500."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.db import Database
from app.jobs.doctor import find_problems
from app.ledger.models import EntryKind, LedgerEntry
from bench.serving import RunningServer, running_server
from bench.store import load_generator_store, write_spec
from tests.factories import Line, order_body
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver, install

pytestmark = pytest.mark.postgres_only

ORDERS = 60


class Proxy:
    """A TCP proxy in front of PostgreSQL that can cut every connection and refuse new ones."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.server: asyncio.Server | None = None
        self.pipes: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.pipes |= {writer, up_writer}

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        self.pipes -= {writer, up_writer}

    async def cut(self) -> None:
        """Every connection drops at once and new ones are refused."""
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()
        for pipe in list(self.pipes):
            pipe.transport.abort()
        self.pipes.clear()

    async def restore(self) -> None:
        await self.start()  # the same port again


@contextlib.asynccontextmanager
async def served(
    database_url: str, store: FakeSaleor, tmp_path: Path, name: str
) -> AsyncIterator[RunningServer]:
    spec = tmp_path / f"store-{name}.json"
    write_spec(store, spec)
    async with running_server(database_url, spec, tmp_path / f"server-{name}.log") as server:
        yield server


def bodies(store: FakeSaleor) -> list[dict[str, object]]:
    return [
        order_body(store, order_id=f"T3JkZXI6ZmF1bHQ{n}", number=str(1000 + n), lines=[Line(10 + n % 7)])
        for n in range(ORDERS)
    ]


async def redeliver_until_stored(base_url: str, store: FakeSaleor, orders: list[dict[str, object]]) -> None:
    """Saleor's retries: every delivery again until each is answered 200."""
    pending = list(orders)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        for _ in range(40):
            answers = await asyncio.gather(
                *(deliver(http, store, "ORDER_FULLY_PAID", body) for body in pending), return_exceptions=True
            )
            statuses = {answer.status_code for answer in answers if isinstance(answer, httpx.Response)}
            assert statuses <= {200, 503}, statuses  # temporary trouble is 503, never a 500
            pending = [
                body
                for body, answer in zip(pending, answers, strict=True)
                if not (isinstance(answer, httpx.Response) and answer.status_code == 200)
            ]
            if not pending:
                return
            await asyncio.sleep(0.5)
    raise AssertionError(f"{len(pending)} deliveries were never stored")


async def assert_each_order_earned_once(database_url: str, orders: list[dict[str, object]]) -> None:
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            earned = (
                await session.execute(
                    sa.select(LedgerEntry.source_id, sa.func.count(), sa.func.sum(LedgerEntry.points))
                    .where(LedgerEntry.kind == EntryKind.EARN)
                    .group_by(LedgerEntry.source_id)
                )
            ).all()
        expected = {body["order"]["id"]: 10 + n % 7 for n, body in enumerate(orders)}  # type: ignore[index]
        assert {source: (count, int(points)) for source, count, points in earned} == {
            order_id: (1, points) for order_id, points in expected.items()
        }
        assert await find_problems(database) == []
    finally:
        await database.dispose()


async def test_the_database_cut_with_deliveries_in_flight(database_url: str, tmp_path: Path) -> None:
    target = make_url(database_url)
    proxy = Proxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    through_proxy = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    store = load_generator_store()
    orders = bodies(store)
    async with served(through_proxy, store, tmp_path, "cut") as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
            assert (await install(http, store)).status_code == 200
            in_flight = [
                asyncio.create_task(deliver(http, store, "ORDER_FULLY_PAID", body)) for body in orders
            ]
            await asyncio.sleep(0.05)
            await proxy.cut()
            await asyncio.sleep(1.0)
            await proxy.restore()
            answers = await asyncio.gather(*in_flight, return_exceptions=True)
        statuses = sorted(
            {a.status_code if isinstance(a, httpx.Response) else type(a).__name__ for a in answers}
        )
        assert set(statuses) <= {200, 503}, statuses  # a cut database is temporary trouble, never a 500
        await redeliver_until_stored(server.base_url, store, orders)
    await assert_each_order_earned_once(database_url, orders)


async def test_the_server_killed_mid_load(database_url: str, tmp_path: Path) -> None:
    store = load_generator_store()
    orders = bodies(store)
    async with (
        served(database_url, store, tmp_path, "first") as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=60) as http,
    ):
        assert (await install(http, store)).status_code == 200
        in_flight = [asyncio.create_task(deliver(http, store, "ORDER_FULLY_PAID", body)) for body in orders]
        for done, finished in enumerate(asyncio.as_completed(in_flight), 1):
            with contextlib.suppress(Exception):
                await finished
            if done == ORDERS // 3:
                os.kill(server.process.pid, signal.SIGKILL)
                break
        await asyncio.gather(*in_flight, return_exceptions=True)
    async with served(database_url, store, tmp_path, "second") as server:
        await redeliver_until_stored(server.base_url, store, orders)
    await assert_each_order_earned_once(database_url, orders)
