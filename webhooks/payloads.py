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
from app.orders.snapshot import OrderSnapshot
from webhooks.generated.fragments import LojalCustomer, LojalOrder, LojalOrderLines

ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_json(raw_body: bytes) -> dict[str, Any]:
    """Decode a delivery body; Saleor's amounts become exact Decimals, never floats."""
    try:
        body = json.loads(raw_body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedPayload("the body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise MalformedPayload("the body must be a JSON object")
    if "data" in body and isinstance(body["data"], dict) and len(body) <= 2:
        # Top-level channel-filtered subscriptions (3.21+) wrap the event in {"data": {...}}.
        inner = next(iter(body["data"].values()), None)
        if isinstance(inner, dict):
            return inner
    return body


def parse_payload(model: type[ModelT], body: dict[str, Any]) -> ModelT:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
            for error in exc.errors()[:20]
        ]
        raise MalformedPayload("the payload is missing what Lojal needs", extra={"errors": problems}) from exc


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
        net=line.total_price.net.amount,
        gross=line.total_price.gross.amount,
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
    return OrderSnapshot(
        saleor_order_id=order.id,
        number=order.number,
        placed_at=order.created,
        status=order.status,
        charge_status=order.charge_status,
        origin=order.origin,
        checkout_id=order.checkout_id,
        customer_user_id=order.user.id if order.user is not None else None,
        customer_email=normalise_email(email),
        channel_slug=order.channel.slug,
        currency=order.channel.currency_code,
        lines=tuple(_line(line) for line in order.lines),
        total_gross=order.total.gross.amount,
        shipping_net=order.shipping_price.net.amount,
        shipping_gross=order.shipping_price.gross.amount,
        amount_refunded=order.total_refunded.amount,
        voucher_code=order.voucher_code,
        voucher_discount=voucher_discount,
    )


def customer_facts(user: LojalCustomer | None) -> Customer:
    if user is None:
        raise MalformedPayload("the delivery names no customer")
    metadata = {item.key: item.value for item in user.metadata}
    return Customer(
        saleor_user_id=user.id,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        consent=consent_from_metadata(metadata.get(CONSENT_METADATA_KEY)),
    )
