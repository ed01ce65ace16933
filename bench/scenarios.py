"""The requests each scenario sends, built (and signed) up front from the test suite's factories."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from decimal import Decimal

from bench.load import Call
from tests.factories import Line, order_body
from tests.fake_saleor import FakeSaleor

ORDER_FULLY_PAID_PATH = "/api/webhooks/order-fully-paid"
TOKEN_LIFETIME_S = 3600  # outlives the run; an expiry mid-run would turn into 401s


@dataclass(frozen=True)
class Phases:
    """A scenario's requests: warm-up (not measured), measured under load, measured one at a time."""

    warmup: list[Call]
    loaded: list[Call]
    solo: list[Call]


def phases(calls: list[Call], warmup: int, loaded: int) -> Phases:
    return Phases(
        warmup=calls[:warmup], loaded=calls[warmup : warmup + loaded], solo=calls[warmup + loaded :]
    )


def _graphql_id(type_name: str, number: int) -> str:
    return base64.b64encode(f"{type_name}:{number}".encode()).decode()


@dataclass(frozen=True)
class Customer:
    user_id: str
    email: str


def customers(count: int) -> list[Customer]:
    return [
        Customer(user_id=_graphql_id("User", index + 1), email=f"shopper{index + 1}@bench.example")
        for index in range(count)
    ]


def healthz(total: int) -> list[Call]:
    return [Call("GET", "/healthz", {})] * total


def _order_lines(index: int) -> list[Line]:
    # A few shapes of basket, so amounts (and points) differ from order to order.
    return [
        Line(Decimal(20 + index % 50), product_id=_graphql_id("Product", 1 + index % 7)),
        Line(Decimal("35.50"), product_id=_graphql_id("Product", 100), category=("Q2F0ZWdvcnk6NDA=", "mugs")),
        Line(Decimal("12.25"), product_id=_graphql_id("Product", 200), quantity=2),
    ]


def order_paid_deliveries(store: FakeSaleor, shoppers: list[Customer], total: int) -> list[Call]:
    """One signed ORDER_FULLY_PAID per new order, shoppers taking turns (the earning write path)."""
    calls = []
    for index in range(total):
        shopper = shoppers[index % len(shoppers)]
        payload = order_body(
            store,
            order_id=_graphql_id("Order", index + 1),
            number=str(index + 1),
            lines=_order_lines(index),
            user=(shopper.user_id, shopper.email),
            email=shopper.email,
        )
        body, headers = store.delivery("ORDER_FULLY_PAID", payload)
        calls.append(Call("POST", ORDER_FULLY_PAID_PATH, headers, body))
    return calls


def shopper_headers(store: FakeSaleor, shoppers: list[Customer]) -> list[dict[str, str]]:
    """A valid Saleor access token per shopper (RSA signing is slow, so once per shopper, up front)."""
    return [
        {
            "authorization": f"Bearer {store.shopper_token(s.user_id, s.email, expires_in=TOKEN_LIFETIME_S)}",
            "saleor-api-url": store.api_url,
        }
        for s in shoppers
    ]


def storefront_me(headers: list[dict[str, str]], total: int) -> list[Call]:
    return [Call("GET", "/api/storefront/me", headers[index % len(headers)]) for index in range(total)]


PREVIEW_BODY = json.dumps(
    {
        "channel": "default-channel",
        "currency": "USD",
        "lines": [
            {"amount": "24.00", "product_id": _graphql_id("Product", 1), "category": "t-shirts"},
            {"amount": "35.50", "product_id": _graphql_id("Product", 100), "category": "mugs"},
            {"amount": "24.50", "product_id": _graphql_id("Product", 200), "collections": ["summer"]},
        ],
        "shipping_amount": "4.99",
    }
).encode()


def storefront_preview(headers: list[dict[str, str]], total: int) -> list[Call]:
    json_headers = [{**h, "content-type": "application/json"} for h in headers]
    return [
        Call("POST", "/api/storefront/preview", json_headers[index % len(json_headers)], PREVIEW_BODY)
        for index in range(total)
    ]
