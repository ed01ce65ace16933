"""The migration to dead letters keeps every message the old worker gave up on: those it dropped after
OUTBOX_MAX_ATTEMPTS transient failures go back in the queue (unless a message with the same key already
waits), the permanent failures become dead letters with their reason; holds whose voucher the outbox
deleted by id are marked, the others are left for the sweep to check. Run on a database of its own (a
SQLite file, or a scratch PostgreSQL database in the PostgreSQL half), from the revision before, and down
and up again."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import UTCDateTime
from app.startup import _alembic_config

BEFORE = "3b7d2c91a4e0"
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _table(name: str, *columns: tuple[str, sa.types.TypeEngine[Any]]) -> sa.TableClause:
    return sa.table(name, *(sa.column(column, type_) for column, type_ in columns))


WHEN = UTCDateTime(timezone=True)
installations = _table(
    "installations",
    ("id", sa.Integer()),
    ("saleor_api_url", sa.String()),
    ("app_id", sa.String()),
    ("jwks", sa.JSON()),
    ("jwks_fetched_at", WHEN),
    ("is_active", sa.Boolean()),
    ("installed_at", WHEN),
    ("updated_at", WHEN),
)
members = _table(
    "members",
    ("id", sa.Integer()),
    ("installation_id", sa.Integer()),
    ("joined_at", WHEN),
    ("points_available", sa.Integer()),
    ("points_pending", sa.Integer()),
    ("points_held", sa.Integer()),
    ("points_earned_lifetime", sa.Integer()),
    ("points_redeemed_lifetime", sa.Integer()),
    ("balances_at", WHEN),
    ("updated_at", WHEN),
)
holds = _table(
    "holds",
    ("id", sa.Integer()),
    ("installation_id", sa.Integer()),
    ("member_id", sa.Integer()),
    ("kind", sa.String()),
    ("points", sa.Integer()),
    ("status", sa.String()),
    ("voucher_id", sa.String()),
    ("voucher_code_hash", sa.String()),
    ("created_at", WHEN),
    ("expires_at", WHEN),
    ("ended_at", WHEN),
)
COMMON_OUTBOX = (
    ("id", sa.Integer()),
    ("installation_id", sa.Integer()),
    ("kind", sa.String()),
    ("dedupe_key", sa.String()),
    ("payload", sa.JSON()),
    ("attempts", sa.Integer()),
    ("next_attempt_at", WHEN),
    ("last_error", sa.String()),
    ("created_at", WHEN),
    ("sent_at", WHEN),
    ("requeue", sa.Boolean()),
)
old_outbox = _table("outbox", *COMMON_OUTBOX, ("failed_at", WHEN))
new_outbox = _table("outbox", *COMMON_OUTBOX, ("dead_at", WHEN), ("dead_reason", sa.String()))
new_holds = _table("holds", ("id", sa.Integer()), ("voucher_gone_at", WHEN))


def _message(
    id_: int, key: str, *, error: str | None = None, failed: bool = False, sent: bool = False
) -> dict[str, Any]:
    return {
        "id": id_,
        "installation_id": 1,
        "kind": "delete_voucher" if key.startswith("hold:") else "member_metadata",
        "dedupe_key": key,
        "payload": {},
        "attempts": 10 if failed else 1,
        "next_attempt_at": T0,
        "last_error": error,
        "created_at": T0,
        "sent_at": T0 + timedelta(minutes=id_) if sent else None,
        "requeue": False,
        "failed_at": T0 if failed else None,
    }


def _hold(id_: int, *, voucher_id: str | None, status: str = "released") -> dict[str, Any]:
    return {
        "id": id_,
        "installation_id": 1,
        "member_id": 1,
        "kind": "points",
        "points": 100,
        "status": status,
        "voucher_id": voucher_id,
        "voucher_code_hash": f"hash-{id_}",
        "created_at": T0,
        "expires_at": T0 + timedelta(days=1),
        "ended_at": None if status == "open" else T0,
    }


async def _seed(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            installations.insert().values(
                id=1,
                saleor_api_url="https://old.saleor.test/graphql/",
                app_id="QXBwOjE=",
                jwks={"keys": []},
                jwks_fetched_at=T0,
                is_active=True,
                installed_at=T0,
                updated_at=T0,
            )
        )
        await connection.execute(
            members.insert().values(
                id=1,
                installation_id=1,
                joined_at=T0,
                points_available=0,
                points_pending=0,
                points_held=0,
                points_earned_lifetime=0,
                points_redeemed_lifetime=0,
                balances_at=T0,
                updated_at=T0,
            )
        )
        await connection.execute(
            holds.insert(),
            [
                _hold(1, voucher_id="Vm91Y2hlcjox"),  # deleted by id through the outbox
                _hold(2, voucher_id=None),  # searched by code through the outbox: not proof enough
                _hold(3, voucher_id="Vm91Y2hlcjoz"),  # its deletion was never sent
                _hold(4, voucher_id="Vm91Y2hlcjo0", status="open"),
            ],
        )
        await connection.execute(
            old_outbox.insert(),
            [
                # Gave up after transient failures, nothing else waiting for the key: back in the queue.
                _message(1, "member:1", error="SaleorUnavailable: Saleor did not answer", failed=True),
                # A permanent failure: stays a dead letter, with its reason.
                _message(2, "member:2", error="Saleor refused the metadata write: NOT_FOUND", failed=True),
                # Transient give-ups of a key that has a waiting message: they stay dead letters, resolved
                # when the waiting one is sent.
                _message(3, "member:3", error="ReadTimeout: timed out", failed=True),
                _message(4, "member:3"),
                # Two give-ups of one key: the newest is requeued, the older waits for it.
                _message(5, "member:5", error="SaleorUnavailable: down", failed=True),
                _message(6, "member:5", error="SaleorUnavailable: down", failed=True),
                _message(7, "hold:1:voucher", sent=True),
                _message(8, "hold:2:voucher", sent=True),
                _message(9, "hold:4:voucher", sent=True),
                _message(10, "member:1", sent=True),
            ],
        )
    await engine.dispose()


async def _read(url: str) -> tuple[dict[int, dict[str, Any]], dict[int, datetime | None]]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        messages = {row.id: row._asdict() for row in await connection.execute(sa.select(new_outbox))}
        gone = {row.id: row.voucher_gone_at for row in await connection.execute(sa.select(new_holds))}
    await engine.dispose()
    return messages, gone


@pytest.fixture
async def scratch_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of this test's own: a SQLite file, or on PostgreSQL a scratch database."""
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not base:
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    name = f"{make_url(base).database or 'test'}_migration_{os.getpid()}"
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def test_old_give_ups_are_requeued_permanent_failures_become_dead_letters(scratch_url: str) -> None:
    config = _alembic_config(scratch_url)
    await asyncio.to_thread(command.upgrade, config, BEFORE)
    await _seed(scratch_url)

    await asyncio.to_thread(command.upgrade, config, "head")

    messages, gone = await _read(scratch_url)
    state = {
        id_: (m["dead_at"] is not None, m["sent_at"] is not None, m["attempts"], m["dead_reason"])
        for id_, m in messages.items()
        if id_ <= 6
    }
    assert state == {
        1: (False, False, 0, None),
        2: (True, False, 10, "Saleor refused the metadata write: NOT_FOUND"),
        3: (True, False, 10, "ReadTimeout: timed out"),
        4: (False, False, 1, None),
        5: (True, False, 10, "SaleorUnavailable: down"),
        6: (False, False, 0, None),
    }
    assert messages[1]["next_attempt_at"] > T0  # due now
    assert gone == {1: T0 + timedelta(minutes=7), 2: None, 3: None, 4: None}

    # Down and up again: the schema round-trips (dead letters are failed messages before).
    await asyncio.to_thread(command.downgrade, config, BEFORE)
    await asyncio.to_thread(command.upgrade, config, "head")
    messages, _ = await _read(scratch_url)
    assert messages[2]["dead_at"] is not None
