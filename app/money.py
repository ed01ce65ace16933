"""Money and rates as people read them, and whole cents: exact Decimals, never floats."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")


def amount_text(value: Decimal) -> str:
    """Money for people: at least two decimals ("40.00"), more only when the amount has them."""
    normalized = value.normalize()
    if int(normalized.as_tuple().exponent) >= -2:
        return str(value.quantize(CENT))
    return format(normalized, "f")


def number_text(value: Decimal) -> str:
    """Rates and factors without trailing zeros ("1", "0.1", "2.5")."""
    return format(value.normalize(), "f")


def cents_down(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)
