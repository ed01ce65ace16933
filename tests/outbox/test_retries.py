"""Accepted work is never dropped: a transient failure is retried with capped exponential backoff for as
long as it takes (past OUTBOX_MAX_ATTEMPTS the message is reported stuck, and still retried); only a
failure retrying cannot help makes a dead letter, which blocks nothing and is resolved by a later message
doing the same work."""

from __future__ import annotations

from datetime import timedelta

import httpx
import sqlalchemy as sa

from app import clock
from app.db import Database
from app.installations.models import Installation
from app.outbox import service as outbox
from app.saleor.gateway import SaleorGateway
from tests.api.test_earning import set_program
from tests.factories import JANE_EMAIL, JANE_ID
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver, staff_headers
from tests.outbox.conftest import drain, metadata_calls, metric, outbox_rows, paid_order

JANE = (JANE_ID, JANE_EMAIL)


def test_backoff_doubles_from_five_seconds_and_stops_at_an_hour() -> None:
    waits = [outbox.backoff(attempts) for attempts in range(1, 14)]
    assert waits[:4] == [timedelta(seconds=s) for s in (5, 10, 20, 40)]
    assert waits[-1] == outbox.MAX_BACKOFF == timedelta(hours=1)
    assert waits == sorted(waits)
    assert outbox.backoff(100_000) == timedelta(hours=1)  # months of retries stay hourly


class TestSaleorDownForHours:
    async def test_the_message_is_retried_across_many_backoffs_then_sent_once_when_saleor_recovers(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        installed.users[JANE_ID] = {"metadata": {}}
        await set_program(client, installed, welcome_bonus_points=50)
        installed.down = True
        await paid_order(client, installed, JANE, number=1)
        stuck_after = gateway.settings.outbox_max_attempts

        started = clock.now()
        waits: list[timedelta] = []
        while clock.now() - started < timedelta(hours=6):
            result = await drain(database, gateway)
            attempt = len(waits) + 1
            assert result == outbox.DrainResult(retried=1, stuck=int(attempt >= stuck_after)), attempt
            [row] = await outbox_rows(database)
            assert (row.sent_at, row.dead_at, row.attempts) == (None, None, attempt)
            assert row.last_error is not None and "SaleorUnavailable" in row.last_error
            wait = row.next_attempt_at - clock.now()
            waits.append(wait)
            # Not due before its time: nothing is tried, nothing counted.
            assert await drain(database, gateway) == outbox.DrainResult()
            clock.travel(wait + timedelta(seconds=1))

        assert len(waits) > stuck_after  # well past the old limit of OUTBOX_MAX_ATTEMPTS
        seconds = [round(wait.total_seconds()) for wait in waits]
        assert seconds == sorted(seconds)
        assert timedelta(0) < waits[0] <= timedelta(seconds=6)
        assert timedelta(minutes=59) < waits[-1] <= timedelta(hours=1)  # capped, and still trying

        # While it fails it is reported: stuck in /metrics and in the Loyalty tab, never a dead letter.
        scraped = (await client.get("/metrics")).text
        assert metric(scraped, "lojal_outbox_stuck_messages", "member_metadata") == 1
        assert metric(scraped, "lojal_outbox_dead_letters", "member_metadata") == 0
        tab = (await client.get("/api/admin/outbox/dead-letters", headers=staff_headers(installed))).json()
        assert (tab["dead_letters_total"], tab["stuck_total"]) == (0, 1)
        assert tab["stuck"][0]["attempts"] == len(waits)
        assert metadata_calls(installed) == []  # nothing reached Saleor while it was down

        installed.down = False  # and the message's next hourly attempt is due
        assert await drain(database, gateway) == outbox.DrainResult(sent=1)
        [call] = metadata_calls(installed)  # the metadata write arrives once
        assert call["id"] == JANE_ID
        assert installed.users[JANE_ID]["metadata"]["loyalty.points"] == "50"
        [row] = await outbox_rows(database)
        assert row.sent_at is not None and row.last_error is None
        assert await drain(database, gateway) == outbox.DrainResult()
        scraped = (await client.get("/metrics")).text
        assert metric(scraped, "lojal_outbox_stuck_messages", "member_metadata") == 0
        assert metric(scraped, "lojal_outbox_pending_messages", "member_metadata") == 0

    async def test_http_500s_and_timeouts_are_retried_not_dead_lettered(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        installed.users[JANE_ID] = {"metadata": {}}
        await paid_order(client, installed, JANE, number=1)
        installed.fail_operations["LojalUpdateMetadata"] = 12
        installed.timeout_operations["LojalUpdateMetadata"] = 3
        sent = outbox.DrainResult()
        for _ in range(20):
            result = await drain(database, gateway)
            sent.sent += result.sent
            assert result.dead == 0
            clock.travel(outbox.MAX_BACKOFF)
        assert sent.sent == 1
        [row] = await outbox_rows(database)
        assert row.sent_at is not None and row.attempts == 16 and row.dead_at is None
        assert len(metadata_calls(installed)) == 16  # 15 failures, then the write


class TestDeadLetters:
    async def test_only_a_permanent_failure_makes_a_dead_letter_and_it_blocks_nothing(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        assert JANE_ID not in installed.users  # Saleor answers NOT_FOUND: retrying cannot help
        await paid_order(client, installed, JANE, number=1)
        assert await drain(database, gateway) == outbox.DrainResult(dead=1)
        [dead] = await outbox_rows(database)
        assert dead.dead_at is not None and dead.sent_at is None and dead.attempts == 1
        assert dead.dead_reason is not None and "NOT_FOUND" in dead.dead_reason
        clock.travel(timedelta(days=1))
        assert await drain(database, gateway) == outbox.DrainResult()  # kept, never sent on its own

        # A dead letter is outside the coalescing index: a later change queues a fresh message.
        await paid_order(client, installed, JANE, number=2)
        await paid_order(client, installed, JANE, number=3)  # coalesces with the fresh one
        rows = await outbox_rows(database)
        assert [(r.id, r.dead_at is not None) for r in rows] == [(dead.id, True), (rows[1].id, False)]

        # The customer exists now: the fresh message is sent, and it did the dead letter's work too.
        installed.users[JANE_ID] = {"metadata": {}}
        assert await drain(database, gateway) == outbox.DrainResult(sent=1)
        assert [r.sent_at is not None for r in await outbox_rows(database)] == [True, True]
        tab = (await client.get("/api/admin/outbox/dead-letters", headers=staff_headers(installed))).json()
        assert tab["dead_letters"] == [] and tab["dead_letters_total"] == 0

    async def test_an_uninstalled_store_dead_letters_its_messages(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        installed.users[JANE_ID] = {"metadata": {}}
        await paid_order(client, installed, JANE, number=1)
        body = {"issuedAt": "2026-11-24T19:58:15+00:00", "version": "3.24.0", "app": {"id": installed.app_id}}
        assert (await deliver(client, installed, "APP_DELETED", body)).status_code == 200
        assert await drain(database, gateway) == outbox.DrainResult(dead=1)
        [row] = await outbox_rows(database)
        assert row.dead_reason is not None and "not active" in row.dead_reason

    async def test_a_kind_this_worker_does_not_know_is_retried_not_dropped(
        self, installed: FakeSaleor, database: Database, gateway: SaleorGateway
    ) -> None:
        """A rolling upgrade: a newer version queued a kind this worker has no handler for yet."""
        async with database.transaction() as session:
            [installation_id] = (await session.execute(sa.select(Installation.id))).scalars()
            await outbox.enqueue(
                session, installation_id, kind="future_kind", dedupe_key="future:1", payload={}
            )
        assert await drain(database, gateway) == outbox.DrainResult(retried=1)
        [row] = await outbox_rows(database)
        assert row.dead_at is None and row.last_error is not None and "future_kind" in row.last_error
