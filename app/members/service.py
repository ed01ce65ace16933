"""Finding and creating members, enrolment with consent, welcome bonus, erasure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import dialect_insert, utcnow
from app.earning.models import Enrolment, Order
from app.earning.program import get_program
from app.installations.models import Installation
from app.jobs import outbox
from app.ledger import service as ledger
from app.ledger.balances import Balances, cached_balances, due_points
from app.ledger.models import EntryKind, SourceType
from app.members.models import Member
from webhooks.payloads import Customer

log = structlog.get_logger(__name__)

CONSENT_METADATA_KEY = "lojal_optin"  # a storefront may set it on sign-up as the shopper's consent


def normalise_email(email: str | None) -> str | None:
    if not email:
        return None
    email = email.strip().lower()
    return email or None


async def _lock_identity(session: AsyncSession, installation_id: int, key: str) -> None:
    """Serialise creation/attachment of one identity (e-mail or user id) across transactions.

    PostgreSQL: a transaction-scoped advisory lock, which works before any row exists. SQLite takes
    the write lock at BEGIN, so transactions are serial already.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{installation_id}:{key}".encode()).digest()
    lock_id = int.from_bytes(digest[:8], "big", signed=True)
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_id)))


async def find_by_user(session: AsyncSession, installation_id: int, saleor_user_id: str) -> Member | None:
    return (
        await session.execute(
            sa.select(Member).where(
                Member.installation_id == installation_id, Member.saleor_user_id == saleor_user_id
            )
        )
    ).scalar_one_or_none()


async def find_by_email(session: AsyncSession, installation_id: int, email: str) -> Member | None:
    """A live member with this e-mail; an account holder wins over a guest."""
    rows = await session.execute(
        sa.select(Member)
        .where(
            Member.installation_id == installation_id,
            Member.email == email,
            Member.anonymised_at.is_(None),
        )
        .order_by(Member.saleor_user_id.is_(None), Member.id)
    )
    return rows.scalars().first()


async def _create(
    session: AsyncSession,
    installation_id: int,
    *,
    saleor_user_id: str | None,
    email: str | None,
    first_name: str | None,
    last_name: str | None,
    enrol: bool,
    consent: bool,
) -> Member:
    now = utcnow()
    index_elements = ["installation_id", "saleor_user_id"] if saleor_user_id else ["installation_id", "email"]
    index_where = None if saleor_user_id else sa.text("saleor_user_id IS NULL")
    result = await session.execute(
        dialect_insert(session)(Member)
        .values(
            installation_id=installation_id,
            saleor_user_id=saleor_user_id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            joined_at=now,
            enrolled_at=now if enrol else None,
            consent_at=now if consent else None,
            balances_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=index_elements, index_where=index_where)
        .returning(Member.id)
    )
    member_id = result.scalar_one_or_none()
    if member_id is None:  # someone else created it first; theirs is the member
        query = sa.select(Member).where(Member.installation_id == installation_id)
        query = (
            query.where(Member.saleor_user_id == saleor_user_id)
            if saleor_user_id
            else query.where(Member.email == email, Member.saleor_user_id.is_(None))
        )
        return (await session.execute(query)).scalar_one()
    member = await session.get(Member, member_id)
    assert member is not None
    log.info("member_created", member_id=member.id, guest=saleor_user_id is None, enrolled=enrol)
    return member


async def ensure_customer_member(
    session: AsyncSession,
    installation: Installation,
    *,
    saleor_user_id: str,
    email: str | None,
    first_name: str | None = None,
    last_name: str | None = None,
    consent: bool = False,
) -> Member:
    """The member for a Saleor customer: found, attached from a guest with the same e-mail, or created.

    Enrolment follows the program: automatic programs enrol everyone; opt-in programs enrol on consent.
    A newly enrolled customer receives the welcome bonus once.
    """
    email = normalise_email(email)
    if email:
        await _lock_identity(session, installation.id, f"email:{email}")
    await _lock_identity(session, installation.id, f"user:{saleor_user_id}")
    program = await get_program(session, installation.id)
    automatic = program.enrolment == Enrolment.AUTOMATIC

    member = await find_by_user(session, installation.id, saleor_user_id)
    if member is None and email:
        guest = await find_by_email(session, installation.id, email)
        if guest is not None and guest.saleor_user_id is None:
            # Guest orders were kept against this e-mail; the customer now owns them and their points.
            guest.saleor_user_id = saleor_user_id
            member = guest
            log.info("guest_attached", member_id=member.id)
    if member is None:
        member = await _create(
            session,
            installation.id,
            saleor_user_id=saleor_user_id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            enrol=automatic or consent,
            consent=consent,
        )
    if member.anonymised_at is not None:
        return member
    if email and member.email != email:
        member.email = email
    if first_name is not None:
        member.first_name = first_name
    if last_name is not None:
        member.last_name = last_name
    if consent and member.consent_at is None:
        member.consent_at = utcnow()
    if (
        member.enrolled_at is None
        and (automatic or member.consent_at is not None)
        and member.opted_out_at is None
    ):
        member.enrolled_at = utcnow()
    await session.flush()
    await grant_welcome_bonus(session, installation, member, program.welcome_bonus_points)
    return member


async def ensure_guest_member(session: AsyncSession, installation: Installation, email: str) -> Member:
    """Whoever this e-mail belongs to: an existing member (account holders first) or a new guest."""
    email = normalise_email(email) or ""
    await _lock_identity(session, installation.id, f"email:{email}")
    member = await find_by_email(session, installation.id, email)
    if member is not None:
        return member
    program = await get_program(session, installation.id)
    # A guest cannot give consent, so only automatic programs let guests collect points.
    return await _create(
        session,
        installation.id,
        saleor_user_id=None,
        email=email,
        first_name=None,
        last_name=None,
        enrol=program.enrolment == Enrolment.AUTOMATIC,
        consent=False,
    )


async def grant_welcome_bonus(
    session: AsyncSession, installation: Installation, member: Member, points: int
) -> None:
    if points <= 0 or member.saleor_user_id is None or not member.is_enrolled:
        return
    locked = await ledger.lock_member(session, installation.id, member.id)
    await ledger.post_entry(
        session,
        locked,
        kind=EntryKind.BONUS,
        points=points,
        # Keyed by the Saleor customer: re-creating a member row can never pay it twice.
        idempotency_key=f"welcome:{member.saleor_user_id}",
        source_type=SourceType.CUSTOMER,
        source_id=member.saleor_user_id,
        explanation={"rule": "welcome_bonus", "points": points},
    )


async def apply_customer_created(
    session: AsyncSession, installation: Installation, customer: Customer
) -> Member:
    consent = (customer.metadata_value(CONSENT_METADATA_KEY) or "").strip().lower() in ("true", "1", "yes")
    return await ensure_customer_member(
        session,
        installation,
        saleor_user_id=customer.id,
        email=customer.email,
        first_name=customer.first_name,
        last_name=customer.last_name,
        consent=consent,
    )


async def erase_customer(session: AsyncSession, installation: Installation, saleor_user_id: str) -> None:
    """Anonymise a deleted customer: personal data goes, ledger amounts stay for the books.

    The opaque Saleor id is kept so late events for the same customer still find this row instead of
    creating a new member with their data.
    """
    member = await find_by_user(session, installation.id, saleor_user_id)
    if member is None or member.anonymised_at is not None:
        return
    await erase_member(session, member)


async def erase_member(session: AsyncSession, member: Member) -> None:
    member.email = None
    member.first_name = None
    member.last_name = None
    member.anonymised_at = utcnow()
    await session.execute(
        sa.update(Order)
        .where(Order.installation_id == member.installation_id, Order.member_id == member.id)
        .values(customer_email=None)
    )
    await session.flush()
    log.info("member_anonymised", member_id=member.id)


async def shopper_member(
    session: AsyncSession, installation: Installation, *, saleor_user_id: str, email: str | None
) -> Member:
    """The member behind a shopper token; a shopper we have not seen joins per the program's rules."""
    member = await find_by_user(session, installation.id, saleor_user_id)
    if member is not None:
        return member
    return await ensure_customer_member(session, installation, saleor_user_id=saleor_user_id, email=email)


async def set_consent(
    session: AsyncSession, installation: Installation, member: Member, consent: bool
) -> Member:
    """Join (consent, recorded with its time) or leave the program. Leaving keeps the balance."""
    if member.anonymised_at is not None:
        return member
    now = utcnow()
    if consent:
        member.consent_at = member.consent_at or now
        member.opted_out_at = None
        member.enrolled_at = member.enrolled_at or now
        await session.flush()
        program = await get_program(session, installation.id)
        await grant_welcome_bonus(session, installation, member, program.welcome_bonus_points)
    else:
        member.opted_out_at = now
        await session.flush()
    log.info("member_consent_changed", member_id=member.id, consent=consent)
    return member


@dataclass(frozen=True)
class Summary:
    member: Member
    balances: Balances
    next_available: list[tuple[int, datetime]]
    enrolment: str


async def summary(session: AsyncSession, installation: Installation, member: Member) -> Summary:
    """Balances as of now. Points whose hold ended are matured here too, so a shown balance is never stale."""
    now = utcnow()
    if await due_points(session, member, now):
        locked = await ledger.lock_member(session, installation.id, member.id)
        await ledger.mature_member(session, locked, now)
        await outbox.enqueue_member_sync(session, locked)
        member = locked
    # Nothing is due any more (matured just above, or nothing was), so the caches are the balance.
    balances = cached_balances(member)
    program = await get_program(session, installation.id)
    return Summary(
        member=member,
        balances=balances,
        next_available=await ledger.pending_schedule(session, member),
        enrolment=program.enrolment,
    )


async def member_orders(session: AsyncSession, member: Member, *, limit: int = 50) -> list[Order]:
    """The member's orders as Lojal saw them, newest first."""
    rows = await session.execute(
        sa.select(Order)
        .where(Order.installation_id == member.installation_id, Order.member_id == member.id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())
