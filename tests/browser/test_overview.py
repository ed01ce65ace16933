"""The overview: KPI cards from /api/admin/kpis, charts drawn from the seeded data, CSV downloads sent with
the Dashboard's headers, and the period selector."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.db import utcnow
from tests.browser.conftest import Live, app_frame, expect, open_in_dashboard

if TYPE_CHECKING:
    from playwright.sync_api import FrameLocator, Locator, Page


def period(days: int) -> dict[str, str]:
    today = utcnow().date()
    return {"from": (today - timedelta(days=days - 1)).isoformat(), "to": today.isoformat()}


def values(locator: Locator) -> list[float]:
    found: list[float] = locator.evaluate_all("els => els.map(e => Number(e.dataset.value))")
    return found


def kpis(live: Live, days: int) -> dict[str, Any]:
    response = live.api("GET", "/api/admin/kpis", params=period(days))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def chart(app: FrameLocator, test_id: str) -> Locator:
    return app.locator(f"svg[data-testid={test_id}]")


def test_kpi_cards_show_the_api_figures(page: Page, live: Live) -> None:
    open_in_dashboard(page, live, "/app/loyalty", ready="[data-testid=kpi-members-value]")
    app = app_frame(page)
    figures = kpis(live, 30)
    expect(app.get_by_test_id("kpi-members-value")).to_have_text(str(figures["members"]))
    expect(app.get_by_test_id("kpi-enrolled-value")).to_have_text(str(figures["members_enrolled"]))
    expect(app.get_by_test_id("kpi-enrolment-rate-value")).to_have_text("100%")
    expect(app.get_by_test_id("kpi-issued-value")).to_have_text(str(figures["points_issued"]))
    expect(app.get_by_test_id("kpi-liability-value")).to_have_text(str(figures["liability_points"]))
    # Outstanding points in money, per currency (SEK at the sverige rule's 0.10, USD at the default 0.01).
    money = app.get_by_test_id("kpi-liability-money")
    for row in figures["currencies"]:
        expect(money).to_contain_text(f"{Decimal(row['liability']):,.2f}")
    table = app.get_by_test_id("currency-table")
    expect(table.get_by_test_id("currency-table-row")).to_have_count(len(figures["currencies"]))
    expect(app.get_by_test_id("reward-performance")).to_contain_text("5 USD off")


def test_charts_are_drawn_from_the_seeded_data(page: Page, live: Live) -> None:
    open_in_dashboard(page, live, "/app/loyalty", ready="svg[data-testid=chart-points]")
    app = app_frame(page)
    figures = kpis(live, 30)
    daily = figures["daily"]
    assert len(daily) == 30

    points = chart(app, "chart-points")
    expect(points).to_have_attribute("role", "img")
    expect(points).to_have_attribute("aria-label", "Points issued and redeemed per day")
    issued = points.locator("circle[data-point=issued]")
    expect(issued).to_have_count(30)
    expect(points.locator("circle[data-point=redeemed]")).to_have_count(30)
    assert values(issued) == [d["points_issued"] for d in daily]
    assert sum(values(issued)) == figures["points_issued"] == 120 + 60 + 40 + 74 + 50

    orders = chart(app, "chart-orders")
    members = orders.locator("rect[data-bar=members]")
    others = orders.locator("rect[data-bar=others]")
    expect(members).to_have_count(30)
    expect(others).to_have_count(30)
    assert values(members) == [d["orders_members"] for d in daily]
    assert sum(values(members)) == 5  # Anna 2, Bo 1, Jane 2 (USD and SEK)
    assert sum(values(others)) == 1  # the order without a customer
    days_with_orders = sum(1 for d in daily if d["orders_members"])
    assert sum(1 for v in values(members) if v > 0) == days_with_orders

    aov = chart(app, "chart-aov")
    expect(aov.locator("rect[data-bar]")).to_have_count(4)  # USD and SEK, members and others
    currencies = [c["currency"] for c in figures["currencies"]]
    assert currencies == ["SEK", "USD"]
    assert values(aov.locator("rect[data-bar=members]")) == [500.0, (120 + 60 + 40 + 74) / 4]
    assert values(aov.locator("rect[data-bar=others]")) == [0.0, 80.0]


def test_period_selector_and_csv_downloads(page: Page, live: Live) -> None:
    open_in_dashboard(page, live, "/app/loyalty", ready="svg[data-testid=chart-points]")
    app = app_frame(page)
    app.get_by_role("button", name="7 days").click()
    issued = chart(app, "chart-points").locator("circle[data-point=issued]")
    expect(issued).to_have_count(7)
    assert values(issued) == [d["points_issued"] for d in kpis(live, 7)["daily"]]

    with page.expect_download() as download_info:
        app.get_by_test_id("csv-daily").click()
    download = download_info.value
    wanted = period(7)
    assert download.suggested_filename == f"lojal-daily-{wanted['from']}-{wanted['to']}.csv"
    lines = Path(download.path()).read_text().splitlines()
    assert lines[0].startswith("day,points_issued,points_redeemed")
    assert len(lines) == 1 + 7

    with page.expect_download() as download_info:
        app.get_by_test_id("csv-rewards").click()
    rewards_csv = Path(download_info.value.path()).read_text()
    assert "5 USD off" in rewards_csv

    # A custom period, both ends included.
    app.get_by_role("button", name="Custom").click()
    custom = period(3)
    app.locator("#period-from").fill(custom["from"])
    app.locator("#period-to").fill(custom["to"])
    app.get_by_role("button", name="Apply").click()
    expect(issued).to_have_count(3)

    # The server's refusal (from after to) shows, and nothing breaks.
    app.locator("#period-from").fill(custom["to"])
    app.locator("#period-to").fill(custom["from"])
    app.get_by_role("button", name="Apply").click()
    expect(app.get_by_test_id("error-notice")).to_contain_text("must not be after")
