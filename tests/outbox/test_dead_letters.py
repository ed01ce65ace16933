"""Dead letters are visible and retryable: counted per kind in /metrics, listed and retried in the Loyalty
tab's API (MANAGE_USERS, only the caller's store), and retried from the command line (`lojal outbox retry
--id N | --all [--installation-id N]`, one line per message). A retried dead letter re-enters the normal
flow: it is sent like any other message, or, when a message doing the same work is already pending,
merged into that one and resolved when it is sent."""

from __future__ import annotations

from datetime import timedelta

import httpx
import sqlalchemy as sa

from app import clock
from app.db import Database
from app.installations.models import Installation
from app.outbox import service as outbox
from app.saleor.gateway import SaleorGateway
from tests.factories import JANE_EMAIL, JANE_ID
from tests.fake_saleor import FakeSaleor
from tests.helpers import staff_headers
from tests.outbox.conftest import customer, drain, metadata_calls, metric, outbox_rows, paid_order
from tests.unit.test_cli import cli_env, run_cli

JANE = (JANE_ID, JANE_EMAIL)
LIST = "/api/admin/outbox/dead-letters"


def retry_url(message_id: int) -> str:
    return f"{LIST}/{message_id}/retry"


async def dead_letter_for(
    client: httpx.AsyncClient,
    saleor: FakeSaleor,
    database: Database,
    gateway: SaleorGateway,
    user: tuple[str, str],
    *,
    number: int,
) -> int:
    """A metadata write for a customer Saleor does not know (NOT_FOUND): a dead letter. Its id."""
    saleor.users.pop(user[0], None)
    before = {row.id for row in await outbox_rows(database)}
    await paid_order(client, saleor, user, number=number)
    result = await drain(database, gateway)
    assert result.dead >= 1, result
    [row] = [row for row in await outbox_rows(database) if row.id not in before]
    assert row.dead_at is not None
    return row.id


async def installation_id_of(database: Database, saleor: FakeSaleor) -> int:
    async with database.transaction() as session:
        return int(
            (
                await session.execute(
                    sa.select(Installation.id).where(Installation.saleor_api_url == saleor.api_url)
                )
            ).scalar_one()
        )


class TestLoyaltyTab:
    async def test_a_dead_letter_is_listed_retried_and_then_sent_like_any_message(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        dead_id = await dead_letter_for(client, installed, database, gateway, JANE, number=1)
        members = (await client.get("/api/admin/members", headers=staff_headers(installed))).json()
        jane = members["members"][0]["id"]

        listed = await client.get(LIST, headers=staff_headers(installed))
        assert listed.status_code == 200, listed.text
        body = listed.json()
        assert (body["dead_letters_total"], body["stuck_total"], body["stuck_after"]) == (1, 0, 10)
        [letter] = body["dead_letters"]
        assert letter["id"] == dead_id
        assert (letter["kind"], letter["subject"], letter["attempts"]) == (
            "member_metadata",
            {"member_id": jane},
            1,
        )
        assert "NOT_FOUND" in letter["reason"]
        assert letter["queued_as"] is None and letter["dead_at"] is not None

        installed.users[JANE_ID] = {"metadata": {}}  # the cause is fixed: the customer exists again
        retried = await client.post(retry_url(dead_id), headers=staff_headers(installed))
        assert retried.status_code == 200, retried.text
        assert retried.json() == {"id": dead_id, "outcome": "requeued", "queued_as": None}
        [row] = await outbox_rows(database)
        assert (row.dead_at, row.dead_reason, row.attempts, row.sent_at) == (None, None, 0, None)
        assert (await client.get(LIST, headers=staff_headers(installed))).json()["dead_letters"] == []

        again = await client.post(retry_url(dead_id), headers=staff_headers(installed))
        assert again.status_code == 409, again.text
        assert again.json()["error"] == "conflict"

        assert await drain(database, gateway) == outbox.DrainResult(sent=1)
        assert installed.users[JANE_ID]["metadata"]["loyalty.points"] == "0"
        assert len(metadata_calls(installed)) == 2  # the refused write, then the retried one

    async def test_a_retry_joins_a_pending_message_doing_the_same_work(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        dead_id = await dead_letter_for(client, installed, database, gateway, JANE, number=1)
        await paid_order(client, installed, JANE, number=2)  # queues a fresh message for Jane
        clock.travel(timedelta(seconds=1))
        [fresh] = [row for row in await outbox_rows(database) if row.id != dead_id]

        listed = (await client.get(LIST, headers=staff_headers(installed))).json()
        assert listed["dead_letters"][0]["queued_as"] == fresh.id  # the tab says it is queued again

        retried = await client.post(retry_url(dead_id), headers=staff_headers(installed))
        assert retried.json() == {"id": dead_id, "outcome": "merged", "queued_as": fresh.id}
        installed.users[JANE_ID] = {"metadata": {}}
        assert await drain(database, gateway) == outbox.DrainResult(sent=1)
        assert all(row.sent_at is not None for row in await outbox_rows(database))  # both done
        assert (await client.get(LIST, headers=staff_headers(installed))).json()["dead_letters_total"] == 0

    async def test_only_the_callers_store_and_only_with_manage_users(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        installed_other: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        dead_id = await dead_letter_for(client, installed, database, gateway, JANE, number=1)

        theirs = await client.get(LIST, headers=staff_headers(installed_other))
        assert theirs.status_code == 200
        assert (theirs.json()["dead_letters"], theirs.json()["dead_letters_total"]) == ([], 0)
        stolen = await client.post(retry_url(dead_id), headers=staff_headers(installed_other))
        assert stolen.status_code == 404, stolen.text
        assert (await client.post(retry_url(999_999), headers=staff_headers(installed))).status_code == 404

        viewer = staff_headers(installed, user_permissions=["MANAGE_ORDERS"])
        assert (await client.get(LIST, headers=viewer)).status_code == 403
        assert (await client.post(retry_url(dead_id), headers=viewer)).status_code == 403
        assert (await client.get(LIST, headers={"saleor-api-url": installed.api_url})).status_code == 401

        [row] = await outbox_rows(database)
        assert row.dead_at is not None  # nothing of the above changed it


class TestMetrics:
    async def test_dead_letters_and_stuck_messages_are_counted_per_kind(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        scraped = (await client.get("/metrics")).text
        for kind in ("member_metadata", "delete_voucher", "check_hold"):  # present at 0 from the start
            assert metric(scraped, "lojal_outbox_dead_letters", kind) == 0
            assert metric(scraped, "lojal_outbox_stuck_messages", kind) == 0

        dead_id = await dead_letter_for(client, installed, database, gateway, JANE, number=1)
        await dead_letter_for(client, installed, database, gateway, customer(1), number=2)
        scraped = (await client.get("/metrics")).text
        assert metric(scraped, "lojal_outbox_dead_letters", "member_metadata") == 2
        assert 'lojal_outbox_messages_total{kind="member_metadata",outcome="dead"}' in scraped

        async with database.transaction() as session:
            await outbox.retry_dead_letter(session, dead_id)
        scraped = (await client.get("/metrics")).text
        assert metric(scraped, "lojal_outbox_dead_letters", "member_metadata") == 1
        assert metric(scraped, "lojal_outbox_pending_messages", "member_metadata") == 1


class TestCommandLine:
    async def test_retry_one_by_id(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
        database_url: str,
    ) -> None:
        dead_id = await dead_letter_for(client, installed, database, gateway, JANE, number=1)
        store = await installation_id_of(database, installed)

        result = await run_cli("outbox", "retry", "--id", str(dead_id), env=cli_env(database_url))
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [
            f"message {dead_id} (member_metadata, installation {store}): requeued"
        ]

        again = await run_cli("outbox", "retry", "--id", str(dead_id), env=cli_env(database_url))
        assert again.returncode == 1
        assert again.stdout.splitlines() == [
            f"message {dead_id} (member_metadata, installation {store}): "
            "not a dead letter (pending or sent); nothing to do"
        ]
        missing = await run_cli("outbox", "retry", "--id", "999999", env=cli_env(database_url))
        assert (missing.returncode, missing.stdout.strip()) == (1, "message 999999: no such message")

    async def test_retry_all_of_one_store_with_progress(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        installed_other: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
        database_url: str,
    ) -> None:
        ours = [
            await dead_letter_for(client, installed, database, gateway, customer(n), number=n)
            for n in range(3)
        ]
        theirs = await dead_letter_for(client, installed_other, database, gateway, JANE, number=20)
        await paid_order(client, installed, customer(0), number=10)  # pending: customer 0's letter merges
        store = await installation_id_of(database, installed)

        result = await run_cli(
            "outbox", "retry", "--all", "--installation-id", str(store), env=cli_env(database_url)
        )
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert len(lines) == 3
        assert lines[0].startswith(f"message {ours[0]} (member_metadata, installation {store}): merged into ")
        assert lines[1:] == [
            f"message {n} (member_metadata, installation {store}): requeued" for n in ours[1:]
        ]
        assert "outbox retry, dead letters done: 3" in result.stderr
        assert "outbox retry: 2 requeued, 1 merged into pending messages" in result.stderr
        rows = {row.id: row for row in await outbox_rows(database)}
        assert rows[theirs].dead_at is not None  # the other store's letter was left alone
        assert rows[ours[0]].dead_at is not None  # merged: resolved when the pending one is sent

        everything = await run_cli("outbox", "retry", "--all", env=cli_env(database_url))
        assert everything.returncode == 0, everything.stderr
        assert f"message {theirs} " in everything.stdout and "requeued" in everything.stdout

    async def test_it_says_what_to_retry(self, database_url: str) -> None:
        for args in ([], ["--id", "1", "--all"]):
            result = await run_cli("outbox", "retry", *args, env=cli_env(database_url))
            assert result.returncode == 2
            assert result.stderr.strip().startswith("lojal: say which dead letters to retry")
