"""Saleor's types as JSON: checkouts, vouchers and orders rendered whole, with every field the documents
use (the executor cuts the answer down to what a document selected), plus the shapes they share: money,
metadata and Relay connections."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from app import clock
from tests.fake_saleor.discounts import _is_line_level
from tests.fake_saleor.model import ZERO, FakeCheckout, FakeCheckoutLine, _cents, global_id

Channels = dict[str, tuple[str, str]]  # channel id -> (slug, currency)


def _money(amount: Decimal, currency: str) -> dict[str, Any]:
    # Saleor serialises amounts as JSON numbers (Python floats); Lojal must read them exactly.
    return {"amount": float(amount), "currency": currency}


def _taxed(amount: Decimal, currency: str) -> dict[str, Any]:
    # The fake knows no taxes: gross == net, like the recorded shop.
    return {
        "gross": _money(amount, currency),
        "net": _money(amount, currency),
        "tax": _money(ZERO, currency),
        "currency": currency,
    }


def _metadata_list(metadata: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in metadata.items()]


def _connection(edges: list[tuple[str, dict[str, Any]]], *, has_next: bool) -> dict[str, Any]:
    """A Relay connection of (cursor, node) pairs."""
    return {
        "edges": [{"node": node, "cursor": cursor} for cursor, node in edges],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": False,
            "startCursor": edges[0][0] if edges else None,
            "endCursor": edges[-1][0] if edges else None,
        },
        "totalCount": len(edges),
    }


# --- checkouts and vouchers ---------------------------------------------------------------------
def _channel(channels: Channels, channel_id: str) -> dict[str, Any]:
    slug, currency = channels.get(channel_id, ("default-channel", "USD"))
    return {"id": channel_id, "slug": slug, "currencyCode": currency}


def render_checkout(
    checkout: dict[str, Any] | FakeCheckout | None, channels: Channels
) -> dict[str, Any] | None:
    """A checkout as Saleor's `Checkout` type (every field the documents use); dicts pass as they are."""
    if not isinstance(checkout, FakeCheckout):
        return checkout
    currency = checkout.currency
    return {
        "id": checkout.id,
        "email": checkout.email,
        "voucherCode": checkout.voucher_code,
        "discountName": checkout.discount_name,
        "discount": _money(checkout.discount, currency),
        "user": {"id": checkout.user[0], "email": checkout.user[1]} if checkout.user else None,
        "channel": _channel(channels, checkout.channel_id),
        "lines": [_checkout_line(checkout, line) for line in checkout.lines],
        "subtotalPrice": _taxed(checkout.subtotal, currency),
        "shippingPrice": _taxed(checkout.shipping_price, currency),
        "totalPrice": _taxed(checkout.total, currency),
    }


def render_voucher(voucher: dict[str, Any], channels: Channels) -> dict[str, Any]:
    """A voucher as Saleor's `Voucher` type; `codes` is rendered whole whatever `first` asks."""
    codes = [{"code": code, **state} for code, state in voucher["codes"].items()]
    return {
        "id": voucher["id"],
        "name": voucher["name"],
        "code": codes[0]["code"] if codes else None,  # deprecated single code
        "type": voucher["type"],
        "discountValueType": voucher["discountValueType"],
        "singleUse": voucher["singleUse"],
        "usageLimit": voucher["usageLimit"],
        "used": voucher["used"],
        "applyOncePerOrder": voucher["applyOncePerOrder"],
        "applyOncePerCustomer": voucher["applyOncePerCustomer"],
        "onlyForStaff": voucher["onlyForStaff"],
        "minCheckoutItemsQuantity": voucher["minCheckoutItemsQuantity"],
        "startDate": voucher["startDate"].isoformat(),
        "endDate": voucher["endDate"].isoformat() if voucher["endDate"] else None,
        "metadata": _metadata_list(voucher["metadata"]),
        "codes": _connection([(code["id"], code) for code in codes], has_next=False),
        "channelListings": [
            _render_listing(voucher, channel_id, listing, channels)
            for channel_id, listing in voucher["channelListings"].items()
        ],
    }


def _render_listing(
    voucher: dict[str, Any], channel_id: str, listing: dict[str, Any], channels: Channels
) -> dict[str, Any]:
    channel = _channel(channels, channel_id)
    min_spent = listing["minAmountSpent"]
    return {
        "id": global_id("VoucherChannelListing", f"{voucher['pk']}-{channel_id}"),
        "channel": channel,
        "discountValue": float(listing["discountValue"]),
        "currency": channel["currencyCode"],
        "minSpent": _money(min_spent, channel["currencyCode"]) if min_spent is not None else None,
    }


def _product(line: FakeCheckoutLine) -> dict[str, Any]:
    # The fake's lines know only their variant; the product is a stand-in.
    return {
        "id": global_id("Product", line.variant_id),
        "name": "Product",
        "category": None,
        "collections": [],
    }


def _checkout_line(checkout: FakeCheckout, line: FakeCheckoutLine) -> dict[str, Any]:
    currency = checkout.currency
    total = checkout.line_total(line)
    return {
        "id": line.id,
        "quantity": line.quantity,
        "variant": {"id": line.variant_id, "product": _product(line)},
        "unitPrice": _taxed(_cents(total / line.quantity), currency),
        "undiscountedUnitPrice": _money(line.unit_price, currency),
        "totalPrice": _taxed(total, currency),
        "undiscountedTotalPrice": _money(line.undiscounted_total, currency),
    }


# --- orders ---------------------------------------------------------------------------------------
def render_order(
    checkout: FakeCheckout,
    voucher: dict[str, Any] | None,
    order_id: str,
    number: str,
    *,
    users: dict[str, dict[str, Any]],
    channels: Channels,
) -> dict[str, Any]:
    """The order `checkoutComplete` places for this checkout, fully paid, as the ORDER_* webhooks carry it."""
    currency = checkout.currency
    line_voucher_code = checkout.voucher_code if voucher and _is_line_level(voucher) else None
    now = clock.now().isoformat()
    return {
        "id": order_id,
        "number": number,
        "created": now,
        "updatedAt": now,
        "status": "UNFULFILLED",
        "chargeStatus": "FULL",
        "authorizeStatus": "FULL",
        "paymentStatus": "FULLY_CHARGED",
        "isPaid": True,
        "origin": "CHECKOUT",
        "checkoutId": checkout.id,
        "userEmail": checkout.email,
        "user": _order_user(checkout, users),
        "channel": _channel(channels, checkout.channel_id),
        "lines": [_order_line(checkout, line, line_voucher_code) for line in checkout.lines],
        "subtotal": _taxed(checkout.subtotal, currency),
        "undiscountedTotal": _taxed(checkout.undiscounted_subtotal + (checkout.shipping or ZERO), currency),
        "total": _taxed(checkout.total, currency),
        "shippingPrice": _taxed(checkout.shipping_price, currency),
        "totalCharged": _money(checkout.total, currency),
        "totalAuthorized": _money(ZERO, currency),
        "totalRefunded": _money(ZERO, currency),
        "totalGrantedRefund": _money(ZERO, currency),
        "totalBalance": _money(ZERO, currency),
        "voucherCode": checkout.voucher_code,
        "voucher": _order_voucher(voucher, checkout.voucher_code) if voucher else None,
        "discounts": _order_discounts(checkout, voucher) if voucher else [],
        "giftCards": [],
        "grantedRefunds": [],
        "fulfillments": [],
        "metadata": [],
    }


def _order_user(checkout: FakeCheckout, users: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    user = checkout.user
    if user is None and checkout.email:
        # At completion Saleor gives a guest checkout to the active account with the same email.
        user = next(
            (
                (user_id, data["email"])
                for user_id, data in users.items()
                if str(data.get("email", "")).lower() == checkout.email.lower()
            ),
            None,
        )
    if user is None:
        return None
    metadata = users.get(user[0], {}).get("metadata", {})
    return {"id": user[0], "email": user[1], "metadata": _metadata_list(metadata)}


def _order_line(checkout: FakeCheckout, line: FakeCheckoutLine, voucher_code: str | None) -> dict[str, Any]:
    currency = checkout.currency
    total = checkout.line_total(line)
    unit = _cents(total / line.quantity)
    discounted = voucher_code if checkout.applied and line.id in checkout.applied.line_amounts else None
    return {
        "id": global_id("OrderLine", uuid.uuid4()),
        "productName": "Product",
        "variantName": "",
        "productSku": None,
        "productVariantId": line.variant_id,
        "quantity": line.quantity,
        "quantityFulfilled": 0,
        "isGift": False,
        "voucherCode": discounted,  # only line-level vouchers show on lines
        "unitPrice": _taxed(unit, currency),
        "undiscountedUnitPrice": _taxed(line.unit_price, currency),
        "totalPrice": _taxed(total, currency),
        "undiscountedTotalPrice": _taxed(line.undiscounted_total, currency),
        "unitDiscount": _money(line.unit_price - unit, currency),
        "variant": {"id": line.variant_id, "sku": None, "product": _product(line)},
    }


def _order_voucher(voucher: dict[str, Any], code: str | None) -> dict[str, Any]:
    return {
        "id": voucher["id"],
        "code": code,
        "name": voucher["name"],
        "type": voucher["type"],
        "discountValueType": voucher["discountValueType"],
        "singleUse": voucher["singleUse"],
        "usageLimit": voucher["usageLimit"],
        "used": voucher["used"],
        "metadata": _metadata_list(voucher["metadata"]),
    }


def _order_discounts(checkout: FakeCheckout, voucher: dict[str, Any]) -> list[dict[str, Any]]:
    # Order-level vouchers (ENTIRE_ORDER, SHIPPING) become one VOUCHER discount on the order; line-level
    # ones (SPECIFIC_PRODUCT, applyOncePerOrder) show on the lines instead (PLATFORM §5.1).
    if _is_line_level(voucher):
        return []
    listing = voucher["channelListings"].get(checkout.channel_id)
    return [
        {
            "id": global_id("OrderDiscount", uuid.uuid4()),
            "type": "VOUCHER",
            "name": voucher["name"],
            "valueType": voucher["discountValueType"],
            "value": float(listing["discountValue"]) if listing else None,
            "reason": None,
            "total": _money(checkout.discount, checkout.currency),
        }
    ]
