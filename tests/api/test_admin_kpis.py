"""KPIs over a small store whose figures are worked out by hand below, and their CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.db import utcnow
from tests.factories import JANE_ID, Line, customer_body, order_body
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver, staff_headers

KPIS = "/api/admin/kpis"
BO = ("VXNlcjoyMDA=", "bo@example.com")


def placed_now(body: dict[str, Any]) -> dict[str, Any]:
    body["order"]["created"] = utcnow().isoformat()
    return body


async def store(client: httpx.AsyncClient, saleor: FakeSaleor) -> None:
    """Jane (member): 100 + 50 USD. Bo (member): 300 SEK at 0.1 points per SEK, points worth 0.10 SEK.
    An order with no customer at all: 80 USD (a non-member). One cancelled order that must not count."""
    rule = {"currency": "SEK", "points_per_unit": "0.1", "point_value": "0.1"}
    response = await client.put(
        "/api/admin/program/channels/sweden", json=rule, headers=staff_headers(saleor)
    )
    assert response.status_code == 200
    await deliver(client, saleor, "CUSTOMER_CREATED", customer_body(saleor))
    for order_id, amount in (("T3JkZXI6MQ==", 100), ("T3JkZXI6Mg==", 50)):
        body = placed_now(order_body(saleor, order_id=order_id, lines=[Line(amount)]))
        await deliver(client, saleor, "ORDER_FULLY_PAID", body)
    bo = placed_now(
        order_body(
            saleor,
            order_id="T3JkZXI6Mw==",
            user=BO,
            email=BO[1],
            channel=("sweden", "SEK"),
            lines=[Line(300)],
        )
    )
    await deliver(client, saleor, "ORDER_FULLY_PAID", bo)
    anonymous = placed_now(
        order_body(saleor, order_id="T3JkZXI6NA==", user=None, email=None, lines=[Line(80)])
    )
    await deliver(client, saleor, "ORDER_FULLY_PAID", anonymous)
    cancelled = placed_now(
        order_body(
            saleor, order_id="T3JkZXI6NQ==", lines=[Line(999)], status="CANCELED", charge_status="NONE"
        )
    )
    await deliver(client, saleor, "ORDER_CANCELLED", cancelled)


async def test_kpis_of_a_small_store(client: httpx.AsyncClient, installed: FakeSaleor) -> None:
    await store(client, installed)
    response = await client.get(KPIS, headers=staff_headers(installed))
    assert response.status_code == 200, response.text
    kpis = response.json()
    assert (kpis["members"], kpis["members_enrolled"], kpis["new_members"], kpis["active_members"]) == (
        2,
        2,
        2,
        2,
    )
    assert Decimal(kpis["enrolment_rate"]) == 1
    assert kpis["points_issued"] == 150 + 30
    assert (kpis["points_redeemed"], kpis["points_reversed"], kpis["points_expired"]) == (0, 0, 0)
    assert kpis["liability_points"] == 180
    assert Decimal(kpis["repeat_purchase_rate"]) == Decimal("0.5")  # Jane bought twice, Bo once
    assert kpis["retention_rate"] is None  # nobody was active in the period before
    figures = {row["currency"]: row for row in kpis["currencies"]}
    usd, sek = figures["USD"], figures["SEK"]
    assert (usd["orders_members"], usd["orders_others"]) == (2, 1)
    assert Decimal(usd["aov_members"]) == Decimal("75.00")
    assert Decimal(usd["aov_others"]) == Decimal("80.00")
    assert Decimal(usd["spend_per_member"]) == Decimal("150.00")
    assert Decimal(usd["liability"]) == Decimal("1.80")  # 180 points x 0.01 USD
    assert Decimal(sek["aov_members"]) == Decimal("300.00")
    assert Decimal(sek["liability"]) == Decimal("18.00")  # 180 points x 0.10 SEK
    today = {row["day"]: row for row in kpis["daily"]}[utcnow().date().isoformat()]
    assert (
        today["points_issued"],
        today["orders_members"],
        today["orders_others"],
        today["new_members"],
    ) == (
        180,
        3,
        1,
        2,
    )
    assert len(kpis["daily"]) == 30


async def test_a_past_period_has_no_activity_but_keeps_the_liability(
    client: httpx.AsyncClient, installed: FakeSaleor
) -> None:
    await store(client, installed)
    long_ago = utcnow().date() - timedelta(days=400)
    response = await client.get(
        KPIS,
        params={"from": long_ago.isoformat(), "to": (long_ago + timedelta(days=6)).isoformat()},
        headers=staff_headers(installed),
    )
    kpis = response.json()
    assert (kpis["points_issued"], kpis["active_members"], kpis["new_members"]) == (0, 0, 0)
    assert kpis["liability_points"] == 180
    assert len(kpis["daily"]) == 7


@pytest.mark.parametrize(
    ("section", "first_column"),
    [("summary", "kpi"), ("daily", "day"), ("currencies", "currency"), ("rewards", None)],
)
async def test_csv_exports(
    client: httpx.AsyncClient, installed: FakeSaleor, section: str, first_column: str | None
) -> None:
    await store(client, installed)
    response = await client.get(f"{KPIS}.csv", params={"section": section}, headers=staff_headers(installed))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f"lojal-{section}-" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    if first_column is None:
        assert rows == []  # no rewards yet
        return
    assert next(iter(rows[0])) == first_column
    if section == "summary":
        assert {row["kpi"]: row["value"] for row in rows}["points_issued"] == "180"


@pytest.mark.parametrize(
    "params",
    [{"from": "2026-11-10", "to": "2026-11-01"}, {"from": "2020-01-01", "to": "2026-01-01"}, {"from": "x"}],
)
async def test_bad_periods(client: httpx.AsyncClient, installed: FakeSaleor, params: dict[str, str]) -> None:
    response = await client.get(KPIS, params=params, headers=staff_headers(installed))
    assert response.status_code in (400, 422)
    assert "error" in response.json()


async def test_kpis_need_a_staff_token_and_stay_in_their_store(
    client: httpx.AsyncClient, installed: FakeSaleor, installed_other: FakeSaleor
) -> None:
    await store(client, installed)
    assert (await client.get(KPIS, headers={"saleor-api-url": installed.api_url})).status_code == 401
    weak = staff_headers(installed, user_permissions=["MANAGE_ORDERS"])
    assert (await client.get(KPIS, headers=weak)).status_code == 403
    theirs = (await client.get(KPIS, headers=staff_headers(installed_other))).json()
    assert (theirs["members"], theirs["points_issued"], theirs["currencies"]) == (0, 0, [])
    assert JANE_ID  # Jane's data stayed in store A
