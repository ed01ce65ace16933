"""One order event is one short conversation with the database: the member it posts to is locked once,
whatever earns, reverses or commits a redemption, and a redelivery only reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.db import Database
from tests.factories import Line, order_body
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver
from tests.redemption.conftest import give_points
from tests.redemption.test_paths import redeem


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    sa.event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(database.engine.sync_engine, "before_cursor_execute", record)


def member_locks(seen: list[str]) -> list[str]:
    return [
        s for s in seen if s.startswith("SELECT members.") and s.endswith(("FOR UPDATE", "FOR NO KEY UPDATE"))
    ]


# SQLite takes no row locks (its writers are serial); the PostgreSQL half checks this.
pytestmark = pytest.mark.postgres_only


async def test_earning_and_committing_a_redemption_lock_the_member_once(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    await give_points(client, installed, 1000)
    checkout_id = installed.add_checkout()
    assert (await redeem(client, installed, checkout_id, points=500)).status_code == 201
    body = installed.complete_checkout(checkout_id, number="24")
    with statements(database) as seen:
        assert (await deliver(client, installed, "ORDER_FULLY_PAID", body)).status_code == 200
    assert len(member_locks(seen)) == 1, seen
    # It earned and it committed the hold, each through the same locked member.
    assert any(s.startswith("INSERT INTO ledger_entries") for s in seen)
    assert any(s.startswith("UPDATE holds") for s in seen)


async def test_a_refund_locks_the_member_once(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    assert (await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))).status_code == 200
    with statements(database) as seen:
        refund = order_body(installed, refunded="24")
        assert (await deliver(client, installed, "ORDER_REFUNDED", refund)).status_code == 200
    assert len(member_locks(seen)) == 1, seen


async def test_a_redelivery_only_reads(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    body = order_body(installed, lines=[Line(30)])
    assert (await deliver(client, installed, "ORDER_FULLY_PAID", body)).status_code == 200
    with statements(database) as seen:
        assert (await deliver(client, installed, "ORDER_FULLY_PAID", body)).status_code == 200
    writes = [s for s in seen if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    # The order row is claimed with INSERT … ON CONFLICT DO NOTHING, which finds it there.
    assert [s.split()[:3] for s in writes] == [["INSERT", "INTO", "orders"]], writes
    assert member_locks(seen) == []
    assert len(seen) <= 5, seen
