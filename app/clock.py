"""The one source of "now", so tests can move time (hold periods, expiry) without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    return datetime.now(UTC) + _offset


def travel(delta: timedelta) -> None:
    """Move every clock reading forward by `delta` (tests only)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = timedelta(0)
