"""Members in the Loyalty tab: find, look at, adjust, enrol, export, erase (staff with MANAGE_USERS)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from app.api.deps import SessionDep, StaffUser, require_staff
from app.api.errors import error_responses
from app.api.params import PathId, PathText
from app.api.views import (
    decode_cursor,
    encode_cursor,
    order_points_out,
    points_out,
    staff_entry_out,
    staff_member_out,
)
from app.bounds import Text
from app.db import utcnow
from app.errors import NotFound
from app.ledger import service as ledger
from app.ledger.models import Member
from app.members import service as members
from app.members import staff as member_staff
from app.members.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    MemberDetailOut,
    MembersPageOut,
    NextAvailableOut,
    StaffOrderOut,
)
from app.members.staff import MemberSort
from app.orders import service as orders
from app.privacy import service as privacy
from app.program.service import get_program

ERRORS = error_responses(
    {
        401: "missing, expired or foreign Dashboard token, or unknown store",
        403: "the staff user lacks MANAGE_USERS",
        422: "invalid request, with field errors",
    }
)
NOT_FOUND = error_responses({404: "no such member in this store"})

router = APIRouter(prefix="/api/admin/members", tags=["admin"], responses=ERRORS)

MembersStaff = Annotated[StaffUser, Depends(require_staff("MANAGE_USERS"))]


@router.get("", response_model=MembersPageOut, summary="Find members")
async def list_members(
    session: SessionDep,
    staff: MembersStaff,
    search: Annotated[Text | None, Query(max_length=200, description="part of an e-mail or name")] = None,
    sort: MemberSort = MemberSort.JOINED,
    descending: bool = True,
    enrolled: bool | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 25,
) -> MembersPageOut:
    found = await member_staff.search_members(
        session,
        staff.installation.id,
        query=search,
        sort=sort,
        descending=descending,
        page=page,
        page_size=page_size,
        enrolled=enrolled,
    )
    return MembersPageOut(
        total=found.total,
        page=page,
        page_size=page_size,
        members=[staff_member_out(member) for member in found.members],
    )


async def _detail(
    session: SessionDep, staff: StaffUser, member: Member, cursor: str | None = None
) -> MemberDetailOut:
    summary = await members.summary(session, member)
    program = await get_program(session, staff.installation.id)
    before = decode_cursor(cursor) if cursor else None
    entries = await ledger.history_page(session, summary.member, before_id=before, limit=51)
    now = utcnow()
    return MemberDetailOut(
        member=staff_member_out(summary.member, points_out(summary.balances)),
        next_available=[NextAvailableOut(points=p, available_at=at) for p, at in summary.next_available],
        history=[staff_entry_out(entry, now) for entry in entries[:50]],
        history_next_cursor=encode_cursor(entries[49].id) if len(entries) > 50 else None,
        orders=[
            StaffOrderOut(
                **order_points_out(order, program.earn_trigger).model_dump(),
                currency=order.currency,
                total=order.total_gross,
                refunded=order.amount_refunded,
            )
            for order in await orders.member_orders(session, summary.member)
        ],
        tier=None,
    )


@router.get(
    "/{member_id}",
    response_model=MemberDetailOut,
    responses={**NOT_FOUND, **error_responses({400: "the cursor is not one this API gave out"})},
    summary="One member",
)
async def get_member(
    session: SessionDep,
    staff: MembersStaff,
    member_id: PathId,
    cursor: Annotated[str | None, Query(max_length=100, description="history_next_cursor")] = None,
) -> MemberDetailOut:
    member = await member_staff.get_member(session, staff.installation.id, member_id)
    return await _detail(session, staff, member, cursor)


@router.get(
    "/by-customer/{saleor_user_id}",
    response_model=MemberDetailOut,
    responses=NOT_FOUND,
    summary="The member behind a Saleor customer (the customer page's loyalty view)",
)
async def get_member_by_customer(
    session: SessionDep, staff: MembersStaff, saleor_user_id: PathText
) -> MemberDetailOut:
    member = await members.find_by_user(session, staff.installation.id, saleor_user_id)
    if member is None or member.anonymised_at is not None:
        raise NotFound("this customer is not a loyalty member yet")
    return await _detail(session, staff, member)


@router.post(
    "/{member_id}/adjustments",
    response_model=AdjustmentOut,
    status_code=201,
    responses={**NOT_FOUND, **error_responses({409: "would take away more than is available"})},
    summary="Add or take away points, with a reason (recorded with the staff user)",
)
async def adjust(
    session: SessionDep, staff: MembersStaff, member_id: PathId, body: AdjustmentIn
) -> AdjustmentOut:
    entry = await member_staff.adjust_points(
        session,
        staff.installation.id,
        member_id,
        points=body.points,
        reason=body.reason,
        actor=staff.audit_label,
        idempotency_key=body.idempotency_key,
    )
    member = await member_staff.get_member(session, staff.installation.id, member_id)
    return AdjustmentOut(entry=staff_entry_out(entry, utcnow()), member=staff_member_out(member))


@router.post(
    "/{member_id}/enrol", response_model=MemberDetailOut, responses=NOT_FOUND, summary="Enrol (with consent)"
)
async def enrol(session: SessionDep, staff: MembersStaff, member_id: PathId) -> MemberDetailOut:
    member = await member_staff.get_member(session, staff.installation.id, member_id)
    await members.set_consent(session, member, True)
    return await _detail(session, staff, member)


@router.post(
    "/{member_id}/unenrol", response_model=MemberDetailOut, responses=NOT_FOUND, summary="Leave the program"
)
async def unenrol(session: SessionDep, staff: MembersStaff, member_id: PathId) -> MemberDetailOut:
    member = await member_staff.get_member(session, staff.installation.id, member_id)
    await members.set_consent(session, member, False)
    return await _detail(session, staff, member)


@router.get(
    "/{member_id}/export", responses=NOT_FOUND, summary="Everything held about the member (privacy request)"
)
async def export(session: SessionDep, staff: MembersStaff, member_id: PathId) -> JSONResponse:
    member = await member_staff.get_member(session, staff.installation.id, member_id)
    return JSONResponse(
        await privacy.export_member(session, member),
        headers={"Content-Disposition": f'attachment; filename="lojal-member-{member.id}.json"'},
    )


@router.post(
    "/{member_id}/erase", status_code=204, responses=NOT_FOUND, summary="Erase personal data (amounts stay)"
)
async def erase(session: SessionDep, staff: MembersStaff, member_id: PathId) -> None:
    member = await member_staff.get_member(session, staff.installation.id, member_id)
    await privacy.erase_member(session, member)
