"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.db import Base
from app.earning.models import ChannelRule, Multiplier, Order, Program
from app.installations.models import Installation
from app.jobs.models import OutboxMessage
from app.ledger.models import LedgerEntry
from app.members.models import Member

__all__ = [
    "Base",
    "ChannelRule",
    "Installation",
    "LedgerEntry",
    "Member",
    "Multiplier",
    "Order",
    "OutboxMessage",
    "Program",
]
