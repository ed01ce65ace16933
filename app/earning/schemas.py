"""Program settings in and out; validation here is what the Dashboard shows inline."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.earning.models import EarnTrigger, Enrolment, MultiplierTarget, ReversalPolicy, Rounding

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=255, strip_whitespace=True)]


class ProgramIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_points_per_unit: Decimal = Field(gt=0, le=10000, decimal_places=4)
    default_point_value: Decimal = Field(gt=0, le=10000, decimal_places=4)
    rounding: Rounding
    include_shipping: bool
    include_tax: bool
    earn_trigger: EarnTrigger
    hold_days: int = Field(ge=0, le=365)
    enrolment: Enrolment
    welcome_bonus_points: int = Field(ge=0, le=1_000_000)
    reversal_policy: ReversalPolicy


class ProgramOut(ProgramIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    updated_at: datetime
    updated_by: str | None


class ChannelRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: Currency
    points_per_unit: Decimal = Field(gt=0, le=10000, decimal_places=4)
    point_value: Decimal = Field(gt=0, le=10000, decimal_places=4)
    min_order_amount: Decimal = Field(default=Decimal(0), ge=0, decimal_places=4)
    bonus_threshold_amount: Decimal | None = Field(default=None, gt=0, decimal_places=4)
    bonus_points: int = Field(default=0, ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _bonus_needs_threshold(self) -> ChannelRuleIn:
        if self.bonus_points > 0 and self.bonus_threshold_amount is None:
            raise ValueError("bonus_points needs a bonus_threshold_amount")
        return self


class ChannelRuleOut(ChannelRuleIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    channel_slug: str
    updated_at: datetime


class MultiplierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Slug
    target_type: MultiplierTarget
    target: Slug
    factor: Decimal = Field(gt=0, le=100, decimal_places=4)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    is_active: bool = True

    @model_validator(mode="after")
    def _window(self) -> MultiplierIn:
        for moment in (self.starts_at, self.ends_at):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("give times with a timezone, e.g. 2026-12-01T00:00:00Z")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class MultiplierOut(MultiplierIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int
    created_at: datetime


class ProgramSettingsOut(BaseModel):
    program: ProgramOut
    channels: list[ChannelRuleOut]
    multipliers: list[MultiplierOut]
