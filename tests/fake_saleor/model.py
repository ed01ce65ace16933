"""What the fake keeps, with money and ids as Saleor has them: checkouts (Decimal money; a promo code's
effect is fixed when it is applied) and vouchers (dicts under their GraphQL names, Saleor's defaults
filled in)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app import clock

CENT = Decimal("0.01")
ZERO = Decimal(0)


def _decimal(value: Decimal | int | float | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _cents(value: Decimal) -> Decimal:
    # Saleor quantizes money to the currency's precision, rounding half up.
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def global_id(type_name: str, pk: object) -> str:
    """A Saleor global id: base64 of "<Type>:<pk>"."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _parse_datetime(value: str | datetime | None) -> datetime | None:
    if not value:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class FakeCheckoutLine:
    id: str
    variant_id: str
    quantity: int
    unit_price: Decimal

    @property
    def undiscounted_total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass
class AppliedVoucher:
    """What the checkout's code takes off, fixed when the code was applied. Saleor recalculates only when a
    checkout's prices expire, so a checkout keeps showing a discount whose code another order used up."""

    voucher_id: str
    amount: Decimal  # `checkout.discount`
    line_amounts: dict[str, Decimal] = field(default_factory=dict)  # taken off each line's total
    shipping_amount: Decimal = ZERO


@dataclass
class FakeCheckout:
    id: str
    email: str | None
    user: tuple[str, str] | None
    channel_id: str
    channel_slug: str
    currency: str
    lines: list[FakeCheckoutLine]
    shipping: Decimal | None  # None: no delivery method chosen yet
    voucher_code: str | None = None
    discount_name: str | None = None
    applied: AppliedVoucher | None = None

    def line_total(self, line: FakeCheckoutLine) -> Decimal:
        taken = self.applied.line_amounts.get(line.id, ZERO) if self.applied else ZERO
        return max(line.undiscounted_total - taken, ZERO)

    @property
    def undiscounted_subtotal(self) -> Decimal:
        return sum((line.undiscounted_total for line in self.lines), ZERO)

    @property
    def subtotal(self) -> Decimal:
        return sum((self.line_total(line) for line in self.lines), ZERO)

    @property
    def shipping_price(self) -> Decimal:
        taken = self.applied.shipping_amount if self.applied else ZERO
        return max((self.shipping or ZERO) - taken, ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_price

    @property
    def discount(self) -> Decimal:
        return self.applied.amount if self.applied else ZERO

    def clear_voucher(self) -> None:
        self.voucher_code = None
        self.discount_name = None
        self.applied = None


def new_voucher(data: dict[str, Any], next_pk: Callable[[str], int]) -> dict[str, Any]:
    """A VoucherInput (GraphQL names) as Saleor would store it, defaults included; no validation here.
    `next_pk` numbers vouchers and their codes per type, like database sequences."""
    pk = next_pk("Voucher")
    voucher_id = global_id("Voucher", pk)
    codes = [*(data.get("addCodes") or []), *([data["code"]] if data.get("code") else [])]
    return {
        "id": voucher_id,
        "pk": pk,
        "name": data.get("name"),
        "type": data.get("type") or "ENTIRE_ORDER",
        "discountValueType": data.get("discountValueType") or "FIXED",
        "codes": {
            code: {
                "id": global_id("VoucherCode", next_pk("VoucherCode")),
                "used": 0,
                "isActive": True,
            }
            for code in codes
        },
        "singleUse": bool(data.get("singleUse")),
        "usageLimit": data.get("usageLimit"),
        "used": 0,
        "startDate": _parse_datetime(data.get("startDate")) or clock.now(),
        "endDate": _parse_datetime(data.get("endDate")),
        "variants": list(data.get("variants") or []),
        "products": list(data.get("products") or []),
        "collections": list(data.get("collections") or []),
        "categories": list(data.get("categories") or []),
        "countries": list(data.get("countries") or []),
        "applyOncePerOrder": bool(data.get("applyOncePerOrder")),
        "applyOncePerCustomer": bool(data.get("applyOncePerCustomer")),
        "onlyForStaff": bool(data.get("onlyForStaff")),
        "minCheckoutItemsQuantity": data.get("minCheckoutItemsQuantity"),
        # channel id -> {"discountValue": Decimal, "minAmountSpent": Decimal | None}
        "channelListings": {},
        "metadata": {},
    }
