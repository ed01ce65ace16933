"""Clean-up that runs after requests: the outbox handlers for vouchers and checkouts, the sweep that
releases holds whose checkout was abandoned, and the sweep that deletes vouchers nothing pays for."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

import sqlalchemy as sa
import structlog

from app.crypto import hash_code
from app.db import Database, get_scoped, utcnow
from app.errors import PermanentFailure
from app.installations import service as installations
from app.installations.models import Installation
from app.ledger.models import OPEN_STATUSES, Hold, HoldStatus
from app.outbox.service import Claimed
from app.redemption import lifecycle, vouchers
from app.saleor.gateway import SaleorGateway
from app.saleor.generated import SaleorClient
from app.saleor.transport import SaleorGraphQLError

log = structlog.get_logger(__name__)

SWEEP_GRACE = timedelta(hours=1)


async def delete_voucher(database: Database, gateway: SaleorGateway, message: Claimed, now: datetime) -> None:
    """Outbox handler (`lifecycle.DELETE_VOUCHER`): take our code off its checkout (if asked) and delete
    the voucher. The voucher is found by id, or by its code when Saleor's answer with the id was lost."""
    async with database.transaction() as session:
        hold = await get_scoped(session, Hold, message.installation_id, int(message.payload["hold_id"]))
        installation = await session.get(Installation, message.installation_id)
        if hold is None or installation is None:
            raise PermanentFailure("hold or installation no longer exists")
        client = gateway.client_for(installation)
        code = gateway.cipher.decrypt(hold.voucher_code_encrypted) if hold.voucher_code_encrypted else None
        voucher_id, checkout_id = hold.voucher_id, hold.checkout_id
    if message.payload.get("remove_from_checkout") and checkout_id and code:
        # A refusal is fine here: the checkout may be gone, or the code already off it.
        with contextlib.suppress(vouchers.CodeNotRemoved):
            await vouchers.remove_code(client, checkout_id, voucher_id, code)
    found = (
        [voucher_id] if voucher_id else (await vouchers.voucher_ids_for_code(client, code) if code else [])
    )
    for each in found:
        await vouchers.delete_voucher(client, each)


async def check_hold(database: Database, gateway: SaleorGateway, message: Claimed, now: datetime) -> None:
    """Outbox handler (`lifecycle.CHECK_HOLD`): release an open hold whose code Saleor no longer shows on
    its checkout."""
    installation_id, hold_id = message.installation_id, int(message.payload["hold_id"])
    async with database.transaction() as session:
        hold = await get_scoped(session, Hold, installation_id, hold_id)
        installation = await session.get(Installation, installation_id)
        if hold is None or installation is None or hold.status != HoldStatus.OPEN or hold.checkout_id is None:
            return
        client = gateway.client_for(installation)
        checkout_id, code_hash = hold.checkout_id, hold.voucher_code_hash
    try:
        checkout = await client.lojal_shopper_checkout(id=checkout_id)
    except SaleorGraphQLError:
        checkout = None
    if checkout is None:
        return  # completed (the order webhook commits) or deleted (the sweep releases at expiry)
    if checkout.voucher_code and hash_code(checkout.voucher_code) == code_hash:
        return
    async with database.transaction() as session:
        locked = await lifecycle.lock_hold(session, installation_id, hold_id)
        await lifecycle.release(session, locked, "code removed from the checkout")


async def release_expired(database: Database, *, now: datetime | None = None, batch_size: int = 200) -> int:
    """Holds whose checkout never became an order within the hold time are released."""
    now = now or utcnow()
    released = 0
    while True:
        async with database.transaction() as session:
            expired = list(
                (
                    await session.execute(
                        sa.select(Hold)
                        .where(Hold.status.in_([s.value for s in OPEN_STATUSES]), Hold.expires_at <= now)
                        .order_by(Hold.id)
                        .limit(batch_size)
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            for hold in expired:
                if await lifecycle.release(session, hold, "checkout not completed in time"):
                    released += 1
        if len(expired) < batch_size:
            return released


async def sweep_orphan_vouchers(database: Database, gateway: SaleorGateway) -> int:
    """Delete every voucher tagged as ours whose hold is not open: nothing may keep a discount alive
    that no points pay for. Returns how many were deleted."""
    async with database.transaction() as session:
        targets = await installations.list_active_installations(session)
    deleted = 0
    for installation in targets:
        try:
            deleted += await _sweep_installation(database, gateway.client_for(installation), installation.id)
        except (*vouchers.SALEOR_FAILURES, PermanentFailure) as exc:
            log.warning("voucher_sweep_failed", installation_id=installation.id, error=type(exc).__name__)
    return deleted


async def _sweep_installation(database: Database, client: SaleorClient, installation_id: int) -> int:
    tagged = await vouchers.tagged_vouchers(client, installation_id)
    if not tagged:
        return 0
    hold_ids = [hold_id for hold_id in tagged.values() if hold_id is not None]
    recently = utcnow() - SWEEP_GRACE
    async with database.transaction() as session:
        # Open holds keep their voucher; holds that ended a moment ago are the outbox's to clean (it
        # takes the code off the checkout first, which needs the voucher to still exist).
        live = set(
            (
                await session.execute(
                    sa.select(Hold.id).where(
                        Hold.installation_id == installation_id,
                        Hold.id.in_(hold_ids),
                        sa.or_(
                            Hold.status.in_([status.value for status in OPEN_STATUSES]),
                            Hold.ended_at >= recently,
                        ),
                    )
                )
            ).scalars()
        )
    deleted = 0
    for voucher_id, hold_id in tagged.items():
        if hold_id not in live:
            await vouchers.delete_voucher(client, voucher_id)
            deleted += 1
            log.info("orphan_voucher_deleted", installation_id=installation_id, hold_id=hold_id)
    return deleted
