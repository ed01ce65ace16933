"""Promo codes on checkouts, as Saleor 3.24 applies and removes them (checkoutAddPromoCode,
checkoutRemovePromoCode): which codes are usable, what applying one fixes on the checkout, and the errors
Saleor answers instead."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import clock
from tests.fake_saleor.discounts import _compute_discount, _NotApplicable, _voucher_is_active
from tests.fake_saleor.errors import GraphQLFieldError, _not_found, _promo_code_error
from tests.fake_saleor.model import FakeCheckout

if TYPE_CHECKING:
    from tests.fake_saleor.saleor import FakeSaleor


def usable_voucher(fake: FakeSaleor, code: str, channel_id: str) -> dict[str, Any] | None:
    # get_voucher_code_instance: an active code of a voucher active in the checkout's channel.
    voucher = fake.voucher_for_code(code)
    if voucher is None or not voucher["codes"][code]["isActive"]:
        return None
    if not _voucher_is_active(voucher, clock.now()) or channel_id not in voucher["channelListings"]:
        return None
    return voucher


def _checkout_for_mutation(fake: FakeSaleor, checkout_id: str, field_name: str) -> FakeCheckout | None:
    checkout = fake.checkouts.get(checkout_id)
    if isinstance(checkout, dict):
        raise GraphQLFieldError(
            field_name, f"fake Saleor: checkout {checkout_id} is a ready-made dict; use add_checkout()"
        )
    return checkout


def add_promo_code(fake: FakeSaleor, checkout_id: str, code: str) -> list[dict[str, Any]]:
    """checkoutAddPromoCode; returns its `errors` ([] once applied). No permission is needed: anyone
    holding the checkout id may call it. Applying reserves nothing."""
    checkout = _checkout_for_mutation(fake, checkout_id, "checkoutAddPromoCode")
    if checkout is None:
        return [_not_found(checkout_id)]
    voucher = usable_voucher(fake, code, checkout.channel_id)
    if voucher is None:
        return [_promo_code_error("INVALID", "Promo code is invalid")]
    try:
        applied = _compute_discount(voucher, checkout)
    except _NotApplicable:
        return [_promo_code_error("VOUCHER_NOT_APPLICABLE", "Voucher is not applicable to this checkout.")]
    # One voucher per checkout: the new code replaces whatever code the checkout had.
    checkout.voucher_code = code
    checkout.discount_name = voucher["name"]
    checkout.applied = applied
    return []


def remove_promo_code(
    fake: FakeSaleor, checkout_id: str, code: str | None = None, *, voucher_id: str | None = None
) -> list[dict[str, Any]]:
    """checkoutRemovePromoCode by `promoCode` or by `promoCodeId` (a voucher id); returns its `errors`
    ([] once removed)."""
    checkout = _checkout_for_mutation(fake, checkout_id, "checkoutRemovePromoCode")
    if checkout is None:
        return [_not_found(checkout_id)]
    if (code is None) == (voucher_id is None):
        message = "Exactly one of 'promoCode' and 'promoCodeId' is required."
        return [_promo_code_error("GRAPHQL_ERROR", message)]
    if voucher_id is not None:
        return _remove_by_voucher_id(fake, checkout, voucher_id)
    assert code is not None
    if fake.voucher_for_code(code) is None:
        return [_promo_code_error("NOT_FOUND", "Promo code does not exists.")]
    # Saleor finds the checkout's voucher through its *active* code in an active voucher, so a code
    # another order used up (or of an expired voucher) cannot be removed: INVALID, like a foreign code.
    attached = (
        usable_voucher(fake, checkout.voucher_code, checkout.channel_id) if checkout.voucher_code else None
    )
    if attached is None or code not in attached["codes"]:
        return [_promo_code_error("INVALID", "Cannot remove a voucher not attached to this checkout.")]
    checkout.clear_voucher()
    return []


def _remove_by_voucher_id(fake: FakeSaleor, checkout: FakeCheckout, voucher_id: str) -> list[dict[str, Any]]:
    # By id Saleor compares the checkout's code with all the voucher's codes, active or not, so this also
    # removes a used-up or expired code. A checkout without any code answers success.
    if checkout.voucher_code is None:
        return []
    voucher = fake.vouchers.get(voucher_id)
    if voucher is None:
        return [_not_found(voucher_id, "promoCodeId")]
    if checkout.voucher_code not in voucher["codes"]:
        return [
            {
                "field": "promoCodeId",
                "code": "NOT_FOUND",
                "message": "Couldn't remove a promo code from a checkout.",
            }
        ]
    checkout.clear_voucher()
    return []
