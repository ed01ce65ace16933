"""Leases per message: a worker claims one message at a time and holds a lease on it for as long as it
sends it (renewed while it does), so two workers draining one outbox never send a message twice, even
when a send takes longer than the lease; a crashed worker's message is picked up when its lease ends;
and a worker that cannot renew stops sending before its lease could run out.

The workers here have a database engine each, as separate processes would (on PostgreSQL they meet in
`FOR UPDATE SKIP LOCKED`; on SQLite in its single writer). Leases are a fraction of a second so that a
"slow" send, longer than the lease, takes a second of real time."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest

from app import clock
from app.db import Database
from app.jobs.handlers import outbox_handlers
from app.outbox import service as outbox
from app.outbox.service import Claimed
from app.saleor.gateway import SaleorGateway
from app.settings import Settings
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tests.outbox.conftest import customer, metadata_calls, outbox_rows, paid_order

LEASE = timedelta(seconds=1)  # the old batch lease was 60 s; here a slow send takes twice the lease
SLOW = 2.0


class SlowSaleor(httpx.AsyncBaseTransport):
    """Saleor answering the metadata writes of some customers only after `delay` seconds."""

    def __init__(self, network: FakeNetwork, slow_users: set[str], delay: float) -> None:
        self.network = network
        self.slow_users = slow_users
        self.delay = delay

    async def resolve(self, host: str, port: int) -> list[str]:
        return await self.network.resolve(host, port)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = request.content.decode()
        if "LojalUpdateMetadata" in body and any(user in body for user in self.slow_users):
            await asyncio.sleep(self.delay)
        return await self.network.handle_async_request(request)


@pytest.fixture
async def second_database(database_url: str, database: Database) -> AsyncIterator[Database]:
    """Another worker's own engine on the same database."""
    other = Database(database_url)
    yield other
    await other.dispose()


async def work_until_empty(
    database: Database, gateway: SaleorGateway, total: int, *, lease: timedelta = LEASE
) -> outbox.DrainResult:
    """One worker: drain in small rounds until every message is sent (or give up after 30 s)."""
    handlers = outbox_handlers(database, gateway)
    done = outbox.DrainResult()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        result = await outbox.drain_once(database, handlers, limit=3, lease=lease)
        done.sent += result.sent
        done.retried += result.retried
        done.dead += result.dead
        if not result.worked:
            if sum(row.sent_at is not None for row in await outbox_rows(database)) == total:
                return done
            await asyncio.sleep(0.05)  # the other worker holds what is left
    raise AssertionError("the outbox was not drained in 30 seconds")


class TestTwoWorkers:
    @pytest.mark.parametrize("slow_count", [0, 3])
    async def test_two_workers_drain_one_outbox_and_saleor_gets_each_message_exactly_once(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        second_database: Database,
        settings: Settings,
        network: FakeNetwork,
        slow_count: int,
    ) -> None:
        customers = [customer(n) for n in range(12)]
        for number, user in enumerate(customers, start=1):
            installed.users[user[0]] = {"metadata": {}}
            await paid_order(client, installed, user, number=number)
        assert len(await outbox_rows(database)) == len(customers)
        slow = {user_id for user_id, _ in customers[:slow_count]}  # sends longer than the lease

        first, second = await asyncio.gather(
            work_until_empty(
                database, SaleorGateway(settings, transport=SlowSaleor(network, slow, SLOW)), 12
            ),
            work_until_empty(
                second_database, SaleorGateway(settings, transport=SlowSaleor(network, slow, SLOW)), 12
            ),
        )

        writes = Counter(call["id"] for call in metadata_calls(installed))
        assert writes == Counter({user_id: 1 for user_id, _ in customers})  # each exactly once
        assert first.sent + second.sent == len(customers)
        if slow_count:
            assert first.sent > 0 and second.sent > 0  # both really worked
        assert (first.retried, second.retried, first.dead, second.dead) == (0, 0, 0, 0)
        rows = await outbox_rows(database)
        assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
        assert all(row.claimed_at is None and row.claimed_by is None for row in rows)
        for user_id, _ in customers:
            assert installed.users[user_id]["metadata"]["loyalty.points"] == "0"  # pending, not yet spendable


class TestLeases:
    async def test_a_message_being_sent_slowly_is_never_claimable(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database, second_database: Database
    ) -> None:
        user = customer(1)
        await paid_order(client, installed, user, number=1)
        started = asyncio.Event()
        release = asyncio.Event()

        async def slow_handler(message: Claimed, now: datetime) -> None:
            started.set()
            await release.wait()

        handlers = {"member_metadata": slow_handler}
        sending = asyncio.create_task(outbox.drain_once(database, handlers, lease=LEASE))
        await started.wait()
        deadline = time.monotonic() + 3 * LEASE.total_seconds()
        while time.monotonic() < deadline:  # three leases long, another worker keeps trying
            assert await outbox.claim_next(second_database, lease=LEASE) is None
            await asyncio.sleep(0.05)
        release.set()
        assert await sending == outbox.DrainResult(sent=1)

    async def test_a_crashed_workers_message_is_claimed_again_when_its_lease_ends(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database, second_database: Database
    ) -> None:
        await paid_order(client, installed, customer(1), number=1)
        crashed = await outbox.claim_next(database)  # ... and never finishes
        assert crashed is not None and crashed.attempts == 1
        assert await outbox.claim_next(second_database) is None
        clock.travel(outbox.LEASE + timedelta(seconds=1))
        taken_over = await outbox.claim_next(second_database)
        assert taken_over is not None and taken_over.id == crashed.id and taken_over.attempts == 2
        # The crashed claim can neither renew nor finish what is no longer its own.
        assert not await outbox.renew_lease(database, crashed)
        assert await outbox.renew_lease(second_database, taken_over)

    async def test_a_worker_that_cannot_renew_its_lease_stops_sending_before_it_ends(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        await paid_order(client, installed, customer(1), number=1)
        finished = False
        stopped_at: float | None = None

        async def slow_handler(message: Claimed, now: datetime) -> None:
            nonlocal finished, stopped_at
            try:
                await asyncio.sleep(5)
            except asyncio.CancelledError:
                stopped_at = time.monotonic()
                raise
            finished = True

        async def database_hangs(*args: object, **kwargs: object) -> bool:
            await asyncio.sleep(60)
            return True

        monkeypatch.setattr(outbox, "renew_lease", database_hangs)
        started = time.monotonic()
        result = await outbox.drain_once(database, {"member_metadata": slow_handler}, lease=LEASE)

        assert not finished
        assert stopped_at is not None
        assert stopped_at - started < LEASE.total_seconds()  # stopped before another worker could claim it
        assert result == outbox.DrainResult(retried=1)
        [row] = await outbox_rows(database)
        assert row.last_error is not None and row.last_error.startswith("LeaseLost")
        assert row.claimed_by is None and row.sent_at is None

    async def test_a_send_that_never_ends_is_abandoned_and_retried(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await paid_order(client, installed, customer(1), number=1)

        async def hangs(message: Claimed, now: datetime) -> None:
            await asyncio.sleep(60)

        result = await outbox.drain_once(
            database, {"member_metadata": hangs}, lease=LEASE, max_send=timedelta(seconds=1)
        )
        assert result == outbox.DrainResult(retried=1)
        [row] = await outbox_rows(database)
        assert row.last_error is not None and row.last_error.startswith("TimeoutError")
