"""The `lojal` command line and the jobs behind it: migrate, doctor, jobs run, webhooks sync, the worker.

`migrate` and `doctor` run as real subprocesses (`python -m app.cli`) against the test database. Commands
whose behaviour depends on moved time (`jobs run`) run in this process, in a thread (the CLI calls
`asyncio.run`), because `app.clock.travel` only moves this process's clock. `webhooks sync` and the worker
are driven through their functions so they reach the fake Saleor.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import structlog
from alembic.config import Config
from alembic.script import ScriptDirectory
from click.testing import Result
from typer.testing import CliRunner

from app import clock
from app.cli import cli
from app.db import Database
from app.installations.models import Installation
from app.installations.webhook_sync import sync_all
from app.jobs.handlers import outbox_handlers
from app.jobs.worker import mature_points, run_scheduled_jobs, worker_loop
from app.ledger.models import Member
from app.models import Base
from app.orders.models import Order
from app.outbox import service as outbox
from app.outbox.models import OutboxMessage
from app.saleor.gateway import SaleorGateway
from app.settings import PROJECT_ROOT, Settings
from tests.api.test_earning import me, set_program
from tests.conftest import SECRET_KEY
from tests.factories import JANE_ID, Line, customer_body, order_body
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tests.helpers import deliver
from webhooks.definitions import WEBHOOKS

BOB_ID = "VXNlcjo0Nw=="
BOB_EMAIL = "bob.loyal@example.com"
ORDER_1 = "T3JkZXI6MQ=="
ORDER_2 = "T3JkZXI6Mg=="
ORDER_3 = "T3JkZXI6Mw=="


# --- running the CLI --------------------------------------------------------------------------------


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "APP_URL")}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        APP_URL="http://lojal.test",
        LOG_JSON="true",
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


async def run_cli(
    *args: str, env: dict[str, str], cwd: Path = PROJECT_ROOT
) -> subprocess.CompletedProcess[str]:
    """`python -m app.cli ARGS` in a subprocess (its own process, its own event loop)."""
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


async def invoke_in_process(*args: str, env: dict[str, str]) -> Result:
    """The CLI in this process (so clock travel applies), in a thread because it calls asyncio.run."""
    saved = structlog.get_config()
    try:
        return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env)
    finally:
        # The command configured structlog to print to the runner's (now closed) stderr; undo that.
        structlog.configure(**saved)


@pytest.fixture(autouse=True)
def _restore_structlog() -> Iterator[None]:
    # Runner functions configure logging for the stderr of the moment; later tests must not inherit it.
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


# --- reading state ----------------------------------------------------------------------------------


async def all_members(database: Database) -> list[Member]:
    async with database.transaction() as session:
        return list((await session.execute(sa.select(Member).order_by(Member.id))).scalars())


async def outbox_rows(database: Database) -> list[OutboxMessage]:
    async with database.transaction() as session:
        return list((await session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def installation_ids(database: Database) -> dict[str, int]:
    async with database.transaction() as session:
        rows = (await session.execute(sa.select(Installation.saleor_api_url, Installation.id))).all()
    return {url: installation_id for url, installation_id in rows}


async def execute_sql(database: Database, statement: str, **params: Any) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(sa.text(statement), params)


def metadata_calls(saleor: FakeSaleor) -> list[dict[str, Any]]:
    return [variables for name, variables in saleor.calls if name == "LojalUpdateMetadata"]


async def paid_order(
    client: httpx.AsyncClient,
    saleor: FakeSaleor,
    *,
    order_id: str = ORDER_1,
    number: str = "21",
    user: tuple[str, str] | None = (JANE_ID, "jane.loyal@example.com"),
    lines: list[Line] | None = None,
) -> None:
    email = user[1] if user else "guest@example.com"
    body = order_body(saleor, order_id=order_id, number=number, user=user, email=email, lines=lines)
    response = await deliver(client, saleor, "ORDER_FULLY_PAID", body)
    assert response.status_code == 200, response.text


async def drain(database: Database, gateway: SaleorGateway, **options: Any) -> outbox.DrainResult:
    """One pass of the outbox worker (the only place these tests call `drain_once`)."""
    return await outbox.drain_once(database, outbox_handlers(database, gateway), **options)


@pytest.fixture
def gateway(settings: Settings, network: FakeNetwork) -> SaleorGateway:
    return SaleorGateway(settings, transport=network)


# --- migrate ----------------------------------------------------------------------------------------


def alembic_head() -> str:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


class TestMigrate:
    async def test_migrate_is_idempotent_on_a_migrated_database(
        self, database: Database, database_url: str
    ) -> None:
        for _ in range(2):
            result = await run_cli("migrate", env=cli_env(database_url))
            assert result.returncode == 0, result.stderr
            assert "database is up to date" in result.stderr
        async with database.transaction() as session:
            versions = (await session.execute(sa.text("SELECT version_num FROM alembic_version"))).scalars()
            assert list(versions) == [alembic_head()]
            # The schema is still the one the app uses: every table answers.
            for table in Base.metadata.sorted_tables:
                await session.execute(sa.select(sa.func.count()).select_from(table))

    async def test_migrate_builds_a_fresh_database_and_then_changes_nothing(self, tmp_path: Path) -> None:
        path = tmp_path / "fresh" / "lojal.db"
        path.parent.mkdir()
        env = cli_env(f"sqlite+aiosqlite:///{path}")
        first = await run_cli("migrate", env=env)
        assert first.returncode == 0, first.stderr

        def schema() -> tuple[set[str], list[str]]:
            with sqlite3.connect(path) as connection:
                tables = {
                    r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
                versions = [r[0] for r in connection.execute("SELECT version_num FROM alembic_version")]
            return tables, versions

        tables, versions = schema()
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        assert versions == [alembic_head()]
        second = await run_cli("migrate", env=env)
        assert second.returncode == 0, second.stderr
        assert "database is up to date" in second.stderr
        assert schema() == (tables, versions)

    async def test_unusable_settings_exit_2_with_one_line(self, database_url: str) -> None:
        result = await run_cli("migrate", env=cli_env(database_url, DATABASE_URL="mysql://db/lojal"))
        assert result.returncode == 2
        assert "DATABASE_URL" in result.stderr
        assert result.stderr.strip().count("\n") == 0


# --- doctor -----------------------------------------------------------------------------------------


class TestDoctor:
    async def test_clean_ledger_with_data_exits_0(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database, database_url: str
    ) -> None:
        await set_program(client, installed, welcome_bonus_points=25)
        await deliver(client, installed, "CUSTOMER_CREATED", customer_body(installed))
        await paid_order(client, installed, order_id=ORDER_1)
        await paid_order(client, installed, order_id=ORDER_2, number="22", lines=[Line(40)])
        refund = order_body(installed, order_id=ORDER_2, number="22", lines=[Line(40)], refunded=10)
        assert (await deliver(client, installed, "ORDER_REFUNDED", refund)).status_code == 200
        await paid_order(client, installed, order_id=ORDER_3, number="23", user=(BOB_ID, BOB_EMAIL))
        await paid_order(client, installed, order_id="T3JkZXI6NA==", number="24", user=None)  # a guest
        members = await all_members(database)
        assert len(members) == 3
        # Jane: welcome 25 + 74 + (40 - 10 refunded); Bob: welcome 25 + 74; the guest: 74.
        assert sum(m.points_pending + m.points_available for m in members) == 25 + 74 + 30 + 25 + 74 + 74

        result = await run_cli("doctor", env=cli_env(database_url))
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip() == "doctor: every balance equals its ledger"
        assert "members checked: 3" in result.stderr

    async def test_tampered_cached_balance_is_listed_and_exits_1(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database, database_url: str
    ) -> None:
        await paid_order(client, installed, order_id=ORDER_1)
        await paid_order(client, installed, order_id=ORDER_2, number="22", user=(BOB_ID, BOB_EMAIL))
        jane, bob = await all_members(database)
        await execute_sql(
            database, "UPDATE members SET points_pending = points_pending + 5 WHERE id = :id", id=jane.id
        )
        result = await run_cli("doctor", env=cli_env(database_url))
        assert result.returncode == 1, result.stdout + result.stderr
        # Exactly the tampered member and field are named, with both figures; the honest member is not.
        assert result.stdout.splitlines() == [
            f"installation {jane.installation_id} member {jane.id}: points_pending cached 79, ledger 74"
        ]
        assert f"member {bob.id}:" not in result.stdout
        assert "doctor: 1 problem(s) found" in result.stderr

    async def test_every_drifted_field_is_listed(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database, database_url: str
    ) -> None:
        await paid_order(client, installed)
        [jane] = await all_members(database)
        await execute_sql(
            database,
            "UPDATE members SET points_available = points_available + 3, "
            "points_earned_lifetime = points_earned_lifetime - 1 WHERE id = :id",
            id=jane.id,
        )
        result = await run_cli("doctor", env=cli_env(database_url))
        assert result.returncode == 1
        prefix = f"installation {jane.installation_id} member {jane.id}"
        assert sorted(result.stdout.splitlines()) == [
            f"{prefix}: points_available cached 3, ledger 0",
            f"{prefix}: points_earned_lifetime cached 73, ledger 74",
        ]
        assert "doctor: 2 problem(s) found" in result.stderr

    async def test_an_order_reversed_beyond_what_it_earned_is_listed(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database, database_url: str
    ) -> None:
        await paid_order(client, installed)
        await execute_sql(database, "UPDATE orders SET points_reversed = 80")
        async with database.transaction() as session:
            order = (await session.execute(sa.select(Order))).scalar_one()
        result = await run_cli("doctor", env=cli_env(database_url))
        assert result.returncode == 1
        assert result.stdout.splitlines() == [
            f"installation {order.installation_id} order {order.saleor_order_id}: reversed 80 of 74 earned"
        ]

    async def test_one_installation_can_be_checked_alone(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        installed_other: FakeSaleor,
        database: Database,
        database_url: str,
    ) -> None:
        await paid_order(client, installed)
        await paid_order(client, installed_other)
        ids = await installation_ids(database)
        store_a, store_b = ids[installed.api_url], ids[installed_other.api_url]
        await execute_sql(
            database,
            "UPDATE members SET points_pending = points_pending + 5 WHERE installation_id = :id",
            id=store_b,
        )
        only_a = await run_cli("doctor", "--installation-id", str(store_a), env=cli_env(database_url))
        assert only_a.returncode == 0, only_a.stdout
        only_b = await run_cli("doctor", "--installation-id", str(store_b), env=cli_env(database_url))
        assert only_b.returncode == 1
        assert only_b.stdout.startswith(f"installation {store_b} member ")
        everything = await run_cli("doctor", env=cli_env(database_url))
        assert everything.returncode == 1
        assert len(everything.stdout.splitlines()) == 1


# --- jobs run ---------------------------------------------------------------------------------------


class TestJobsRun:
    async def test_matures_due_points_with_progress_and_a_summary(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database, database_url: str
    ) -> None:
        await paid_order(client, installed, order_id=ORDER_1)
        await paid_order(client, installed, order_id=ORDER_2, number="22", user=(BOB_ID, BOB_EMAIL))
        sent_before = await outbox_rows(database)
        assert len(sent_before) == 2

        too_early = await invoke_in_process("jobs", "run", env=cli_env(database_url))
        assert too_early.exit_code == 0, too_early.output
        assert "members_matured: 0" in too_early.stdout.splitlines()
        assert [(m.points_available, m.points_pending) for m in await all_members(database)] == [
            (0, 74),
            (0, 74),
        ]

        clock.travel(timedelta(days=15))
        result = await invoke_in_process("jobs", "run", env=cli_env(database_url))
        assert result.exit_code == 0, result.output
        assert result.exception is None
        assert "members_matured: 2" in result.stdout.splitlines()
        assert "maturing pending points, members done: 2" in result.stderr.splitlines()
        assert [(m.points_available, m.points_pending) for m in await all_members(database)] == [
            (74, 0),
            (74, 0),
        ]
        # Maturing changes what Saleor should show, so each member's metadata sync is queued again.
        pending = [row for row in await outbox_rows(database) if row.sent_at is None]
        assert sorted(row.dedupe_key for row in pending) == sorted(
            f"member:{m.id}" for m in await all_members(database)
        )

        again = await invoke_in_process("jobs", "run", env=cli_env(database_url))
        assert again.exit_code == 0
        assert "members_matured: 0" in again.stdout.splitlines()
        assert "members done" not in again.stderr

        doctor = await run_cli("doctor", env=cli_env(database_url))
        assert doctor.returncode == 0, doctor.stdout

    async def test_runner_reports_progress_through_the_callback(
        self, client: httpx.AsyncClient, installed: FakeSaleor, settings: Settings
    ) -> None:
        await paid_order(client, installed, order_id=ORDER_1)
        await paid_order(client, installed, order_id=ORDER_2, number="22", user=(BOB_ID, BOB_EMAIL))
        clock.travel(timedelta(days=15))
        seen: list[tuple[str, int]] = []

        def progress(label: str) -> Callable[[int], None]:
            return lambda count: seen.append((label, count))

        report = await run_scheduled_jobs(settings, progress=progress)
        assert report["members_matured"] == 2
        assert [(label, count) for label, count in seen if label.startswith("maturing")] == [
            ("maturing pending points, members done", 2)
        ]
        assert (await me(client, installed))["points"] == {
            "available": 74,
            "pending": 0,
            "held": 0,
            "lifetime_earned": 74,
            "lifetime_redeemed": 0,
        }


# --- webhooks sync ----------------------------------------------------------------------------------


def wanted(settings: Settings) -> dict[str, dict[str, Any]]:
    entries = (definition.manifest_entry(settings.app_url) for definition in WEBHOOKS)
    return {str(entry["name"]): entry for entry in entries}


def by_name(saleor: FakeSaleor) -> dict[str, dict[str, Any]]:
    return {webhook["name"]: webhook for webhook in saleor.webhooks.values()}


def mutations(saleor: FakeSaleor) -> list[str]:
    return [
        name
        for name, _ in saleor.calls
        if name in ("LojalWebhookCreate", "LojalWebhookUpdate", "LojalWebhookDelete")
    ]


class TestWebhooksSync:
    async def sync(
        self, settings: Settings, network: FakeNetwork, database: Database, *, dry_run: bool = False
    ) -> list[str]:
        wanted = [definition.wanted(settings.app_url) for definition in WEBHOOKS]
        return await sync_all(database, SaleorGateway(settings, transport=network), wanted, dry_run=dry_run)

    async def test_first_run_creates_one_webhook_per_definition(
        self, installed: FakeSaleor, settings: Settings, network: FakeNetwork, database: Database
    ) -> None:
        assert installed.webhooks == {}
        lines = await self.sync(settings, network, database)
        assert lines == [f"{installed.api_url}: create lojal-{d.name}" for d in WEBHOOKS]
        assert len(installed.webhooks) == len(WEBHOOKS)
        created = by_name(installed)
        for name, entry in wanted(settings).items():
            webhook = created[name]
            assert webhook["targetUrl"] == entry["targetUrl"]
            assert webhook["targetUrl"].startswith("http://lojal.test/api/webhooks/")
            assert [e["eventType"] for e in webhook["asyncEvents"]] == entry["asyncEvents"]
            assert webhook["subscriptionQuery"] == entry["query"]
            assert webhook["isActive"] is True

    async def test_second_run_is_up_to_date_and_changes_nothing(
        self, installed: FakeSaleor, settings: Settings, network: FakeNetwork, database: Database
    ) -> None:
        await self.sync(settings, network, database)
        snapshot = {k: dict(v) for k, v in installed.webhooks.items()}
        installed.calls.clear()
        assert await self.sync(settings, network, database) == [f"{installed.api_url}: up to date"]
        assert mutations(installed) == []
        assert installed.webhooks == snapshot

    async def test_changed_query_inactive_webhook_and_stale_webhook_are_fixed(
        self, installed: FakeSaleor, settings: Settings, network: FakeNetwork, database: Database
    ) -> None:
        await self.sync(settings, network, database)
        current = by_name(installed)
        current["lojal-order-fully-paid"]["subscriptionQuery"] = "subscription { event { __typename } }"
        current["lojal-customer-created"]["isActive"] = False
        stale_id, foreign_id = "V2ViaG9vazo5OQ==", "V2ViaG9vazo5OA=="
        installed.webhooks[stale_id] = {
            "id": stale_id,
            "name": "lojal-old-thing",
            "targetUrl": "http://lojal.test/api/webhooks/old-thing",
            "isActive": True,
            "subscriptionQuery": "subscription { event { __typename } }",
            "asyncEvents": [{"eventType": "ORDER_UPDATED"}],
        }
        # A webhook some other integration of this app made is not Lojal's to manage.
        installed.webhooks[foreign_id] = {
            **installed.webhooks[stale_id],
            "id": foreign_id,
            "name": "other-hook",
        }

        lines = await self.sync(settings, network, database)
        assert sorted(lines) == sorted(
            [
                f"{installed.api_url}: update lojal-order-fully-paid",
                f"{installed.api_url}: update lojal-customer-created",
                f"{installed.api_url}: delete lojal-old-thing",
            ]
        )
        fixed = by_name(installed)
        entries = wanted(settings)
        assert (
            fixed["lojal-order-fully-paid"]["subscriptionQuery"] == entries["lojal-order-fully-paid"]["query"]
        )
        assert fixed["lojal-customer-created"]["isActive"] is True
        assert "lojal-old-thing" not in fixed
        assert stale_id not in installed.webhooks
        assert "other-hook" in fixed
        assert len([n for n in fixed if n.startswith("lojal-")]) == len(WEBHOOKS)
        assert await self.sync(settings, network, database) == [f"{installed.api_url}: up to date"]

    async def test_moved_app_url_updates_every_target(
        self, installed: FakeSaleor, settings: Settings, network: FakeNetwork, database: Database
    ) -> None:
        await self.sync(settings, network, database)
        moved = settings.model_copy(update={"app_url": "https://loyalty.example.com"})
        lines = await self.sync(moved, network, database)
        assert lines == [f"{installed.api_url}: update lojal-{d.name}" for d in WEBHOOKS]
        for name, entry in wanted(moved).items():
            assert by_name(installed)[name]["targetUrl"] == entry["targetUrl"]
            assert entry["targetUrl"].startswith("https://loyalty.example.com/api/webhooks/")

    async def test_dry_run_reports_and_changes_nothing(
        self, installed: FakeSaleor, settings: Settings, network: FakeNetwork, database: Database
    ) -> None:
        lines = await self.sync(settings, network, database, dry_run=True)
        assert lines == [f"{installed.api_url}: create lojal-{d.name}" for d in WEBHOOKS]
        assert installed.webhooks == {}
        assert mutations(installed) == []

        await self.sync(settings, network, database)
        stale_id = "V2ViaG9vazo5OQ=="
        installed.webhooks[stale_id] = {
            "id": stale_id,
            "name": "lojal-old-thing",
            "targetUrl": "http://lojal.test/api/webhooks/old-thing",
            "isActive": True,
            "subscriptionQuery": "subscription { event { __typename } }",
            "asyncEvents": [{"eventType": "ORDER_UPDATED"}],
        }
        by_name(installed)["lojal-order-created"]["subscriptionQuery"] = "subscription { x }"
        snapshot = {k: dict(v) for k, v in installed.webhooks.items()}
        installed.calls.clear()
        lines = await self.sync(settings, network, database, dry_run=True)
        assert sorted(lines) == [
            f"{installed.api_url}: delete lojal-old-thing",
            f"{installed.api_url}: update lojal-order-created",
        ]
        assert mutations(installed) == []
        assert installed.webhooks == snapshot

    async def test_each_store_is_synced_and_one_failing_store_does_not_stop_the_rest(
        self,
        installed: FakeSaleor,
        installed_other: FakeSaleor,
        settings: Settings,
        network: FakeNetwork,
        database: Database,
    ) -> None:
        installed.down = True
        lines = await self.sync(settings, network, database)
        assert lines[0].startswith(f"{installed.api_url}: failed: ")
        assert lines[1:] == [f"{installed_other.api_url}: create lojal-{d.name}" for d in WEBHOOKS]
        assert len(installed_other.webhooks) == len(WEBHOOKS)

        installed.down = False
        installed.app_alive = False  # the token no longer works: reported, skipped, not an error
        lines = await self.sync(settings, network, database)
        assert lines == [
            f"{installed.api_url}: the app token no longer works (uninstalled?); skipped",
            f"{installed_other.api_url}: up to date",
        ]
        assert installed.webhooks == {}


# --- the worker: outbox to Saleor -------------------------------------------------------------------


class TestWorker:
    async def test_member_metadata_carries_available_points_and_tier(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        installed.users[JANE_ID] = {"metadata": {"unrelated": "kept"}}
        await set_program(client, installed, welcome_bonus_points=100)
        await paid_order(client, installed)  # 100 available (welcome bonus), 74 pending
        result = await drain(database, gateway)
        assert (result.sent, result.retried, result.dead) == (1, 0, 0)
        assert installed.users[JANE_ID]["metadata"] == {
            "unrelated": "kept",
            "loyalty.points": "100",
            "loyalty.tier": "",
        }
        [row] = await outbox_rows(database)
        assert row.sent_at is not None and row.dead_at is None and row.last_error is None
        assert row.attempts == 1

        clock.travel(timedelta(days=15))
        assert await mature_points(database) == 1
        assert (await drain(database, gateway)).sent == 1
        assert installed.users[JANE_ID]["metadata"]["loyalty.points"] == "174"
        assert (await drain(database, gateway)).sent == 0

    async def test_several_balance_changes_coalesce_into_one_message(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        installed.users[JANE_ID] = {"metadata": {}}
        await set_program(client, installed, hold_days=0)
        await paid_order(client, installed, order_id=ORDER_1, lines=[Line(10)])
        await paid_order(client, installed, order_id=ORDER_2, number="22", lines=[Line(20)])
        await paid_order(client, installed, order_id=ORDER_3, number="23", lines=[Line(30)])
        refund = order_body(installed, order_id=ORDER_3, number="23", lines=[Line(30)], refunded=30)
        assert (await deliver(client, installed, "ORDER_REFUNDED", refund)).status_code == 200
        [row] = await outbox_rows(database)
        assert row.sent_at is None and row.payload == {"member_id": (await all_members(database))[0].id}

        result = await drain(database, gateway)
        assert result.sent == 1
        [call] = metadata_calls(installed)
        assert call["id"] == JANE_ID
        # The one message carries the latest balance: 10 + 20 + 30 - 30.
        assert installed.users[JANE_ID]["metadata"]["loyalty.points"] == "30"
        assert (await me(client, installed))["points"]["available"] == 30

    async def test_saleor_down_retries_with_backoff_until_it_is_back(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        installed.users[JANE_ID] = {"metadata": {}}
        await set_program(client, installed, welcome_bonus_points=50)
        installed.down = True
        await paid_order(client, installed)

        first = await drain(database, gateway)
        assert (first.sent, first.retried, first.dead) == (0, 1, 0)
        [row] = await outbox_rows(database)
        assert row.sent_at is None and row.dead_at is None
        assert row.attempts == 1
        assert row.last_error is not None and "SaleorUnavailable" in row.last_error
        first_delay = row.next_attempt_at - clock.now()
        assert timedelta(0) < first_delay <= timedelta(seconds=6)

        # Not due yet: nothing is claimed, nothing counted.
        assert await drain(database, gateway) == outbox.DrainResult()
        assert (await outbox_rows(database))[0].attempts == 1

        clock.travel(first_delay + timedelta(seconds=1))
        second = await drain(database, gateway)
        assert second.retried == 1
        [row] = await outbox_rows(database)
        assert row.attempts == 2 and row.sent_at is None
        second_delay = row.next_attempt_at - clock.now()
        assert second_delay > first_delay  # the wait grows

        installed.down = False
        assert await drain(database, gateway) == outbox.DrainResult()  # still waiting
        clock.travel(second_delay + timedelta(seconds=1))
        third = await drain(database, gateway)
        assert (third.sent, third.retried, third.dead) == (1, 0, 0)
        [row] = await outbox_rows(database)
        assert row.sent_at is not None and row.attempts == 3 and row.last_error is None
        assert installed.users[JANE_ID]["metadata"]["loyalty.points"] == "50"

    async def test_past_max_attempts_a_message_is_reported_stuck_and_still_retried(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        """OUTBOX_MAX_ATTEMPTS no longer drops anything: past it a message counts as stuck (logged, in
        /metrics and the Loyalty tab) and keeps being retried, at most hourly."""
        installed.users[JANE_ID] = {"metadata": {}}
        installed.down = True
        await paid_order(client, installed)
        assert (await drain(database, gateway, stuck_after=2)) == outbox.DrainResult(retried=1)
        clock.travel(timedelta(minutes=1))
        assert (await drain(database, gateway, stuck_after=2)) == outbox.DrainResult(retried=1, stuck=1)
        [row] = await outbox_rows(database)
        assert row.dead_at is None and row.sent_at is None and row.attempts == 2
        installed.down = False
        clock.travel(timedelta(hours=1))
        assert (await drain(database, gateway, stuck_after=2)).sent == 1
        assert installed.users[JANE_ID]["metadata"]["loyalty.points"] == "0"

    async def test_unknown_saleor_user_fails_the_message_without_retrying(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        assert JANE_ID not in installed.users  # Saleor answers NOT_FOUND for this user
        await paid_order(client, installed, order_id=ORDER_1)
        result = await drain(database, gateway)
        assert (result.sent, result.retried, result.dead) == (0, 0, 1)
        [row] = await outbox_rows(database)
        assert row.dead_at is not None and row.sent_at is None
        assert row.dead_reason is not None and "NOT_FOUND" in row.dead_reason
        assert row.attempts == 1
        assert row.last_error is not None and "NOT_FOUND" in row.last_error

        clock.travel(timedelta(hours=2))
        assert await drain(database, gateway) == outbox.DrainResult()
        assert len(metadata_calls(installed)) == 1
        # A later change queues a fresh message: a dead letter does not block the member forever.
        await paid_order(client, installed, order_id=ORDER_2, number="22")
        rows = await outbox_rows(database)
        assert [(r.dead_at is not None, r.sent_at is None) for r in rows] == [(True, True), (False, True)]

    async def test_uninstalled_store_fails_its_messages(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        installed.users[JANE_ID] = {"metadata": {}}
        await paid_order(client, installed)
        body = {"issuedAt": "2026-11-24T19:58:15+00:00", "version": "3.24.0", "app": {"id": installed.app_id}}
        assert (await deliver(client, installed, "APP_DELETED", body)).status_code == 200
        result = await drain(database, gateway)
        assert result.dead == 1
        assert metadata_calls(installed) == []
        assert installed.users[JANE_ID]["metadata"] == {}

    async def test_guests_queue_nothing(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await paid_order(client, installed, user=None)
        [guest] = await all_members(database)
        assert guest.saleor_user_id is None and guest.points_pending == 74
        assert await outbox_rows(database) == []

    async def test_webhooks_are_answered_while_saleor_is_down(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        installed.users[JANE_ID] = {"metadata": {}}
        installed.down = True
        for event, body in (
            ("CUSTOMER_CREATED", customer_body(installed)),
            ("ORDER_FULLY_PAID", order_body(installed)),
        ):
            response = await deliver(client, installed, event, body)
            assert response.status_code == 200, response.text
            assert response.json() == {"status": "accepted"}
        [member] = await all_members(database)
        assert member.points_pending == 74
        [row] = await outbox_rows(database)
        assert row.sent_at is None and row.attempts == 0
        assert metadata_calls(installed) == []  # nothing was attempted during the webhook

        installed.down = False
        assert (await drain(database, gateway)).sent == 1
        assert installed.users[JANE_ID]["metadata"]["loyalty.points"] == "0"

    async def test_worker_round_matures_and_sends(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        gateway: SaleorGateway,
    ) -> None:
        installed.users[JANE_ID] = {"metadata": {}}
        await paid_order(client, installed)
        assert (await drain(database, gateway)).sent == 1
        assert installed.users[JANE_ID]["metadata"]["loyalty.points"] == "0"
        clock.travel(timedelta(days=15))
        await worker_loop(database, gateway, once=True)
        assert installed.users[JANE_ID]["metadata"]["loyalty.points"] == "74"
        installed.down = True
        await worker_loop(database, gateway, once=True)  # a failing round does not raise

    async def test_a_change_during_sending_is_not_lost(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        settings: Settings,
        network: FakeNetwork,
    ) -> None:
        installed.users[JANE_ID] = {"metadata": {}}
        await set_program(client, installed, hold_days=0)
        await paid_order(client, installed, order_id=ORDER_1, lines=[Line(10)])

        class ChangeWhileSending(httpx.AsyncBaseTransport):
            """Delivers a second order just as the worker's metadata write reaches Saleor."""

            fired = False

            async def resolve(self, host: str, port: int) -> list[str]:
                return await network.resolve(host, port)

            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                if not self.fired and b"LojalUpdateMetadata" in request.content:
                    self.fired = True
                    await paid_order(client, installed, order_id=ORDER_2, number="22", lines=[Line(5)])
                return await network.handle_async_request(request)

        racing = SaleorGateway(settings, transport=ChangeWhileSending())
        await drain(database, racing)
        await drain(database, racing)
        assert (await me(client, installed))["points"]["available"] == 15
        assert installed.users[JANE_ID]["metadata"]["loyalty.points"] == "15"
