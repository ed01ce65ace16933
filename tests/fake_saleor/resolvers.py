"""The fake's answers to Lojal's GraphQL operations, one handler per operation name. Each handler gets the
fake Saleor, the root field's arguments and whether the app token was used, and returns whole objects;
the executor validates the document before and cuts the answer down after."""

from __future__ import annotations

import base64
import json
import secrets
from typing import TYPE_CHECKING, Any

from tests.fake_saleor.errors import GraphQLFieldError, _not_found, _require_permission
from tests.fake_saleor.executor import GraphQLHandler
from tests.fake_saleor.model import ZERO, _cents, _decimal
from tests.fake_saleor.render import _connection

if TYPE_CHECKING:
    from tests.fake_saleor.saleor import FakeSaleor


def _no_permission(field_name: str) -> dict[str, Any]:
    return {field_name: None}


def _app_id(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    # Saleor treats an unknown or dead app token as anonymous: `app` is null, HTTP 200.
    return {"app": {"id": fake.app_id} if as_app else None}


def _app_webhooks(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    if not as_app:
        return {"app": None}
    return {"app": {"id": fake.app_id, "webhooks": list(fake.webhooks.values())}}


def _webhook_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": data["name"],
        "targetUrl": data["targetUrl"],
        "isActive": data.get("isActive", True),
        "subscriptionQuery": data["query"],
        "asyncEvents": [{"eventType": e} for e in data.get("asyncEvents", [])],
    }


def _webhook_create(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    if not as_app:
        return _no_permission("webhookCreate")
    webhook_id = base64.b64encode(f"Webhook:{len(fake.webhooks) + 1}".encode()).decode()
    fake.webhooks[webhook_id] = {"id": webhook_id, **_webhook_fields(args["input"])}
    return {"webhookCreate": {"webhook": {"id": webhook_id}, "errors": []}}


def _webhook_update(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    webhook_id = args["id"]
    if not as_app or webhook_id not in fake.webhooks:
        return {
            "webhookUpdate": {
                "webhook": None,
                "errors": [{"field": "id", "code": "NOT_FOUND", "message": None}],
            }
        }
    fake.webhooks[webhook_id].update(_webhook_fields(args["input"]))
    return {"webhookUpdate": {"webhook": {"id": webhook_id}, "errors": []}}


def _webhook_delete(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    webhook_id = args["id"]
    if not as_app or fake.webhooks.pop(webhook_id, None) is None:
        return {
            "webhookDelete": {
                "webhook": None,
                "errors": [{"field": "id", "code": "NOT_FOUND", "message": None}],
            }
        }
    return {"webhookDelete": {"webhook": {"id": webhook_id}, "errors": []}}


def _update_metadata(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    # Users (MANAGE_USERS) and vouchers (MANAGE_DISCOUNTS) both take public metadata from the app.
    typename, target = "User", fake.users.get(args["id"])
    if target is None and args["id"] in fake.vouchers:
        typename, target = "Voucher", fake.vouchers[args["id"]]
    if not as_app or target is None:
        error = {"field": "id", "code": "NOT_FOUND", "message": "Couldn't resolve to a node"}
        return {"updateMetadata": {"item": None, "errors": [error]}}
    metadata = target.setdefault("metadata", {})
    for item in args["input"]:
        metadata[item["key"]] = item["value"]
    return {"updateMetadata": {"item": {"__typename": typename}, "errors": []}}


def _checkout(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    # Lojal reads checkouts with its app token only; anonymous reads are not modelled.
    return {"checkout": fake.render_checkout(fake.checkouts.get(args["id"])) if as_app else None}


def _checkout_add_promo_code(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    errors = fake.add_promo_code(args["id"], args["promoCode"])
    checkout = None if errors else fake.render_checkout(fake.checkouts[args["id"]])
    return {"checkoutAddPromoCode": {"checkout": checkout, "errors": errors}}


def _checkout_remove_promo_code(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    errors = fake.remove_promo_code(args["id"], args.get("promoCode"), voucher_id=args.get("promoCodeId"))
    checkout = None if errors else fake.render_checkout(fake.checkouts[args["id"]])
    return {"checkoutRemovePromoCode": {"checkout": checkout, "errors": errors}}


def _code_errors(fake: FakeSaleor, codes: list[str]) -> list[dict[str, Any]]:
    # VoucherCreate._clean_new_codes: Saleor reports both problems on the field "codes", not "addCodes".
    duplicated = sorted({code for code in codes if codes.count(code) > 1})
    if duplicated:
        return [
            {
                "field": "codes",
                "code": "DUPLICATED_INPUT_ITEM",
                "message": "Duplicated promo codes provided.",
                "voucherCodes": duplicated,
            }
        ]
    taken = [code for code in codes if fake.voucher_for_code(code) is not None]
    if taken:
        return [
            {
                "field": "codes",
                "code": "ALREADY_EXISTS",
                "message": "Promo code already exists.",
                "voucherCodes": taken,
            }
        ]
    return []


def _voucher_create(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    _require_permission(as_app, "voucherCreate")
    data = dict(args["input"])
    # Saleor strips codes and makes one up for an empty code.
    data["addCodes"] = [code.strip() or secrets.token_hex(6).upper() for code in data.get("addCodes") or []]
    errors = _code_errors(fake, data["addCodes"])
    if errors:
        return {"voucherCreate": {"voucher": None, "errors": errors}}
    voucher_id = fake._create_voucher(data)
    return {"voucherCreate": {"voucher": fake.render_voucher(fake.vouchers[voucher_id]), "errors": []}}


def _listing_error(voucher: dict[str, Any], listing: dict[str, Any]) -> tuple[str, str] | None:
    # VoucherChannelListingUpdate.clean_discount_values, for two-decimal currencies.
    value = listing.get("discountValue")
    if value is None:
        new = listing["channelId"] not in voucher["channelListings"]
        return ("REQUIRED", "Value is required for voucher.") if new else None
    value = _decimal(value)
    if voucher["discountValueType"] == "FIXED" and value != _cents(value):
        return "INVALID", "Invalid amount precision."
    if voucher["discountValueType"] == "PERCENTAGE" and value > 100:
        return "INVALID", "Invalid percentage value."
    return None


def _listing_errors(voucher: dict[str, Any], added: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors = []
    for listing in added:
        problem = _listing_error(voucher, listing)
        if problem:
            code, message = problem
            errors.append(
                {
                    "field": "discountValue",
                    "code": code,
                    "message": message,
                    "channels": [listing["channelId"]],
                }
            )
    return errors


def _voucher_channel_listing_update(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    _require_permission(as_app, "voucherChannelListingUpdate")
    voucher = fake.vouchers.get(args["id"])
    if voucher is None:
        return {"voucherChannelListingUpdate": {"voucher": None, "errors": [_not_found(args["id"])]}}
    added = args["input"].get("addChannels") or []
    errors = _listing_errors(voucher, added)
    if errors:
        return {"voucherChannelListingUpdate": {"voucher": None, "errors": errors}}
    for listing in added:
        stored = voucher["channelListings"].setdefault(
            listing["channelId"], {"discountValue": ZERO, "minAmountSpent": None}
        )
        if listing.get("discountValue") is not None:
            stored["discountValue"] = _decimal(listing["discountValue"])
        if "minAmountSpent" in listing:
            spent = listing["minAmountSpent"]
            stored["minAmountSpent"] = None if spent is None else _decimal(spent)
    for channel_id in args["input"].get("removeChannels") or []:
        voucher["channelListings"].pop(channel_id, None)
    return {"voucherChannelListingUpdate": {"voucher": fake.render_voucher(voucher), "errors": []}}


def _voucher_delete(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    # Checkouts keep the deleted code as a string; they fail checkoutComplete later.
    _require_permission(as_app, "voucherDelete")
    voucher = fake.vouchers.pop(args["id"], None)
    if voucher is None:
        return {"voucherDelete": {"voucher": None, "errors": [_not_found(args["id"])]}}
    return {"voucherDelete": {"voucher": fake.render_voucher(voucher), "errors": []}}


def _voucher_matches(voucher: dict[str, Any], voucher_filter: dict[str, Any]) -> bool:
    for item in voucher_filter.get("metadata") or []:
        # Each item must match: a key with a value, or just the key when no value is given.
        if item["key"] not in voucher["metadata"]:
            return False
        if item.get("value") is not None and voucher["metadata"][item["key"]] != item["value"]:
            return False
    if voucher_filter.get("ids") and voucher["id"] not in voucher_filter["ids"]:
        return False
    search = (voucher_filter.get("search") or "").lower()
    if search:
        # Saleor's `ilike` lookup is a case-insensitive *substring* match, on the name and on every code.
        texts = [voucher["name"] or "", *voucher["codes"]]
        return any(search in text.lower() for text in texts)
    return True


def _voucher_cursor(voucher: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps([voucher["pk"]]).encode()).decode()


def _vouchers(fake: FakeSaleor, args: dict[str, Any], as_app: bool) -> dict[str, Any]:
    _require_permission(as_app, "vouchers")
    first = args.get("first")
    if first is None:
        raise GraphQLFieldError(
            "vouchers",
            "You must provide a `first` or `last` value to properly paginate the `vouchers` connection.",
        )
    if first > 100:
        raise GraphQLFieldError(
            "vouchers",
            f"Requesting {first} records on the `vouchers` connection exceeds the `first` limit of "
            "100 records.",
        )
    matching = sorted(
        (
            voucher
            for voucher in fake.vouchers.values()
            if _voucher_matches(voucher, args.get("filter") or {})
        ),
        key=lambda voucher: voucher["pk"],
    )
    total = len(matching)
    if args.get("after"):
        after_pk = json.loads(base64.b64decode(args["after"]))[0]
        matching = [voucher for voucher in matching if voucher["pk"] > after_pk]
    page = matching[:first]
    connection = _connection(
        [(_voucher_cursor(voucher), fake.render_voucher(voucher)) for voucher in page],
        has_next=len(matching) > first,
    )
    connection["pageInfo"]["hasPreviousPage"] = bool(args.get("after"))
    connection["totalCount"] = total
    return {"vouchers": connection}


GRAPHQL_HANDLERS: dict[str, GraphQLHandler] = {
    "LojalAppId": _app_id,
    "LojalAppWebhooks": _app_webhooks,
    "LojalWebhookCreate": _webhook_create,
    "LojalWebhookUpdate": _webhook_update,
    "LojalWebhookDelete": _webhook_delete,
    "LojalUpdateMetadata": _update_metadata,
    "LojalShopperCheckout": _checkout,
    "LojalCheckoutAddPromoCode": _checkout_add_promo_code,
    "LojalCheckoutRemovePromoCode": _checkout_remove_promo_code,
    "LojalVoucherCreate": _voucher_create,
    "LojalVoucherChannelListingUpdate": _voucher_channel_listing_update,
    "LojalVoucherDelete": _voucher_delete,
    "LojalVouchers": _vouchers,
    "LojalVoucherSearch": _vouchers,
}
