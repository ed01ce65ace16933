"""Every page of the Loyalty tab loads real content inside the stand-in Dashboard; screenshots of each in
light and dark land in tests/artifacts/ for review; the page opened outside the Dashboard says so."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from tests.browser.conftest import Live, app_frame, expect, open_in_dashboard, screenshot
from tests.browser.harness import ANNA, JANE, UNKNOWN_CUSTOMER

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_opened_directly_it_says_to_open_it_inside_the_dashboard(page: Page, live: Live) -> None:
    page.goto(f"{live.app_url}/app/loyalty")
    standalone = page.get_by_test_id("standalone")
    expect(standalone).to_be_visible()
    expect(standalone).to_have_attribute("data-reason", "not-embedded")
    expect(page.get_by_role("heading", name="Open Lojal inside the Saleor Dashboard")).to_be_visible()
    expect(standalone).to_contain_text("Apps → Lojal")
    expect(standalone).to_contain_text("Customers → Loyalty")

    # With the Dashboard's parameters but not in its iframe: still no AppBridge, still the same page.
    params = f"saleorApiUrl={quote(live.saleor.api_url, safe='')}&id={quote(live.saleor.app_id)}&theme=dark"
    page.goto(f"{live.app_url}/app/customer?customerId={JANE[0]}&{params}")
    expect(page.get_by_test_id("standalone")).to_have_attribute("data-reason", "not-embedded")


def test_members_list_search_sort_and_open_a_member(page: Page, live: Live) -> None:
    open_in_dashboard(page, live, "/app/loyalty/members", ready="[data-testid=members-table-row]")
    app = app_frame(page)
    rows = app.get_by_test_id("members-table-row")
    expect(rows).to_have_count(4)
    expect(app.get_by_test_id("members-range")).to_have_text("1\u20134 of 4")  # an en dash

    app.locator("#member-search").fill("berg")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(ANNA[1])
    expect(rows.first).to_contain_text("Anna Berg")

    app.locator("#member-search").fill("")
    expect(rows).to_have_count(4)
    app.get_by_role("button", name="E-mail").click()  # ascending by e-mail
    expect(rows.first.locator("[data-column=email]")).to_have_text(ANNA[1])
    app.get_by_role("button", name="E-mail").click()  # and the other way round
    expect(rows.first.locator("[data-column=email]")).to_have_text(JANE[1])

    rows.filter(has_text=ANNA[1]).click()
    expect(app.get_by_test_id("member-title")).to_have_text(ANNA[1])
    frame = page.frame(name="app")
    assert frame is not None
    assert f"/app/loyalty/members/{live.store.members[ANNA[1]]}?" in frame.url
    assert "saleorApiUrl=" in frame.url  # the Dashboard's parameters survive client-side navigation

    app.get_by_test_id("back-to-members").click()
    expect(rows).to_have_count(4)


def test_member_page_shows_balances_history_orders_and_redemptions(page: Page, live: Live) -> None:
    jane = live.store.members[JANE[1]]
    open_in_dashboard(page, live, f"/app/loyalty/members/{jane}", ready="[data-testid=member-title]")
    app = app_frame(page)
    detail = live.api("GET", f"/api/admin/members/{jane}").json()
    points = detail["member"]["points"]
    expect(app.get_by_test_id("balance-available-value")).to_have_text(str(points["available"]))
    expect(app.get_by_test_id("balance-pending-value")).to_have_text(str(points["pending"]))
    expect(app.get_by_test_id("member-enrolment")).to_have_text("Enrolled")
    expect(app.get_by_test_id("upcoming")).to_contain_text("points on")

    history = app.get_by_test_id("history-table-row")
    expect(history).to_have_count(len(detail["history"]))
    expect(app.get_by_test_id("history-table")).to_contain_text("welcome gift from the shop")
    expect(app.get_by_test_id("history-table")).to_contain_text("staff@example.com")
    orders = app.get_by_test_id("orders-table-row")
    expect(orders).to_have_count(2)
    expect(app.get_by_test_id("orders-table")).to_contain_text(detail["orders"][0]["explanation"])
    expect(app.get_by_test_id("member-redemptions")).to_contain_text("No redemptions.")


def test_customer_view_of_a_member(page: Page, live: Live) -> None:
    open_in_dashboard(
        page, live, f"/app/customer?customerId={JANE[0]}", ready="[data-testid=customer-loyalty]"
    )
    app = app_frame(page)
    detail = live.api("GET", f"/api/admin/members/by-customer/{JANE[0]}").json()
    expect(app.get_by_test_id("customer-available-value")).to_have_text(
        str(detail["member"]["points"]["available"])
    )
    expect(app.get_by_test_id("customer-pending-value")).to_have_text(
        str(detail["member"]["points"]["pending"])
    )
    expect(app.get_by_test_id("customer-held-value")).to_have_text("0")
    affordable = app.get_by_test_id("customer-affordable")
    expect(affordable).to_contain_text("Free shipping")  # 100 points, Jane has 300 available
    expect(affordable).not_to_contain_text("5 USD off")  # 500 points
    expect(app.get_by_test_id("customer-activity-entry")).to_have_count(min(5, len(detail["history"])))
    expect(app.get_by_test_id("customer-activity")).to_contain_text("welcome gift from the shop")
    expect(app.get_by_role("navigation")).to_have_count(0)  # compact: no tabs in the popup


def test_customer_view_of_an_unknown_customer(page: Page, live: Live) -> None:
    open_in_dashboard(
        page, live, f"/app/customer?customerId={UNKNOWN_CUSTOMER}", ready="[data-testid=not-a-member]"
    )
    expect(app_frame(page).get_by_test_id("not-a-member")).to_contain_text("Not a loyalty member yet")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_of_every_page(page: Page, live: Live, artifacts: Path, theme: str) -> None:
    jane = live.store.members[JANE[1]]
    pages = [
        ("overview", "/app/loyalty", "[data-testid=chart-points]"),
        ("members", "/app/loyalty/members", "[data-testid=members-table-row]"),
        ("member", f"/app/loyalty/members/{jane}", "[data-testid=history-table-row]"),
        ("program", "/app/loyalty/program", "[data-testid=channel-table]"),
        ("rewards", "/app/loyalty/rewards", "[data-testid=rewards-table-row]"),
        ("customer", f"/app/customer?customerId={JANE[0]}", "[data-testid=customer-activity-entry]"),
        (
            "customer-not-a-member",
            f"/app/customer?customerId={UNKNOWN_CUSTOMER}",
            "[data-testid=not-a-member]",
        ),
    ]
    for name, path, ready in pages:
        open_in_dashboard(page, live, path, theme=theme, ready=ready)
        shot = screenshot(page, artifacts, f"{name}-{theme}")
        assert shot.stat().st_size > 10_000

    # The reward form, and the adjustment form showing an inline error.
    open_in_dashboard(
        page, live, "/app/loyalty/rewards", theme=theme, ready="[data-testid=rewards-table-row]"
    )
    app_frame(page).get_by_test_id("reward-add").click()
    app_frame(page).locator("#reward-name").wait_for()
    screenshot(page, artifacts, f"reward-form-{theme}")
    open_in_dashboard(page, live, f"/app/loyalty/members/{jane}", theme=theme, ready="#adjust-points")
    app_frame(page).locator("#adjust-points").fill("10")
    app_frame(page).get_by_test_id("adjust-submit").click()
    app_frame(page).get_by_text("A reason is required").wait_for()
    screenshot(page, artifacts, f"member-adjust-error-{theme}")

    page.goto(f"{live.app_url}/app/loyalty?theme={theme}")
    expect(page.get_by_test_id("standalone")).to_be_visible()
    page.screenshot(path=str(artifacts / f"standalone-{theme}.png"), full_page=True)
