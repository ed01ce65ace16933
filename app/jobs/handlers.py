"""What the outbox worker does for each kind of message."""

from __future__ import annotations

from datetime import datetime

from app.db import Database
from app.installations.models import Installation
from app.jobs import outbox
from app.jobs.outbox import Claimed, Handler, PermanentFailure
from app.ledger.balances import effective_balances
from app.members.models import Member
from app.redemption import cleanup
from app.saleor.gateway import SaleorGateway

METADATA_POINTS_KEY = "loyalty.points"
METADATA_TIER_KEY = "loyalty.tier"


async def sync_member_metadata(
    database: Database, gateway: SaleorGateway, message: Claimed, now: datetime
) -> None:
    """Write the member's spendable points and tier into the customer's public metadata (a display copy)."""
    async with database.transaction() as session:
        installation = await session.get(Installation, message.installation_id)
        member = await session.get(Member, int(message.payload["member_id"]))
        if installation is None or member is None or member.installation_id != installation.id:
            raise PermanentFailure("member or installation no longer exists")
        if member.saleor_user_id is None or member.anonymised_at is not None:
            raise PermanentFailure("member has no Saleor customer to write to")
        balances = await effective_balances(session, member, now)
        user_id = member.saleor_user_id
        client = gateway.client_for(installation)
    data = await client.execute(
        "update_metadata",
        {
            "id": user_id,
            "input": [
                {"key": METADATA_POINTS_KEY, "value": str(balances.available)},
                {"key": METADATA_TIER_KEY, "value": ""},
            ],
        },
    )
    errors = (data.get("updateMetadata") or {}).get("errors") or []
    if errors:
        raise PermanentFailure("Saleor refused the metadata write: " + ", ".join(e["code"] for e in errors))


HANDLERS: dict[str, Handler] = {
    outbox.MEMBER_METADATA: sync_member_metadata,
    outbox.DELETE_VOUCHER: cleanup.delete_voucher,
    outbox.CHECK_HOLD: cleanup.check_hold,
}
