"""Forms of the Loyalty tab change what the API says they change: adjustments (reason required, one
idempotency key per submission), program settings (only changed fields, server errors inline), rewards
of every kind and partner codes. Success and failure are also sent to the Dashboard as notifications."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.browser.conftest import Live, app_frame, expect, notifications, open_in_dashboard
from tests.browser.harness import ANNA
from tests.factories import customer_body

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def assert_under(field: Locator, message: Locator) -> None:
    """The message sits right under its input (same column, below it)."""
    box, text = field.bounding_box(), message.bounding_box()
    assert box is not None and text is not None
    assert text["y"] >= box["y"] + box["height"] - 1
    assert text["y"] - (box["y"] + box["height"]) < 40
    assert abs(text["x"] - box["x"]) < box["width"]


def wait_for_notification(page: Page, title: str) -> dict[str, Any]:
    page.wait_for_function("t => window.dashboard.notifications.some(n => n.title === t)", arg=title)
    [found] = [n for n in notifications(page) if n["title"] == title]
    return found


def test_adjusting_points_needs_a_reason_and_lands_in_the_ledger(page: Page, live: Live) -> None:
    anna = live.store.members[ANNA[1]]
    before = live.api("GET", f"/api/admin/members/{anna}").json()
    open_in_dashboard(page, live, f"/app/loyalty/members/{anna}", ready="#adjust-points")
    app = app_frame(page)
    sent: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.post_data_json)
            if request.method == "POST" and request.url.endswith("/adjustments")
            else None
        ),
    )

    # No reason: the form says so under the reason input, and nothing is sent or changed.
    app.locator("#adjust-points").fill("25")
    app.get_by_test_id("adjust-submit").click()
    message = app.get_by_text("A reason is required")
    expect(message).to_be_visible()
    assert_under(app.locator("#adjust-reason"), message)
    assert sent == []

    # A reason the server finds too short: its field error shows under the same input.
    app.locator("#adjust-reason").fill("ok")
    app.get_by_test_id("adjust-submit").click()
    server_message = app.get_by_text("String should have at least 3 characters")
    expect(server_message).to_be_visible()
    assert_under(app.locator("#adjust-reason"), server_message)
    assert wait_for_notification(page, "The adjustment was refused")["status"] == "error"
    after_refusals = live.api("GET", f"/api/admin/members/{anna}").json()
    assert after_refusals["history"] == before["history"]
    assert after_refusals["member"]["points"] == before["member"]["points"]

    app.locator("#adjust-reason").fill("parcel arrived late")
    app.get_by_test_id("adjust-submit").click()
    done = wait_for_notification(page, "Points adjusted")
    assert done["status"] == "success"
    assert done["text"] == "+25 points adjusted by the shop: parcel arrived late"
    expected = before["member"]["points"]["available"] + 25
    expect(app.get_by_test_id("balance-available-value")).to_have_text(str(expected))
    expect(app.locator("#adjust-reason")).to_have_value("")

    # Two submissions went out (the refused one and this one), each with its own key.
    assert [body["points"] for body in sent] == [25, 25]
    keys = [body["idempotency_key"] for body in sent]
    assert all(UUID.match(key) for key in keys) and keys[0] != keys[1]

    after = live.api("GET", f"/api/admin/members/{anna}").json()
    entry = after["history"][0]
    assert (entry["kind"], entry["points"], entry["actor"]) == ("adjust", 25, "staff@example.com")
    assert after["member"]["points"]["available"] == expected
    assert len(after["history"]) == len(before["history"]) + 1
    expect(app.get_by_test_id("history-table-row").first).to_contain_text("parcel arrived late")


def test_program_form_sends_only_changes_and_shows_server_errors_inline(page: Page, live: Live) -> None:
    before = live.api("GET", "/api/admin/program").json()["program"]
    open_in_dashboard(page, live, "/app/loyalty/program", ready="#program-hold_days")
    app = app_frame(page)
    hold_days = app.locator("#program-hold_days")
    expect(hold_days).to_have_value(str(before["hold_days"]))
    expect(app.locator("#program-default_point_value")).to_have_value("0.01")  # "0.0100" from the API

    hold_days.fill("400")
    with page.expect_request(lambda r: r.method == "PUT" and r.url.endswith("/api/admin/program")) as put:
        app.get_by_test_id("program-save").click()
    assert put.value.post_data_json == {"hold_days": 400}
    field = app.get_by_test_id("field-hold_days")
    expect(field).to_contain_text("Input should be less than or equal to 365")
    assert_under(hold_days, field.get_by_text("less than or equal to 365"))
    assert wait_for_notification(page, "The program was not saved")["status"] == "error"
    assert live.api("GET", "/api/admin/program").json()["program"]["hold_days"] == before["hold_days"]

    hold_days.fill("21")
    app.locator("#program-redeem_min_points").fill("150")
    with page.expect_request(lambda r: r.method == "PUT" and r.url.endswith("/api/admin/program")) as put:
        app.get_by_test_id("program-save").click()
    assert put.value.post_data_json == {"hold_days": 21, "redeem_min_points": 150}
    assert wait_for_notification(page, "Program saved")["status"] == "success"
    expect(app.get_by_test_id("field-hold_days")).not_to_contain_text("less than")
    after = live.api("GET", "/api/admin/program").json()["program"]
    assert (after["hold_days"], after["redeem_min_points"], after["updated_by"]) == (
        21,
        150,
        "staff@example.com",
    )
    expect(app.get_by_test_id("program-save")).to_be_disabled()  # nothing left to save

    restore = {"hold_days": before["hold_days"], "redeem_min_points": before["redeem_min_points"]}
    assert live.api("PUT", "/api/admin/program", json=restore).status_code == 200


def test_channel_rule_added_through_the_form(page: Page, live: Live) -> None:
    open_in_dashboard(page, live, "/app/loyalty/program", ready="[data-testid=channel-table]")
    app = app_frame(page)
    app.get_by_test_id("channel-add").click()
    app.locator("#channel-slug").fill("deutschland")
    app.locator("#channel-currency").fill("euro")
    app.get_by_test_id("channel-save").click()
    currency = app.locator("#channel-currency")
    message = app.get_by_text("String should match pattern")
    expect(message).to_be_visible()
    assert_under(currency, message)

    currency.fill("EUR")
    app.locator("#channel-points_per_unit").fill("2")
    app.get_by_test_id("channel-save").click()
    expect(app.get_by_test_id("channel-table")).to_contain_text("deutschland")
    rules = {r["channel_slug"]: r for r in live.api("GET", "/api/admin/program").json()["channels"]}
    assert rules["deutschland"]["currency"] == "EUR"
    assert float(rules["deutschland"]["points_per_unit"]) == 2
    assert live.api("DELETE", "/api/admin/program/channels/deutschland").status_code == 204


def test_creating_a_fixed_amount_reward(page: Page, live: Live) -> None:
    open_in_dashboard(page, live, "/app/loyalty/rewards", ready="[data-testid=rewards-table-row]")
    app = app_frame(page)
    app.get_by_test_id("reward-add").click()
    app.locator("#reward-name").fill("10 USD off")
    app.locator("#reward-points_cost").fill("900")

    # No amount yet: the server's error shows under the amounts editor; nothing is created.
    app.get_by_test_id("reward-save").click()
    amounts = app.get_by_test_id("field-reward-amounts")
    expect(amounts).to_contain_text("is not an amount")
    assert wait_for_notification(page, "The reward was not created")["status"] == "error"
    assert "10 USD off" not in [r["name"] for r in live.api("GET", "/api/admin/rewards").json()]

    app.locator("#reward-amounts-0-amount").fill("10.00")
    app.get_by_test_id("reward-save").click()
    assert wait_for_notification(page, "Reward created")["text"] == "10 USD off"
    expect(app.get_by_test_id("rewards-table")).to_contain_text("10 USD off")
    [created] = [r for r in live.api("GET", "/api/admin/rewards").json() if r["name"] == "10 USD off"]
    assert (created["kind"], created["points_cost"], created["amounts"]) == (
        "fixed_amount",
        900,
        {"USD": "10.00"},
    )
    assert created["is_active"] is True


def test_partner_reward_and_its_codes(page: Page, live: Live) -> None:
    open_in_dashboard(page, live, "/app/loyalty/rewards", ready="[data-testid=rewards-table-row]")
    app = app_frame(page)
    app.get_by_test_id("reward-add").click()
    app.locator("#reward-name").fill("Coffee at our partner café")
    app.locator("#reward-points_cost").fill("1000")
    app.get_by_role("combobox", name="Kind").click()
    app.get_by_role("option", name="Partner code").click()
    expect(app.get_by_test_id("field-reward-amounts")).to_have_count(0)  # partner rewards have no amounts
    app.get_by_test_id("reward-save").click()
    wait_for_notification(page, "Reward created")

    # The new partner reward stays open, ready for its codes.
    codes = app.get_by_test_id("partner-codes")
    expect(codes).to_contain_text("0 of 0 codes left")
    app.locator("#partner-codes-input").fill("CAFE-0001\nCAFE-0002\n\nCAFE-0001\n")
    app.get_by_test_id("partner-codes-upload").click()
    expect(app.get_by_test_id("partner-codes-count")).to_have_text("2 of 2 codes left to hand out")
    assert wait_for_notification(page, "Partner codes added")["status"] == "success"
    [reward] = [r for r in live.api("GET", "/api/admin/rewards").json() if r["kind"] == "partner"]
    assert (reward["name"], reward["codes_total"], reward["codes_free"]) == (
        "Coffee at our partner café",
        2,
        2,
    )

    # Deactivating it, with the confirmation in place.
    app.get_by_role("button", name="Close").click()
    row = app.get_by_test_id("rewards-table-row").filter(has_text="Coffee at our partner café")
    expect(row).to_contain_text("2 of 2 codes left")
    row.get_by_role("button", name="Deactivate").click()
    row.get_by_role("alertdialog").get_by_role("button", name="Deactivate").click()
    expect(row).to_contain_text("inactive")
    assert live.api("GET", f"/api/admin/rewards/{reward['id']}").json()["is_active"] is False


def test_member_history_pages_enrolment_export_and_erasure(page: Page, live: Live) -> None:
    """A member of this test's own (the shared store keeps its four): 55 entries, two pages of history."""
    erin = ("VXNlcjo3Nw==", "erin.holm@example.com")
    live.deliver(
        "CUSTOMER_CREATED",
        customer_body(live.saleor, user_id=erin[0], email=erin[1], first_name="Erin", last_name="Holm"),
    )
    [member] = live.api("GET", "/api/admin/members", params={"search": "erin"}).json()["members"]
    for n in range(55):
        body = {"points": 1, "reason": f"goodwill point {n}", "idempotency_key": f"erin-goodwill-{n}"}
        assert (
            live.api("POST", f"/api/admin/members/{member['id']}/adjustments", json=body).status_code == 201
        )

    open_in_dashboard(
        page, live, f"/app/loyalty/members/{member['id']}", ready="[data-testid=history-table-row]"
    )
    app = app_frame(page)
    rows = app.get_by_test_id("history-table-row")
    expect(rows).to_have_count(50)
    with page.expect_request(lambda r: "cursor=" in r.url):
        app.get_by_test_id("history-more").click()
    expect(rows).to_have_count(55)
    expect(rows.last).to_contain_text("goodwill point 0")
    expect(app.get_by_test_id("history-more")).to_have_count(0)

    app.get_by_role("button", name="Unenrol").click()
    expect(app.get_by_test_id("member-enrolment")).to_have_text("Not enrolled")
    assert live.api("GET", f"/api/admin/members/{member['id']}").json()["member"]["enrolled"] is False
    app.get_by_role("button", name="Enrol", exact=True).click()
    expect(app.get_by_test_id("member-enrolment")).to_have_text("Enrolled")
    assert wait_for_notification(page, "Member enrolled")["status"] == "success"

    with page.expect_download() as download_info:
        app.get_by_test_id("export-member").click()
    download = download_info.value
    assert download.suggested_filename == f"lojal-member-{member['id']}.json"
    exported = json.loads(Path(download.path()).read_text())
    assert erin[1] in json.dumps(exported)

    app.get_by_test_id("erase-member").click()
    confirm = app.get_by_test_id("erase-member-confirm")
    expect(confirm).to_contain_text("cannot be undone")
    assert live.api("GET", f"/api/admin/members/{member['id']}").json()["member"]["email"] == erin[1]
    confirm.get_by_role("button", name="Erase personal data").click()
    expect(app.get_by_test_id("member-title")).to_have_text(f"Member #{member['id']}")
    expect(app.get_by_text("Personal data erased").first).to_be_visible()
    erased = live.api("GET", f"/api/admin/members/{member['id']}").json()["member"]
    assert (erased["email"], erased["first_name"], erased["points"]["available"]) == (None, None, 55)


def test_multiplier_added_and_removed(page: Page, live: Live) -> None:
    open_in_dashboard(page, live, "/app/loyalty/program", ready="[data-testid=multiplier-table-empty]")
    app = app_frame(page)
    app.get_by_test_id("multiplier-add").click()
    app.locator("#multiplier-name").fill("Double points on sustainable")
    app.locator("#multiplier-target").fill("sustainable")
    app.locator("#multiplier-factor").fill("0")
    app.get_by_test_id("multiplier-save").click()
    factor_error = app.get_by_text("Input should be greater than 0")
    expect(factor_error).to_be_visible()
    assert_under(app.locator("#multiplier-factor"), factor_error)
    assert live.api("GET", "/api/admin/program").json()["multipliers"] == []

    app.locator("#multiplier-factor").fill("2")
    app.get_by_test_id("multiplier-save").click()
    table = app.get_by_test_id("multiplier-table")
    expect(table).to_contain_text("Double points on sustainable")
    expect(table).to_contain_text("collection sustainable")
    [added] = live.api("GET", "/api/admin/program").json()["multipliers"]
    assert (added["target_type"], added["target"], float(added["factor"])) == (
        "collection",
        "sustainable",
        2.0,
    )

    table.get_by_role("button", name="Remove").click()
    table.get_by_role("alertdialog").get_by_role("button", name="Remove").click()
    expect(app.get_by_test_id("multiplier-table-empty")).to_be_visible()
    assert live.api("GET", "/api/admin/program").json()["multipliers"] == []
