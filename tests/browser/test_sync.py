"""The "Saleor sync" page of the Loyalty tab: messages to Saleor that are not getting through. Dead letters
are listed with what they are about and why, and "Retry" puts one back in the queue (the API then no
longer lists it, and the Dashboard shows a notification); one whose work a waiting message already does
says so instead; messages still being retried after many attempts are listed too. Dates and numbers follow
the Dashboard's locale; screenshots in light and dark land in tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from app.installations.models import Installation
from app.outbox.models import OutboxMessage
from tests.browser.conftest import Live, app_frame, expect, open_in_dashboard, screenshot
from tests.browser.harness import BO
from tests.browser.test_forms import wait_for_notification

if TYPE_CHECKING:
    from playwright.sync_api import Page

GAVE_UP = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)


@dataclass
class Seeded:
    retryable: int  # a dead letter of a redemption's voucher deletion
    queued: int  # Bo's metadata write: the seed's pending message for Bo does the same work
    stuck: int


@pytest.fixture
def seeded(live: Live) -> Iterator[Seeded]:
    bo = live.store.members[BO[1]]

    async def insert() -> Seeded:
        async with live.database.transaction() as session:
            installation_id = (
                await session.execute(
                    sa.select(Installation.id).where(Installation.saleor_api_url == live.saleor.api_url)
                )
            ).scalar_one()

            def message(kind: str, key: str, payload: dict[str, int], **columns: object) -> OutboxMessage:
                row = OutboxMessage(
                    installation_id=installation_id,
                    kind=kind,
                    dedupe_key=key,
                    payload=payload,
                    created_at=GAVE_UP,
                    next_attempt_at=GAVE_UP,
                    **columns,
                )
                session.add(row)
                return row

            retryable = message(
                "delete_voucher",
                "hold:9001:voucher",
                {"hold_id": 9001, "remove_from_checkout": True},
                attempts=1,
                dead_at=GAVE_UP,
                dead_reason="Saleor refused to delete the voucher: PERMISSION_DENIED",
            )
            queued = message(
                "member_metadata",
                f"member:{bo}",
                {"member_id": bo},
                attempts=1,
                dead_at=GAVE_UP,
                dead_reason="Saleor refused the metadata write: GRAPHQL_ERROR",
            )
            stuck = message(
                "check_hold",
                "hold:9002:check",
                {"hold_id": 9002},
                attempts=1234,
                last_error="SaleorUnavailable: Saleor did not answer LojalShopperCheckout",
            )
            await session.flush()
            return Seeded(retryable.id, queued.id, stuck.id)

    async def remove(ids: list[int]) -> None:
        async with live.database.transaction() as session:
            await session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))

    rows = live.servers.call(insert())
    try:
        yield rows
    finally:
        live.servers.call(remove([rows.retryable, rows.queued, rows.stuck]))


def test_dead_letters_are_listed_and_retried(page: Page, live: Live, seeded: Seeded) -> None:
    open_in_dashboard(page, live, "/app/loyalty", ready="[data-testid=tab-sync]")
    app = app_frame(page)
    app.get_by_test_id("tab-sync").click()  # the page is one of the tabs
    rows = app.get_by_test_id("dead-letters-table-row")
    expect(rows).to_have_count(2)

    retryable = rows.filter(has_text="Redemption #9001")
    expect(retryable).to_contain_text("Delete a redemption's discount voucher")
    expect(retryable).to_contain_text("PERMISSION_DENIED")
    expect(retryable.locator("[data-column=dead]")).to_contain_text("Mar 5, 2026")
    queued = rows.filter(has_text="Points shown on the customer in Saleor")
    expect(queued.get_by_test_id("dead-letter-queued")).to_have_text(f"queued again as #{queued_as(live)}")
    expect(queued.get_by_test_id("dead-letter-retry")).to_have_count(0)
    stuck = app.get_by_test_id("stuck-table-row")
    expect(stuck).to_have_count(1)
    expect(stuck).to_contain_text("Check a redemption's checkout")
    expect(stuck.locator("[data-column=attempts]")).to_have_text("1,234")
    expect(app.get_by_test_id("stuck")).to_contain_text("failed 10 times or more")

    retryable.get_by_test_id("dead-letter-retry").click()
    notice = wait_for_notification(page, "Sent back to the queue")
    assert notice["status"] == "success"
    expect(rows).to_have_count(1)
    listed = live.api("GET", "/api/admin/outbox/dead-letters").json()
    assert [letter["id"] for letter in listed["dead_letters"]] == [seeded.queued]

    # The member link opens the member's page.
    queued = rows.filter(has_text="Points shown on the customer in Saleor")
    queued.get_by_test_id("sync-member-link").click()
    expect(app.get_by_test_id("member-title")).to_have_text(BO[1])


def test_dates_and_numbers_follow_the_dashboards_locale(page: Page, live: Live, seeded: Seeded) -> None:
    page.goto(live.dashboard("/app/loyalty/sync", locale="de"))
    app = app_frame(page)
    rows = app.get_by_test_id("dead-letters-table-row")
    expect(rows).to_have_count(2)
    expect(rows.first.locator("[data-column=dead]")).to_contain_text("05.03.2026")
    expect(app.get_by_test_id("stuck-table-row").locator("[data-column=attempts]")).to_have_text("1.234")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots(page: Page, live: Live, seeded: Seeded, artifacts: Path, theme: str) -> None:
    open_in_dashboard(page, live, "/app/loyalty/sync", theme=theme, ready="[data-testid=stuck-table-row]")
    shot = screenshot(page, artifacts, f"sync-{theme}")
    assert shot.stat().st_size > 10_000


def queued_as(live: Live) -> int:
    """The seed's pending metadata message for Bo."""
    bo = live.store.members[BO[1]]

    async def find() -> int:
        async with live.database.transaction() as session:
            return int(
                (
                    await session.execute(
                        sa.select(OutboxMessage.id).where(
                            OutboxMessage.dedupe_key == f"member:{bo}",
                            OutboxMessage.sent_at.is_(None),
                            OutboxMessage.dead_at.is_(None),
                        )
                    )
                ).scalar_one()
            )

    return live.servers.call(find())
