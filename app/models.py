"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.db import Base
from app.earning.models import ChannelRule, Multiplier, Order, Program
from app.installations.models import Installation
from app.jobs.models import OutboxMessage
from app.ledger.models import LedgerEntry
from app.members.models import Member
from app.redemption.models import Hold
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
