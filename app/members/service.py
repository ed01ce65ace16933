"""Finding and creating members, enrolment with consent, and the welcome bonus."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import dialect_insert, utcnow
from app.ledger import service as ledger
from app.ledger.balances import Balances, cached_balances, due_points
from app.ledger.models import EntryKind, Member, SourceType
from app.program import service as programs
from app.program.models import Enrolment, Program

log = structlog.get_logger(__name__)

CONSENT_METADATA_KEY = "lojal_optin"  # a storefront may set it on sign-up as the shopper's consent


def normalise_email(email: str | None) -> str | None:
    if not email:
        return None
    email = email.strip().lower()
    return email or None


def consent_from_metadata(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes")


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
) -> tuple[Member, bool]:
    """The member for this identity and whether this transaction created it (a concurrent one may have)."""
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
    created = result.scalar_one_or_none() is not None
    query = sa.select(Member).where(Member.installation_id == installation_id)
    query = (
        query.where(Member.saleor_user_id == saleor_user_id)
        if saleor_user_id
        else query.where(Member.email == email, Member.saleor_user_id.is_(None))
    )
    member = (await session.execute(query)).scalar_one()
    if created:
        log.info("member_created", member_id=member.id, guest=saleor_user_id is None, enrolled=enrol)
    return member, created


@dataclass(frozen=True)
class Resolved:
    member: Member
    joined: bool  # created, attached from a guest or enrolled just now: the welcome bonus is owed


async def resolve_customer(
    session: AsyncSession,
    program: Program,
    *,
    saleor_user_id: str,
    email: str | None,
    first_name: str | None = None,
    last_name: str | None = None,
    consent: bool = False,
) -> Resolved:
    """The member for a Saleor customer: found, attached from a guest with the same e-mail, or created.

    Enrolment follows the program: automatic programs enrol everyone; opt-in programs enrol on consent.
    Writes nothing to the ledger: the caller grants the welcome bonus when `joined`, under its own lock.
    """
    installation_id = program.installation_id
    email = normalise_email(email)
    automatic = program.enrolment == Enrolment.AUTOMATIC
    joined = False
    member = await find_by_user(session, installation_id, saleor_user_id)
    if member is None:
        # Creating or attaching an identity is serialised; finding an existing one needs no lock.
        if email:
            await _lock_identity(session, installation_id, f"email:{email}")
        await _lock_identity(session, installation_id, f"user:{saleor_user_id}")
        member = await find_by_user(session, installation_id, saleor_user_id)
    if member is None and email:
        guest = await find_by_email(session, installation_id, email)
        if guest is not None and guest.saleor_user_id is None:
            # Guest orders were kept against this e-mail; the customer now owns them and their points.
            guest.saleor_user_id = saleor_user_id
            member, joined = guest, True
            log.info("guest_attached", member_id=member.id)
    if member is None:
        member, joined = await _create(
            session,
            installation_id,
            saleor_user_id=saleor_user_id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            enrol=automatic or consent,
            consent=consent,
        )
    if member.anonymised_at is not None:
        return Resolved(member, joined=False)
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
        joined = True
    return Resolved(member, joined=joined)


async def resolve_guest(session: AsyncSession, program: Program, email: str) -> Member:
    """Whoever this e-mail belongs to: an existing member (account holders first) or a new guest."""
    installation_id = program.installation_id
    email = normalise_email(email) or ""
    member = await find_by_email(session, installation_id, email)
    if member is not None:
        return member
    await _lock_identity(session, installation_id, f"email:{email}")
    member = await find_by_email(session, installation_id, email)
    if member is not None:
        return member
    # A guest cannot give consent, so only automatic programs let guests collect points.
    guest, _created = await _create(
        session,
        installation_id,
        saleor_user_id=None,
        email=email,
        first_name=None,
        last_name=None,
        enrol=program.enrolment == Enrolment.AUTOMATIC,
        consent=False,
    )
    return guest


async def grant_welcome_bonus(session: AsyncSession, member: Member, program: Program) -> None:
    """Once per Saleor customer, to an enrolled member; `member` must be locked (`ledger.lock_member`)."""
    points = program.welcome_bonus_points
    if points <= 0 or member.saleor_user_id is None or not member.is_enrolled:
        return
    await ledger.post_entry(
        session,
        member,
        kind=EntryKind.BONUS,
        points=points,
        # Keyed by the Saleor customer: re-creating a member row can never pay it twice.
        idempotency_key=f"welcome:{member.saleor_user_id}",
        source_type=SourceType.CUSTOMER,
        source_id=member.saleor_user_id,
        explanation={"rule": "welcome_bonus", "points": points},
    )


async def _welcome(session: AsyncSession, resolved: Resolved, program: Program) -> Member:
    if not resolved.joined:
        return resolved.member
    locked = await ledger.lock_member(session, program.installation_id, resolved.member.id)
    await grant_welcome_bonus(session, locked, program)
    return locked


@dataclass(frozen=True)
class CustomerFacts:
    """A Saleor customer as a webhook describes them."""

    saleor_user_id: str
    email: str | None
    first_name: str | None
    last_name: str | None
    consent: bool  # the storefront's opt-in flag on the customer (`lojal_optin` metadata)


async def apply_customer_created(
    session: AsyncSession, installation_id: int, customer: CustomerFacts
) -> Member:
    program = await programs.get_program(session, installation_id)
    resolved = await resolve_customer(
        session,
        program,
        saleor_user_id=customer.saleor_user_id,
        email=customer.email,
        first_name=customer.first_name,
        last_name=customer.last_name,
        consent=customer.consent,
    )
    return await _welcome(session, resolved, program)


async def shopper_member(
    session: AsyncSession, installation_id: int, *, saleor_user_id: str, email: str | None
) -> Member:
    """The member behind a shopper token; a shopper we have not seen joins per the program's rules."""
    member = await find_by_user(session, installation_id, saleor_user_id)
    if member is not None:
        return member
    program = await programs.get_program(session, installation_id)
    resolved = await resolve_customer(session, program, saleor_user_id=saleor_user_id, email=email)
    return await _welcome(session, resolved, program)


async def set_consent(session: AsyncSession, member: Member, consent: bool) -> Member:
    """Join (consent, recorded with its time) or leave the program. Leaving keeps the balance."""
    if member.anonymised_at is not None:
        return member
    now = utcnow()
    if consent:
        member.consent_at = member.consent_at or now
        member.opted_out_at = None
        member.enrolled_at = member.enrolled_at or now
        program = await programs.get_program(session, member.installation_id)
        locked = await ledger.lock_member(session, member.installation_id, member.id)
        await grant_welcome_bonus(session, locked, program)
    else:
        member.opted_out_at = now
    log.info("member_consent_changed", member_id=member.id, consent=consent)
    return member


def anonymise(member: Member) -> None:
    """Personal data goes; the opaque Saleor id stays, so late events for the same customer still find
    this row instead of creating a new member with their data, and the amounts stay for the books."""
    member.email = None
    member.first_name = None
    member.last_name = None
    member.anonymised_at = utcnow()
    log.info("member_anonymised", member_id=member.id)


@dataclass(frozen=True)
class Summary:
    member: Member
    balances: Balances
    next_available: list[tuple[int, datetime]]
    enrolment: str


async def summary(session: AsyncSession, member: Member) -> Summary:
    """Balances as of now. Points whose hold ended are matured here too, so a shown balance is never stale."""
    now = utcnow()
    if await due_points(session, member, now):
        locked = await ledger.lock_member(session, member.installation_id, member.id)
        await ledger.mature_member(session, locked, now)
        await ledger.queue_member_sync(session, locked)
        member = locked
    # Nothing is due any more (matured just above, or nothing was), so the caches are the balance.
    program = await programs.get_program(session, member.installation_id)
    return Summary(
        member=member,
        balances=cached_balances(member),
        next_available=await ledger.pending_schedule(session, member),
        enrolment=program.enrolment,
    )
