"""Amendments (avenants): pure arithmetic, no ORM.

* what is left to invoice is re-spread in equal parts (the last absorbs the
  rest), one per period of the programme's cycle, on its anchor (the start);
* a subscription's price change prorates, day by day, the part of a period
  from the effective date on.

Amounts are :class:`decimal.Decimal` in the schedule's terms (the price as the
offer states it, untaxed or tax-included), rounded to the currency.
"""

import math
from decimal import Decimal

from .planning import (
    CYCLE_MONTHS,
    PlannedLine,
    PlanningError,
    nth_date,
    period_of,
    quantize,
    split_amount,
    to_decimal,
)


def added_periods(months, cycle):
    """Periods of ``cycle`` that ``months`` more months add (a started period
    counts)."""
    if not months or months < 1:
        raise PlanningError("months", months=months)
    return math.ceil(months / CYCLE_MONTHS[cycle])


def first_period_from(anchor, cycle, day):
    """0-based index of the first period of ``cycle`` anchored on ``anchor``
    that starts on or after ``day``."""
    n = 0
    while nth_date(anchor, n, cycle) < day:
        n += 1
    return n


def respread(total, count, anchor, first_period, cycle, rounding, first_index=1):
    """``count`` equal instalments of ``total`` (the last absorbs the rest), due
    on the first day of the periods ``first_period``, ``first_period + 1``… of
    ``cycle`` anchored on ``anchor``. They are numbered from ``first_index`` out
    of ``first_index + count - 1`` (the invoiced ones come first)."""
    if not count or count < 1:
        raise PlanningError("instalment_count", count=count)
    if to_decimal(total) <= 0:
        raise PlanningError("amount", amount=total)
    lines = []
    last_index = first_index + count - 1
    for i, amount in enumerate(split_amount(total, count, rounding)):
        period_start, period_end = period_of(anchor, first_period + i, cycle)
        lines.append(
            PlannedLine(
                i + 1,
                "instalment",
                amount,
                period_start,
                period_start,
                period_end,
                index=first_index + i,
                count=last_index,
            )
        )
    return lines


def prorate(old_amount, new_amount, period_start, period_end, effective, rounding):
    """What the days of [``period_start``, ``period_end``] from ``effective`` on
    (inclusive) owe when the period's price goes from ``old_amount`` to
    ``new_amount``: positive to bill, negative to credit, zero when
    ``effective`` falls after the period."""
    if effective > period_end:
        return Decimal(0)
    first = max(effective, period_start)
    days = (period_end - period_start).days + 1
    left = (period_end - first).days + 1
    return quantize(
        (to_decimal(new_amount) - to_decimal(old_amount)) * left / days, rounding
    )
