"""The full paths of a redemption: redeem → order → committed; redeem → undone → released;
redeem → abandoned → swept; and what orders do to spent points afterwards."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from app import clock
from app.db import Database
from app.jobs.doctor import find_problems
from tests.factories import JANE_ID
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver, shopper_headers
from tests.redemption.conftest import Worker, give_points, holds, our_vouchers, points

OTHER = ("VXNlcjo5OQ==", "other@example.com")


def redemptions_url(checkout_id: str) -> str:
    return f"/api/storefront/checkouts/{checkout_id}/redemptions"


async def redeem(
    client: httpx.AsyncClient, saleor: FakeSaleor, checkout_id: str, **body: object
) -> httpx.Response:
    return await client.post(redemptions_url(checkout_id), json=body, headers=shopper_headers(saleor))


class TestRedeemAndOrder:
    async def test_redeem_then_order_commits_and_deletes_the_voucher(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database, worker: Worker
    ) -> None:
        await give_points(client, installed, 2000)
        checkout_id = installed.add_checkout()  # 53.18 USD, README's checkout
        response = await redeem(client, installed, checkout_id, points=500)
        assert response.status_code == 201, response.text
        body = response.json()
        # 500 points at 0.01 USD = 5.00 off, applied by Saleor's own promo-code mutation.
        assert body["redemption"]["status"] == "open"
        assert body["redemption"]["points"] == 500
        assert Decimal(body["redemption"]["discount"]["amount"]) == Decimal("5.00")
        assert Decimal(body["checkout"]["total"]["amount"]) == Decimal("48.18")
        assert body["checkout"]["has_loyalty_discount"] is True
        assert await points(client, installed) == {
            "available": 1500,
            "pending": 0,
            "held": 500,
            "lifetime_earned": 2000,
            "lifetime_redeemed": 500,
        }
        [voucher] = our_vouchers(installed)
        [code] = voucher["codes"]
        assert code.startswith("LOJAL-") and len(code) == 25
        assert voucher["singleUse"] is True and voucher["usageLimit"] == 1
        assert voucher["metadata"]["lojal.hold"] == str(body["redemption"]["id"])
        assert installed.checkout(checkout_id).voucher_code == code

        order = installed.complete_checkout(checkout_id)
        for event in ("ORDER_CREATED", "ORDER_FULLY_PAID", "ORDER_FULLY_PAID"):
            assert (await deliver(client, installed, event, order)).status_code == 200
        [hold] = await holds(database)
        assert (hold.status, hold.points_committed, hold.saleor_order_id) == (
            "committed",
            500,
            order["order"]["id"],
        )
        assert hold.flagged_reason is None
        state = await points(client, installed)
        assert (state["available"], state["held"], state["lifetime_redeemed"]) == (1500, 0, 500)
        assert state["pending"] == 48  # the order itself earns on what was paid: 48.18 → 48
        await worker.drain()
        assert our_vouchers(installed) == []
        assert await find_problems(database) == []

    async def test_flexible_points_hold_only_what_saleor_actually_gives(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await give_points(client, installed, 5000)
        put = await client.put(
            "/api/admin/program",
            json={"redeem_max_share_percent": 100},
            headers={
                "authorization-bearer": installed.dashboard_token(),
                "saleor-api-url": installed.api_url,
            },
        )
        assert put.status_code == 200
        checkout_id = installed.add_checkout(lines=[("UHJvZHVjdFZhcmlhbnQ6MQ==", 1, "10.00")])
        response = await redeem(client, installed, checkout_id, points=1000)
        assert response.status_code == 201, response.text
        assert response.json()["redemption"]["points"] == 1000
        assert Decimal(response.json()["checkout"]["total"]["amount"]) == Decimal("0.00")

    async def test_order_cancelled_after_commit_gives_points_back(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await give_points(client, installed, 1000)
        checkout_id = installed.add_checkout()
        assert (await redeem(client, installed, checkout_id, points=300)).status_code == 201
        order = installed.complete_checkout(checkout_id)
        await deliver(client, installed, "ORDER_CREATED", order)
        assert (await points(client, installed))["available"] == 700
        cancelled = {**order, "order": {**order["order"], "status": "CANCELED"}}
        for _ in range(2):
            assert (await deliver(client, installed, "ORDER_CANCELLED", cancelled)).status_code == 200
        state = await points(client, installed)
        assert (state["available"], state["held"], state["lifetime_redeemed"]) == (1000, 0, 0)
        [hold] = await holds(database)
        assert hold.status == "returned"
        assert await find_problems(database) == []

    async def test_code_on_another_customers_order_is_flagged(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await give_points(client, installed, 1000)
        checkout_id = installed.add_checkout()
        assert (await redeem(client, installed, checkout_id, points=300)).status_code == 201
        order = installed.complete_checkout(checkout_id)
        order["order"]["user"] = {"id": OTHER[0], "email": OTHER[1]}
        order["order"]["userEmail"] = OTHER[1]
        assert (await deliver(client, installed, "ORDER_FULLY_PAID", order)).status_code == 200
        [hold] = await holds(database)
        assert hold.status == "committed"  # the discount was given, so Jane's points paid for it
        assert hold.flagged_reason == "our code was used on another customer's order"


class TestUndo:
    async def test_undo_removes_the_discount_and_releases_the_points(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database, worker: Worker
    ) -> None:
        await give_points(client, installed, 1000)
        checkout_id = installed.add_checkout()
        redemption = (await redeem(client, installed, checkout_id, points=400)).json()["redemption"]
        listed = await client.get(redemptions_url(checkout_id), headers=shopper_headers(installed))
        assert [r["id"] for r in listed.json()["redemptions"]] == [redemption["id"]]
        response = await client.delete(
            f"{redemptions_url(checkout_id)}/{redemption['id']}", headers=shopper_headers(installed)
        )
        assert response.status_code == 200, response.text
        assert response.json()["redemption"]["status"] == "released"
        assert Decimal(response.json()["checkout"]["total"]["amount"]) == Decimal("53.18")
        assert installed.checkout(checkout_id).voucher_code is None
        assert our_vouchers(installed) == []  # deleted at once
        state = await points(client, installed)
        assert (state["available"], state["held"], state["lifetime_redeemed"]) == (1000, 0, 0)
        again = await client.delete(
            f"{redemptions_url(checkout_id)}/{redemption['id']}", headers=shopper_headers(installed)
        )
        assert again.status_code == 409
        await worker.drain()
        assert await find_problems(database) == []

    async def test_undo_of_someone_elses_redemption_is_404(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await give_points(client, installed, 1000)
        checkout_id = installed.add_checkout()
        redemption = (await redeem(client, installed, checkout_id, points=400)).json()["redemption"]
        response = await client.delete(
            f"{redemptions_url(checkout_id)}/{redemption['id']}", headers=shopper_headers(installed, *OTHER)
        )
        assert response.status_code == 404
        assert (await points(client, installed))["held"] == 400

    async def test_undo_when_saleor_cannot_remove_the_code_changes_nothing(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await give_points(client, installed, 1000)
        checkout_id = installed.add_checkout()
        redemption = (await redeem(client, installed, checkout_id, points=400)).json()["redemption"]
        installed.fail_operations["LojalCheckoutRemovePromoCode"] = 1
        response = await client.delete(
            f"{redemptions_url(checkout_id)}/{redemption['id']}", headers=shopper_headers(installed)
        )
        assert response.status_code == 502
        assert (await points(client, installed))["held"] == 400  # the code still discounts: still held
        assert installed.checkout(checkout_id).voucher_code is not None


class TestAbandoned:
    async def test_abandoned_checkout_is_swept_after_the_hold_time(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database, worker: Worker
    ) -> None:
        await give_points(client, installed, 1000)
        checkout_id = installed.add_checkout()
        assert (await redeem(client, installed, checkout_id, points=500)).status_code == 201
        clock.travel(timedelta(hours=23))
        assert (await worker.jobs())["holds_released"] == 0
        clock.travel(timedelta(hours=2))
        report = await worker.jobs()
        assert report["holds_released"] == 1
        await worker.drain()
        assert our_vouchers(installed) == []
        assert installed.checkout(checkout_id).voucher_code is None
        state = await points(client, installed)
        assert (state["available"], state["held"]) == (1000, 0)
        [hold] = await holds(database)
        assert (hold.status, hold.end_reason) == ("released", "checkout not completed in time")
        assert await find_problems(database) == []

    async def test_code_removed_in_the_storefront_releases_after_saleor_confirms(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database, worker: Worker
    ) -> None:
        await give_points(client, installed, 1000)
        checkout_id = installed.add_checkout()
        assert (await redeem(client, installed, checkout_id, points=500)).status_code == 201
        # A stale CHECKOUT_UPDATED (rendered before our code was applied) must not release anything.
        stale = {**installed.event_meta(), "checkout": {"id": checkout_id, "voucherCode": None, "user": None}}
        assert (await deliver(client, installed, "CHECKOUT_UPDATED", stale)).status_code == 200
        await worker.drain()
        assert (await points(client, installed))["held"] == 500
        # The shopper really replaces our code with their own: then it is released.
        installed.add_voucher("SHOP-10", value="10.00")
        assert installed.add_promo_code(checkout_id, "SHOP-10") == []
        fresh = {
            **installed.event_meta(),
            "checkout": {"id": checkout_id, "voucherCode": "SHOP-10", "user": None},
        }
        assert (await deliver(client, installed, "CHECKOUT_UPDATED", fresh)).status_code == 200
        await worker.drain()
        state = await points(client, installed)
        assert (state["available"], state["held"]) == (1000, 0)
        assert our_vouchers(installed) == []
        assert installed.checkout(checkout_id).voucher_code == "SHOP-10"  # theirs stays


class TestRefusals:
    async def test_someone_elses_checkout_is_403_and_nothing_is_held(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await give_points(client, installed, 1000)
        theirs = installed.add_checkout(user=OTHER)
        response = await redeem(client, installed, theirs, points=500)
        assert response.status_code == 403
        assert response.json()["error"] == "foreign_checkout"
        guest = installed.add_checkout(user=None, email="jane.loyal@example.com")
        assert (await redeem(client, installed, guest, points=500)).status_code == 403
        assert await holds(database) == []
        assert our_vouchers(installed) == []
        assert (await points(client, installed))["available"] == 1000

    async def test_unknown_checkout_is_404(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        await give_points(client, installed, 1000)
        assert (await redeem(client, installed, "Q2hlY2tvdXQ6bm9wZQ==", points=500)).status_code == 404

    async def test_overdraw_is_409(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await give_points(client, installed, 300)
        checkout_id = installed.add_checkout()
        response = await redeem(client, installed, checkout_id, points=400)
        assert response.status_code == 409
        assert response.json()["error"] == "insufficient_points"
        assert response.json()["points_available"] == 300
        assert our_vouchers(installed) == []

    async def test_pending_points_cannot_be_spent(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        await give_points(client, installed, 1000)
        body = {**installed.event_meta()}
        from tests.factories import Line, order_body

        body = order_body(installed, order_id="T3JkZXI6Mg==", number="2", lines=[Line(800)])
        await deliver(client, installed, "ORDER_FULLY_PAID", body)  # 800 more, still in the return window
        checkout_id = installed.add_checkout(lines=[("UHJvZHVjdFZhcmlhbnQ6MQ==", 1, "100.00")])
        assert (await redeem(client, installed, checkout_id, points=1500)).status_code == 409

    @pytest.mark.parametrize(
        ("points_asked", "error", "detail"),
        [(50, "invalid_redemption", "at least 100"), (3000, "invalid_redemption", "at most 2659 points")],
    )
    async def test_minimum_and_cap(
        self, client: httpx.AsyncClient, installed: FakeSaleor, points_asked: int, error: str, detail: str
    ) -> None:
        await give_points(client, installed, 5000)
        checkout_id = installed.add_checkout()  # 53.18: at most 50% = 26.59 USD = 2659 points
        response = await redeem(client, installed, checkout_id, points=points_asked)
        assert response.status_code == 422
        assert response.json()["error"] == error
        assert detail in response.json()["detail"]
        assert our_vouchers(installed) == []

    async def test_one_loyalty_discount_per_checkout(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await give_points(client, installed, 2000)
        checkout_id = installed.add_checkout()
        assert (await redeem(client, installed, checkout_id, points=300)).status_code == 201
        second = await redeem(client, installed, checkout_id, points=300)
        assert second.status_code == 409
        assert second.json()["error"] == "checkout_has_discount"
        assert len(our_vouchers(installed)) == 1
        assert (await points(client, installed))["held"] == 300

    async def test_checkout_with_the_shoppers_own_code_is_left_alone(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        await give_points(client, installed, 2000)
        checkout_id = installed.add_checkout()
        installed.add_voucher("WELCOME5", value="5.00")
        assert installed.add_promo_code(checkout_id, "WELCOME5") == []
        response = await redeem(client, installed, checkout_id, points=300)
        assert response.status_code == 409
        assert installed.checkout(checkout_id).voucher_code == "WELCOME5"

    async def test_bad_body(self, client: httpx.AsyncClient, installed: FakeSaleor) -> None:
        checkout_id = installed.add_checkout()
        for body in ({}, {"points": 100, "reward_id": 1}, {"points": -5}, {"points": "many"}):
            response = await client.post(
                redemptions_url(checkout_id), json=body, headers=shopper_headers(installed)
            )
            assert response.status_code == 422, body

    async def test_attempts_are_rate_limited(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await give_points(client, installed, 5000)
        checkout_id = installed.add_checkout()
        statuses = []
        for _ in range(12):
            response = await redeem(client, installed, checkout_id, points=100)
            statuses.append(response.status_code)
            if response.status_code == 201:
                hold_id = response.json()["redemption"]["id"]
                await client.delete(
                    f"{redemptions_url(checkout_id)}/{hold_id}", headers=shopper_headers(installed)
                )
        assert statuses[:10] == [201] * 10
        assert statuses[10:] == [429, 429]
        clock.travel(timedelta(minutes=11))
        assert (await redeem(client, installed, checkout_id, points=100)).status_code == 201


async def test_voucher_codes_never_reach_the_logs(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database, capfd: pytest.CaptureFixture[str]
) -> None:
    await give_points(client, installed, 1000)
    checkout_id = installed.add_checkout()
    assert (await redeem(client, installed, checkout_id, points=300)).status_code == 201
    order = installed.complete_checkout(checkout_id)
    await deliver(client, installed, "ORDER_FULLY_PAID", order)
    code = order["order"]["voucherCode"]
    out, err = capfd.readouterr()
    assert "points_redeemed" in err or "hold_committed" in err or JANE_ID  # logs were captured
    assert code not in out + err


async def test_staff_see_flagged_redemptions(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    from tests.helpers import staff_headers

    await give_points(client, installed, 1000)
    checkout_id = installed.add_checkout()
    assert (await redeem(client, installed, checkout_id, points=300)).status_code == 201
    order = installed.complete_checkout(checkout_id)
    order["order"]["checkoutId"] = "Q2hlY2tvdXQ6b3RoZXI="  # the code surfaced from another checkout
    await deliver(client, installed, "ORDER_FULLY_PAID", order)
    response = await client.get(
        "/api/admin/redemptions", params={"flagged": "true"}, headers=staff_headers(installed)
    )
    assert response.status_code == 200
    [flagged] = response.json()
    assert flagged["flagged_reason"] == "our code was used from another checkout"
    assert flagged["status"] == "committed"
    clean = await client.get(
        "/api/admin/redemptions", params={"flagged": "false"}, headers=staff_headers(installed)
    )
    assert clean.json() == []
    forbidden = await client.get(
        "/api/admin/redemptions", headers=staff_headers(installed, user_permissions=[])
    )
    assert forbidden.status_code == 403


async def test_expired_unpaid_order_gives_spent_points_back(
    client: httpx.AsyncClient, installed: FakeSaleor, database: Database
) -> None:
    await give_points(client, installed, 1000)
    checkout_id = installed.add_checkout()
    assert (await redeem(client, installed, checkout_id, points=300)).status_code == 201
    order = installed.complete_checkout(checkout_id)
    order["order"]["chargeStatus"] = "NONE"
    await deliver(client, installed, "ORDER_CREATED", order)
    assert (await points(client, installed))["available"] == 700
    expired = {**order, "order": {**order["order"], "status": "EXPIRED"}}
    assert (await deliver(client, installed, "ORDER_EXPIRED", expired)).status_code == 200
    assert (await points(client, installed))["available"] == 1000
    assert await find_problems(database) == []
