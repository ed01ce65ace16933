"""Voucher lifecycle after a hold ends: delete our vouchers, and sweep any voucher no open hold explains."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import structlog

from app.db import Database, utcnow
from app.errors import LojalError
from app.installations import service as installations
from app.installations.models import Installation
from app.jobs.outbox import Claimed, PermanentFailure
from app.redemption.models import OPEN_STATUSES, Hold
from app.redemption.service import removal_variables, verify_hold_on_checkout
from app.saleor.client import SaleorClient, SaleorGraphQLError
from app.saleor.gateway import AppUninstalled, SaleorGateway

log = structlog.get_logger(__name__)

SWEEP_GRACE = timedelta(hours=1)


def _codes_of(node: dict[str, Any]) -> set[str]:
    return {edge["node"]["code"] for edge in ((node.get("codes") or {}).get("edges") or [])}


async def _voucher_ids_for_code(client: SaleorClient, code: str) -> list[str]:
    data = await client.execute("voucher_search", {"code": code})
    edges = (data.get("vouchers") or {}).get("edges") or []
    return [edge["node"]["id"] for edge in edges if code in _codes_of(edge["node"])]


async def _delete(client: SaleorClient, voucher_id: str) -> None:
    result = await client.execute("voucher_delete", {"id": voucher_id})
    errors = (result.get("voucherDelete") or {}).get("errors") or []
    if errors and any(error.get("code") != "NOT_FOUND" for error in errors):
        raise PermanentFailure(
            "Saleor refused to delete the voucher: " + ", ".join(e["code"] for e in errors)
        )


async def delete_voucher(database: Database, gateway: SaleorGateway, message: Claimed, now: datetime) -> None:
    """Outbox handler: take our code off its checkout (if asked) and delete the voucher.

    The voucher is found by id, or by its code when Saleor's answer with the id was lost."""
    async with database.transaction() as session:
        hold = await session.get(Hold, int(message.payload["hold_id"]))
        installation = await session.get(Installation, message.installation_id)
        if hold is None or installation is None:
            raise PermanentFailure("hold or installation no longer exists")
        client = gateway.client_for(installation)
        code = gateway.cipher.decrypt(hold.voucher_code_encrypted) if hold.voucher_code_encrypted else None
        voucher_id, checkout_id = hold.voucher_id, hold.checkout_id
    if message.payload.get("remove_from_checkout") and checkout_id and code:
        # Ignore errors: the checkout may be gone, or the code already off it.
        await client.execute("checkout_remove_promo_code", removal_variables(checkout_id, voucher_id, code))
    voucher_ids = [voucher_id] if voucher_id else (await _voucher_ids_for_code(client, code) if code else [])
    for found in voucher_ids:
        await _delete(client, found)


async def check_hold(database: Database, gateway: SaleorGateway, message: Claimed, now: datetime) -> None:
    await verify_hold_on_checkout(database, gateway, message.installation_id, int(message.payload["hold_id"]))


async def sweep_orphan_vouchers(database: Database, gateway: SaleorGateway) -> int:
    """Delete every voucher tagged as ours whose hold is not open: nothing may keep a discount alive
    that no points pay for. Returns how many were deleted."""
    async with database.transaction() as session:
        targets = await installations.list_active_installations(session)
    deleted = 0
    for installation in targets:
        try:
            client = gateway.client_for(installation)
            deleted += await _sweep_installation(database, client, installation)
        except (AppUninstalled, LojalError, SaleorGraphQLError) as exc:
            log.warning("voucher_sweep_failed", installation_id=installation.id, error=type(exc).__name__)
    return deleted


async def _sweep_installation(database: Database, client: SaleorClient, installation: Installation) -> int:
    tagged: dict[str, int | None] = {}
    after: str | None = None
    while True:
        data = await client.execute("lojal_vouchers", {"after": after, "installation": str(installation.id)})
        connection = data.get("vouchers") or {}
        for edge in connection.get("edges") or []:
            metadata = {item["key"]: item["value"] for item in edge["node"].get("metadata") or []}
            hold_id = metadata.get("lojal.hold")
            tagged[edge["node"]["id"]] = int(hold_id) if hold_id and hold_id.isdigit() else None
        page = connection.get("pageInfo") or {}
        if not page.get("hasNextPage"):
            break
        after = page.get("endCursor")
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
                        Hold.installation_id == installation.id,
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
            await _delete(client, voucher_id)
            deleted += 1
            log.info("orphan_voucher_deleted", installation_id=installation.id, hold_id=hold_id)
    return deleted
