"""The shopper's checkout as Saleor tells it (never as the request says), for previews and redemptions.

A checkout is the shopper's only when Saleor says its user is the signed-in shopper: a guest checkout's
e-mail is self-declared and proves nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.errors import Forbidden, NotFound
from app.money import amount_text
from app.saleor.generated import SaleorClient
from app.saleor.generated.fragments import LojalCheckoutTotals
from app.saleor.generated.lojal_shopper_checkout import LojalShopperCheckoutCheckoutLines
from app.saleor.transport import SaleorGraphQLError


class CheckoutNotFound(NotFound):
    error = "checkout_not_found"


class ForeignCheckout(Forbidden):
    error = "foreign_checkout"


def money(amount: Decimal | None) -> Decimal:
    """An amount as Saleor gave it, with at least cents ("50.0" → 50.00); absent means zero."""
    return Decimal(amount_text(amount if amount is not None else Decimal(0)))


@dataclass(frozen=True)
class CheckoutLine:
    line_id: str
    quantity: int
    variant_id: str
    product_id: str
    product_name: str
    category_ids: tuple[str, ...]  # id and slug of the category
    collection_ids: tuple[str, ...]  # ids and slugs of the collections
    net: Decimal
    gross: Decimal


@dataclass(frozen=True)
class Totals:
    """What the shopper pays (gross), as Saleor computed it after discounts."""

    voucher_code: str | None
    discount: Decimal
    subtotal: Decimal
    shipping: Decimal
    shipping_net: Decimal
    total: Decimal
    currency: str


def totals_of(checkout: LojalCheckoutTotals) -> Totals:
    return Totals(
        voucher_code=checkout.voucher_code,
        discount=money(checkout.discount.amount if checkout.discount else None),
        subtotal=money(checkout.subtotal_price.gross.amount),
        shipping=money(checkout.shipping_price.gross.amount),
        shipping_net=money(checkout.shipping_price.net.amount),
        total=money(checkout.total_price.gross.amount),
        currency=checkout.total_price.gross.currency,
    )


@dataclass(frozen=True)
class Checkout:
    checkout_id: str
    user_id: str
    channel_id: str
    channel_slug: str
    currency: str
    totals: Totals
    lines: tuple[CheckoutLine, ...]

    @property
    def variant_ids(self) -> tuple[str, ...]:
        return tuple(line.variant_id for line in self.lines)


def _line(line: LojalShopperCheckoutCheckoutLines) -> CheckoutLine:
    product = line.variant.product
    category = product.category
    return CheckoutLine(
        line_id=line.id,
        quantity=line.quantity,
        variant_id=line.variant.id,
        product_id=product.id,
        product_name=product.name,
        category_ids=(category.id, category.slug) if category else (),
        collection_ids=tuple(x for c in product.collections or [] for x in (c.id, c.slug)),
        net=money(line.total_price.net.amount),
        gross=money(line.total_price.gross.amount),
    )


async def shopper_checkout(client: SaleorClient, checkout_id: str, shopper_user_id: str) -> Checkout:
    """The checkout, when it belongs to this shopper: CheckoutNotFound or ForeignCheckout otherwise."""
    try:
        found = await client.lojal_shopper_checkout(id=checkout_id)
    except SaleorGraphQLError as exc:
        raise CheckoutNotFound("Saleor does not know this checkout id") from exc
    if found is None:
        raise CheckoutNotFound("no such checkout")
    if found.user is None or found.user.id != shopper_user_id:
        raise ForeignCheckout("this checkout does not belong to the signed-in shopper")
    return Checkout(
        checkout_id=found.id,
        user_id=found.user.id,
        channel_id=found.channel.id,
        channel_slug=found.channel.slug,
        currency=found.channel.currency_code,
        totals=totals_of(found),
        lines=tuple(_line(line) for line in found.lines),
    )
