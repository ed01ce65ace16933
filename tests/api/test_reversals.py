"""Refunds and cancellations converge on what the order should still be worth."""

from __future__ import annotations

from datetime import timedelta

import httpx
import sqlalchemy as sa

from app import clock
from app.db import Database
from app.jobs.doctor import find_problems
from app.ledger.models import LedgerEntry
from app.orders.models import Order
from tests.api.test_earning import entries, me, set_channel, set_program
from tests.factories import Line, order_body
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver


async def order_row(database: Database) -> Order:
    async with database.transaction() as session:
        return (await session.execute(sa.select(Order))).scalar_one()


async def history(client: httpx.AsyncClient, saleor: FakeSaleor) -> list[dict]:
    from tests.helpers import shopper_headers

    response = await client.get("/api/storefront/me/history", headers=shopper_headers(saleor))
    assert response.status_code == 200
    return response.json()["entries"]


class TestPartialRefunds:
    async def test_partial_refunds_add_up_and_never_pass_what_was_earned(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        lines = [Line(100)]
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, lines=lines))
        for refunded, expected in ((25, 25), (25, 25), (60, 60), (100, 100), (130, 100)):
            body = order_body(installed, lines=lines, refunded=refunded, charge_status="PARTIAL")
            assert (await deliver(client, installed, "ORDER_REFUNDED", body)).status_code == 200
            assert (await order_row(database)).points_reversed == expected
        kinds = [(e.kind, e.points) for e in await entries(database)]
        assert kinds == [("earn", 100), ("reverse", -25), ("reverse", -35), ("reverse", -40)]
        assert (await me(client, installed))["points"]["pending"] == 0
        assert await find_problems(database) == []

    async def test_an_older_refund_state_arriving_late_changes_nothing(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, lines=[Line(100)]))
        await deliver(
            client, installed, "ORDER_REFUNDED", order_body(installed, lines=[Line(100)], refunded=50)
        )
        await deliver(
            client, installed, "ORDER_REFUNDED", order_body(installed, lines=[Line(100)], refunded=20)
        )
        assert (await order_row(database)).points_reversed == 50

    async def test_refund_before_the_paid_event_still_converges(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        refund = order_body(installed, lines=[Line(100)], refunded=40, charge_status="PARTIAL")
        await deliver(client, installed, "ORDER_REFUNDED", refund)
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, lines=[Line(100)]))
        row = await order_row(database)
        assert (row.points_earned, row.points_reversed) == (100, 40)

    async def test_reversal_uses_the_rate_the_order_earned_at(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await set_channel(client, installed, "default-channel", points_per_unit="3")
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, lines=[Line(100)]))
        await set_channel(client, installed, "default-channel", points_per_unit="1")
        await deliver(
            client, installed, "ORDER_REFUNDED", order_body(installed, lines=[Line(100)], refunded=50)
        )
        assert [e.points for e in await entries(database)] == [300, -150]

    async def test_bonus_goes_back_when_the_kept_spend_falls_below_the_threshold(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await set_channel(client, installed, "default-channel", bonus_threshold_amount="100", bonus_points=50)
        lines = [Line(60), Line(60)]
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, lines=lines))
        await deliver(client, installed, "ORDER_REFUNDED", order_body(installed, lines=lines, refunded=12))
        # kept 108 of 120: still above 100, bonus stays; 10% of 120 base points back
        assert (await order_row(database)).points_reversed == 12
        await deliver(client, installed, "ORDER_REFUNDED", order_body(installed, lines=lines, refunded=60))
        row = await order_row(database)
        assert row.points_reversed == 60 + 50
        last = (await entries(database))[-1]
        assert last.explanation["bonus_reversed"] is True


class TestCancellation:
    async def test_cancel_reverses_everything_once(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
        for _ in range(2):
            cancelled = order_body(installed, status="CANCELED")
            assert (await deliver(client, installed, "ORDER_CANCELLED", cancelled)).status_code == 200
        assert [(e.kind, e.points) for e in await entries(database)] == [("earn", 74), ("reverse", -74)]

    async def test_paid_event_after_cancel_earns_nothing(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await deliver(client, installed, "ORDER_CANCELLED", order_body(installed, status="CANCELED"))
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
        assert await entries(database) == []
        assert (await order_row(database)).earn_status == "cancelled"


class TestSpentPoints:
    async def _spend_all(self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database) -> None:
        """Earn 100, let the hold pass, then spend them all through a staff adjustment-free path:
        a second member-level debit posted through the ledger (redemption arrives with its own issue)."""
        from app.ledger import service as ledger
        from app.ledger.models import EntryKind, Member, SourceType

        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, lines=[Line(100)]))
        clock.travel(timedelta(days=15))
        async with database.transaction() as session:
            member = (await session.execute(sa.select(Member))).scalar_one()
            member = await ledger.lock_member(session, member.installation_id, member.id)
            await ledger.post_entry(
                session,
                member,
                kind=EntryKind.REDEEM,
                points=-90,
                idempotency_key="spent",
                source_type=SourceType.CHECKOUT,
            )

    async def test_allow_negative_policy_takes_back_everything(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await self._spend_all(client, installed, database)
        await deliver(
            client, installed, "ORDER_REFUNDED", order_body(installed, lines=[Line(100)], refunded=100)
        )
        state = await me(client, installed)
        assert state["points"]["available"] == -90
        reverse = (await entries(database))[-1]
        assert reverse.explanation["policy"] == "allow_negative"
        assert reverse.points == -100

    async def test_clamp_policy_forgives_what_was_spent_and_says_so(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await set_program(client, installed, reversal_policy="clamp")
        await self._spend_all(client, installed, database)
        await deliver(
            client, installed, "ORDER_REFUNDED", order_body(installed, lines=[Line(100)], refunded=100)
        )
        state = await me(client, installed)
        assert state["points"]["available"] == 0
        reverse = (await entries(database))[-1]
        assert (reverse.points, reverse.explanation["policy"], reverse.explanation["forgiven"]) == (
            -10,
            "clamp",
            90,
        )
        row = await order_row(database)
        assert (row.points_reversed, row.points_reversal_forgiven) == (10, 90)
        # The same refunded state again: already settled, nothing more is taken.
        await deliver(
            client, installed, "ORDER_REFUNDED", order_body(installed, lines=[Line(100)], refunded=100)
        )
        assert len(await entries(database)) == 3
        described = (await history(client, installed))[0]["description"]
        assert "90 points already spent were not taken back" in described


class TestShopperIsTold:
    async def test_history_explains_each_reversal_in_plain_words(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
        await deliver(client, installed, "ORDER_REFUNDED", order_body(installed, refunded=12))
        newest, oldest = await history(client, installed)
        assert newest["kind"] == "reverse"
        assert newest["points"] == -12
        assert newest["description"] == "12 points taken back: 12.00 USD of order #21 was refunded"
        assert newest["explanation"]["refunded_share"] == "0.1622"
        assert oldest["description"] == "74 points for order #21 (74.00 USD at 1 point per USD)"
        assert oldest["status"] == "pending"

    async def test_history_pages_with_a_cursor(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        from tests.helpers import shopper_headers

        for n in range(5):
            body = order_body(installed, order_id=f"T3JkZXI6{n}", number=str(n), lines=[Line(10 + n)])
            await deliver(client, installed, "ORDER_FULLY_PAID", body)
        seen: list[int] = []
        cursor = None
        while True:
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = await client.get(
                "/api/storefront/me/history", params=params, headers=shopper_headers(installed)
            )
            assert page.status_code == 200
            seen += [e["points"] for e in page.json()["entries"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        assert seen == [14, 13, 12, 11, 10]
        bad = await client.get(
            "/api/storefront/me/history", params={"cursor": "nope"}, headers=shopper_headers(installed)
        )
        assert bad.status_code == 400


async def test_entries_are_never_updated(
    installed: FakeSaleor, client: httpx.AsyncClient, database: Database
) -> None:
    await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
    before = [(e.id, e.points, e.available_at, e.explanation) for e in await entries(database)]
    await deliver(client, installed, "ORDER_REFUNDED", order_body(installed, refunded=74))
    async with database.transaction() as session:
        first = (
            await session.execute(sa.select(LedgerEntry).where(LedgerEntry.id == before[0][0]))
        ).scalar_one()
    assert (first.id, first.points, first.available_at, first.explanation) == before[0]
