"""Properties over random event sequences (paid, partial refunds, cancel, spending, maturing, duplicates,
reordering), run against the real database through the same domain calls the webhooks make."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import clock
from app.db import Database
from app.installations.models import Installation
from app.jobs.doctor import find_problems
from app.ledger import service as ledger
from app.ledger.models import EntryKind, LedgerEntry, Member, SourceType
from app.orders import service as orders
from app.orders.models import Order
from app.orders.snapshot import OrderSnapshot, OrderTrigger
from app.program.service import get_program
from tests.conftest import SECRET_KEY
from tests.factories import Line, create_installation, order_body
from tests.fake_saleor import FakeSaleor
from webhooks.generated.fragments import LojalOrderFullyPaidEvent
from webhooks.payloads import order_snapshot

_installations = itertools.count(1)

line_amounts = st.lists(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(900), places=2), min_size=1, max_size=4
)
state_event = st.one_of(
    st.just(("paid", 0)),
    st.tuples(st.just("refund"), st.integers(min_value=0, max_value=110)),  # % of the order total
    st.just(("cancel", 0)),
)
any_event = st.one_of(
    state_event,
    st.tuples(st.just("mature"), st.integers(min_value=1, max_value=20)),  # days pass
    st.tuples(st.just("spend"), st.integers(min_value=1, max_value=400)),  # points used at checkout
)


async def _new_installation(database: Database, policy: str) -> Installation:
    async with database.transaction() as session:
        installation = await create_installation(
            session,
            saleor_api_url=f"https://prop-{next(_installations)}.saleor.test/graphql/",
            app_id="QXBwOjE=",
            jwks={"keys": []},
            secret_key=SECRET_KEY,
        )
        program = await get_program(session, installation.id)
        program.reversal_policy = policy
        program.rounding = "floor"
        return installation


def _payload(
    saleor: FakeSaleor, amounts: list[Decimal], event: tuple[str, int]
) -> tuple[OrderSnapshot, OrderTrigger]:
    kind, value = event
    total = sum(amounts, Decimal(0))
    refunded = (total * value / 100).quantize(Decimal("0.01")) if kind == "refund" else Decimal(0)
    body = order_body(
        saleor,
        lines=[Line(a) for a in amounts],
        refunded=refunded,
        status="CANCELED" if kind == "cancel" else "UNFULFILLED",
        charge_status="FULL" if kind == "paid" else "PARTIAL" if refunded else "NONE",
    )
    trigger = {
        "paid": OrderTrigger.FULLY_PAID,
        "refund": OrderTrigger.REFUNDED,
        "cancel": OrderTrigger.CANCELLED,
    }
    return order_snapshot(LojalOrderFullyPaidEvent.model_validate(body).order), trigger[kind]


async def _apply(
    database: Database,
    installation: Installation,
    saleor: FakeSaleor,
    amounts: list[Decimal],
    events: list[tuple[str, int]],
    step_keys: itertools.count[int],
) -> None:
    for event in events:
        kind, value = event
        if kind == "mature":
            clock.travel(timedelta(days=value))
            continue
        async with database.transaction() as session:
            if kind == "spend":
                member = (
                    await session.execute(sa.select(Member).where(Member.installation_id == installation.id))
                ).scalar_one_or_none()
                if member is None:
                    continue
                member = await ledger.lock_member(session, installation.id, member.id)
                await ledger.mature_member(session, member)
                points = min(value, member.points_available)
                if points > 0:
                    await ledger.post_entry(
                        session,
                        member,
                        kind=EntryKind.REDEEM,
                        points=-points,
                        idempotency_key=f"spend:{next(step_keys)}",
                        source_type=SourceType.CHECKOUT,
                    )
                continue
            order, trigger = _payload(saleor, amounts, event)
            await orders.apply_order_event(session, installation.id, order, trigger)


async def _outcome(database: Database, installation: Installation) -> dict[str, Any]:
    async with database.transaction() as session:
        order = (
            await session.execute(sa.select(Order).where(Order.installation_id == installation.id))
        ).scalar_one_or_none()
        member = (
            await session.execute(sa.select(Member).where(Member.installation_id == installation.id))
        ).scalar_one_or_none()
        entries = list(
            (
                await session.execute(
                    sa.select(LedgerEntry).where(LedgerEntry.installation_id == installation.id)
                )
            ).scalars()
        )
    return {"order": order, "member": member, "entries": entries}


def _check_invariants(outcome: dict[str, Any]) -> None:
    order, entries = outcome["order"], outcome["entries"]
    earns = [e for e in entries if e.kind == EntryKind.EARN]
    assert len(earns) <= 1, "an order earned twice"
    if order is None:
        return
    earned = sum(e.points for e in entries if e.kind in (EntryKind.EARN, EntryKind.BONUS))
    reversed_ = -sum(e.points for e in entries if e.kind == EntryKind.REVERSE)
    assert 0 <= reversed_ <= earned, "refunds reversed more than the order earned"
    assert order.points_reversed == reversed_
    assert order.points_reversed + order.points_reversal_forgiven <= order.points_earned + order.points_bonus
    if order.is_cancelled and order.earn_status == "earned":
        assert (
            order.points_reversed + order.points_reversal_forgiven == order.points_earned + order.points_bonus
        )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    amounts=line_amounts,
    events=st.lists(any_event, min_size=1, max_size=12),
    policy=st.sampled_from(["allow_negative", "clamp"]),
)
async def test_balances_equal_the_ledger_and_orders_never_over_reverse(
    database: Database, saleor: FakeSaleor, amounts: list[Decimal], events: list[tuple[str, int]], policy: str
) -> None:
    clock.reset()
    installation = await _new_installation(database, policy)
    await _apply(database, installation, saleor, amounts, events, itertools.count())
    _check_invariants(await _outcome(database, installation))
    assert await find_problems(database, installation_id=installation.id) == []


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    amounts=line_amounts,
    events=st.lists(state_event, min_size=1, max_size=10),
    seed=st.integers(0, 10_000),
    duplicates=st.integers(0, 3),
)
async def test_final_state_does_not_depend_on_delivery_order(
    database: Database,
    saleor: FakeSaleor,
    amounts: list[Decimal],
    events: list[tuple[str, int]],
    seed: int,
    duplicates: int,
) -> None:
    clock.reset()
    shuffled = events + events[:duplicates]  # redeliveries
    random.Random(seed).shuffle(shuffled)
    first = await _new_installation(database, "allow_negative")
    second = await _new_installation(database, "allow_negative")
    await _apply(database, first, saleor, amounts, events, itertools.count())
    await _apply(database, second, saleor, amounts, shuffled, itertools.count())
    a, b = await _outcome(database, first), await _outcome(database, second)
    for outcome in (a, b):
        _check_invariants(outcome)

    def net(outcome: dict[str, Any]) -> tuple[int, int]:
        """What the member ends up with: total balance and lifetime earned (net of reversals)."""
        member = outcome["member"]
        if member is None:
            return (0, 0)
        return (member.points_available + member.points_pending, member.points_earned_lifetime)

    assert net(a) == net(b)
    assert (a["order"].is_cancelled, a["order"].amount_refunded) == (
        b["order"].is_cancelled,
        b["order"].amount_refunded,
    )
    assert await find_problems(database) == []
