"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.db import Base
from app.installations.models import Installation
from app.ledger.models import Hold, LedgerEntry, Member
from app.orders.models import Order
from app.outbox.models import OutboxMessage
from app.program.models import ChannelRule, Multiplier, Program
from app.rewards.models import PartnerCode, Reward

__all__ = [
    "Base",
    "ChannelRule",
    "Hold",
    "Installation",
    "LedgerEntry",
    "Member",
    "Multiplier",
    "Order",
    "OutboxMessage",
    "PartnerCode",
    "Program",
    "Reward",
]
