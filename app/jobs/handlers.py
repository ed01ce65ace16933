"""What the worker does with each kind of outbox message: the domain's handlers, bound to the database
and to Saleor."""

from __future__ import annotations

from functools import partial

from app.db import Database
from app.ledger.service import MEMBER_METADATA
from app.members.metadata import sync_member_metadata
from app.outbox.service import Handler
from app.redemption import sweeps
from app.redemption.lifecycle import CHECK_HOLD, DELETE_VOUCHER
from app.saleor.gateway import SaleorGateway

# Every kind the worker handles (the outbox gauges in /metrics report each, at 0 when there is none).
OUTBOX_KINDS = (MEMBER_METADATA, DELETE_VOUCHER, CHECK_HOLD)


def outbox_handlers(database: Database, gateway: SaleorGateway) -> dict[str, Handler]:
    return {
        MEMBER_METADATA: partial(sync_member_metadata, database, gateway),
        DELETE_VOUCHER: partial(sweeps.delete_voucher, database, gateway),
        CHECK_HOLD: partial(sweeps.check_hold, database, gateway),
    }
