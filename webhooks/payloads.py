"""What a verified delivery holds, typed by the models generated from our subscriptions
(`webhooks/generated/`, `make saleor-client`), and turned into domain values at the edge: nothing
below the HTTP layer knows what a webhook looks like."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.earning.calculation import PricedLine
from app.errors import MalformedPayload
from app.members.service import CONSENT_METADATA_KEY, consent_from_metadata, normalise_email
from app.members.service import CustomerFacts as Customer
from app.money import CURRENCIES, MAX_AMOUNT, storable_amount
from app.orders.snapshot import OrderSnapshot
from webhooks.generated.fragments import LojalCustomer, LojalOrder, LojalOrderLines

ModelT = TypeVar("ModelT", bound=BaseModel)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number Lojal accepts")


def _refuse_unstorable_text(body: Any) -> None:
    """No string anywhere holds a NUL (PostgreSQL cannot store one); walked without recursion."""
    pending = [body]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise MalformedPayload("the payload holds a NUL character")
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


def parse_json(raw_body: bytes) -> dict[str, Any]:
    """Decode a delivery body; Saleor's amounts become exact Decimals, never floats."""
    try:
        body = json.loads(raw_body, parse_float=Decimal, parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedPayload("the body is not valid JSON") from exc
    except RecursionError:
        raise MalformedPayload("the body is nested deeper than any Saleor payload") from None
    if not isinstance(body, dict):
        raise MalformedPayload("the body must be a JSON object")
    _refuse_unstorable_text(body)
    if "data" in body and isinstance(body["data"], dict) and len(body) <= 2:
        # Top-level channel-filtered subscriptions (3.21+) wrap the event in {"data": {...}}.
        inner = next(iter(body["data"].values()), None)
        if isinstance(inner, dict):
            return inner
    return body


def parse_payload(model: type[ModelT], body: dict[str, Any]) -> ModelT:
    try:
        return model.model_validate(body)
    except RecursionError:
        raise MalformedPayload("the payload is nested deeper than any Saleor payload") from None
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
            for error in exc.errors()[:20]
        ]
        raise MalformedPayload("the payload is missing what Lojal needs", extra={"errors": problems}) from exc


# Lengths of the columns these land in (app/orders/models.py, app/ledger/models.py).
ID_LENGTH, NUMBER_LENGTH, STATUS_LENGTH, EMAIL_LENGTH, NAME_LENGTH = 255, 64, 32, 320, 255


def _text(value: str | None, field: str, length: int) -> str | None:
    if value is not None and len(value) > length:
        raise MalformedPayload(f"{field} is longer than {length} characters")
    return value


def _amount(value: Decimal, field: str) -> Decimal:
    if not storable_amount(value):
        raise MalformedPayload(f"{field} must be an amount from 0 to {MAX_AMOUNT}")
    return value


def _line(line: LojalOrderLines) -> PricedLine:
    product = line.variant.product if line.variant is not None else None
    category_ids: tuple[str, ...] = ()
    collection_ids: tuple[str, ...] = ()
    if product is not None:
        if product.category is not None:
            category_ids = (product.category.id, product.category.slug)
        collection_ids = tuple(x for c in product.collections or [] for x in (c.id, c.slug))
    return PricedLine(
        line_id=line.id,
        net=_amount(line.total_price.net.amount, "a line's net total"),
        gross=_amount(line.total_price.gross.amount, "a line's gross total"),
        product_id=product.id if product is not None else None,
        category_ids=category_ids,
        collection_ids=collection_ids,
        name=line.product_name,
        is_gift=bool(line.is_gift),
    )


def order_snapshot(order: LojalOrder | None) -> OrderSnapshot:
    if order is None:
        raise MalformedPayload("the delivery names no order")
    email = (order.user.email if order.user is not None and order.user.email else None) or order.user_email
    voucher_discount: Decimal | None = next(
        (discount.total.amount for discount in order.discounts if discount.type_ == "VOUCHER"), None
    )
    if order.channel.currency_code not in CURRENCIES:
        raise MalformedPayload(f"{order.channel.currency_code[:8]!r} is not an ISO 4217 currency")
    return OrderSnapshot(
        saleor_order_id=_text(order.id, "the order id", ID_LENGTH) or "",
        number=_text(order.number, "the order number", NUMBER_LENGTH),
        placed_at=order.created,
        status=_text(order.status, "the status", STATUS_LENGTH) or "",
        charge_status=order.charge_status,
        origin=_text(order.origin, "the origin", STATUS_LENGTH),
        checkout_id=_text(order.checkout_id, "the checkout id", ID_LENGTH),
        customer_user_id=_text(order.user.id, "the customer id", ID_LENGTH)
        if order.user is not None
        else None,
        customer_email=_text(normalise_email(email), "the e-mail", EMAIL_LENGTH),
        channel_slug=_text(order.channel.slug, "the channel slug", ID_LENGTH) or "",
        currency=order.channel.currency_code,
        lines=tuple(_line(line) for line in order.lines),
        total_gross=_amount(order.total.gross.amount, "the order total"),
        shipping_net=_amount(order.shipping_price.net.amount, "the shipping price"),
        shipping_gross=_amount(order.shipping_price.gross.amount, "the shipping price"),
        amount_refunded=_amount(order.total_refunded.amount, "the refunded total"),
        voucher_code=order.voucher_code,
        voucher_discount=_amount(voucher_discount, "the voucher discount")
        if voucher_discount is not None
        else None,
    )


def customer_facts(user: LojalCustomer | None) -> Customer:
    if user is None:
        raise MalformedPayload("the delivery names no customer")
    metadata = {item.key: item.value for item in user.metadata}
    return Customer(
        saleor_user_id=_text(user.id, "the customer id", ID_LENGTH) or "",
        email=_text(normalise_email(user.email), "the e-mail", EMAIL_LENGTH),
        first_name=_text(user.first_name, "the first name", NAME_LENGTH),
        last_name=_text(user.last_name, "the last name", NAME_LENGTH),
        consent=consent_from_metadata(metadata.get(CONSENT_METADATA_KEY)),
    )
