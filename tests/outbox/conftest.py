"""Fixtures and helpers for the outbox tests: customers Saleor knows, their paid orders (each queues a
metadata write), reading the outbox table, and one drain pass."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.db import Database
from app.jobs.handlers import outbox_handlers
from app.outbox import service as outbox
from app.outbox.models import OutboxMessage
from app.saleor.gateway import SaleorGateway
from app.settings import Settings
from tests.factories import Line, order_body
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tests.fake_saleor.model import global_id
from tests.helpers import deliver


@pytest.fixture
def gateway(settings: Settings, network: FakeNetwork) -> SaleorGateway:
    return SaleorGateway(settings, transport=network)


def customer(number: int) -> tuple[str, str]:
    """A Saleor customer: (user id, e-mail)."""
    return global_id("User", 1000 + number), f"customer{number}@example.com"


async def paid_order(
    client: httpx.AsyncClient, saleor: FakeSaleor, user: tuple[str, str], *, number: int, amount: int = 20
) -> None:
    """A paid order of `user`: it earns points, so a metadata write for the member is queued."""
    body = order_body(
        saleor,
        order_id=global_id("Order", number),
        number=str(number),
        lines=[Line(amount)],
        user=user,
        email=user[1],
    )
    response = await deliver(client, saleor, "ORDER_FULLY_PAID", body)
    assert response.status_code == 200, response.text


async def outbox_rows(database: Database) -> list[OutboxMessage]:
    async with database.transaction() as session:
        return list((await session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


def metadata_calls(saleor: FakeSaleor) -> list[dict[str, Any]]:
    """The metadata writes that reached Saleor (while it is down, nothing reaches it)."""
    return [variables for name, variables in saleor.calls if name == "LojalUpdateMetadata"]


async def drain(database: Database, gateway: SaleorGateway, **options: Any) -> outbox.DrainResult:
    options.setdefault("stuck_after", gateway.settings.outbox_max_attempts)
    return await outbox.drain_once(database, outbox_handlers(database, gateway), **options)


def metric(text: str, name: str, kind: str) -> float | None:
    """A sample of /metrics: name{kind="..."} value."""
    prefix = f'{name}{{kind="{kind}"}} '
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix) :])
    return None
