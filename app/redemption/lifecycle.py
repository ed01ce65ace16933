"""Ending a redemption's hold with everything that goes with it: the points (through the ledger), the
reward's stock, and the clean-up of its voucher in Saleor (queued in the outbox, sent after commit)."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_scoped
from app.errors import NotFound
from app.ledger import holds
from app.ledger import service as ledger
from app.ledger.models import Hold
from app.outbox import service as outbox
from app.rewards import service as rewards

log = structlog.get_logger(__name__)

# Outbox kinds, handled in `sweeps.py`: delete a hold's voucher (taking its code off the checkout first
# when asked), and ask Saleor whether an open hold's code is still on its checkout.
DELETE_VOUCHER = "delete_voucher"
CHECK_HOLD = "check_hold"


class HoldNotFound(NotFound):
    error = "redemption_not_found"


async def lock_hold(session: AsyncSession, installation_id: int, hold_id: int) -> Hold:
    hold = await get_scoped(session, Hold, installation_id, hold_id, lock=True)
    if hold is None:
        raise HoldNotFound("no such redemption")
    return hold


def voucher_deletion_key(hold_id: int) -> str:
    """The dedupe key of a hold's DELETE_VOUCHER message."""
    return f"hold:{hold_id}:voucher"


async def queue_voucher_deletion(session: AsyncSession, hold: Hold, *, remove_from_checkout: bool) -> None:
    await outbox.enqueue(
        session,
        hold.installation_id,
        kind=DELETE_VOUCHER,
        dedupe_key=voucher_deletion_key(hold.id),
        payload={"hold_id": hold.id, "remove_from_checkout": remove_from_checkout},
    )


async def queue_hold_check(session: AsyncSession, installation_id: int, hold_id: int) -> None:
    await outbox.enqueue(
        session,
        installation_id,
        kind=CHECK_HOLD,
        dedupe_key=f"hold:{hold_id}:check",
        payload={"hold_id": hold_id},
    )


async def release(session: AsyncSession, hold: Hold, reason: str) -> bool:
    """End an open or pending hold, giving its points back. False when it had already ended."""
    if not holds.is_open(hold):
        return False
    member = await ledger.lock_member(session, hold.installation_id, hold.member_id)
    await holds.release_hold(session, member, hold, reason=reason)
    if hold.reward_id is not None:
        reward = await rewards.get_reward(session, hold.installation_id, hold.reward_id, lock=True)
        if reward.stock is not None:
            reward.stock += 1
    if hold.voucher_code_hash is not None:
        await queue_voucher_deletion(session, hold, remove_from_checkout=True)
    log.info("hold_released", hold_id=hold.id, points=hold.points, reason=reason)
    return True
