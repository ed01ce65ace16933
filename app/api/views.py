"""How domain objects are shown, shared by the storefront and admin routers."""

from __future__ import annotations

import base64
from datetime import datetime

from app.bounds import INT64_MAX
from app.errors import BadRequest
from app.ledger.balances import Balances, cached_balances
from app.ledger.describe import describe
from app.ledger.models import LedgerEntry, Member
from app.members.schemas import EntryOut, OrderPointsOut, PointsOut, StaffEntryOut, StaffMemberOut
from app.orders.models import Order
from app.orders.service import explain_order


def points_out(balances: Balances) -> PointsOut:
    return PointsOut(
        available=balances.available,
        pending=balances.pending,
        held=balances.held,
        lifetime_earned=balances.earned_lifetime,
        lifetime_redeemed=balances.redeemed_lifetime,
    )


def entry_out(entry: LedgerEntry, now: datetime) -> EntryOut:
    return EntryOut(
        id=entry.id,
        kind=entry.kind,
        points=entry.points,
        status="pending" if entry.available_at > now else "available",
        created_at=entry.created_at,
        available_at=entry.available_at,
        description=describe(entry),
        explanation=entry.explanation,
    )


def staff_entry_out(entry: LedgerEntry, now: datetime) -> StaffEntryOut:
    return StaffEntryOut(**entry_out(entry, now).model_dump(), actor=entry.actor)


def staff_member_out(member: Member, points: PointsOut | None = None) -> StaffMemberOut:
    return StaffMemberOut(
        id=member.id,
        saleor_user_id=member.saleor_user_id,
        email=member.email,
        first_name=member.first_name,
        last_name=member.last_name,
        enrolled=member.is_enrolled,
        joined_at=member.joined_at,
        enrolled_at=member.enrolled_at,
        consent_at=member.consent_at,
        opted_out_at=member.opted_out_at,
        # Lists show the row's caches; a member page passes balances as of now.
        points=points or points_out(cached_balances(member)),
    )


def order_points_out(order: Order, earn_trigger: str) -> OrderPointsOut:
    return OrderPointsOut(
        order_id=order.saleor_order_id,
        number=order.number,
        placed_at=order.placed_at,
        status=order.earn_status,
        explanation=explain_order(order, earn_trigger),
        points=order.points_earned + order.points_bonus,
        points_reversed=order.points_reversed,
        available_at=order.points_available_at,
    )


def encode_cursor(entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"e:{entry_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        entry_id = int(value)
        if prefix != "e" or not 1 <= entry_id <= INT64_MAX:
            raise ValueError(prefix)
        return entry_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("the cursor is not one this API gave out") from exc
