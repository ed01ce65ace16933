"""Members: guests attached by e-mail, welcome bonus once, consent, erasure."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from app.db import Database
from app.ledger.models import Member
from app.orders.models import Order
from tests.api.test_earning import entries, me, set_program
from tests.factories import JANE_EMAIL, JANE_ID, customer_body, order_body
from tests.fake_saleor import FakeSaleor
from tests.helpers import deliver, shopper_headers


async def members(database: Database) -> list[Member]:
    async with database.transaction() as session:
        return list((await session.execute(sa.select(Member).order_by(Member.id))).scalars())


class TestGuests:
    async def test_guest_points_are_kept_and_attached_when_the_email_becomes_a_customer(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        guest_order = order_body(installed, user=None, email="Jane.Loyal@Example.com ")
        assert (await deliver(client, installed, "ORDER_FULLY_PAID", guest_order)).status_code == 200
        [guest] = await members(database)
        assert guest.saleor_user_id is None
        assert guest.email == JANE_EMAIL
        assert guest.points_pending == 74
        await deliver(client, installed, "CUSTOMER_CREATED", customer_body(installed))
        [member] = await members(database)
        assert (member.id, member.saleor_user_id) == (guest.id, JANE_ID)
        assert (await me(client, installed))["points"]["pending"] == 74

    async def test_shopper_who_checked_out_as_guest_sees_points_on_first_visit(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        # No CUSTOMER_CREATED ever arrives (account made before Lojal was installed): the shopper's token
        # carries the e-mail and that is enough to find the guest points.
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, user=None))
        assert (await me(client, installed))["points"]["pending"] == 74
        assert len(await members(database)) == 1

    async def test_guest_order_with_an_email_of_an_existing_member_goes_to_that_member(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await deliver(client, installed, "CUSTOMER_CREATED", customer_body(installed))
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, user=None))
        [member] = await members(database)
        assert member.points_pending == 74

    async def test_order_without_user_or_email_is_recorded_without_points(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        response = await deliver(
            client, installed, "ORDER_FULLY_PAID", order_body(installed, user=None, email=None)
        )
        assert response.status_code == 200
        async with database.transaction() as session:
            order = (await session.execute(sa.select(Order))).scalar_one()
        assert order.earn_status == "no_member"
        assert await entries(database) == []


class TestWelcomeBonus:
    async def test_welcome_bonus_is_given_once(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await set_program(client, installed, welcome_bonus_points=100)
        for _ in range(3):
            assert (
                await deliver(client, installed, "CUSTOMER_CREATED", customer_body(installed))
            ).status_code == 200
        await me(client, installed)
        [bonus] = await entries(database)
        assert (bonus.kind, bonus.points) == ("bonus", 100)
        state = await me(client, installed)
        assert state["points"]["available"] == 100  # no return window on a welcome bonus

    async def test_no_bonus_by_default(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await deliver(client, installed, "CUSTOMER_CREATED", customer_body(installed))
        assert await entries(database) == []


class TestConsent:
    async def test_opt_in_program_earns_only_after_consent(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await set_program(client, installed, enrolment="opt_in", welcome_bonus_points=50)
        state = await me(client, installed)
        assert state["member"]["enrolled"] is False
        assert state["enrolment"] == "opt_in"
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, order_id="T3JkZXI6MQ=="))
        assert await entries(database) == []
        response = await client.post(
            "/api/storefront/me/consent", json={"consent": True}, headers=shopper_headers(installed)
        )
        assert response.status_code == 200
        joined = response.json()
        assert joined["member"]["enrolled"] is True
        assert joined["member"]["consent_at"] is not None
        assert joined["points"]["available"] == 50
        await deliver(
            client, installed, "ORDER_FULLY_PAID", order_body(installed, order_id="T3JkZXI6Mg==", number="22")
        )
        assert [e.points for e in await entries(database)] == [50, 74]

    async def test_consent_from_signup_metadata(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await set_program(client, installed, enrolment="opt_in")
        await deliver(
            client, installed, "CUSTOMER_CREATED", customer_body(installed, metadata={"lojal_optin": "true"})
        )
        [member] = await members(database)
        assert member.is_enrolled and member.consent_at is not None

    async def test_leaving_stops_earning_and_keeps_the_balance(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed, order_id="T3JkZXI6MQ=="))
        left = await client.post(
            "/api/storefront/me/consent", json={"consent": False}, headers=shopper_headers(installed)
        )
        assert left.json()["member"]["enrolled"] is False
        assert left.json()["points"]["pending"] == 74
        await deliver(
            client, installed, "ORDER_FULLY_PAID", order_body(installed, order_id="T3JkZXI6Mg==", number="22")
        )
        assert len(await entries(database)) == 1


class TestErasure:
    async def test_deleted_customer_is_anonymised_and_amounts_kept(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await deliver(client, installed, "CUSTOMER_CREATED", customer_body(installed))
        await deliver(client, installed, "ORDER_FULLY_PAID", order_body(installed))
        assert (
            await deliver(client, installed, "CUSTOMER_DELETED", customer_body(installed))
        ).status_code == 200
        [member] = await members(database)
        assert (member.email, member.first_name, member.last_name) == (None, None, None)
        assert member.anonymised_at is not None
        assert member.points_pending == 74  # the books still balance
        async with database.transaction() as session:
            order = (await session.execute(sa.select(Order))).scalar_one()
        assert order.customer_email is None
        # A late event for the same order neither re-creates personal data nor a second member.
        await deliver(client, installed, "ORDER_REFUNDED", order_body(installed, refunded=10))
        [member] = await members(database)
        assert member.email is None
        assert [e.points for e in await entries(database)] == [74, -10]

    async def test_account_deleted_by_the_shopper_erases_too(
        self, client: httpx.AsyncClient, installed: FakeSaleor, database: Database
    ) -> None:
        await deliver(client, installed, "CUSTOMER_CREATED", customer_body(installed))
        assert (
            await deliver(client, installed, "ACCOUNT_DELETED", customer_body(installed))
        ).status_code == 200
        [member] = await members(database)
        assert member.anonymised_at is not None

    async def test_deleting_an_unknown_customer_is_fine(
        self, client: httpx.AsyncClient, installed: FakeSaleor
    ) -> None:
        assert (
            await deliver(client, installed, "CUSTOMER_DELETED", customer_body(installed))
        ).status_code == 200
