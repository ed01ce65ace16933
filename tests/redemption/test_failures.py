"""Saleor failing in the middle of a redemption: at every call of the redeem path, in each way a call can
fail (HTTP 500, a timeout before Saleor acts, an answer lost after Saleor acted), while refusing the code,
during undo, and inside the worker's clean-up. Whatever happens the shopper gets a clean JSON error, no
point is lost, the books balance, and once the worker has run no LOJAL- voucher or code is left behind."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app import clock
from app.db import Database
from app.jobs.doctor import find_problems
from app.outbox.models import OutboxMessage
from app.redemption.lifecycle import DELETE_VOUCHER
from app.redemption.sweeps import SWEEP_GRACE
from app.settings import Settings
from tests.fake_saleor import FakeSaleor
from tests.fake_saleor import saleor as fake_module
from tests.helpers import deliver, shopper_headers, staff_headers
from tests.redemption.conftest import Worker, give_points, holds, points
from tests.redemption.test_paths import redeem, redemptions_url

START = 1000  # points Jane can spend in every test here
ASKED = 500  # points each redemption asks for: 5.00 USD off README's 53.18 checkout

# The GraphQL operations of the redeem path, in the order Lojal sends them.
REDEEM_PATH = [
    "LojalShopperCheckout",
    "LojalVoucherCreate",
    "LojalVoucherChannelListingUpdate",
    "LojalUpdateMetadata",
    "LojalCheckoutAddPromoCode",
]
QUERIES = {"LojalShopperCheckout", "LojalVoucherSearch", "LojalVouchers"}

# How a call fails: the fake's counter for it.
MODES = {
    "http_500": "fail_operations",  # Saleor answers 500, nothing done
    "timeout": "timeout_operations",  # the request times out before Saleor does anything
    "lost_response": "lose_response_operations",  # Saleor acts, then the answer is lost
}


def inject(saleor: FakeSaleor, settings: Settings, operation: str, mode: str) -> None:
    """Make the next call of `operation` fail in `mode`; queries are retried by Lojal's client, so
    every attempt of a query fails."""
    attempts = 1 + settings.saleor_query_retries if operation in QUERIES else 1
    counters: dict[str, int] = getattr(saleor, MODES[mode])
    counters[operation] = counters.get(operation, 0) + attempts


def lojal_vouchers(saleor: FakeSaleor) -> list[dict[str, Any]]:
    """Every voucher carrying one of our codes, tagged by metadata or not."""
    return [
        voucher
        for voucher in saleor.vouchers.values()
        if any(code.startswith("LOJAL-") for code in voucher["codes"])
    ]


def lojal_code_on(saleor: FakeSaleor, checkout_id: str) -> str | None:
    code = saleor.checkout(checkout_id).voucher_code
    return code if code is not None and code.startswith("LOJAL-") else None


def assert_json_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == error


async def assert_points(client: httpx.AsyncClient, saleor: FakeSaleor, *, available: int, held: int) -> None:
    state = await points(client, saleor)
    assert (state["available"], state["held"]) == (available, held), state


async def run_worker_past_the_sweep(worker: Worker) -> None:
    """The outbox, then the scheduled jobs once every hold has expired and the sweep's grace is over."""
    await worker.drain()
    clock.travel(timedelta(days=1) + SWEEP_GRACE + timedelta(minutes=5))
    await worker.jobs()
    await worker.drain()


async def delete_voucher_messages(database: Database) -> list[OutboxMessage]:
    async with database.transaction() as session:
        rows = await session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.kind == DELETE_VOUCHER).order_by(OutboxMessage.id)
        )
        return list(rows.scalars())


async def undo(
    client: httpx.AsyncClient, saleor: FakeSaleor, checkout_id: str, hold_id: int
) -> httpx.Response:
    return await client.delete(f"{redemptions_url(checkout_id)}/{hold_id}", headers=shopper_headers(saleor))


class TestRedeemPathFailures:
    @pytest.mark.parametrize("mode", list(MODES))
    @pytest.mark.parametrize("operation", REDEEM_PATH)
    async def test_failure_at_each_call_loses_nothing_and_leaves_nothing(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        worker: Worker,
        settings: Settings,
        operation: str,
        mode: str,
    ) -> None:
        await give_points(client, installed, START)
        checkout_id = installed.add_checkout()
        inject(installed, settings, operation, mode)

        response = await redeem(client, installed, checkout_id, points=ASKED)

        assert_json_error(response, 502, "saleor_unavailable")
        assert [name for name, _ in installed.calls].count(operation) >= 1  # the failure was met
        await assert_points(client, installed, available=START, held=0)
        assert await find_problems(database) == []
        held = await holds(database)
        if operation == "LojalShopperCheckout":
            assert held == []  # nothing reserved before Saleor told us about the checkout
        else:
            [hold] = held
            assert hold.status == "released"
            assert hold.end_reason is not None and hold.end_reason.startswith("discount not created")

        await worker.drain()
        assert lojal_vouchers(installed) == []  # gone without waiting for the sweep
        await run_worker_past_the_sweep(worker)
        assert lojal_vouchers(installed) == []
        await assert_points(client, installed, available=START, held=0)
        assert await find_problems(database) == []
        # Last: the checkout itself must be usable again, also when Saleor's answer to applying was lost.
        assert lojal_code_on(installed, checkout_id) is None
        assert installed.checkout(checkout_id).discount == Decimal(0)
        retry = await redeem(client, installed, checkout_id, points=ASKED)
        assert retry.status_code == 201, retry.text

    @pytest.mark.parametrize("mode", list(MODES))
    async def test_immediate_voucher_deletion_failing_too_is_finished_by_the_worker(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        worker: Worker,
        settings: Settings,
        mode: str,
    ) -> None:
        """The tag write fails (the voucher exists and Lojal knows its id), then so does the delete."""
        await give_points(client, installed, START)
        checkout_id = installed.add_checkout()
        inject(installed, settings, "LojalUpdateMetadata", "http_500")
        inject(installed, settings, "LojalVoucherDelete", mode)

        response = await redeem(client, installed, checkout_id, points=ASKED)

        assert_json_error(response, 502, "saleor_unavailable")
        await assert_points(client, installed, available=START, held=0)
        if mode != "lost_response":
            assert len(lojal_vouchers(installed)) == 1  # the outbox still owes its deletion
        await worker.drain()
        assert lojal_vouchers(installed) == []
        assert lojal_code_on(installed, checkout_id) is None
        assert await find_problems(database) == []

    async def test_lost_voucher_create_answer_is_found_by_code_and_deleted(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        worker: Worker,
        settings: Settings,
    ) -> None:
        """Saleor made the voucher but Lojal never learnt its id: it is untagged, so only the outbox's
        search by code can find it (the sweep looks for tagged vouchers)."""
        await give_points(client, installed, START)
        checkout_id = installed.add_checkout()
        inject(installed, settings, "LojalVoucherCreate", "lost_response")
        assert (await redeem(client, installed, checkout_id, points=ASKED)).status_code == 502
        [orphan] = lojal_vouchers(installed)
        assert orphan["metadata"] == {}  # untagged
        [hold] = await holds(database)
        assert hold.voucher_id is None
        await worker.drain()
        assert lojal_vouchers(installed) == []
        assert "LojalVoucherSearch" in [name for name, _ in installed.calls]
        assert await find_problems(database) == []


class TestSaleorRefusesTheCode:
    async def test_code_invalid_in_the_checkouts_channel_is_409_and_nothing_is_held(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        worker: Worker,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The channel listing does not take (as if written for another channel): Saleor then answers
        checkoutAddPromoCode with INVALID (PLATFORM.md §5.1)."""
        original = fake_module.GRAPHQL_HANDLERS["LojalVoucherChannelListingUpdate"]

        def listing_not_kept(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
            answer = original(fake, args, as_app)
            fake.vouchers[args["id"]]["channelListings"].clear()
            return answer

        monkeypatch.setitem(
            fake_module.GRAPHQL_HANDLERS, "LojalVoucherChannelListingUpdate", listing_not_kept
        )
        await give_points(client, installed, START)
        checkout_id = installed.add_checkout()

        response = await redeem(client, installed, checkout_id, points=ASKED)

        assert_json_error(response, 409, "discount_refused")
        assert "invalid" in response.json()["detail"].lower()
        await assert_points(client, installed, available=START, held=0)
        [hold] = await holds(database)
        assert hold.status == "released"
        assert lojal_vouchers(installed) == []  # deleted at once
        assert lojal_code_on(installed, checkout_id) is None
        await run_worker_past_the_sweep(worker)
        assert lojal_vouchers(installed) == []
        assert await find_problems(database) == []

    async def test_voucher_not_applicable_is_409_and_the_reward_stock_comes_back(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database, worker: Worker
    ) -> None:
        """Free shipping on a checkout without a delivery method: Saleor says VOUCHER_NOT_APPLICABLE."""
        await give_points(client, installed, START)
        created = await client.post(
            "/api/admin/rewards",
            json={"name": "Free shipping", "kind": "free_shipping", "points_cost": 300, "stock": 1},
            headers=staff_headers(installed),
        )
        assert created.status_code == 201, created.text
        reward_id = created.json()["id"]
        checkout_id = installed.add_checkout(shipping=None)

        response = await redeem(client, installed, checkout_id, reward_id=reward_id)

        assert_json_error(response, 409, "discount_refused")
        await assert_points(client, installed, available=START, held=0)
        assert lojal_vouchers(installed) == []
        reward = await client.get(
            f"/api/admin/rewards/{reward_id}",
            headers=staff_headers(installed),
        )
        assert reward.json()["stock"] == 1
        await worker.drain()
        assert await find_problems(database) == []


class TestUndoFailures:
    @pytest.mark.parametrize("then", ["shopper_retries", "sweep_releases"])
    @pytest.mark.parametrize("mode", list(MODES))
    async def test_code_removal_failing_keeps_the_points_held_until_it_is_really_off(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        worker: Worker,
        settings: Settings,
        mode: str,
        then: str,
    ) -> None:
        await give_points(client, installed, START)
        checkout_id = installed.add_checkout()
        created = await redeem(client, installed, checkout_id, points=ASKED)
        assert created.status_code == 201, created.text
        hold_id = created.json()["redemption"]["id"]
        inject(installed, settings, "LojalCheckoutRemovePromoCode", mode)

        response = await undo(client, installed, checkout_id, hold_id)

        assert_json_error(response, 502, "saleor_unavailable")
        # Lojal cannot know whether the code came off: the points stay held, never returned twice.
        await assert_points(client, installed, available=START - ASKED, held=ASKED)
        [hold] = await holds(database)
        assert hold.status == "open"
        if mode == "lost_response":
            assert lojal_code_on(installed, checkout_id) is None  # Saleor did remove it
        else:
            assert lojal_code_on(installed, checkout_id) is not None
        assert await find_problems(database) == []

        if then == "shopper_retries":
            again = await undo(client, installed, checkout_id, hold_id)
            assert again.status_code == 200, again.text
            assert again.json()["redemption"]["status"] == "released"
            assert Decimal(again.json()["checkout"]["total"]["amount"]) == Decimal("53.18")
            await worker.drain()
        else:
            await run_worker_past_the_sweep(worker)
            [hold] = await holds(database)
            assert (hold.status, hold.end_reason) == ("released", "checkout not completed in time")
        await assert_points(client, installed, available=START, held=0)
        assert lojal_vouchers(installed) == []
        assert lojal_code_on(installed, checkout_id) is None
        assert await find_problems(database) == []

    @pytest.mark.parametrize("mode", list(MODES))
    async def test_voucher_deletion_failing_after_undo_is_finished_by_the_worker(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        worker: Worker,
        settings: Settings,
        mode: str,
    ) -> None:
        await give_points(client, installed, START)
        checkout_id = installed.add_checkout()
        hold_id = (await redeem(client, installed, checkout_id, points=ASKED)).json()["redemption"]["id"]
        inject(installed, settings, "LojalVoucherDelete", mode)

        response = await undo(client, installed, checkout_id, hold_id)

        assert response.status_code == 200, response.text  # the code is off: the points can go back
        assert response.json()["redemption"]["status"] == "released"
        await assert_points(client, installed, available=START, held=0)
        assert lojal_code_on(installed, checkout_id) is None
        await worker.drain()
        assert lojal_vouchers(installed) == []
        assert await find_problems(database) == []


class TestWorkerRetries:
    @pytest.mark.parametrize("mode", list(MODES))
    async def test_voucher_deletion_fails_once_then_succeeds_after_the_backoff(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        worker: Worker,
        settings: Settings,
        mode: str,
    ) -> None:
        await give_points(client, installed, START)
        checkout_id = installed.add_checkout()
        hold_id = (await redeem(client, installed, checkout_id, points=ASKED)).json()["redemption"]["id"]
        inject(installed, settings, "LojalVoucherDelete", "http_500")  # undo's own attempt
        assert (await undo(client, installed, checkout_id, hold_id)).status_code == 200
        inject(installed, settings, "LojalVoucherDelete", mode)  # the worker's first attempt

        await worker.drain()

        [message] = await delete_voucher_messages(database)
        assert message.sent_at is None and message.dead_at is None
        assert message.attempts == 1
        assert message.last_error is not None
        assert message.next_attempt_at > clock.now()
        if mode != "lost_response":
            assert len(lojal_vouchers(installed)) == 1
        await worker.drain()  # still backing off: nothing is tried
        [message] = await delete_voucher_messages(database)
        assert message.attempts == 1

        clock.travel(timedelta(seconds=10))
        await worker.drain()

        [message] = await delete_voucher_messages(database)
        assert message.sent_at is not None and message.attempts == 2
        assert lojal_vouchers(installed) == []
        await assert_points(client, installed, available=START, held=0)
        assert await find_problems(database) == []

    @pytest.mark.parametrize("mode", list(MODES))
    async def test_code_removal_in_the_worker_fails_once_then_succeeds(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        worker: Worker,
        settings: Settings,
        mode: str,
    ) -> None:
        """An abandoned checkout: the sweep releases the hold and the outbox must take the code off the
        checkout before deleting the voucher; the first removal fails."""
        await give_points(client, installed, START)
        checkout_id = installed.add_checkout()
        assert (await redeem(client, installed, checkout_id, points=ASKED)).status_code == 201
        clock.travel(timedelta(hours=25))
        assert (await worker.jobs())["holds_released"] == 1
        inject(installed, settings, "LojalCheckoutRemovePromoCode", mode)

        await worker.drain()

        [message] = await delete_voucher_messages(database)
        assert message.sent_at is None and message.attempts == 1
        assert len(lojal_vouchers(installed)) == 1  # not deleted while the code may still be on
        if mode != "lost_response":
            assert lojal_code_on(installed, checkout_id) is not None
        clock.travel(timedelta(seconds=10))
        await worker.drain()
        assert lojal_code_on(installed, checkout_id) is None
        assert lojal_vouchers(installed) == []
        await assert_points(client, installed, available=START, held=0)
        assert await find_problems(database) == []

    @pytest.mark.parametrize("mode", list(MODES))
    async def test_voucher_search_failing_in_the_worker_is_retried(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        worker: Worker,
        settings: Settings,
        mode: str,
    ) -> None:
        await give_points(client, installed, START)
        checkout_id = installed.add_checkout()
        inject(installed, settings, "LojalVoucherCreate", "lost_response")
        assert (await redeem(client, installed, checkout_id, points=ASKED)).status_code == 502
        inject(installed, settings, "LojalVoucherSearch", mode)

        await worker.drain()

        assert len(lojal_vouchers(installed)) == 1
        clock.travel(timedelta(seconds=10))
        await worker.drain()
        assert lojal_vouchers(installed) == []
        assert await find_problems(database) == []


class TestLateUse:
    async def test_code_applied_despite_a_lost_answer_and_then_used_is_paid_for_and_flagged(
        self,
        client: httpx.AsyncClient,
        installed: FakeSaleor,
        database: Database,
        worker: Worker,
        settings: Settings,
    ) -> None:
        """Saleor applied the code but its answer was lost, so Lojal gave the points back; taking the code
        off failed too, and the shopper completed the checkout before the worker could retry."""
        await give_points(client, installed, START)
        checkout_id = installed.add_checkout()
        inject(installed, settings, "LojalCheckoutAddPromoCode", "lost_response")
        inject(installed, settings, "LojalCheckoutRemovePromoCode", "http_500")

        response = await redeem(client, installed, checkout_id, points=ASKED)

        assert_json_error(response, 502, "saleor_unavailable")
        await assert_points(client, installed, available=START, held=0)
        code = lojal_code_on(installed, checkout_id)
        assert code is not None  # Saleor did apply it

        order = installed.complete_checkout(checkout_id)  # before the worker gets to the voucher
        assert order["order"]["voucherCode"] == code
        assert Decimal(str(order["order"]["total"]["gross"]["amount"])) == Decimal("48.18")
        for event in ("ORDER_CREATED", "ORDER_FULLY_PAID", "ORDER_FULLY_PAID"):
            assert (await deliver(client, installed, event, order)).status_code == 200

        [hold] = await holds(database)
        assert hold.status == "committed"
        assert hold.points_committed == ASKED
        assert hold.saleor_order_id == order["order"]["id"]
        assert hold.flagged_reason == "discount used after its points were released"
        state = await points(client, installed)
        # Taken once more, exactly once however often the order is delivered.
        assert (state["available"], state["held"], state["lifetime_redeemed"]) == (START - ASKED, 0, ASKED)
        assert state["pending"] == 48  # the order earns on what was paid
        await worker.drain()
        assert lojal_vouchers(installed) == []
        await run_worker_past_the_sweep(worker)
        state = await points(client, installed)
        assert (state["held"], state["lifetime_redeemed"]) == (0, ASKED)
        assert await find_problems(database) == []


class TestSeveralChangesInOneTransaction:
    """`ledger.lock_member` re-reads the member with populate_existing: a second lock of the same member,
    or a query, inside one transaction must not lose or miss what the first change did (it holds because
    the session autoflushes)."""

    async def test_two_expired_holds_of_one_member_swept_together(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database, worker: Worker
    ) -> None:
        await give_points(client, installed, START)
        first, second = installed.add_checkout(), installed.add_checkout()
        assert (await redeem(client, installed, first, points=200)).status_code == 201
        assert (await redeem(client, installed, second, points=300)).status_code == 201
        clock.travel(timedelta(hours=25))
        assert (await worker.jobs())["holds_released"] == 2
        assert [hold.status for hold in await holds(database)] == ["released", "released"]
        await worker.drain()
        assert lojal_vouchers(installed) == []
        state = await points(client, installed)
        assert state["available"] == START
        assert await find_problems(database) == []
        assert state["held"] == 0

    async def test_first_delivery_of_an_already_cancelled_order_returns_the_points(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        """Saleor renders payloads late: ORDER_CREATED can already show the order cancelled."""
        await give_points(client, installed, START)
        checkout_id = installed.add_checkout()
        assert (await redeem(client, installed, checkout_id, points=ASKED)).status_code == 201
        order = installed.complete_checkout(checkout_id)
        cancelled = {**order, "order": {**order["order"], "status": "CANCELED"}}
        assert (await deliver(client, installed, "ORDER_CREATED", cancelled)).status_code == 200
        assert await find_problems(database) == []
        [hold] = await holds(database)
        assert hold.status == "returned"
        await assert_points(client, installed, available=START, held=0)
