"""Redemptions racing each other: one shopper spending the same points on many checkouts at once, many
attempts on one checkout, and many shoppers after the last codes of a partner reward. The member's and
the reward's row locks (PostgreSQL) or the single writer (SQLite) must let exactly the right ones through."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from app.db import Database
from app.jobs.doctor import find_problems
from tests.fake_saleor import FakeSaleor
from tests.fake_saleor.saleor import global_id
from tests.helpers import shopper_headers, staff_headers
from tests.redemption.conftest import Worker, give_points, holds, points
from tests.redemption.test_paths import redeem, redemptions_url

PARALLEL = 16


def lojal_vouchers(saleor: FakeSaleor) -> list[dict[str, Any]]:
    return [v for v in saleor.vouchers.values() if any(c.startswith("LOJAL-") for c in v["codes"])]


def lojal_code(saleor: FakeSaleor, checkout_id: str) -> str | None:
    code = saleor.checkout(checkout_id).voucher_code
    return code if code is not None and code.startswith("LOJAL-") else None


@pytest.fixture
async def unlimited(client: httpx.AsyncClient, installed: FakeSaleor) -> FakeSaleor:
    """No rate limit in the way: these tests are about locks, not about abuse."""
    response = await client.put(
        "/api/admin/program", json={"redeem_attempts_per_10_minutes": 1000}, headers=staff_headers(installed)
    )
    assert response.status_code == 200, response.text
    return installed


async def test_one_shopper_spending_the_same_points_on_many_checkouts_at_once(
    client: httpx.AsyncClient, unlimited: FakeSaleor, database: Database, worker: Worker
) -> None:
    saleor = unlimited
    balance, each = 1000, 150  # 1.50 USD off each 53.18 checkout; the balance pays for 6
    await give_points(client, saleor, balance)
    checkouts = [saleor.add_checkout() for _ in range(PARALLEL)]

    responses = await asyncio.gather(*(redeem(client, saleor, c, points=each) for c in checkouts))

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: balance // each, 409: PARALLEL - balance // each}, [r.text for r in responses]
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {body["error"] for body in refused} == {"insufficient_points"}
    assert all(0 <= body["points_available"] < each for body in refused)
    won = [r.json()["redemption"] for r in responses if r.status_code == 201]
    state = await points(client, saleor)
    assert state["held"] == sum(r["points"] for r in won) == each * len(won)
    assert state["available"] == balance - each * len(won) >= 0
    assert len(lojal_vouchers(saleor)) == len(won)
    for checkout_id, response in zip(checkouts, responses, strict=True):
        assert (lojal_code(saleor, checkout_id) is not None) == (response.status_code == 201)
    assert sorted(h.status for h in await holds(database)) == ["open"] * len(won)
    assert await find_problems(database) == []
    await worker.drain()
    assert await find_problems(database) == []


async def test_uneven_amounts_never_overdraw(
    client: httpx.AsyncClient, unlimited: FakeSaleor, database: Database
) -> None:
    saleor = unlimited
    balance = 1000
    await give_points(client, saleor, balance)
    asked = [100, 250, 400, 150, 300, 200, 350, 120, 180, 260, 330, 110]
    checkouts = [saleor.add_checkout() for _ in asked]

    responses = await asyncio.gather(
        *(redeem(client, saleor, c, points=p) for c, p in zip(checkouts, asked, strict=True))
    )

    assert {r.status_code for r in responses} <= {201, 409}
    won = sum(p for p, r in zip(asked, responses, strict=True) if r.status_code == 201)
    assert 0 < won <= balance
    # Every refusal was right when it was decided: what was left could not pay for it.
    left = balance - won
    for p, r in zip(asked, responses, strict=True):
        if r.status_code == 409:
            assert r.json()["error"] == "insufficient_points"
            assert p > r.json()["points_available"] >= left
    state = await points(client, saleor)
    assert (state["available"], state["held"]) == (balance - won, won)
    assert len(lojal_vouchers(saleor)) == sum(r.status_code == 201 for r in responses)
    assert await find_problems(database) == []


async def test_many_redemptions_on_the_same_checkout_at_once_only_one_wins(
    client: httpx.AsyncClient, unlimited: FakeSaleor, database: Database
) -> None:
    saleor = unlimited
    await give_points(client, saleor, 10_000)
    checkout_id = saleor.add_checkout()

    responses = await asyncio.gather(
        *(redeem(client, saleor, checkout_id, points=300) for _ in range(PARALLEL))
    )

    assert Counter(r.status_code for r in responses) == {201: 1, 409: PARALLEL - 1}
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {"checkout_has_discount"}
    [winner] = [r.json() for r in responses if r.status_code == 201]
    state = await points(client, saleor)
    assert (state["available"], state["held"]) == (10_000 - 300, 300)
    [voucher] = lojal_vouchers(saleor)
    assert voucher["metadata"]["lojal.hold"] == str(winner["redemption"]["id"])
    assert lojal_code(saleor, checkout_id) in voucher["codes"]
    listed = await client.get(redemptions_url(checkout_id), headers=shopper_headers(saleor))
    assert [r["id"] for r in listed.json()["redemptions"]] == [winner["redemption"]["id"]]
    assert await find_problems(database) == []


async def test_many_shoppers_after_the_last_partner_codes(
    client: httpx.AsyncClient, unlimited: FakeSaleor, database: Database
) -> None:
    saleor = unlimited
    codes = [f"PARTNER-{n}" for n in range(5)]
    shoppers = [(global_id("User", 100 + n), f"shopper{n}@example.com") for n in range(len(codes) + 3)]
    for n, shopper in enumerate(shoppers):
        await give_points(client, saleor, 300, order_id=global_id("Order", 500 + n), user=shopper)
    reward = await client.post(
        "/api/admin/rewards",
        json={"name": "Cinema ticket", "kind": "partner", "points_cost": 200},
        headers=staff_headers(saleor),
    )
    assert reward.status_code == 201, reward.text
    reward_id = reward.json()["id"]
    uploaded = await client.post(
        f"/api/admin/rewards/{reward_id}/codes", json={"codes": codes}, headers=staff_headers(saleor)
    )
    assert uploaded.json()["codes_free"] == len(codes)
    checkouts = [saleor.add_checkout(user=shopper) for shopper in shoppers]

    responses = await asyncio.gather(
        *(
            client.post(
                redemptions_url(checkout_id),
                json={"reward_id": reward_id},
                headers=shopper_headers(saleor, *shopper),
            )
            for checkout_id, shopper in zip(checkouts, shoppers, strict=True)
        )
    )

    assert Counter(r.status_code for r in responses) == {201: len(codes), 409: 3}, [r.text for r in responses]
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {"reward_unavailable"}
    handed = [r.json()["redemption"]["partner_code"] for r in responses if r.status_code == 201]
    assert sorted(handed) == sorted(codes)  # each code once, none twice
    for shopper, response in zip(shoppers, responses, strict=True):
        state = await points(client, saleor, *shopper)
        spent = 200 if response.status_code == 201 else 0
        assert (state["available"], state["held"], state["lifetime_redeemed"]) == (300 - spent, 0, spent)
    pool = await client.get(f"/api/admin/rewards/{reward_id}", headers=staff_headers(saleor))
    assert (pool.json()["codes_total"], pool.json()["codes_free"]) == (len(codes), 0)
    assert sorted(h.status for h in await holds(database)) == ["committed"] * len(codes)
    assert lojal_vouchers(saleor) == []
    assert await find_problems(database) == []


async def test_stock_is_never_oversold(
    client: httpx.AsyncClient, unlimited: FakeSaleor, database: Database
) -> None:
    saleor = unlimited
    await give_points(client, saleor, 10_000)
    reward = await client.post(
        "/api/admin/rewards",
        json={
            "name": "5 off",
            "kind": "fixed_amount",
            "points_cost": 100,
            "amounts": {"USD": "5.00"},
            "stock": 4,
        },
        headers=staff_headers(saleor),
    )
    reward_id = reward.json()["id"]
    checkouts = [saleor.add_checkout() for _ in range(12)]

    responses = await asyncio.gather(*(redeem(client, saleor, c, reward_id=reward_id) for c in checkouts))

    assert Counter(r.status_code for r in responses) == {201: 4, 409: 8}
    assert {r.json()["error"] for r in responses if r.status_code == 409} == {"reward_unavailable"}
    stock = await client.get(f"/api/admin/rewards/{reward_id}", headers=staff_headers(saleor))
    assert stock.json()["stock"] == 0
    assert len(lojal_vouchers(saleor)) == 4
    assert (await points(client, saleor))["held"] == 400
    assert await find_problems(database) == []
