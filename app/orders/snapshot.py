"""An order as one Saleor event describes it: the domain value a receiver builds from a verified
payload, so nothing below the HTTP layer knows what a webhook looks like."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from app.earning.calculation import PricedLine


class OrderTrigger(StrEnum):
    """Which Saleor event delivered the snapshot (it says a little more than the payload itself)."""

    CREATED = "order_created"
    FULLY_PAID = "order_fully_paid"
    FULFILLED = "order_fulfilled"
    REFUNDED = "order_refunded"
    CANCELLED = "order_cancelled"
    EXPIRED = "order_expired"  # never paid, expired by the channel: like a cancellation for points


@dataclass(frozen=True)
class OrderSnapshot:
    saleor_order_id: str
    number: str | None
    placed_at: datetime | None
    status: str  # Saleor's OrderStatus, e.g. UNFULFILLED, FULFILLED, CANCELED, EXPIRED
    charge_status: str | None  # Saleor's OrderChargeStatusEnum, e.g. FULL
    origin: str | None
    checkout_id: str | None
    customer_user_id: str | None  # a Saleor customer, or None for a guest
    customer_email: str | None  # lower-cased
    channel_slug: str
    currency: str
    lines: tuple[PricedLine, ...]
    total_gross: Decimal
    shipping_net: Decimal
    shipping_gross: Decimal
    amount_refunded: Decimal  # everything refunded so far
    voucher_code: str | None
    voucher_discount: Decimal | None  # what the order's voucher took off
