"""Fixtures for redemption: a store whose shopper Jane has spendable points, and the outbox worker."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app import clock
from app.db import Database
from app.jobs.handlers import outbox_handlers
from app.jobs.worker import scheduled_jobs
from app.ledger.models import Hold
from app.outbox import service as outbox
from app.saleor.gateway import SaleorGateway
from app.settings import Settings
from tests.factories import JANE_ID, Line, order_body
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tests.helpers import deliver, shopper_headers


async def give_points(
    client: httpx.AsyncClient,
    saleor: FakeSaleor,
    amount: int,
    *,
    order_id: str = "T3JkZXI6MQ==",
    user: tuple[str, str] = (JANE_ID, "jane.loyal@example.com"),
) -> None:
    """An earlier order worth `amount` points (1 per USD), past its return window."""
    body = order_body(saleor, order_id=order_id, number="1", lines=[Line(amount)], user=user, email=user[1])
    assert (await deliver(client, saleor, "ORDER_FULLY_PAID", body)).status_code == 200
    clock.travel(timedelta(days=15))


async def points(
    client: httpx.AsyncClient,
    saleor: FakeSaleor,
    user_id: str = JANE_ID,
    email: str = "jane.loyal@example.com",
) -> dict[str, int]:
    response = await client.get("/api/storefront/me", headers=shopper_headers(saleor, user_id, email))
    assert response.status_code == 200, response.text
    result: dict[str, int] = response.json()["points"]
    return result


async def holds(database: Database) -> list[Hold]:
    async with database.transaction() as session:
        return list((await session.execute(sa.select(Hold).order_by(Hold.id))).scalars())


def our_vouchers(saleor: FakeSaleor) -> list[dict[str, Any]]:
    return [v for v in saleor.vouchers.values() if "lojal.hold" in v.get("metadata", {})]


@pytest.fixture
def gateway(settings: Settings, network: FakeNetwork) -> SaleorGateway:
    return SaleorGateway(settings, transport=network)


class Worker:
    """Runs what `lojal worker` runs: the outbox, and the scheduled jobs."""

    def __init__(self, database: Database, gateway: SaleorGateway) -> None:
        self.database = database
        self.gateway = gateway

    async def drain(self) -> outbox.DrainResult:
        total = outbox.DrainResult()
        for _ in range(10):
            result = await outbox.drain_once(self.database, outbox_handlers(self.database, self.gateway))
            total.sent += result.sent
            total.dead += result.dead
            total.retried += result.retried
            total.stuck += result.stuck
            if not result.worked:
                break
        return total

    async def jobs(self) -> dict[str, int]:
        return await scheduled_jobs(self.database, self.gateway)


@pytest.fixture
def worker(database: Database, gateway: SaleorGateway) -> Worker:
    return Worker(database, gateway)
