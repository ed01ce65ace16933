"""Validly signed webhook bodies that Saleor would never send (malformed, missing fields, huge and
negative amounts, unknown currencies, NUL and control characters, deep nesting) never cause a 5xx,
and a refused body changes nothing."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.db import Database
from app.jobs.doctor import find_problems
from app.ledger.models import LedgerEntry, Member
from app.orders.models import Order
from tests.factories import customer_body, order_body
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver

Path = tuple[str | int, ...]


def _paths(value: Any, prefix: Path = ()) -> list[Path]:
    found: list[Path] = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _set(body: Any, path: Path, value: Any, *, delete: bool) -> Any:
    body = copy.deepcopy(body)
    parent = body
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = value
    return body


def _nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value


hostile_text = st.text(
    alphabet=st.sampled_from(
        ["\x00", "\x01", "\x1f", "\u2028", "\ufeff", "a", "Z", "9", "é", "🙂", "'", '"', "\\"]
    ),
    max_size=40,
) | st.just("x" * 5000)
hostile_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([1e16, 1e30, -0.01, 1e-12, 123456789012345.6789, 9.3e14, 0.0]),
    hostile_text,
    st.sampled_from(["USD", "usd", "XXX", "ÅÄÖ", "", "US", "USDD", "EURO"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(["amount", "currency", "id"]), st.integers(), max_size=2),
    st.integers(min_value=50, max_value=400).map(_nested),
)


class _Deliveries:
    """The installed store and what its database held before each example."""

    def __init__(self, client: httpx.AsyncClient, saleor: FakeSaleor, database: Database) -> None:
        self.client, self.saleor, self.database = client, saleor, database

    async def counts(self) -> tuple[int, int, int]:
        async with self.database.transaction() as session:
            return tuple(  # type: ignore[return-value]
                [
                    (await session.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()
                    for table in (Order, Member, LedgerEntry)
                ]
            )

    async def check(self, event: str, payload: dict[str, Any] | bytes) -> None:
        before = await self.counts()
        response = await deliver(self.client, self.saleor, event, payload)
        assert response.status_code < 500, (response.status_code, response.text[:300])
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/json")
            assert await self.counts() == before, "a refused body changed something"


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_mutated_order_deliveries_never_fail_the_server(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database, data: st.DataObject
) -> None:
    deliveries = _Deliveries(client, installed, database)
    body = order_body(installed, order_id=f"T3JkZXI6{data.draw(st.integers(1, 10**6))}")
    path = data.draw(st.sampled_from(_paths(body)))
    mutated = _set(body, path, data.draw(hostile_value), delete=data.draw(st.booleans()))
    event = data.draw(st.sampled_from(["ORDER_FULLY_PAID", "ORDER_REFUNDED", "ORDER_CANCELLED"]))
    await deliveries.check(event, mutated)
    assert await find_problems(database) == []


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_mutated_customer_and_checkout_deliveries_never_fail_the_server(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database, data: st.DataObject
) -> None:
    deliveries = _Deliveries(client, installed, database)
    event, body = data.draw(
        st.sampled_from(
            [
                ("CUSTOMER_CREATED", customer_body(installed)),
                ("CUSTOMER_DELETED", customer_body(installed)),
                (
                    "CHECKOUT_UPDATED",
                    {**installed.event_meta(), "checkout": {"id": "Q2hlY2tvdXQ6MQ==", "voucherCode": None}},
                ),
            ]
        )
    )
    path = data.draw(st.sampled_from(_paths(body)))
    await deliveries.check(event, _set(body, path, data.draw(hostile_value), delete=data.draw(st.booleans())))


async def test_raw_bodies_saleor_never_sends(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    deliveries = _Deliveries(client, installed, database)
    valid = json.dumps(order_body(installed)).encode()
    for raw in (
        b"[" * 100_000 + b"]" * 100_000,  # nesting far beyond the parser's recursion
        b'{"a": ' * 5000 + b"1" + b"}" * 5000,
        valid.replace(b'"amount": 24.0', b'"amount": NaN', 1),
        valid.replace(b'"amount": 24.0', b'"amount": Infinity', 1),
        valid.replace(b'"amount": 24.0', b'"amount": 1e400', 1),
        valid.replace(b'"amount": 24.0', b'"amount": 1' + b"0" * 5000, 1),
        valid.replace(b'"number": "21"', b'"number": "2\\u00001"', 1),
        b"\xff\xfe{}",
        b"",
        b"null",
        b'"a string"',
        b'{"data": {"x": 1}}',
    ):
        await deliveries.check("ORDER_FULLY_PAID", raw)


async def test_an_order_never_earns_more_than_its_total(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    """A 121 USD order whose lines claim 10^11 earns on 121 at most."""
    body = order_body(installed)
    body["order"]["lines"][0]["totalPrice"]["net"]["amount"] = 1e11
    body["order"]["lines"][0]["totalPrice"]["gross"]["amount"] = 1e11
    body["order"]["total"]["gross"]["amount"] = 121.0
    response = await deliver(client, installed, "ORDER_FULLY_PAID", body)
    assert response.status_code == 200
    async with database.transaction() as session:
        order = (await session.execute(sa.select(Order))).scalar_one()
    assert order.points_earned <= 121
    assert order.earn_explanation is not None and "capped_to_order_total" in order.earn_explanation
