"""Clean-up that runs after requests: the outbox handlers for vouchers and checkouts, the sweep that
releases holds whose checkout was abandoned, and the sweeps that delete vouchers nothing pays for: every
ended hold's voucher, found by id or by its code (even one Saleor made but never told us about, and
whose outbox message was lost), and every voucher tagged as ours whose hold is not open."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
import structlog

from app.crypto import hash_code
from app.db import Database, get_scoped, utcnow
from app.errors import PermanentFailure
from app.installations import service as installations
from app.installations.models import Installation
from app.ledger.models import OPEN_STATUSES, Hold, HoldStatus
from app.outbox.models import PENDING, OutboxMessage
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
    if found:
        # Not when a search by code found nothing: a voucherCreate whose answer was lost a moment ago may
        # still be under way in Saleor. The sweep looks again once the hold has been over for a while.
        await _mark_voucher_gone(database, message.installation_id, hold_id=int(message.payload["hold_id"]))


async def _mark_voucher_gone(database: Database, installation_id: int, *, hold_id: int) -> None:
    async with database.transaction() as session:
        await session.execute(
            sa.update(Hold)
            .where(
                Hold.installation_id == installation_id, Hold.id == hold_id, Hold.voucher_gone_at.is_(None)
            )
            .values(voucher_gone_at=utcnow())
        )


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


async def sweep_hold_vouchers(
    database: Database,
    gateway: SaleorGateway,
    *,
    batch_size: int = 100,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Every hold that ended more than SWEEP_GRACE ago with a voucher code, whose voucher Saleor has not
    confirmed gone: its voucher is found by id, or by its code when Lojal never learnt the id (Saleor's
    answer to voucherCreate was lost, so the voucher carries no tag either), deleted, and the hold marked.
    Holds whose deletion the outbox still has pending are left to it (it takes the code off the checkout
    first). Returns how many vouchers were deleted; `progress` gets how many holds each batch checked."""
    async with database.transaction() as session:
        targets = await installations.list_active_installations(session)
    deleted = 0
    for installation in targets:
        try:
            client = gateway.client_for(installation)
            deleted += await _sweep_hold_vouchers(
                database, gateway, client, installation.id, batch_size=batch_size, progress=progress
            )
        except (*vouchers.SALEOR_FAILURES, PermanentFailure) as exc:
            # Saleor unreachable or the app gone: the next run tries again.
            log.warning(
                "hold_voucher_sweep_failed", installation_id=installation.id, error=type(exc).__name__
            )
    return deleted


async def _sweep_hold_vouchers(
    database: Database,
    gateway: SaleorGateway,
    client: SaleorClient,
    installation_id: int,
    *,
    batch_size: int,
    progress: Callable[[int], None] | None,
) -> int:
    deleted = 0
    after = 0
    while True:
        ended_before = utcnow() - SWEEP_GRACE
        async with database.transaction() as session:
            batch = (
                await session.execute(
                    sa.select(Hold.id, Hold.voucher_id, Hold.voucher_code_encrypted)
                    .where(
                        Hold.installation_id == installation_id,
                        Hold.voucher_code_hash.is_not(None),
                        Hold.voucher_gone_at.is_(None),
                        Hold.id > after,
                        Hold.status.not_in([status.value for status in OPEN_STATUSES]),
                        Hold.ended_at <= ended_before,
                    )
                    .order_by(Hold.id)
                    .limit(batch_size)
                )
            ).all()
            if not batch:
                return deleted
            outboxed = set(
                (
                    await session.execute(
                        sa.select(OutboxMessage.dedupe_key).where(
                            OutboxMessage.installation_id == installation_id,
                            OutboxMessage.dedupe_key.in_(
                                [lifecycle.voucher_deletion_key(hold_id) for hold_id, _, _ in batch]
                            ),
                            sa.text(PENDING),
                        )
                    )
                ).scalars()
            )
        for hold_id, voucher_id, encrypted in batch:
            if lifecycle.voucher_deletion_key(hold_id) in outboxed:
                continue
            try:
                if voucher_id is not None:
                    found = [voucher_id]
                else:
                    code = gateway.cipher.decrypt(encrypted) if encrypted is not None else None
                    found = await vouchers.voucher_ids_for_code(client, code) if code else []
                for each in found:
                    if await vouchers.delete_voucher(client, each):
                        deleted += 1
                        log.info("hold_voucher_deleted", installation_id=installation_id, hold_id=hold_id)
            except PermanentFailure as exc:  # Saleor refused this one; the others may still go
                log.warning("hold_voucher_not_deleted", hold_id=hold_id, error=str(exc))
                continue
            await _mark_voucher_gone(database, installation_id, hold_id=hold_id)
        after = batch[-1][0]
        if progress is not None:
            progress(len(batch))


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
