"""The member's points copied into their Saleor customer's public metadata (a display copy for
storefronts and the Dashboard), sent by the worker from the outbox after every balance change."""

from __future__ import annotations

from datetime import datetime

from app.db import Database, get_scoped
from app.errors import PermanentFailure
from app.installations.models import Installation
from app.ledger.balances import effective_balances
from app.ledger.models import Member
from app.outbox.service import Claimed
from app.saleor.gateway import SaleorGateway
from app.saleor.generated.input_types import MetadataInput

METADATA_POINTS_KEY = "loyalty.points"
METADATA_TIER_KEY = "loyalty.tier"


async def sync_member_metadata(
    database: Database, gateway: SaleorGateway, message: Claimed, now: datetime
) -> None:
    """Outbox handler (`ledger.MEMBER_METADATA`): write the member's spendable points and tier."""
    async with database.transaction() as session:
        installation = await session.get(Installation, message.installation_id)
        member = await get_scoped(session, Member, message.installation_id, int(message.payload["member_id"]))
        if installation is None or member is None:
            raise PermanentFailure("member or installation no longer exists")
        if not member.has_saleor_customer or member.saleor_user_id is None:
            raise PermanentFailure("member has no Saleor customer to write to")
        balances = await effective_balances(session, member, now)
        user_id = member.saleor_user_id
        client = gateway.client_for(installation)
    result = await client.lojal_update_metadata(
        id=user_id,
        input=[
            MetadataInput(key=METADATA_POINTS_KEY, value=str(balances.available)),
            MetadataInput(key=METADATA_TIER_KEY, value=""),
        ],
    )
    if result is not None and result.errors:
        raise PermanentFailure(
            "Saleor refused the metadata write: " + ", ".join(e.code for e in result.errors)
        )
