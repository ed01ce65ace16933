"""Pure arithmetic of earning and reversing: no database, so it can be property-tested.

Every result carries an explanation that staff can read back to a shopper.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from app.money import amount_text, number_text
from app.program.models import MultiplierTarget, Rounding

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class PricedLine:
    """An order or checkout line with both of its totals (after discounts): the program decides
    whether tax counts."""

    line_id: str
    net: Decimal
    gross: Decimal
    product_id: str | None = None
    category_ids: tuple[str, ...] = ()  # id and slug of the category
    collection_ids: tuple[str, ...] = ()  # ids and slugs of the collections
    name: str | None = None
    is_gift: bool = False


@dataclass(frozen=True)
class MultiplierRule:
    name: str
    target_type: str
    target: str
    factor: Decimal

    def matches(self, line: PricedLine) -> bool:
        if self.target_type == MultiplierTarget.PRODUCT:
            return line.product_id == self.target
        if self.target_type == MultiplierTarget.CATEGORY:
            return self.target in line.category_ids
        if self.target_type == MultiplierTarget.COLLECTION:
            return self.target in line.collection_ids
        return False


@dataclass(frozen=True)
class EarnTerms:
    currency: str
    points_per_unit: Decimal
    rounding: str
    min_order_amount: Decimal
    bonus_threshold_amount: Decimal | None
    bonus_points: int
    include_shipping: bool
    include_tax: bool


@dataclass(frozen=True)
class Earning:
    eligible_amount: Decimal
    points: int  # base points (rate x multipliers)
    bonus_points: int  # threshold bonus
    explanation: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.points + self.bonus_points


def round_points(value: Decimal, rounding: str) -> int:
    mode = ROUND_HALF_UP if rounding == Rounding.HALF_UP else ROUND_FLOOR
    return int(value.to_integral_value(rounding=mode))


def compute_earning(
    terms: EarnTerms,
    lines: Sequence[PricedLine],
    multipliers: Iterable[MultiplierRule],
    *,
    shipping_amount: Decimal = ZERO,
    order_total: Decimal | None = None,
) -> Earning:
    """Points for a set of lines: Σ(amount x rate x best multiplier), rounded once, plus a bonus.

    An order never earns on more than its own total: lines that claim more (a payload that does not add
    up) are scaled down to it, and the explanation says so."""
    rules = list(multipliers)
    exact = ZERO
    eligible = ZERO
    explained_lines: list[dict[str, Any]] = []
    for line in lines:
        amount = line.gross if terms.include_tax else line.net
        if line.is_gift or amount <= ZERO:
            continue
        matching = [rule for rule in rules if rule.matches(line)]
        best = max(matching, key=lambda rule: rule.factor, default=None)
        factor = best.factor if best is not None else ONE
        line_points = amount * terms.points_per_unit * factor
        exact += line_points
        eligible += amount
        explained: dict[str, Any] = {"line": line.line_id, "amount": amount_text(amount)}
        if line.name:
            explained["name"] = line.name
        if best is not None:
            explained["multiplier"] = {"name": best.name, "factor": number_text(best.factor)}
        explained_lines.append(explained)
    if terms.include_shipping and shipping_amount > ZERO:
        exact += shipping_amount * terms.points_per_unit
        eligible += shipping_amount
    claimed = eligible
    if order_total is not None and eligible > order_total:
        exact = exact * order_total / eligible
        eligible = order_total

    explanation: dict[str, Any] = {
        "currency": terms.currency,
        "rate": number_text(terms.points_per_unit),
        "rounding": terms.rounding,
        "tax_included": terms.include_tax,
        "shipping_included": terms.include_shipping,
        "eligible_amount": amount_text(eligible),
        "lines": explained_lines,
    }
    if terms.include_shipping:
        explanation["shipping_amount"] = amount_text(shipping_amount)
    if claimed != eligible:
        explanation["capped_to_order_total"] = {"lines_claimed": amount_text(claimed)}
    if eligible < terms.min_order_amount:
        explanation["below_minimum"] = amount_text(terms.min_order_amount)
        return Earning(eligible, 0, 0, {**explanation, "points": 0, "bonus_points": 0})

    points = max(0, round_points(exact, terms.rounding))
    bonus = 0
    threshold = terms.bonus_threshold_amount
    if threshold is not None and terms.bonus_points > 0 and eligible >= threshold:
        bonus = terms.bonus_points
        explanation["bonus"] = {"threshold": amount_text(threshold), "points": bonus}
    explanation["exact_points"] = str(exact)
    explanation["points"] = points
    explanation["bonus_points"] = bonus
    return Earning(eligible, points, bonus, explanation)


@dataclass(frozen=True)
class ReversalTarget:
    points: int  # total that should be reversed by now (base + bonus)
    ratio: Decimal
    bonus_reversed: bool


def reversal_target(
    *,
    points_earned: int,
    points_bonus: int,
    eligible_amount: Decimal,
    bonus_threshold_amount: Decimal | None,
    order_total: Decimal,
    amount_refunded: Decimal,
    is_cancelled: bool,
) -> ReversalTarget:
    """How many of an order's points should have been taken back, given its refunded money so far.

    A function of state, not of events: the same state always gives the same answer, and a larger
    refund never gives a smaller one. Base points go back in proportion to the refunded share of the
    order total (rounded down, so partial refunds never take more than their share; a full refund
    takes everything); the threshold bonus goes back once the kept spend falls below its threshold.
    """
    if is_cancelled:
        return ReversalTarget(points_earned + points_bonus, ONE, points_bonus > 0)
    if amount_refunded <= ZERO:
        return ReversalTarget(0, ZERO, False)
    if order_total <= ZERO or amount_refunded >= order_total:
        return ReversalTarget(points_earned + points_bonus, ONE, points_bonus > 0)
    # Multiply before dividing: points x refunded / total is exact whenever the share is whole
    # (74 points, 10.00 of 74.00 refunded → 10), where a rounded ratio would give 9.999… → 9.
    base = int((Decimal(points_earned) * amount_refunded / order_total).to_integral_value(ROUND_FLOOR))
    kept_spend = eligible_amount - eligible_amount * amount_refunded / order_total
    threshold = bonus_threshold_amount
    bonus_back = points_bonus > 0 and threshold is not None and kept_spend < threshold
    ratio = amount_refunded / order_total
    return ReversalTarget(base + (points_bonus if bonus_back else 0), ratio, bonus_back)
