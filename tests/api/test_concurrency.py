"""Deliveries arriving at once: each state is applied exactly once (row locks on PostgreSQL, serial
writers on SQLite). On PostgreSQL these run with many connections truly in parallel."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import httpx
import sqlalchemy as sa

from app import clock
from app.db import Database
from app.jobs.doctor import find_problems
from app.jobs.worker import mature_points
from app.ledger.models import Member
from tests.api.test_earning import entries
from tests.factories import JANE_ID, Line, customer_body, order_body
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver

PARALLEL = 24


async def _members(database: Database) -> list[Member]:
    async with database.transaction() as session:
        return list((await session.execute(sa.select(Member))).scalars())


async def test_the_same_paid_order_delivered_many_times_at_once_earns_once(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    body = order_body(installed)
    responses = await asyncio.gather(
        *(deliver(client, installed, "ORDER_FULLY_PAID", body) for _ in range(PARALLEL))
    )
    assert [r.status_code for r in responses] == [200] * PARALLEL
    assert [(e.kind, e.points) for e in await entries(database)] == [("earn", 74)]
    [member] = await _members(database)
    assert member.points_pending == 74
    assert await find_problems(database) == []


async def test_paid_refunds_and_cancel_racing_each_other_converge(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    lines = [Line(100)]
    events = [("ORDER_FULLY_PAID", order_body(installed, lines=lines))] * 4
    events += [
        ("ORDER_REFUNDED", order_body(installed, lines=lines, refunded=r)) for r in (10, 30, 30, 55)
    ] * 2
    events += [("ORDER_CANCELLED", order_body(installed, lines=lines, status="CANCELED"))] * 2
    random.Random(11).shuffle(events)
    responses = await asyncio.gather(*(deliver(client, installed, event, body) for event, body in events))
    assert {r.status_code for r in responses} == {200}
    # Whatever the interleaving, a cancelled order ends worth nothing: either the cancel came first and
    # it never earned, or it earned exactly once and exactly that much was taken back.
    points = [e.points for e in await entries(database)]
    earned = sum(p for p in points if p > 0)
    reversed_ = sum(p for p in points if p < 0)
    assert (earned, reversed_) in ((0, 0), (100, -100))
    assert await find_problems(database) == []


async def test_many_orders_of_a_new_customer_at_once_make_one_member(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    bodies = [
        order_body(installed, order_id=f"T3JkZXI6{n}", number=str(n), lines=[Line(10)])
        for n in range(PARALLEL)
    ]
    calls = [deliver(client, installed, "ORDER_FULLY_PAID", b) for b in bodies]
    calls.append(deliver(client, installed, "CUSTOMER_CREATED", customer_body(installed)))
    responses = await asyncio.gather(*calls)
    assert {r.status_code for r in responses} == {200}
    [member] = await _members(database)
    assert member.saleor_user_id == JANE_ID
    assert member.points_pending == 10 * PARALLEL
    assert await find_problems(database) == []


async def test_guest_orders_and_signup_racing_make_one_member(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    calls = [
        deliver(
            client,
            installed,
            "ORDER_FULLY_PAID",
            order_body(installed, order_id=f"T3JkZXI6{n}", number=str(n), user=None, lines=[Line(5)]),
        )
        for n in range(PARALLEL // 2)
    ]
    calls += [deliver(client, installed, "CUSTOMER_CREATED", customer_body(installed)) for _ in range(3)]
    responses = await asyncio.gather(*calls)
    assert {r.status_code for r in responses} == {200}
    [member] = await _members(database)
    assert member.saleor_user_id == JANE_ID
    assert member.points_pending == 5 * (PARALLEL // 2)


async def test_maturing_from_several_workers_at_once(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    for n in range(30):
        body = order_body(
            installed,
            order_id=f"T3JkZXI6{n}",
            number=str(n),
            user=(f"VXNlcjo{n}", f"shopper{n}@example.com"),
            email=f"shopper{n}@example.com",
            lines=[Line(n + 1)],
        )
        assert (await deliver(client, installed, "ORDER_FULLY_PAID", body)).status_code == 200
    clock.travel(timedelta(days=15))
    matured = await asyncio.gather(*(mature_points(database) for _ in range(4)))
    assert sum(matured) == 30  # each member matured by exactly one worker
    members = await _members(database)
    assert sum(m.points_available for m in members) == sum(range(1, 31))
    assert all(m.points_pending == 0 for m in members)
    assert await find_problems(database) == []
