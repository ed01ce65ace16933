"""Rewards in and out (admin), and as a shopper sees them."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from app.bounds import INT32_MAX, DateTime, Text
from app.program.schemas import timezone_and_order
from app.rewards.models import RewardKind

CURRENCY = re.compile(r"[A-Z]{3}")
Name = Annotated[Text, StringConstraints(min_length=1, max_length=255, strip_whitespace=True)]


def _amounts(value: dict[str, str]) -> dict[str, str]:
    """{"USD": "5.00"}: ISO currency codes to positive amounts, kept as exact decimal strings."""
    cleaned: dict[str, str] = {}
    for currency, raw in value.items():
        if not CURRENCY.fullmatch(currency):
            raise ValueError(f"{currency!r} is not a currency code like USD")
        try:
            amount = Decimal(str(raw))
        except InvalidOperation as exc:
            raise ValueError(f"{raw!r} is not an amount") from exc
        if not amount.is_finite() or amount <= 0 or amount > Decimal(1_000_000):
            raise ValueError(f"the amount for {currency} must be above 0")
        if amount != amount.quantize(Decimal("0.0001")):
            raise ValueError(f"the amount for {currency} has too many decimals")
        cleaned[currency] = str(amount)
    return cleaned


class RewardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Text | None = Field(default=None, max_length=2000)
    kind: RewardKind
    points_cost: int = Field(gt=0, le=10_000_000)
    amounts: dict[str, str] = Field(
        default_factory=dict, validate_default=True, description="fixed_amount: value per currency"
    )
    percentage: Decimal | None = Field(default=None, gt=0, le=100, decimal_places=2, validate_default=True)
    max_amounts: dict[str, str] = Field(default_factory=dict, description="percentage: cap per currency")
    variant_id: Text | None = Field(
        default=None, max_length=255, validate_default=True, description="product: the Saleor variant"
    )
    min_order_amounts: dict[str, str] = Field(default_factory=dict)
    starts_at: DateTime | None = None
    ends_at: DateTime | None = None
    tier_required: Text | None = Field(default=None, max_length=64)
    # 32-bit INTEGER columns.
    per_member_limit: int | None = Field(default=None, gt=0, le=INT32_MAX)
    stock: int | None = Field(default=None, ge=0, le=INT32_MAX)
    is_active: bool = True

    _check_amounts = field_validator("amounts", "max_amounts", "min_order_amounts")(_amounts)

    _window = field_validator("starts_at", "ends_at")(timezone_and_order)

    # What each kind needs is checked on the field itself, so the error names it (Dashboard forms).
    @field_validator("amounts")
    @classmethod
    def _fixed_needs_amounts(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        if info.data.get("kind") == RewardKind.FIXED_AMOUNT and not value:
            raise ValueError('a fixed_amount reward needs an amount per currency, e.g. {"USD": "5.00"}')
        return value

    @field_validator("percentage")
    @classmethod
    def _percentage_needed(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        if info.data.get("kind") == RewardKind.PERCENTAGE and value is None:
            raise ValueError("a percentage reward needs a percentage")
        return value

    @field_validator("variant_id")
    @classmethod
    def _product_needs_variant(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("kind") == RewardKind.PRODUCT and not value:
            raise ValueError("a product reward needs the Saleor variant id")
        return value


class RewardOut(RewardIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    # What is stored is shown as it is; the bounds above are for what comes in.
    name: str
    description: str | None
    variant_id: str | None
    tier_required: str | None
    per_member_limit: int | None
    stock: int | None
    starts_at: datetime | None
    ends_at: datetime | None

    id: int
    created_at: datetime
    updated_at: datetime
    codes_total: int | None = None
    codes_free: int | None = None


class PartnerCodesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    codes: list[Annotated[Text, StringConstraints(min_length=1, max_length=255, strip_whitespace=True)]] = (
        Field(min_length=1, max_length=50_000)
    )


class PartnerCodesOut(BaseModel):
    added: int
    skipped: int
    codes_total: int
    codes_free: int


class ShopperRewardOut(BaseModel):
    id: int
    name: str
    description: str | None
    kind: str
    points_cost: int
    value: str | None  # in the asked currency: amount off, percentage, or None
    currency: str | None
    min_order_amount: str | None
    affordable: bool
    points_missing: int
    ends_at: datetime | None


class ShopperRewardsOut(BaseModel):
    points_available: int
    rewards: list[ShopperRewardOut]
