"""The discount engine: Saleor's rules for applying a voucher to a checkout, what it takes off (order,
lines or shipping), and how completing a checkout uses a code up."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from tests.fake_saleor.model import ZERO, AppliedVoucher, FakeCheckout, FakeCheckoutLine, _cents


class _NotApplicable(Exception):
    """Saleor's NotApplicable: the code is valid but a voucher rule fails for this checkout."""


def _voucher_is_active(voucher: dict[str, Any], now: datetime) -> bool:
    # Voucher.objects.active(): started, not ended, and the usage limit not reached.
    if voucher["startDate"] > now:
        return False
    if voucher["endDate"] is not None and voucher["endDate"] < now:
        return False
    return voucher["usageLimit"] is None or voucher["used"] < voucher["usageLimit"]


def _discount_on(voucher: dict[str, Any], value: Decimal, price: Decimal) -> Decimal:
    """Voucher.get_discount_amount_for: a percentage rounds half up to cents; a fixed value never takes
    more than the price it applies to."""
    if voucher["discountValueType"] == "PERCENTAGE":
        return _cents(price * value / 100)
    return min(value, price)


def _spread(amount: Decimal, lines: list[FakeCheckoutLine]) -> dict[str, Decimal]:
    """An ENTIRE_ORDER discount lands on the lines in proportion to their totals; the last line takes what
    rounding left, so the line totals add up to the discounted subtotal (README: 50.00 → 45.30, 3.18 → 2.88
    for 5.00 off 53.18)."""
    subtotal = sum((line.undiscounted_total for line in lines), ZERO)
    shares: dict[str, Decimal] = {}
    remaining = amount
    for line in lines[:-1]:
        share = _cents(line.undiscounted_total * amount / subtotal) if subtotal else ZERO
        shares[line.id] = share
        remaining -= share
    if lines:
        shares[lines[-1].id] = remaining
    return shares


def _line_level(voucher: dict[str, Any], value: Decimal, lines: list[FakeCheckoutLine]) -> dict[str, Decimal]:
    """A voucher that discounts items: every matching unit, or only the cheapest one (applyOncePerOrder)."""
    if voucher["applyOncePerOrder"]:
        cheapest = min(lines, key=lambda line: line.unit_price)
        return {cheapest.id: _discount_on(voucher, value, cheapest.unit_price)}
    return {line.id: _discount_on(voucher, value, line.unit_price) * line.quantity for line in lines}


def _check_rules(voucher: dict[str, Any], listing: dict[str, Any], checkout: FakeCheckout) -> None:
    # validate_voucher_for_checkout: minimum spent, minimum quantity, staff only (our shoppers are not staff).
    min_spent = listing.get("minAmountSpent")
    if min_spent is not None and checkout.undiscounted_subtotal < min_spent:
        raise _NotApplicable("minimum spent not reached")
    min_quantity = voucher.get("minCheckoutItemsQuantity")
    if min_quantity and sum(line.quantity for line in checkout.lines) < min_quantity:
        raise _NotApplicable("minimum quantity not reached")
    if voucher.get("onlyForStaff"):
        raise _NotApplicable("only for staff")


def _compute_discount(voucher: dict[str, Any], checkout: FakeCheckout) -> AppliedVoucher:
    """What the voucher takes off this checkout (get_voucher_discount_for_checkout); raises _NotApplicable."""
    listing = voucher["channelListings"][checkout.channel_id]
    _check_rules(voucher, listing, checkout)
    value = listing["discountValue"]
    kind = voucher["type"]
    if kind == "SHIPPING":
        if checkout.shipping is None:
            raise _NotApplicable("no delivery method")
        amount = _discount_on(voucher, value, checkout.shipping)
        return AppliedVoucher(voucher["id"], amount, shipping_amount=amount)
    if kind == "SPECIFIC_PRODUCT":
        # Only variants are modelled; the fake's lines carry no product, collection or category.
        matching = [line for line in checkout.lines if line.variant_id in voucher["variants"]]
        if not matching:
            raise _NotApplicable("This offer is only valid for selected items.")
        line_amounts = _line_level(voucher, value, matching)
        return AppliedVoucher(voucher["id"], sum(line_amounts.values(), ZERO), line_amounts)
    if voucher["applyOncePerOrder"] and checkout.lines:
        line_amounts = _line_level(voucher, value, checkout.lines)
        return AppliedVoucher(voucher["id"], sum(line_amounts.values(), ZERO), line_amounts)
    subtotal = checkout.undiscounted_subtotal
    amount = min(_discount_on(voucher, value, subtotal), subtotal)  # capped at the subtotal, never shipping
    return AppliedVoucher(voucher["id"], amount, _spread(amount, checkout.lines))


def _is_line_level(voucher: dict[str, Any]) -> bool:
    # Vouchers that discount items rather than the order: Saleor records them on the order lines.
    return voucher["type"] == "SPECIFIC_PRODUCT" or (
        voucher["type"] == "ENTIRE_ORDER" and bool(voucher["applyOncePerOrder"])
    )


def _use_code(voucher: dict[str, Any], code: str) -> None:
    # At checkoutComplete Saleor counts a use only for vouchers with a usage limit, and deactivates a
    # single-use code; cancelling the order later gives nothing back (README).
    state = voucher["codes"][code]
    if voucher["usageLimit"] is not None:
        state["used"] += 1
        voucher["used"] += 1
    if voucher["singleUse"]:
        state["isActive"] = False
