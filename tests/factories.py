"""Builders of webhook payloads shaped like the real deliveries (and our subscription queries), and of
database rows for tests that start below the HTTP layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.crypto import TokenCipher
from app.db import utcnow
from app.installations.models import Installation
from app.program.service import get_program
from tests.fake_saleor import FakeSaleor

JANE_ID = "VXNlcjo0Ng=="
JANE_EMAIL = "jane.loyal@example.com"


def money(amount: Decimal | int | str, currency: str) -> dict[str, Any]:
    # Saleor serialises amounts as JSON numbers (Python floats); Lojal must read them exactly.
    return {"amount": float(Decimal(str(amount))), "currency": currency}


def taxed(amount: Decimal | int | str, currency: str, tax: Decimal | int | str = 0) -> dict[str, Any]:
    net = Decimal(str(amount))
    gross = net + Decimal(str(tax))
    return {
        "gross": money(gross, currency),
        "net": money(net, currency),
        "tax": money(tax, currency),
        "currency": currency,
    }


@dataclass
class Line:
    amount: Decimal | int | str
    product_id: str = "UHJvZHVjdDoxMzQ="
    category: tuple[str, str] = ("Q2F0ZWdvcnk6Mzk=", "t-shirts")
    collections: list[tuple[str, str]] = field(default_factory=list)
    quantity: int = 1
    tax: Decimal | int | str = 0
    is_gift: bool = False
    name: str = "Monospace Tee"


def order_body(
    saleor: FakeSaleor,
    *,
    order_id: str = "T3JkZXI6MjE=",
    number: str = "21",
    lines: list[Line] | None = None,
    user: tuple[str, str] | None = (JANE_ID, JANE_EMAIL),
    email: str | None = JANE_EMAIL,
    channel: tuple[str, str] = ("default-channel", "USD"),
    shipping: Decimal | int | str = 0,
    refunded: Decimal | int | str = 0,
    status: str = "UNFULFILLED",
    charge_status: str = "FULL",
    voucher_code: str | None = None,
    recipient: str | None = None,
    origin: str = "CHECKOUT",
    checkout_id: str | None = "Q2hlY2tvdXQ6MQ==",
) -> dict[str, Any]:
    lines = lines if lines is not None else [Line(24), Line(50, product_id="UHJvZHVjdDoxMzA=")]
    slug, currency = channel
    subtotal = sum((Decimal(str(line.amount)) for line in lines), Decimal(0))
    total = subtotal + Decimal(str(shipping))
    refunded_amount = Decimal(str(refunded))
    order = {
        "id": order_id,
        "number": number,
        "created": "2026-11-24T19:55:51.232507+00:00",
        "status": status,
        "chargeStatus": charge_status,
        "origin": origin,
        "checkoutId": checkout_id,
        "userEmail": email,
        "user": {"id": user[0], "email": user[1]} if user else None,
        "channel": {"id": "Q2hhbm5lbDox", "slug": slug, "currencyCode": currency},
        "lines": [
            {
                "id": f"T3JkZXJMaW5lOi{index}",
                "productName": line.name,
                "productSku": f"sku-{index}",
                "productVariantId": f"UHJvZHVjdFZhcmlhbnQ6{index}",
                "quantity": line.quantity,
                "isGift": line.is_gift,
                "totalPrice": taxed(line.amount, currency, line.tax),
                "variant": {
                    "id": f"UHJvZHVjdFZhcmlhbnQ6{index}",
                    "product": {
                        "id": line.product_id,
                        "category": {"id": line.category[0], "slug": line.category[1]},
                        "collections": [{"id": cid, "slug": cslug} for cid, cslug in line.collections],
                    },
                },
            }
            for index, line in enumerate(lines)
        ],
        "subtotal": taxed(subtotal, currency),
        "total": taxed(total, currency),
        "shippingPrice": taxed(shipping, currency),
        # Saleor nets refunds out of totalCharged (README: 74 charged, 12 refunded → 62).
        "totalCharged": money(total - refunded_amount, currency),
        "totalRefunded": money(refunded_amount, currency),
        "voucherCode": voucher_code,
        "discounts": [],
    }
    return {**saleor.event_meta(recipient=recipient), "order": order}


def customer_body(
    saleor: FakeSaleor,
    *,
    user_id: str = JANE_ID,
    email: str = JANE_EMAIL,
    first_name: str = "Jane",
    last_name: str = "Doe",
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        **saleor.event_meta(),
        "user": {
            "id": user_id,
            "email": email,
            "firstName": first_name,
            "lastName": last_name,
            "isActive": True,
            "isStaff": False,
            "dateJoined": "2026-11-24T19:55:22.899215+00:00",
            "metadata": [{"key": k, "value": v} for k, v in (metadata or {}).items()],
        },
    }


async def create_installation(
    session: AsyncSession,
    *,
    saleor_api_url: str,
    app_id: str,
    jwks: dict[str, Any],
    token: str = "test-app-token",
    secret_key: str,
) -> Installation:
    installation = Installation(
        saleor_api_url=saleor_api_url,
        app_id=app_id,
        token_encrypted=TokenCipher(secret_key).encrypt(token),
        jwks=jwks,
        jwks_fetched_at=utcnow(),
        is_active=True,
    )
    session.add(installation)
    await session.flush()
    await get_program(session, installation.id)
    return installation
