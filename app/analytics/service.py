"""KPIs owners track, computed by set-based SQL over indexed columns (ledger, orders, members, holds).

Money is reported per currency (each Saleor channel has its own); points are store-wide.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.schemas import CurrencyFiguresOut, DailyFiguresOut, KpisOut, RewardFiguresOut
from app.ledger.models import OPEN_STATUSES, EntryKind, Hold, HoldStatus, LedgerEntry, Member
from app.orders.models import Order
from app.program.models import ChannelRule, Program
from app.rewards.models import Reward

ISSUING = [EntryKind.EARN.value, EntryKind.BONUS.value, EntryKind.ENGAGE.value]
SPENDING = [EntryKind.REDEEM.value, EntryKind.RELEASE.value]


def _ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _enrolled() -> sa.ColumnElement[bool]:
    return sa.and_(
        Member.enrolled_at.is_not(None), Member.opted_out_at.is_(None), Member.anonymised_at.is_(None)
    )


def _counted_orders(installation_id: int) -> list[sa.ColumnElement[bool]]:
    # Orders that happened: paid and not cancelled.
    return [Order.installation_id == installation_id, Order.is_paid.is_(True), Order.is_cancelled.is_(False)]


async def _member_counts(
    session: AsyncSession, installation_id: int, start: datetime, end: datetime
) -> dict[str, int]:
    row = (
        await session.execute(
            sa.select(
                sa.func.count(Member.id).filter(Member.anonymised_at.is_(None)),
                sa.func.count(Member.id).filter(_enrolled()),
                sa.func.count(Member.id).filter(
                    _enrolled(), Member.enrolled_at >= start, Member.enrolled_at < end
                ),
                sa.func.coalesce(
                    sa.func.sum(Member.points_available + Member.points_pending + Member.points_held), 0
                ),
            ).where(Member.installation_id == installation_id)
        )
    ).one()
    return {"seen": int(row[0]), "enrolled": int(row[1]), "new": int(row[2]), "liability": int(row[3])}


async def _point_flows(
    session: AsyncSession, installation_id: int, start: datetime, end: datetime
) -> dict[str, int]:
    kind = LedgerEntry.kind
    row = (
        await session.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(LedgerEntry.points).filter(kind.in_(ISSUING)), 0),
                sa.func.coalesce(sa.func.sum(LedgerEntry.points).filter(kind.in_(SPENDING)), 0),
                sa.func.coalesce(sa.func.sum(LedgerEntry.points).filter(kind == EntryKind.REVERSE.value), 0),
                sa.func.coalesce(sa.func.sum(LedgerEntry.points).filter(kind == EntryKind.EXPIRE.value), 0),
            ).where(
                LedgerEntry.installation_id == installation_id,
                LedgerEntry.created_at >= start,
                LedgerEntry.created_at < end,
            )
        )
    ).one()
    return {
        "issued": int(row[0]),
        "redeemed": -int(row[1]),
        "reversed": -int(row[2]),
        "expired": -int(row[3]),
    }


async def _active_members(
    session: AsyncSession, installation_id: int, start: datetime, end: datetime
) -> set[int]:
    rows = await session.execute(
        sa.select(Order.member_id)
        .distinct()
        .join(Member, Member.id == Order.member_id)
        .where(
            *_counted_orders(installation_id), Order.placed_at >= start, Order.placed_at < end, _enrolled()
        )
    )
    return {int(member_id) for member_id in rows.scalars() if member_id is not None}


async def _repeat_rate(session: AsyncSession, installation_id: int) -> Decimal | None:
    per_member = (
        sa.select(Order.member_id, sa.func.count(Order.id).label("orders"))
        .join(Member, Member.id == Order.member_id)
        .where(*_counted_orders(installation_id), _enrolled())
        .group_by(Order.member_id)
        .subquery()
    )
    buyers, repeaters = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.count().filter(per_member.c.orders >= 2)).select_from(
                per_member
            )
        )
    ).one()
    return _ratio(int(repeaters), int(buyers))


async def _point_values(session: AsyncSession, installation_id: int) -> dict[str, Decimal]:
    """What a point is worth in each currency a channel rule names (the highest, if several)."""
    rows = await session.execute(
        sa.select(ChannelRule.currency, sa.func.max(ChannelRule.point_value))
        .where(ChannelRule.installation_id == installation_id)
        .group_by(ChannelRule.currency)
    )
    return {currency: Decimal(value) for currency, value in rows.all()}


async def _currency_figures(
    session: AsyncSession, installation_id: int, start: datetime, end: datetime, liability_points: int
) -> list[CurrencyFiguresOut]:
    is_member = sa.and_(Order.member_id.is_not(None), _enrolled())
    net = Order.total_gross - Order.amount_refunded
    buyer = sa.func.coalesce(Order.customer_email, Order.saleor_order_id)
    in_period = sa.and_(Order.placed_at >= start, Order.placed_at < end)
    rows = await session.execute(
        sa.select(
            Order.currency,
            sa.func.count(Order.id).filter(is_member, in_period),
            sa.func.count(Order.id).filter(sa.not_(is_member), in_period),
            # Sums keep the amount type (exact on SQLite too); averages are divided out below.
            sa.func.sum(Order.total_gross).filter(is_member, in_period),
            sa.func.sum(Order.total_gross).filter(sa.not_(is_member), in_period),
            sa.func.sum(net).filter(is_member, in_period),
            sa.func.count(sa.distinct(Order.member_id)).filter(is_member, in_period),
            sa.func.sum(net).filter(sa.not_(is_member), in_period),
            sa.func.count(sa.distinct(buyer)).filter(sa.not_(is_member), in_period),
            sa.func.sum(net).filter(is_member),
            sa.func.count(sa.distinct(Order.member_id)).filter(is_member),
        )
        .select_from(Order)
        .outerjoin(Member, Member.id == Order.member_id)
        .where(*_counted_orders(installation_id))
        .group_by(Order.currency)
        .order_by(Order.currency)
    )
    values = await _point_values(session, installation_id)
    program = (
        await session.execute(sa.select(Program).where(Program.installation_id == installation_id))
    ).scalar()
    default_value = program.default_point_value if program is not None else Decimal("0.01")
    figures = []
    seen: set[str] = set()
    for row in rows.all():
        currency = row[0]
        seen.add(currency)
        figures.append(
            CurrencyFiguresOut(
                currency=currency,
                orders_members=int(row[1]),
                orders_others=int(row[2]),
                aov_members=_money(Decimal(row[3]) / row[1]) if row[1] else None,
                aov_others=_money(Decimal(row[4]) / row[2]) if row[2] else None,
                spend_per_member=_money(Decimal(row[5]) / row[6]) if row[6] else None,
                spend_per_other_customer=_money(Decimal(row[7]) / row[8]) if row[8] else None,
                lifetime_value_per_member=_money(Decimal(row[9]) / row[10]) if row[10] else None,
                liability=_money(liability_points * values.get(currency, default_value)),
            )
        )
    for currency, value in sorted(values.items()):
        if currency not in seen:
            figures.append(
                CurrencyFiguresOut(
                    currency=currency,
                    orders_members=0,
                    orders_others=0,
                    aov_members=None,
                    aov_others=None,
                    spend_per_member=None,
                    spend_per_other_customer=None,
                    lifetime_value_per_member=None,
                    liability=_money(liability_points * value),
                )
            )
    return figures


async def _reward_figures(session: AsyncSession, installation_id: int) -> list[RewardFiguresOut]:
    rows = await session.execute(
        sa.select(
            Reward.id,
            Reward.name,
            Reward.points_cost,
            sa.func.count(Hold.id).filter(Hold.status == HoldStatus.COMMITTED.value),
            sa.func.coalesce(
                sa.func.sum(Hold.points_committed).filter(Hold.status == HoldStatus.COMMITTED.value), 0
            ),
            sa.func.count(Hold.id).filter(Hold.status.in_([s.value for s in OPEN_STATUSES])),
        )
        .select_from(Reward)
        .outerjoin(Hold, Hold.reward_id == Reward.id)
        .where(Reward.installation_id == installation_id)
        .group_by(Reward.id, Reward.name, Reward.points_cost)
        .order_by(Reward.points_cost, Reward.id)
    )
    return [
        RewardFiguresOut(
            reward_id=int(r[0]),
            name=str(r[1]),
            points_cost=int(r[2]),
            redeemed=int(r[3]),
            points_spent=int(r[4] or 0),
            open=int(r[5]),
        )
        for r in rows.all()
    ]


async def _daily(
    session: AsyncSession, installation_id: int, start: datetime, end: datetime
) -> list[DailyFiguresOut]:
    entry_day = sa.func.date(LedgerEntry.created_at)
    flows = {
        str(day): (int(issued), -int(spent))
        for day, issued, spent in (
            await session.execute(
                sa.select(
                    entry_day,
                    sa.func.coalesce(
                        sa.func.sum(LedgerEntry.points).filter(LedgerEntry.kind.in_(ISSUING)), 0
                    ),
                    sa.func.coalesce(
                        sa.func.sum(LedgerEntry.points).filter(LedgerEntry.kind.in_(SPENDING)), 0
                    ),
                )
                .where(
                    LedgerEntry.installation_id == installation_id,
                    LedgerEntry.created_at >= start,
                    LedgerEntry.created_at < end,
                )
                .group_by(entry_day)
            )
        ).all()
    }
    joined_day = sa.func.date(Member.enrolled_at)
    joined = {
        str(day): int(count)
        for day, count in (
            await session.execute(
                sa.select(joined_day, sa.func.count(Member.id))
                .where(
                    Member.installation_id == installation_id,
                    Member.enrolled_at >= start,
                    Member.enrolled_at < end,
                )
                .group_by(joined_day)
            )
        ).all()
    }
    order_day = sa.func.date(Order.placed_at)
    is_member = sa.and_(Order.member_id.is_not(None), _enrolled())
    orders = {
        str(day): (int(members), int(others))
        for day, members, others in (
            await session.execute(
                sa.select(
                    order_day,
                    sa.func.count(Order.id).filter(is_member),
                    sa.func.count(Order.id).filter(sa.not_(is_member)),
                )
                .select_from(Order)
                .outerjoin(Member, Member.id == Order.member_id)
                .where(*_counted_orders(installation_id), Order.placed_at >= start, Order.placed_at < end)
                .group_by(order_day)
            )
        ).all()
    }
    days = []
    day = start.date()
    while datetime.combine(day, datetime.min.time(), tzinfo=start.tzinfo) < end:
        key = day.isoformat()
        issued, spent = flows.get(key, (0, 0))
        members, others = orders.get(key, (0, 0))
        days.append(
            DailyFiguresOut(
                day=day,
                points_issued=issued,
                points_redeemed=spent,
                new_members=joined.get(key, 0),
                orders_members=members,
                orders_others=others,
            )
        )
        day += timedelta(days=1)
    return days


async def compute_kpis(
    session: AsyncSession, installation_id: int, start: datetime, end: datetime
) -> KpisOut:
    counts = await _member_counts(session, installation_id, start, end)
    flows = await _point_flows(session, installation_id, start, end)
    active = await _active_members(session, installation_id, start, end)
    previous = await _active_members(session, installation_id, start - (end - start), start)
    return KpisOut(
        start=start,
        end=end,
        members=counts["seen"],
        members_enrolled=counts["enrolled"],
        enrolment_rate=_ratio(counts["enrolled"], counts["seen"]),
        new_members=counts["new"],
        active_members=len(active),
        points_issued=flows["issued"],
        points_redeemed=flows["redeemed"],
        points_reversed=flows["reversed"],
        points_expired=flows["expired"],
        redemption_rate=_ratio(flows["redeemed"], flows["issued"]),
        liability_points=counts["liability"],
        repeat_purchase_rate=await _repeat_rate(session, installation_id),
        retention_rate=_ratio(len(active & previous), len(previous)),
        currencies=await _currency_figures(session, installation_id, start, end, counts["liability"]),
        rewards=await _reward_figures(session, installation_id),
        daily=await _daily(session, installation_id, start, end),
    )
