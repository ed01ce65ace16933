"""Plain-words descriptions of ledger entries, so shoppers are told what happened to their points."""

from __future__ import annotations

from typing import Any

from app.ledger.models import EntryKind, LedgerEntry


def _order(explanation: dict[str, Any]) -> str:
    number = explanation.get("order")
    return f"order #{number}" if number else "an order"


def describe(entry: LedgerEntry) -> str:
    e = entry.explanation or {}
    points = abs(entry.points)
    if entry.kind == EntryKind.EARN:
        rate = e.get("rate")
        currency = e.get("currency", "")
        text = f"{points} points for {_order(e)}"
        if rate and e.get("eligible_amount"):
            unit = "point" if rate == "1" else "points"
            text += f" ({e['eligible_amount']} {currency} at {rate} {unit} per {currency})"
        return text
    if entry.kind == EntryKind.BONUS:
        if e.get("rule") == "welcome_bonus":
            return f"{points} points welcome bonus"
        if e.get("threshold"):
            return f"{points} bonus points for spending {e['threshold']} or more on {_order(e)}"
        return f"{points} bonus points"
    if entry.kind == EntryKind.REVERSE:
        if e.get("reason") == "cancelled":
            return f"{points} points taken back: {_order(e)} was cancelled"
        text = (
            f"{points} points taken back: {e.get('amount_refunded')} {e.get('currency', '')} "
            f"of {_order(e)} was refunded"
        )
        if e.get("forgiven"):
            text += f" ({e['forgiven']} points already spent were not taken back)"
        return text
    if entry.kind == EntryKind.ADJUST:
        reason = e.get("reason")
        return f"{'+' if entry.points > 0 else '-'}{points} points adjusted by the shop" + (
            f": {reason}" if reason else ""
        )
    if entry.kind == EntryKind.REDEEM:
        return f"{points} points used at checkout"
    if entry.kind == EntryKind.RELEASE:
        return f"{points} points returned from an unused checkout discount"
    if entry.kind == EntryKind.EXPIRE:
        return f"{points} points expired"
    return f"{entry.points:+d} points ({entry.kind})"
