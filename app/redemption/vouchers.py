"""Lojal's single-use Saleor vouchers: created and applied for a redemption, taken off a checkout,
found by code or by our metadata tag, and deleted. Every call goes through the typed Saleor client."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import structlog
from pydantic import ValidationError

from app.errors import Conflict, LojalError, PermanentFailure, SaleorUnavailable
from app.saleor.checkouts import Totals, totals_of
from app.saleor.generated import SaleorClient
from app.saleor.generated.enums import DiscountValueTypeEnum, VoucherTypeEnum
from app.saleor.generated.input_types import (
    MetadataInput,
    VoucherChannelListingAddInput,
    VoucherChannelListingInput,
    VoucherInput,
)
from app.saleor.transport import SaleorGraphQLError

log = structlog.get_logger(__name__)

METADATA_INSTALLATION = "lojal.installation"
METADATA_HOLD = "lojal.hold"
# What a failed Saleor call can raise: unreachable, refused, or an answer that is not what we asked for.
SALEOR_FAILURES = (LojalError, SaleorGraphQLError, ValidationError)


class DiscountRefused(Conflict):
    error = "discount_refused"


class CodeNotRemoved(SaleorUnavailable):
    """Saleor answered but would not take the code off the checkout."""


def new_voucher_code() -> str:
    """An unguessable bearer code: 80 random bits in four groups (LOJAL-ABCD-EFGH-IJKL-MNOP)."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode()
    return "LOJAL-" + "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class VoucherSpec:
    """The voucher a redemption asks Saleor for."""

    name: str
    code: str
    voucher_type: str  # ENTIRE_ORDER | SHIPPING | SPECIFIC_PRODUCT
    value_type: str  # FIXED | PERCENTAGE
    value: Decimal  # the channel listing's discountValue
    ends_at: datetime
    variants: tuple[str, ...] = ()
    apply_once_per_order: bool = False


@dataclass
class Progress:
    """How far a discount got in Saleor, so a failure knows what to clean up."""

    voucher_id: str | None = None


async def create_discount(
    client: SaleorClient,
    progress: Progress,
    spec: VoucherSpec,
    *,
    installation_id: int,
    hold_id: int,
    checkout_id: str,
    channel_id: str,
) -> tuple[str, Totals]:
    """The voucher in Saleor (single use, ending with the hold), valued in the checkout's channel,
    tagged as ours and applied to the checkout. Returns the voucher id and the checkout's new totals."""
    voucher = VoucherInput(
        name=spec.name,
        type_=VoucherTypeEnum(spec.voucher_type),
        discount_value_type=DiscountValueTypeEnum(spec.value_type),
        add_codes=[spec.code],
        single_use=True,
        usage_limit=1,
        apply_once_per_customer=False,
        only_for_staff=False,
        end_date=spec.ends_at,
    )
    if spec.variants:
        voucher.variants = list(spec.variants)
        voucher.apply_once_per_order = spec.apply_once_per_order
    created = await client.lojal_voucher_create(input=voucher)
    if created is None or created.errors or created.voucher is None:
        raise SaleorUnavailable("Saleor did not create the discount voucher")
    progress.voucher_id = voucher_id = created.voucher.id
    listing = await client.lojal_voucher_channel_listing_update(
        id=voucher_id,
        input=VoucherChannelListingInput(
            add_channels=[VoucherChannelListingAddInput(channel_id=channel_id, discount_value=spec.value)]
        ),
    )
    if listing is None or listing.errors:
        raise SaleorUnavailable("Saleor did not set the voucher's value for this channel")
    tagged = await client.lojal_update_metadata(
        id=voucher_id,
        input=[
            MetadataInput(key=METADATA_INSTALLATION, value=str(installation_id)),
            MetadataInput(key=METADATA_HOLD, value=str(hold_id)),
        ],
    )
    if tagged is None or tagged.errors:
        raise SaleorUnavailable("Saleor did not tag the voucher")
    applied = await client.lojal_checkout_add_promo_code(id=checkout_id, promo_code=spec.code)
    if applied is not None and applied.errors:
        error = applied.errors[0]
        raise DiscountRefused(
            f"Saleor did not apply the discount to this checkout: {error.message or error.code}"
        )
    if applied is None or applied.checkout is None:
        raise SaleorUnavailable("Saleor did not return the checkout")
    return voucher_id, totals_of(applied.checkout)


async def remove_code(
    client: SaleorClient, checkout_id: str, voucher_id: str | None, code: str
) -> Totals | None:
    """Take our code off a checkout: the checkout's totals after (None if Saleor did not return it).
    Raises SaleorUnavailable when Saleor refused, so nothing is given back while the code still counts.

    By voucher id when known: Saleor refuses removal by code once the code is spent or expired, which
    would leave a dead code stuck on the checkout."""
    if voucher_id is not None:
        removed = await client.lojal_checkout_remove_promo_code(id=checkout_id, promo_code_id=voucher_id)
    else:
        removed = await client.lojal_checkout_remove_promo_code(id=checkout_id, promo_code=code)
    if removed is not None and removed.errors:
        raise CodeNotRemoved("Saleor did not remove the discount; nothing changed, try again")
    return totals_of(removed.checkout) if removed is not None and removed.checkout is not None else None


async def delete_voucher(client: SaleorClient, voucher_id: str) -> bool:
    """Delete a voucher; one that is already gone counts as deleted. False when it was already gone."""
    deleted = await client.lojal_voucher_delete(id=voucher_id)
    errors = deleted.errors if deleted is not None else []
    if any(error.code != "NOT_FOUND" for error in errors):
        raise PermanentFailure("Saleor refused to delete the voucher: " + ", ".join(e.code for e in errors))
    return not errors


async def delete_voucher_now(client: SaleorClient, voucher_id: str) -> None:
    """Best effort; the outbox message queued with the release finishes the job if this fails."""
    try:
        await delete_voucher(client, voucher_id)
    except (*SALEOR_FAILURES, PermanentFailure) as exc:
        log.warning("voucher_delete_deferred", error=type(exc).__name__)


async def take_off_and_delete_now(client: SaleorClient, checkout_id: str, voucher_id: str) -> None:
    """After a failed redemption: Saleor may have applied the code although its answer was lost, so take
    it off the checkout first (only possible while the voucher exists), then delete the voucher. If the
    removal cannot be sent, leave both to the queued outbox message, which does them in that order."""
    try:
        await client.lojal_checkout_remove_promo_code(id=checkout_id, promo_code_id=voucher_id)
    except SALEOR_FAILURES as exc:
        log.warning("voucher_cleanup_deferred", error=type(exc).__name__)
        return
    await delete_voucher_now(client, voucher_id)


async def voucher_ids_for_code(client: SaleorClient, code: str) -> list[str]:
    """Vouchers carrying this exact code (Saleor's search also matches parts of codes and names)."""
    found = await client.lojal_voucher_search(code=code)
    return [
        edge.node.id
        for edge in (found.edges if found is not None else [])
        if edge.node.codes is not None and code in {c.node.code for c in edge.node.codes.edges}
    ]


async def tagged_vouchers(client: SaleorClient, installation_id: int) -> dict[str, int | None]:
    """Every voucher tagged as this installation's: voucher id → the hold id its tag names (if any)."""
    tagged: dict[str, int | None] = {}
    after: str | None = None
    while True:
        page = await client.lojal_vouchers(after=after, installation=str(installation_id))
        if page is None:
            return tagged
        for edge in page.edges:
            metadata = {item.key: item.value for item in edge.node.metadata}
            hold_id = metadata.get(METADATA_HOLD)
            tagged[edge.node.id] = int(hold_id) if hold_id and hold_id.isdigit() else None
        if not page.page_info.has_next_page:
            return tagged
        after = page.page_info.end_cursor
