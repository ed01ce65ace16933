"""Pydantic models of what our subscriptions return (extra fields in a delivery are ignored)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from app.errors import MalformedPayload

ModelT = TypeVar("ModelT", bound="EventPayload")


class SaleorModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)


class Money(SaleorModel):
    amount: Decimal
    currency: str


class TaxedMoney(SaleorModel):
    gross: Money
    net: Money


class Reference(SaleorModel):
    id: str


class SluggedReference(SaleorModel):
    id: str
    slug: str | None = None


class Product(SaleorModel):
    id: str
    category: SluggedReference | None = None
    collections: list[SluggedReference] = Field(default_factory=list)


class Variant(SaleorModel):
    id: str
    product: Product | None = None


class OrderLine(SaleorModel):
    id: str
    product_name: str | None = None
    product_sku: str | None = None
    product_variant_id: str | None = None
    quantity: int
    is_gift: bool = False
    total_price: TaxedMoney
    variant: Variant | None = None


class OrderUser(SaleorModel):
    id: str
    email: str | None = None


class Channel(SaleorModel):
    id: str
    slug: str
    currency_code: str


class OrderDiscount(SaleorModel):
    type: str
    value_type: str | None = None
    value: Decimal | None = None
    total: Money | None = None


class Order(SaleorModel):
    id: str
    number: str | None = None
    created: datetime | None = None
    status: str
    charge_status: str | None = None
    origin: str | None = None
    checkout_id: str | None = None
    user_email: str | None = None
    user: OrderUser | None = None
    channel: Channel
    lines: list[OrderLine]
    subtotal: TaxedMoney
    total: TaxedMoney
    shipping_price: TaxedMoney
    total_charged: Money
    total_refunded: Money
    voucher_code: str | None = None
    discounts: list[OrderDiscount] = Field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.channel.currency_code

    @property
    def customer_email(self) -> str | None:
        email = (self.user.email if self.user and self.user.email else None) or self.user_email
        return email.strip().lower() if email else None


class MetadataItem(SaleorModel):
    key: str
    value: str


class Customer(SaleorModel):
    id: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_active: bool = True
    is_staff: bool = False
    date_joined: datetime | None = None
    metadata: list[MetadataItem] = Field(default_factory=list)

    def metadata_value(self, key: str) -> str | None:
        for item in self.metadata:
            if item.key == key:
                return item.value
        return None


class IssuingPrincipal(SaleorModel):
    typename: str | None = Field(default=None, alias="__typename")
    id: str | None = None


class EventPayload(SaleorModel):
    issued_at: datetime | None = None
    version: str | None = None
    issuing_principal: IssuingPrincipal | None = None
    recipient: Reference | None = None


class OrderEvent(EventPayload):
    order: Order


class CustomerEvent(EventPayload):
    user: Customer


class CheckoutRef(SaleorModel):
    id: str
    voucher_code: str | None = None


class CheckoutEvent(EventPayload):
    checkout: CheckoutRef


class AppDeletedEvent(EventPayload):
    app: Reference


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
