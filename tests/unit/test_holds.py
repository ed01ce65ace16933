"""A hold's status changes in one guarded place, along the lifecycle of a two-phase transfer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.ledger.holds import MOVES, InvalidHoldMove, move_hold
from app.ledger.models import Hold, HoldStatus

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _hold(status: HoldStatus) -> Hold:
    return Hold(id=7, status=status, points=100, expires_at=NOW)


@pytest.mark.parametrize(
    ("start", "to"), [(start, to) for start, targets in MOVES.items() for to in sorted(targets)]
)
def test_every_allowed_move(start: HoldStatus, to: HoldStatus) -> None:
    hold = _hold(start)
    move_hold(hold, to, reason="because", now=NOW)
    assert hold.status == to
    assert hold.end_reason == "because"
    # A hold ends (and records when) the moment it leaves pending/open, and only then.
    ends_now = start in (HoldStatus.PENDING, HoldStatus.OPEN) and to not in (
        HoldStatus.PENDING,
        HoldStatus.OPEN,
    )
    assert (hold.ended_at == NOW) is ends_now


@pytest.mark.parametrize(
    ("start", "to"),
    [(start, to) for start in HoldStatus for to in HoldStatus if to not in MOVES[start]],
)
def test_every_other_move_is_refused(start: HoldStatus, to: HoldStatus) -> None:
    hold = _hold(start)
    with pytest.raises(InvalidHoldMove):
        move_hold(hold, to, now=NOW)
    assert hold.status == start and hold.ended_at is None


def test_an_ended_hold_ends_once() -> None:
    # Committed and returned holds never go back to open or released; returned is final.
    assert MOVES[HoldStatus.RETURNED] == frozenset()
    assert HoldStatus.OPEN not in MOVES[HoldStatus.COMMITTED] | MOVES[HoldStatus.RELEASED]
