"""Program settings in and out; validation here is what the Dashboard shows inline."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.bounds import Amount, DateTime, Text
from app.program.models import EarnTrigger, Enrolment, MultiplierTarget, ReversalPolicy, Rounding


def timezone_and_order(value: datetime | None, info: ValidationInfo) -> datetime | None:
    """Times need a timezone, and an end comes after its start."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("give the time with a timezone, e.g. 2026-12-01T00:00:00Z")
    starts_at = info.data.get("starts_at")
    if info.field_name == "ends_at" and starts_at is not None and value <= starts_at:
        raise ValueError("ends_at must be after starts_at")
    return value


Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Slug = Annotated[Text, StringConstraints(min_length=1, max_length=255, strip_whitespace=True)]


class ProgramIn(BaseModel):
    """Program settings; only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    default_points_per_unit: Decimal | None = Field(default=None, gt=0, le=10000, decimal_places=4)
    default_point_value: Decimal | None = Field(default=None, gt=0, le=10000, decimal_places=4)
    rounding: Rounding | None = None
    include_shipping: bool | None = None
    include_tax: bool | None = None
    earn_trigger: EarnTrigger | None = None
    hold_days: int | None = Field(default=None, ge=0, le=365)
    enrolment: Enrolment | None = None
    welcome_bonus_points: int | None = Field(default=None, ge=0, le=1_000_000)
    reversal_policy: ReversalPolicy | None = None
    redeem_max_share_percent: int | None = Field(default=None, ge=1, le=100)
    redeem_min_points: int | None = Field(default=None, ge=1, le=10_000_000)
    redemptions_per_checkout: int | None = Field(default=None, ge=1, le=5)
    hold_ttl_minutes: int | None = Field(default=None, ge=5, le=60 * 24 * 30)
    redeem_attempts_per_10_minutes: int | None = Field(default=None, ge=1, le=1000)

    @model_validator(mode="after")
    def _no_nulls(self) -> ProgramIn:
        nulls = sorted(name for name in self.model_fields_set if getattr(self, name) is None)
        if nulls:
            raise ValueError(f"these settings cannot be empty: {', '.join(nulls)}")
        return self

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude_unset=True)


class ProgramOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    default_points_per_unit: Decimal
    default_point_value: Decimal
    rounding: Rounding
    include_shipping: bool
    include_tax: bool
    earn_trigger: EarnTrigger
    hold_days: int
    enrolment: Enrolment
    welcome_bonus_points: int
    reversal_policy: ReversalPolicy
    redeem_max_share_percent: int
    redeem_min_points: int
    redemptions_per_checkout: int
    hold_ttl_minutes: int
    redeem_attempts_per_10_minutes: int
    updated_at: datetime
    updated_by: str | None


class ChannelRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: Currency
    points_per_unit: Decimal = Field(gt=0, le=10000, decimal_places=4)
    point_value: Decimal = Field(gt=0, le=10000, decimal_places=4)
    min_order_amount: Amount = Field(default=Decimal(0), decimal_places=4)
    bonus_threshold_amount: Amount | None = Field(default=None, gt=0, decimal_places=4)
    bonus_points: int = Field(default=0, ge=0, le=1_000_000)

    # Field validators (not model ones) so the error names the field the Dashboard shows it under.
    @field_validator("bonus_points")
    @classmethod
    def _bonus_needs_threshold(cls, value: int, info: ValidationInfo) -> int:
        if value > 0 and info.data.get("bonus_threshold_amount") is None:
            raise ValueError("bonus points need a bonus_threshold_amount")
        return value


class ChannelRuleOut(ChannelRuleIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    # What is stored is shown as it is; the bounds above are for what comes in.
    min_order_amount: Decimal
    bonus_threshold_amount: Decimal | None

    channel_slug: str
    updated_at: datetime


class MultiplierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Slug
    target_type: MultiplierTarget
    target: Slug
    factor: Decimal = Field(gt=0, le=100, decimal_places=4)
    starts_at: DateTime | None = None
    ends_at: DateTime | None = None
    is_active: bool = True

    _window = field_validator("starts_at", "ends_at")(timezone_and_order)


class MultiplierOut(MultiplierIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    # What is stored is shown as it is; the bounds above are for what comes in.
    name: str
    target: str
    starts_at: datetime | None
    ends_at: datetime | None

    id: int
    created_at: datetime


class ProgramSettingsOut(BaseModel):
    program: ProgramOut
    channels: list[ChannelRuleOut]
    multipliers: list[MultiplierOut]
