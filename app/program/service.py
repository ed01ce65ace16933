"""Program settings: read with defaults (a fresh install earns with no set-up), validated on write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import dialect_insert, utcnow
from app.program.models import ChannelRule, Multiplier, Program


async def get_program(session: AsyncSession, installation_id: int) -> Program:
    """The installation's program row, created with defaults on first use (race-safe).

    Remembered for the rest of the session: one webhook asks for it from several places (enrolment,
    earning), and the row is the same object in the session either way."""
    key = ("program", installation_id)
    remembered = session.info.get(key)
    if isinstance(remembered, Program):
        return remembered
    program = await _load_program(session, installation_id)
    session.info[key] = program
    return program


async def _load_program(session: AsyncSession, installation_id: int) -> Program:
    found = (
        await session.execute(sa.select(Program).where(Program.installation_id == installation_id))
    ).scalar_one_or_none()
    if found is not None:
        return found
    insert = dialect_insert(session)
    # Column defaults (models.py) fill in the rest: they are the program a fresh install runs.
    await session.execute(
        insert(Program)
        .values(installation_id=installation_id)
        .on_conflict_do_nothing(index_elements=["installation_id"])
    )
    return (
        await session.execute(sa.select(Program).where(Program.installation_id == installation_id))
    ).scalar_one()


@dataclass(frozen=True)
class ChannelTerms:
    """How one channel earns and what a point is worth there (from its rule, or program defaults)."""

    channel_slug: str
    currency: str
    points_per_unit: Decimal
    point_value: Decimal
    min_order_amount: Decimal
    bonus_threshold_amount: Decimal | None
    bonus_points: int
    configured: bool


async def channel_terms(
    session: AsyncSession, program: Program, channel_slug: str, currency: str
) -> ChannelTerms:
    rule = (
        await session.execute(
            sa.select(ChannelRule).where(
                ChannelRule.installation_id == program.installation_id,
                ChannelRule.channel_slug == channel_slug,
            )
        )
    ).scalar_one_or_none()
    if rule is None or rule.currency != currency:
        # A rule written for another currency must not apply: a rate of "1 point per SEK" is not
        # "1 point per EUR". The channel then earns on the program's defaults until the owner fixes it.
        return ChannelTerms(
            channel_slug=channel_slug,
            currency=currency,
            points_per_unit=program.default_points_per_unit,
            point_value=program.default_point_value,
            min_order_amount=Decimal(0),
            bonus_threshold_amount=None,
            bonus_points=0,
            configured=False,
        )
    return ChannelTerms(
        channel_slug=rule.channel_slug,
        currency=rule.currency,
        points_per_unit=rule.points_per_unit,
        point_value=rule.point_value,
        min_order_amount=rule.min_order_amount,
        bonus_threshold_amount=rule.bonus_threshold_amount,
        bonus_points=rule.bonus_points,
        configured=True,
    )


async def active_multipliers(session: AsyncSession, installation_id: int, at: datetime) -> list[Multiplier]:
    rows = await session.execute(
        sa.select(Multiplier)
        .where(
            Multiplier.installation_id == installation_id,
            Multiplier.is_active.is_(True),
            sa.or_(Multiplier.starts_at.is_(None), Multiplier.starts_at <= at),
            sa.or_(Multiplier.ends_at.is_(None), Multiplier.ends_at > at),
        )
        .order_by(Multiplier.id)
    )
    return list(rows.scalars())


async def update_program(
    session: AsyncSession, installation_id: int, values: dict[str, object], actor: str
) -> Program:
    program = await get_program(session, installation_id)
    for key, value in values.items():
        setattr(program, key, value)
    program.updated_by = actor
    await session.flush()
    return program


async def list_channel_rules(session: AsyncSession, installation_id: int) -> list[ChannelRule]:
    rows = await session.execute(
        sa.select(ChannelRule)
        .where(ChannelRule.installation_id == installation_id)
        .order_by(ChannelRule.channel_slug)
    )
    return list(rows.scalars())


async def put_channel_rule(
    session: AsyncSession, installation_id: int, channel_slug: str, values: dict[str, object]
) -> ChannelRule:
    rule = (
        await session.execute(
            sa.select(ChannelRule)
            .where(ChannelRule.installation_id == installation_id, ChannelRule.channel_slug == channel_slug)
            .with_for_update(key_share=True)
        )
    ).scalar_one_or_none()
    if rule is None:
        rule = ChannelRule(installation_id=installation_id, channel_slug=channel_slug, **values)
        session.add(rule)
    else:
        for key, value in values.items():
            setattr(rule, key, value)
    await session.flush()
    await session.refresh(rule)  # answer with what was stored (normalised decimals, UTC times)
    return rule


async def delete_channel_rule(session: AsyncSession, installation_id: int, channel_slug: str) -> bool:
    result = await session.execute(
        sa.delete(ChannelRule).where(
            ChannelRule.installation_id == installation_id, ChannelRule.channel_slug == channel_slug
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_multipliers(session: AsyncSession, installation_id: int) -> list[Multiplier]:
    rows = await session.execute(
        sa.select(Multiplier).where(Multiplier.installation_id == installation_id).order_by(Multiplier.id)
    )
    return list(rows.scalars())


async def add_multiplier(
    session: AsyncSession, installation_id: int, values: dict[str, object]
) -> Multiplier:
    multiplier = Multiplier(installation_id=installation_id, created_at=utcnow(), **values)
    session.add(multiplier)
    await session.flush()
    await session.refresh(multiplier)  # answer with what was stored (normalised decimals, UTC times)
    return multiplier


async def delete_multiplier(session: AsyncSession, installation_id: int, multiplier_id: int) -> bool:
    result = await session.execute(
        sa.delete(Multiplier).where(
            Multiplier.installation_id == installation_id, Multiplier.id == multiplier_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
