"""The rewards catalog and partner code pools."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.crypto import TokenCipher, hash_code
from app.db import get_scoped, utcnow
from app.errors import Conflict, NotFound
from app.ledger.models import OPEN_STATUSES, Hold, HoldStatus
from app.rewards.models import PartnerCode, Reward, RewardKind


class RewardUnavailable(Conflict):
    error = "reward_unavailable"


async def list_rewards(
    session: AsyncSession, installation_id: int, *, only_live: bool = False
) -> list[Reward]:
    query = (
        sa.select(Reward)
        .where(Reward.installation_id == installation_id)
        .order_by(Reward.points_cost, Reward.id)
    )
    if only_live:
        now = utcnow()
        query = query.where(
            Reward.is_active.is_(True),
            sa.or_(Reward.starts_at.is_(None), Reward.starts_at <= now),
            sa.or_(Reward.ends_at.is_(None), Reward.ends_at > now),
            sa.or_(Reward.stock.is_(None), Reward.stock > 0),
            # A partner reward is only on offer while its pool has a code left to hand out.
            sa.or_(
                Reward.kind != RewardKind.PARTNER,
                sa.exists().where(PartnerCode.reward_id == Reward.id, PartnerCode.hold_id.is_(None)),
            ),
        )
    return list((await session.execute(query)).scalars())


async def get_reward(
    session: AsyncSession, installation_id: int, reward_id: int, *, lock: bool = False
) -> Reward:
    reward = await get_scoped(session, Reward, installation_id, reward_id, lock=lock)
    if reward is None:
        raise NotFound("no such reward")
    return reward


async def create_reward(session: AsyncSession, installation_id: int, values: dict[str, Any]) -> Reward:
    reward = Reward(installation_id=installation_id, created_at=utcnow(), updated_at=utcnow(), **values)
    session.add(reward)
    await session.flush()
    await session.refresh(reward)
    return reward


async def update_reward(
    session: AsyncSession, installation_id: int, reward_id: int, values: dict[str, Any]
) -> Reward:
    reward = await get_reward(session, installation_id, reward_id, lock=True)
    for key, value in values.items():
        setattr(reward, key, value)
    reward.updated_at = utcnow()
    await session.flush()
    await session.refresh(reward)
    return reward


async def deactivate_reward(session: AsyncSession, installation_id: int, reward_id: int) -> None:
    """Rewards are switched off, never deleted: redemptions and the books keep pointing at them."""
    reward = await get_reward(session, installation_id, reward_id, lock=True)
    reward.is_active = False
    reward.updated_at = utcnow()
    await session.flush()


async def add_partner_codes(
    session: AsyncSession, cipher: TokenCipher, installation_id: int, reward_id: int, codes: list[str]
) -> tuple[int, int]:
    """Add codes to a partner reward's pool; a code already in the pool is skipped. (added, skipped)"""
    reward = await get_reward(session, installation_id, reward_id, lock=True)
    if reward.kind != RewardKind.PARTNER:
        raise NotFound("codes belong to partner rewards only")
    unique = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    hashes = {hash_code(code): code for code in unique}
    existing = set(
        (
            await session.execute(
                sa.select(PartnerCode.code_hash).where(
                    PartnerCode.installation_id == installation_id,
                    PartnerCode.reward_id == reward_id,
                    PartnerCode.code_hash.in_(list(hashes)),
                )
            )
        ).scalars()
    )
    now = utcnow()
    for digest, code in hashes.items():
        if digest not in existing:
            session.add(
                PartnerCode(
                    installation_id=installation_id,
                    reward_id=reward_id,
                    code_encrypted=cipher.encrypt(code),
                    code_hash=digest,
                    created_at=now,
                )
            )
    await session.flush()
    return len(hashes) - len(existing), len(codes) - (len(hashes) - len(existing))


@dataclass(frozen=True)
class PoolSize:
    total: int
    free: int


async def partner_pool(session: AsyncSession, installation_id: int, reward_id: int) -> PoolSize:
    total, free = (
        await session.execute(
            sa.select(
                sa.func.count(PartnerCode.id),
                sa.func.count(PartnerCode.id).filter(PartnerCode.hold_id.is_(None)),
            ).where(PartnerCode.installation_id == installation_id, PartnerCode.reward_id == reward_id)
        )
    ).one()
    return PoolSize(int(total), int(free))


async def take_partner_code(
    session: AsyncSession, installation_id: int, reward_id: int, hold_id: int
) -> PartnerCode:
    """Hand out one free code; concurrent redemptions skip codes another transaction is taking."""
    code = (
        await session.execute(
            sa.select(PartnerCode)
            .where(
                PartnerCode.installation_id == installation_id,
                PartnerCode.reward_id == reward_id,
                PartnerCode.hold_id.is_(None),
            )
            .order_by(PartnerCode.id)
            .limit(1)
            .with_for_update(skip_locked=True, key_share=True)
        )
    ).scalar_one_or_none()
    if code is None:
        raise RewardUnavailable("this partner reward has no codes left")
    code.hold_id = hold_id
    code.assigned_at = utcnow()
    return code


async def member_redemptions_of(session: AsyncSession, member_id: int, reward_id: int) -> int:
    """How many times a member has this reward, open or used (released ones do not count)."""
    counted = (*OPEN_STATUSES, HoldStatus.COMMITTED)
    return int(
        (
            await session.execute(
                sa.select(sa.func.count(Hold.id)).where(
                    Hold.member_id == member_id, Hold.reward_id == reward_id, Hold.status.in_(counted)
                )
            )
        ).scalar_one()
    )


def shopper_value(reward: Reward, currency: str | None) -> str | None:
    """What the reward is worth, in the shopper's currency where that applies."""
    if reward.kind == RewardKind.FIXED_AMOUNT:
        return reward.amounts.get(currency) if currency else None
    if reward.kind in (RewardKind.PERCENTAGE, RewardKind.PRODUCT):
        return str(reward.percentage) if reward.percentage is not None else "100"
    return None


def offered_in(reward: Reward, currency: str | None) -> bool:
    return currency is None or reward.kind != RewardKind.FIXED_AMOUNT or currency in reward.amounts
