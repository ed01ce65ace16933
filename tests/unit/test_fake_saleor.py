"""The fake Saleor itself, driven through Lojal's real client and documents: it must behave like the
Saleor 3.24 recorded in tests/fixtures/saleor (voucher_experiment.json, README "Voucher / promo-code
redemption") for tests of checkout redemption to mean anything."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app import clock
from app.errors import SaleorUnavailable
from app.saleor.transport import SaleorGraphQLError
from tests.fake_saleor import FakeNetwork, FakeSaleor
from tests.fake_saleor.saleor import CheckoutCompleteError
from tests.saleor_documents import DocumentClient
from webhooks.generated.fragments import LojalOrderFullyPaidEvent as OrderEvent

CODE = "LOJAL-7Q4M-2XKD"
CHANNEL_ID = "Q2hhbm5lbDox"
BALANCE_420 = "UHJvZHVjdFZhcmlhbnQ6MzQz"
BANANA_JUICE = "UHJvZHVjdFZhcmlhbnQ6Mzg2"


def client(network: FakeNetwork, saleor: FakeSaleor, token: str | None = None) -> DocumentClient:
    return DocumentClient(
        saleor.api_url, token if token is not None else saleor.app_token, query_retries=1, transport=network
    )


async def create_reward(
    network: FakeNetwork,
    saleor: FakeSaleor,
    code: str = CODE,
    value: str = "5.00",
    *,
    points: str = "500",
    **voucher_input: Any,
) -> str:
    """The voucher Lojal makes for a redemption, step by step as in voucher_experiment.json."""
    saleor_client = client(network, saleor)
    created = await saleor_client.execute(
        "voucher_create",
        {
            "input": {
                "name": f"Lojal reward: {points} points",
                "type": "ENTIRE_ORDER",
                "discountValueType": "FIXED",
                "addCodes": [code],
                "singleUse": True,
                "usageLimit": 1,
            }
            | voucher_input
        },
    )
    assert created["voucherCreate"]["errors"] == []
    voucher_id: str = created["voucherCreate"]["voucher"]["id"]
    listed = await saleor_client.execute(
        "voucher_channel_listing_update",
        {"id": voucher_id, "input": {"addChannels": [{"channelId": CHANNEL_ID, "discountValue": value}]}},
    )
    assert listed["voucherChannelListingUpdate"] == {"voucher": {"id": voucher_id}, "errors": []}
    tagged = await saleor_client.execute(
        "update_metadata",
        {
            "id": voucher_id,
            "input": [
                {"key": "lojal_customer_id", "value": "VXNlcjo0Ng=="},
                {"key": "lojal_points", "value": points},
            ],
        },
    )
    assert tagged["updateMetadata"] == {"item": {"__typename": "Voucher"}, "errors": []}
    return voucher_id


async def apply(
    network: FakeNetwork, saleor: FakeSaleor, checkout_id: str, code: str = CODE
) -> dict[str, Any]:
    data = await client(network, saleor).execute(
        "checkout_add_promo_code", {"id": checkout_id, "promoCode": code}
    )
    result: dict[str, Any] = data["checkoutAddPromoCode"]
    return result


async def read_checkout(network: FakeNetwork, saleor: FakeSaleor, checkout_id: str) -> dict[str, Any] | None:
    data = await client(network, saleor).execute("shopper_checkout", {"id": checkout_id})
    checkout: dict[str, Any] | None = data["checkout"]
    return checkout


def amounts(checkout: dict[str, Any]) -> tuple[float, float, float, float]:
    return (
        checkout["discount"]["amount"],
        checkout["subtotalPrice"]["gross"]["amount"],
        checkout["shippingPrice"]["gross"]["amount"],
        checkout["totalPrice"]["gross"]["amount"],
    )


def root_cause(error: BaseException) -> BaseException:
    while error.__cause__ is not None:
        error = error.__cause__
    return error


def invalid() -> list[dict[str, Any]]:
    return [{"field": "promoCode", "code": "INVALID", "message": "Promo code is invalid"}]


def not_applicable() -> list[dict[str, Any]]:
    return [
        {
            "field": "promoCode",
            "code": "VOUCHER_NOT_APPLICABLE",
            "message": "Voucher is not applicable to this checkout.",
        }
    ]


class TestTheRecordedExperiment:
    async def test_five_off_53_18_spreads_over_the_lines(
        self, network: FakeNetwork, saleor: FakeSaleor
    ) -> None:
        voucher_id = await create_reward(network, saleor)
        checkout_id = saleor.add_checkout()  # 50.00 + 2 x 1.59 = 53.18, Jane's
        applied = await apply(network, saleor, checkout_id)
        assert applied["errors"] == []
        assert applied["checkout"] == {
            "id": checkout_id,
            "voucherCode": CODE,
            "discount": {"amount": 5.0, "currency": "USD"},
            "discountName": "Lojal reward: 500 points",
            "subtotalPrice": {
                "gross": {"amount": 48.18, "currency": "USD"},
                "net": {"amount": 48.18, "currency": "USD"},
            },
            "shippingPrice": {
                "gross": {"amount": 0.0, "currency": "USD"},
                "net": {"amount": 0.0, "currency": "USD"},
            },
            "totalPrice": {
                "gross": {"amount": 48.18, "currency": "USD"},
                "net": {"amount": 48.18, "currency": "USD"},
            },
        }

        checkout = await read_checkout(network, saleor, checkout_id)
        assert checkout is not None
        assert checkout["user"] == {"id": "VXNlcjo0Ng==", "email": "jane.loyal@example.com"}
        assert checkout["channel"] == {"id": CHANNEL_ID, "slug": "default-channel", "currencyCode": "USD"}
        assert [(line["variant"]["id"], line["quantity"]) for line in checkout["lines"]] == [
            (BALANCE_420, 1),
            (BANANA_JUICE, 2),
        ]
        assert set(checkout["lines"][0]) == {"id", "quantity", "totalPrice", "variant"}  # only what is asked

        body = saleor.complete_checkout(checkout_id, number="24")
        order = body["order"]
        assert [line["totalPrice"]["gross"]["amount"] for line in order["lines"]] == [45.3, 2.88]
        assert [line["unitPrice"]["gross"]["amount"] for line in order["lines"]] == [45.3, 1.44]
        assert order["subtotal"]["gross"]["amount"] == order["total"]["gross"]["amount"] == 48.18
        assert order["totalCharged"] == {"amount": 48.18, "currency": "USD"}
        assert order["voucherCode"] == CODE
        assert order["discounts"][0] | {"id": None} == {
            "id": None,
            "type": "VOUCHER",
            "name": "Lojal reward: 500 points",
            "valueType": "FIXED",
            "value": 5.0,
            "reason": None,
            "total": {"amount": 5.0, "currency": "USD"},
        }
        parsed = OrderEvent.model_validate(body).order
        assert parsed.total.gross.amount == Decimal("48.18")
        assert (parsed.checkout_id, parsed.origin, parsed.number) == (checkout_id, "CHECKOUT", "24")
        assert sum((line.total_price.gross.amount for line in parsed.lines), Decimal(0)) == Decimal("48.18")

        # Used up: single use deactivates the code; the usage limit makes `used` count.
        voucher = saleor.vouchers[voucher_id]
        assert voucher["codes"][CODE]["isActive"] is False
        assert (voucher["used"], voucher["codes"][CODE]["used"]) == (1, 1)
        assert checkout_id not in saleor.checkouts
        assert await read_checkout(network, saleor, checkout_id) is None

    async def test_a_fixed_value_above_the_subtotal_is_capped_and_never_touches_shipping(
        self, network: FakeNetwork, saleor: FakeSaleor
    ) -> None:
        await create_reward(network, saleor, "LOJAL-CANCEL-TEST-1", "60.00", usageLimit=None)
        no_shipping = saleor.add_checkout(lines=[(BALANCE_420, 1, "40.00")])
        assert amounts((await apply(network, saleor, no_shipping, "LOJAL-CANCEL-TEST-1"))["checkout"]) == (
            40.0,
            0.0,
            0.0,
            0.0,
        )
        shipped = saleor.add_checkout(lines=[(BALANCE_420, 1, "40.00")], shipping="4.99")
        assert amounts((await apply(network, saleor, shipped, "LOJAL-CANCEL-TEST-1"))["checkout"]) == (
            40.0,
            0.0,
            4.99,
            4.99,
        )
        order = saleor.complete_checkout(no_shipping)["order"]
        assert order["total"]["gross"]["amount"] == 0.0 and order["chargeStatus"] == "FULL"
        # No usage limit: `used` stays 0 but the single-use code is spent anyway (second experiment).
        voucher = saleor.voucher_for_code("LOJAL-CANCEL-TEST-1")
        assert voucher is not None
        assert (voucher["used"], voucher["codes"]["LOJAL-CANCEL-TEST-1"]["isActive"]) == (0, False)

    async def test_one_code_on_two_checkouts_only_the_first_completes(
        self, network: FakeNetwork, saleor: FakeSaleor
    ) -> None:
        await create_reward(network, saleor)
        first = saleor.add_checkout()
        second = saleor.add_checkout(lines=[(BALANCE_420, 1, "50.00")])
        assert (await apply(network, saleor, first))["errors"] == []
        assert (await apply(network, saleor, second))["errors"] == []  # applying reserves nothing
        saleor.complete_checkout(first)

        # The second checkout still shows the code and the discount...
        still = await read_checkout(network, saleor, second)
        assert still is not None and still["voucherCode"] == CODE
        assert amounts(still) == (5.0, 45.0, 0.0, 45.0)
        # ...but cannot complete, and stays open.
        with pytest.raises(CheckoutCompleteError) as failed:
            saleor.complete_checkout(second)
        assert failed.value.error == {
            "field": "voucherCode",
            "code": "VOUCHER_NOT_APPLICABLE",
            "message": "Voucher not applicable",
        }
        assert second in saleor.checkouts
        # A fresh checkout cannot take the used code at all.
        third = saleor.add_checkout()
        assert await apply(network, saleor, third) == {"checkout": None, "errors": invalid()}


class TestApplyingCodes:
    async def test_unknown_expired_unlisted_and_used_codes_are_invalid(
        self, network: FakeNetwork, saleor: FakeSaleor
    ) -> None:
        checkout_id = saleor.add_checkout()
        assert await apply(network, saleor, checkout_id, "NO-SUCH-CODE") == {
            "checkout": None,
            "errors": invalid(),
        }

        saleor.add_voucher("UNLISTED")  # no channel listing at all
        saleor.add_voucher("ELSEWHERE", value=5, channel_id="Q2hhbm5lbDoy")
        assert (await apply(network, saleor, checkout_id, "UNLISTED"))["errors"] == invalid()
        assert (await apply(network, saleor, checkout_id, "ELSEWHERE"))["errors"] == invalid()

        saleor.add_voucher("SHORT-LIVED", value=5, endDate=(clock.now() + timedelta(hours=1)).isoformat())
        assert (await apply(network, saleor, checkout_id, "SHORT-LIVED"))["errors"] == []
        clock.travel(timedelta(hours=2))  # the fake keeps Lojal's clock
        assert (await apply(network, saleor, checkout_id, "SHORT-LIVED"))["errors"] == invalid()

        saleor.add_voucher("ONCE", value=5, singleUse=True)
        used = saleor.add_checkout()
        assert (await apply(network, saleor, used, "ONCE"))["errors"] == []
        saleor.complete_checkout(used)
        assert (await apply(network, saleor, checkout_id, "ONCE"))["errors"] == invalid()

    async def test_a_failed_code_leaves_the_checkout_alone(
        self, network: FakeNetwork, saleor: FakeSaleor
    ) -> None:
        await create_reward(network, saleor)
        checkout_id = saleor.add_checkout()
        await apply(network, saleor, checkout_id)
        await apply(network, saleor, checkout_id, "NO-SUCH-CODE")
        assert saleor.checkout(checkout_id).voucher_code == CODE

    async def test_a_new_code_replaces_the_old_one(self, network: FakeNetwork, saleor: FakeSaleor) -> None:
        await create_reward(network, saleor)
        saleor.add_voucher("SHOPPER10", name="Ten percent", value_type="PERCENTAGE", value=10)
        checkout_id = saleor.add_checkout()
        assert (await apply(network, saleor, checkout_id))["checkout"]["voucherCode"] == CODE
        replaced = (await apply(network, saleor, checkout_id, "SHOPPER10"))["checkout"]
        assert replaced["voucherCode"] == "SHOPPER10"
        assert replaced["discountName"] == "Ten percent"
        assert amounts(replaced) == (5.32, 47.86, 0.0, 47.86)  # 10 % of 53.18 = 5.318 → 5.32

    async def test_minimum_spent_above_the_subtotal_is_not_applicable(
        self, network: FakeNetwork, saleor: FakeSaleor
    ) -> None:
        saleor.add_voucher("BIG-BASKET", value=5, min_amount_spent="100.00")
        checkout_id = saleor.add_checkout()
        assert await apply(network, saleor, checkout_id, "BIG-BASKET") == {
            "checkout": None,
            "errors": not_applicable(),
        }

    async def test_a_shipping_voucher_discounts_shipping_only(
        self, network: FakeNetwork, saleor: FakeSaleor
    ) -> None:
        saleor.add_voucher("HALF-SHIPPING", voucher_type="SHIPPING", value_type="PERCENTAGE", value=50)
        saleor.add_voucher("SHIP-5", voucher_type="SHIPPING", value=5)
        checkout_id = saleor.add_checkout(shipping="9.99")
        half = (await apply(network, saleor, checkout_id, "HALF-SHIPPING"))["checkout"]
        assert amounts(half) == (5.0, 53.18, 4.99, 58.17)  # 4.995 rounds half up to 5.00 off
        fixed = (await apply(network, saleor, checkout_id, "SHIP-5"))["checkout"]
        assert amounts(fixed) == (5.0, 53.18, 4.99, 58.17)
        # Saleor needs a delivery method to take anything off it.
        undecided = saleor.add_checkout(shipping=None)
        assert (await apply(network, saleor, undecided, "SHIP-5"))["errors"] == not_applicable()

        body = saleor.complete_checkout(checkout_id)
        order = OrderEvent.model_validate(body).order
        assert (order.subtotal.gross.amount, order.shipping_price.gross.amount) == (
            Decimal("53.18"),
            Decimal("4.99"),
        )
        assert order.total.gross.amount == Decimal("58.17")
        assert [(d.type_, d.total.amount if d.total else None) for d in order.discounts] == [
            ("VOUCHER", Decimal("5.0"))
        ]

    async def test_a_specific_product_voucher(self, network: FakeNetwork, saleor: FakeSaleor) -> None:
        lines: list[tuple[str, int, str]] = [(BALANCE_420, 1, "50.00"), (BANANA_JUICE, 3, "2.00")]
        checkout_id = saleor.add_checkout(lines=lines)
        saleor.add_voucher(
            "JUICE-CHEAPEST",
            voucher_type="SPECIFIC_PRODUCT",
            value_type="PERCENTAGE",
            value=50,
            variants=[BANANA_JUICE],
            applyOncePerOrder=True,
        )
        saleor.add_voucher(
            "JUICE-ALL",
            voucher_type="SPECIFIC_PRODUCT",
            value_type="PERCENTAGE",
            value=50,
            variants=[BANANA_JUICE],
        )
        saleor.add_voucher(
            "OTHER", voucher_type="SPECIFIC_PRODUCT", value=5, variants=["UHJvZHVjdFZhcmlhbnQ6MQ=="]
        )
        once = (await apply(network, saleor, checkout_id, "JUICE-CHEAPEST"))["checkout"]
        assert amounts(once) == (1.0, 55.0, 0.0, 55.0)  # one juice at half price
        every = (await apply(network, saleor, checkout_id, "JUICE-ALL"))["checkout"]
        assert amounts(every) == (3.0, 53.0, 0.0, 53.0)
        assert (await apply(network, saleor, checkout_id, "OTHER"))["errors"] == not_applicable()

        # Line-level vouchers show on the lines, not as an order discount.
        order = saleor.complete_checkout(checkout_id)["order"]
        assert order["discounts"] == []
        assert [(line["voucherCode"], line["totalPrice"]["gross"]["amount"]) for line in order["lines"]] == [
            (None, 50.0),
            ("JUICE-ALL", 3.0),
        ]
        assert order["lines"][1]["unitDiscount"] == {"amount": 1.0, "currency": "USD"}

    async def test_removing_a_code(self, network: FakeNetwork, saleor: FakeSaleor) -> None:
        await create_reward(network, saleor)
        saleor.add_voucher("SHOPPER10", value=10)
        checkout_id = saleor.add_checkout()
        await apply(network, saleor, checkout_id)
        saleor_client = client(network, saleor)

        async def remove(code: str) -> dict[str, Any]:
            data = await saleor_client.execute(
                "checkout_remove_promo_code", {"id": checkout_id, "promoCode": code}
            )
            result: dict[str, Any] = data["checkoutRemovePromoCode"]
            return result

        foreign = await remove("SHOPPER10")
        assert foreign["errors"] == [
            {
                "field": "promoCode",
                "code": "INVALID",
                "message": "Cannot remove a voucher not attached to this checkout.",
            }
        ]
        assert (await remove("NO-SUCH-CODE"))["errors"][0]["code"] == "NOT_FOUND"
        removed = await remove(CODE)
        assert removed["errors"] == []
        assert removed["checkout"]["voucherCode"] is None
        assert removed["checkout"]["discount"] == {"amount": 0.0, "currency": "USD"}
        assert removed["checkout"]["totalPrice"]["gross"]["amount"] == 53.18

    async def test_a_used_up_code_can_only_be_removed_by_voucher_id(
        self, network: FakeNetwork, saleor: FakeSaleor
    ) -> None:
        # Saleor finds the checkout's voucher through its active code: spent elsewhere, it is not "attached".
        voucher_id = await create_reward(network, saleor)
        first, second = saleor.add_checkout(), saleor.add_checkout()
        await apply(network, saleor, first)
        await apply(network, saleor, second)
        saleor.complete_checkout(first)
        assert saleor.remove_promo_code(second, CODE)[0]["code"] == "INVALID"
        assert saleor.checkout(second).voucher_code == CODE
        # By `promoCodeId` Saleor compares against all the voucher's codes, used or not.
        assert saleor.remove_promo_code(second, voucher_id=voucher_id) == []
        assert saleor.checkout(second).voucher_code is None
        assert saleor.checkout(second).total == Decimal("53.18")

    async def test_an_unknown_checkout(self, network: FakeNetwork, saleor: FakeSaleor) -> None:
        await create_reward(network, saleor)
        result = await apply(network, saleor, "Q2hlY2tvdXQ6bm9uZQ==")
        assert result == {
            "checkout": None,
            "errors": [
                {
                    "field": "id",
                    "code": "NOT_FOUND",
                    "message": "Couldn't resolve to a node: Q2hlY2tvdXQ6bm9uZQ==",
                }
            ],
        }


class TestVouchers:
    async def test_codes_are_globally_unique(self, network: FakeNetwork, saleor: FakeSaleor) -> None:
        await create_reward(network, saleor)
        again = await client(network, saleor).execute(
            "voucher_create", {"input": {"name": "again", "addCodes": [CODE]}}
        )
        assert again["voucherCreate"] == {
            "voucher": None,
            # Saleor names the field "codes" although the input is `addCodes`.
            "errors": [{"field": "codes", "code": "ALREADY_EXISTS", "message": "Promo code already exists."}],
        }
        assert len(saleor.vouchers) == 1

    async def test_voucher_mutations_need_the_app_token(
        self, network: FakeNetwork, saleor: FakeSaleor
    ) -> None:
        with pytest.raises(SaleorGraphQLError, match="MANAGE_DISCOUNTS"):
            await client(network, saleor, token="not-the-app").execute(
                "voucher_create", {"input": {"name": "x", "addCodes": ["X"]}}
            )
        assert saleor.vouchers == {}

    async def test_channel_listing_values_are_checked(self, network: FakeNetwork, saleor: FakeSaleor) -> None:
        voucher_id = saleor.add_voucher("PCT", value_type="PERCENTAGE")
        listed = await client(network, saleor).execute(
            "voucher_channel_listing_update",
            {"id": voucher_id, "input": {"addChannels": [{"channelId": CHANNEL_ID, "discountValue": "101"}]}},
        )
        assert listed["voucherChannelListingUpdate"]["errors"] == [
            {"field": "discountValue", "code": "INVALID", "message": "Invalid percentage value."}
        ]
        assert saleor.vouchers[voucher_id]["channelListings"] == {}

    async def test_delete(self, network: FakeNetwork, saleor: FakeSaleor) -> None:
        voucher_id = await create_reward(network, saleor)
        checkout_id = saleor.add_checkout()
        await apply(network, saleor, checkout_id)
        saleor_client = client(network, saleor)
        deleted = await saleor_client.execute("voucher_delete", {"id": voucher_id})
        assert deleted["voucherDelete"] == {"voucher": {"id": voucher_id}, "errors": []}
        again = await saleor_client.execute("voucher_delete", {"id": voucher_id})
        assert again["voucherDelete"]["errors"][0]["code"] == "NOT_FOUND"
        # The checkout keeps the code as text and fails to complete.
        assert saleor.checkout(checkout_id).voucher_code == CODE
        with pytest.raises(CheckoutCompleteError):
            saleor.complete_checkout(checkout_id)

    async def test_metadata_filter_and_pagination(self, network: FakeNetwork, saleor: FakeSaleor) -> None:
        ours = [
            saleor.add_voucher(f"LOJAL-{n:03}", metadata={"lojal.installation": "1", "n": str(n)})
            for n in range(105)
        ]
        saleor.add_voucher("LOJAL-OTHER", metadata={"lojal.installation": "2"})
        saleor.add_voucher("UNTAGGED")
        saleor_client = client(network, saleor)
        first = (await saleor_client.execute("lojal_vouchers", {"installation": "1"}))["vouchers"]
        assert len(first["edges"]) == 100 and first["pageInfo"]["hasNextPage"] is True
        assert first["edges"][0]["node"]["metadata"] == [
            {"key": "lojal.installation", "value": "1"},
            {"key": "n", "value": "0"},
        ]
        after = first["pageInfo"]["endCursor"]
        second = (await saleor_client.execute("lojal_vouchers", {"installation": "1", "after": after}))[
            "vouchers"
        ]
        assert len(second["edges"]) == 5 and second["pageInfo"]["hasNextPage"] is False
        seen = [edge["node"]["id"] for edge in first["edges"] + second["edges"]]
        assert seen == ours
        other = (await saleor_client.execute("lojal_vouchers", {"installation": "2"}))["vouchers"]
        assert len(other["edges"]) == 1
        assert (await saleor_client.execute("lojal_vouchers", {"installation": "3"}))["vouchers"] == {
            "edges": [],
            "pageInfo": {"hasNextPage": False, "endCursor": None},
        }

    async def test_search_by_code(self, network: FakeNetwork, saleor: FakeSaleor) -> None:
        voucher_id = await create_reward(network, saleor)
        saleor.add_voucher("LOJAL-7Q4M-2XKD-LONGER")
        saleor.add_voucher("SUMMER", name="Summer sale")
        saleor_client = client(network, saleor)
        found = (await saleor_client.execute("voucher_search", {"code": CODE}))["vouchers"]["edges"]
        # Saleor searches case-insensitive substrings of names and codes: callers must compare codes exactly.
        assert [edge["node"]["codes"]["edges"][0]["node"]["code"] for edge in found] == [
            CODE,
            "LOJAL-7Q4M-2XKD-LONGER",
        ]
        assert found[0]["node"]["id"] == voucher_id
        by_name = (await saleor_client.execute("voucher_search", {"code": "summer"}))["vouchers"]["edges"]
        assert len(by_name) == 1
        assert (await saleor_client.execute("voucher_search", {"code": "NOPE"}))["vouchers"]["edges"] == []


class TestFailures:
    async def test_a_server_error_changes_nothing(self, network: FakeNetwork, saleor: FakeSaleor) -> None:
        saleor.fail_operations["LojalVoucherCreate"] = 1
        with pytest.raises(SaleorUnavailable):
            await create_reward(network, saleor)
        assert saleor.vouchers == {}
        assert saleor.fail_operations["LojalVoucherCreate"] == 0

    async def test_a_timeout_before_anything_happens(self, network: FakeNetwork, saleor: FakeSaleor) -> None:
        # Raised inside the ASGI app, httpx.ReadTimeout reaches the client through httpx.ASGITransport.
        saleor.timeout_operations["LojalVoucherCreate"] = 1
        with pytest.raises(SaleorUnavailable) as failed:
            await create_reward(network, saleor)
        # gql wraps it as TransportConnectionFailed, exactly as it would a real timeout.
        assert isinstance(root_cause(failed.value), httpx.ReadTimeout)
        assert saleor.vouchers == {}
        assert [name for name, _ in saleor.calls] == ["LojalVoucherCreate"]  # sent once, never retried
        await create_reward(network, saleor)  # the counter is used up
        assert len(saleor.vouchers) == 1

    async def test_a_timeout_on_a_query_is_retried(self, network: FakeNetwork, saleor: FakeSaleor) -> None:
        checkout_id = saleor.add_checkout()
        saleor.timeout_operations["LojalShopperCheckout"] = 1
        checkout = await read_checkout(network, saleor, checkout_id)
        assert checkout is not None and checkout["id"] == checkout_id
        assert [name for name, _ in saleor.calls] == ["LojalShopperCheckout"] * 2

    async def test_a_lost_answer_after_the_change(self, network: FakeNetwork, saleor: FakeSaleor) -> None:
        await create_reward(network, saleor)
        checkout_id = saleor.add_checkout()
        saleor.lose_response_operations["LojalCheckoutAddPromoCode"] = 1
        with pytest.raises(SaleorUnavailable) as failed:
            await apply(network, saleor, checkout_id)
        assert isinstance(root_cause(failed.value), httpx.ReadTimeout)
        # The caller saw a timeout, but the code sits on the checkout.
        assert saleor.checkout(checkout_id).voucher_code == CODE
        assert saleor.lose_response_operations["LojalCheckoutAddPromoCode"] == 0


class TestCompatibility:
    async def test_the_preview_query_renders_modelled_checkouts(
        self, network: FakeNetwork, saleor: FakeSaleor
    ) -> None:
        await create_reward(network, saleor)
        checkout_id = saleor.add_checkout(shipping="4.00")
        await apply(network, saleor, checkout_id)
        checkout = (await client(network, saleor).execute("shopper_checkout", {"id": checkout_id}))[
            "checkout"
        ]
        # Line totals already carry their share of the voucher, as Saleor's do.
        assert [line["totalPrice"] for line in checkout["lines"]] == [
            {"gross": {"amount": 45.3, "currency": "USD"}, "net": {"amount": 45.3, "currency": "USD"}},
            {"gross": {"amount": 2.88, "currency": "USD"}, "net": {"amount": 2.88, "currency": "USD"}},
        ]
        assert checkout["shippingPrice"] == {
            "gross": {"amount": 4.0, "currency": "USD"},
            "net": {"amount": 4.0, "currency": "USD"},
        }
        assert checkout["channel"] == {"id": CHANNEL_ID, "slug": "default-channel", "currencyCode": "USD"}
        assert set(checkout["lines"][0]["variant"]["product"]) == {"id", "name", "category", "collections"}

    async def test_a_ready_made_checkout_dict_is_answered_as_it_is(
        self, network: FakeNetwork, saleor: FakeSaleor
    ) -> None:
        saleor.checkouts["Q2hlY2tvdXQ6MQ=="] = {
            "id": "Q2hlY2tvdXQ6MQ==",
            "email": "a@example.com",
            "lines": [],
        }
        checkout = (await client(network, saleor).execute("shopper_checkout", {"id": "Q2hlY2tvdXQ6MQ=="}))[
            "checkout"
        ]
        assert checkout == {"id": "Q2hlY2tvdXQ6MQ==", "email": "a@example.com", "lines": []}

    async def test_an_order_for_a_guest_goes_to_the_account_with_that_email(self, saleor: FakeSaleor) -> None:
        saleor.users["VXNlcjo0Ng=="] = {
            "email": "jane.loyal@example.com",
            "metadata": {"lojal_optin": "true"},
        }
        checkout_id = saleor.add_checkout(user=None, email="Jane.Loyal@example.com")
        order = OrderEvent.model_validate(
            saleor.complete_checkout(checkout_id, order_id="T3JkZXI6MzA=")
        ).order
        assert order.user is not None and order.user.id == "VXNlcjo0Ng=="
        assert (order.id, order.user_email, order.voucher_code) == (
            "T3JkZXI6MzA=",
            "Jane.Loyal@example.com",
            None,
        )
        assert saleor.orders["T3JkZXI6MzA="]["user"]["metadata"] == [{"key": "lojal_optin", "value": "true"}]
