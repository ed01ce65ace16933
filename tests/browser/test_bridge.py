"""The app and the Dashboard talk as Dashboard 3.23 does: one AppBridge, two handshakes, the theme
switched live, the locale from `localeChanged`, a refreshed token used for the next request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.browser.conftest import Live, app_frame, expect, open_in_dashboard
from tests.browser.harness import JANE

if TYPE_CHECKING:
    from playwright.sync_api import Page

BACKGROUND = "getComputedStyle(document.body).backgroundColor"
CHART_FILL = "getComputedStyle(document.querySelector('svg[data-testid=chart-points] circle')).fill"


def test_one_app_bridge_two_handshakes(page: Page, live: Live) -> None:
    open_in_dashboard(page, live, "/app/loyalty", ready="[data-testid=kpi-members-value]")
    page.wait_for_function("window.dashboard.handshakes === 2")
    actions = page.evaluate("window.dashboard.actions.map(a => a.type)")
    assert actions.count("notifyReady") == 1
    assert page.evaluate("window.dashboard.loads") == 1


def test_theme_follows_the_dashboard_without_a_reload(page: Page, live: Live) -> None:
    frame = open_in_dashboard(
        page, live, "/app/loyalty", theme="light", ready="svg[data-testid=chart-points]"
    )
    frame.evaluate("window.__notReloaded = true")
    light = frame.evaluate(BACKGROUND), frame.evaluate(CHART_FILL)

    page.evaluate("window.dashboard.setTheme('dark')")
    frame.wait_for_function(f"{BACKGROUND} !== {light[0]!r}")
    dark = frame.evaluate(BACKGROUND), frame.evaluate(CHART_FILL)
    assert dark[0] != light[0] and dark[1] != light[1]  # the page and the chart's colours changed
    assert frame.evaluate("window.__notReloaded") is True
    assert page.evaluate("window.dashboard.loads") == 1

    page.evaluate("window.dashboard.setTheme('light')")
    frame.wait_for_function(f"{BACKGROUND} === {light[0]!r}")
    assert frame.evaluate(CHART_FILL) == light[1]


def test_initial_theme_comes_from_the_url(page: Page, live: Live) -> None:
    light = open_in_dashboard(
        page, live, "/app/loyalty/members", theme="light", ready="[data-testid=members-table]"
    )
    light_background = light.evaluate(BACKGROUND)
    dark = open_in_dashboard(
        page, live, "/app/loyalty/members", theme="dark", ready="[data-testid=members-table]"
    )
    assert dark.evaluate(BACKGROUND) != light_background


def test_locale_comes_from_locale_changed(page: Page, live: Live) -> None:
    page.goto(live.dashboard("/app/loyalty", locale="de"))
    app = app_frame(page)
    # German: a space before the percent sign, and the day labels in German.
    expect(app.get_by_test_id("kpi-enrolment-rate-value")).to_have_text("100\u00a0%")
    page.evaluate("window.dashboard.setLocale('en')")
    expect(app.get_by_test_id("kpi-enrolment-rate-value")).to_have_text("100%")


def test_a_refreshed_token_is_used_for_the_next_request(page: Page, live: Live) -> None:
    open_in_dashboard(page, live, "/app/loyalty/members", ready="[data-testid=members-table-row]")
    app = app_frame(page)
    fresh = live.saleor.dashboard_token(email="second.staff@example.com")
    page.evaluate("token => window.dashboard.refreshToken(token)", fresh)
    with page.expect_request(lambda r: "/api/admin/members?" in r.url and "search=" in r.url) as request:
        app.locator("#member-search").fill("jane")
    headers = request.value.headers
    assert headers["authorization-bearer"] == fresh
    assert headers["saleor-api-url"] == live.saleor.api_url
    expect(app.get_by_test_id("members-table-row")).to_have_count(1)
    expect(app.get_by_test_id("members-table-row")).to_contain_text(JANE[1])


def test_a_dashboard_that_never_answers_gets_the_friendly_page(page: Page, live: Live) -> None:
    page.goto(live.dashboard("/app/loyalty", answer=False))
    app = app_frame(page)
    expect(app.get_by_test_id("connecting")).to_be_visible()
    standalone = app.get_by_test_id("standalone")
    expect(standalone).to_have_attribute("data-reason", "no-handshake", timeout=15_000)
    expect(standalone).to_contain_text("Open Lojal inside the Saleor Dashboard")
