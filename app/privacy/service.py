"""A member's data: exported as plain JSON for a privacy request, and erased on request or when Saleor
deletes the customer."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.ledger.models import Hold, LedgerEntry, Member
from app.members import service as members
from app.orders import service as orders


async def erase_member(session: AsyncSession, member: Member) -> None:
    """Anonymise the member and forget who placed their orders; the ledger's amounts stay."""
    if member.anonymised_at is not None:
        return
    members.anonymise(member)
    await orders.forget_customer_email(session, member)


async def erase_customer(session: AsyncSession, installation_id: int, saleor_user_id: str) -> None:
    """Saleor deleted the customer (CUSTOMER_DELETED or ACCOUNT_DELETED)."""
    member = await members.find_by_user(session, installation_id, saleor_user_id)
    if member is not None:
        await erase_member(session, member)


async def member_holds(session: AsyncSession, member: Member, limit: int = 50) -> list[Hold]:
    rows = await session.execute(
        sa.select(Hold)
        .where(Hold.installation_id == member.installation_id, Hold.member_id == member.id)
        .order_by(Hold.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def export_member(session: AsyncSession, member: Member) -> dict[str, Any]:
    """Everything Lojal holds about one member (a privacy request), as plain JSON."""
    entries = (
        await session.execute(
            sa.select(LedgerEntry).where(LedgerEntry.member_id == member.id).order_by(LedgerEntry.id)
        )
    ).scalars()
    return {
        "member": {
            "id": member.id,
            "saleor_user_id": member.saleor_user_id,
            "email": member.email,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "joined_at": member.joined_at.isoformat(),
            "enrolled_at": member.enrolled_at.isoformat() if member.enrolled_at else None,
            "consent_at": member.consent_at.isoformat() if member.consent_at else None,
            "opted_out_at": member.opted_out_at.isoformat() if member.opted_out_at else None,
        },
        "balances": {
            "available": member.points_available,
            "pending": member.points_pending,
            "held": member.points_held,
            "lifetime_earned": member.points_earned_lifetime,
            "lifetime_redeemed": member.points_redeemed_lifetime,
        },
        "ledger": [
            {
                "id": entry.id,
                "kind": entry.kind,
                "points": entry.points,
                "created_at": entry.created_at.isoformat(),
                "available_at": entry.available_at.isoformat(),
                "source": entry.source_type,
                "source_id": entry.source_id,
                "explanation": entry.explanation,
            }
            for entry in entries
        ],
        "orders": [
            {
                "saleor_order_id": order.saleor_order_id,
                "number": order.number,
                "placed_at": order.placed_at.isoformat(),
                "currency": order.currency,
                "total": str(order.total_gross),
                "refunded": str(order.amount_refunded),
                "points_earned": order.points_earned + order.points_bonus,
                "points_reversed": order.points_reversed,
            }
            for order in await orders.member_orders(session, member, limit=10_000)
        ],
        "redemptions": [
            {
                "id": hold.id,
                "status": hold.status,
                "points": hold.points,
                "created_at": hold.created_at.isoformat(),
                "checkout_id": hold.checkout_id,
                "saleor_order_id": hold.saleor_order_id,
            }
            for hold in await member_holds(session, member, limit=10_000)
        ],
    }
