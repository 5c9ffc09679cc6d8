"""Billing schedule planners: pure functions, no ORM.

Every planner returns a list of :class:`PlannedLine`. Rules (see DESIGN.md):

* dates: the n-th date is ``start + relativedelta(months=n * k)`` from the anchor,
  never chained from the previous date (31 Jan -> 28/29 Feb -> 31 Mar -> 30 Apr);
* amounts: equal parts rounded to the currency, the last part absorbs the
  remainder, so that the lines always sum exactly to the total.

Amounts are :class:`decimal.Decimal`; callers convert at the ORM boundary.
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "yearly": 12}
# No programme starts (or is terminated) later: far enough for any real one,
# near enough that its periods, notices and renewals stay in the calendar.
LAST_PLANNABLE_DAY = date(2999, 12, 31)


class PlanningError(ValueError):
    """Terms that cannot produce a schedule. ``code`` names the rule broken."""

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class PlannedLine:
    sequence: int
    kind: str  # deposit | instalment | milestone | subscription
    amount: Decimal
    date_due: date | None
    period_start: date | None = None
    period_end: date | None = None
    index: int = 1  # position among the lines of the same kind (1-based)
    count: int = 1  # number of lines of that kind
    milestone_index: int | None = field(default=None)


def to_decimal(value):
    return value if isinstance(value, Decimal) else Decimal(str(value))


def quantize(amount, rounding):
    """Round ``amount`` to a multiple of the currency ``rounding`` (half up)."""
    step = to_decimal(rounding)
    return (to_decimal(amount) / step).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    ) * step


def nth_date(start, n, cycle):
    """The n-th billing date from the anchor ``start`` (n = 0 is ``start``)."""
    return start + relativedelta(months=n * CYCLE_MONTHS[cycle])


def period_of(start, n, cycle):
    """(first day, last day) of the n-th period of ``cycle`` anchored on ``start``."""
    return nth_date(start, n, cycle), nth_date(start, n + 1, cycle) - timedelta(days=1)


def split_amount(total, parts, rounding):
    """Split ``total`` in ``parts`` equal amounts rounded to ``rounding``; the last
    part absorbs the remainder so that the parts sum exactly to ``total``."""
    total = to_decimal(total)
    if parts < 1:
        raise PlanningError("instalment_count", count=parts)
    part = quantize(total / parts, rounding)
    amounts = [part] * (parts - 1)
    amounts.append(total - part * (parts - 1))
    if any(amount <= 0 for amount in amounts):
        raise PlanningError("amount_too_small", total=total, parts=parts)
    return amounts


def split_by_percent(total, percents, rounding):
    """Split ``total`` by ``percents`` (summing to 100); the last absorbs the "
    "remainder."""
    total = to_decimal(total)
    percents = [to_decimal(p) for p in percents]
    if not percents or sum(percents) != 100 or any(p < 0 for p in percents):
        raise PlanningError("milestone_percent", total=sum(percents))
    amounts = [quantize(total * p / 100, rounding) for p in percents[:-1]]
    amounts.append(total - sum(amounts, Decimal(0)))
    if amounts[-1] < 0:
        raise PlanningError("amount_too_small", total=total, parts=len(percents))
    return amounts


def _check_start(start):
    if not start:
        raise PlanningError("date_start")
    if start > LAST_PLANNABLE_DAY:
        raise PlanningError("date_range", date=start)


def _check_common(total, start):
    _check_start(start)
    if to_decimal(total) <= 0:
        raise PlanningError("amount", amount=total)


def _deposit(total, deposit_percent, rounding):
    deposit_percent = to_decimal(deposit_percent or 0)
    if not 0 <= deposit_percent < 100:
        raise PlanningError("deposit_percent", percent=deposit_percent)
    return quantize(to_decimal(total) * deposit_percent / 100, rounding)


def plan_upfront(total, start):
    """One line, the full price, due at the start."""
    _check_common(total, start)
    return [PlannedLine(1, "instalment", to_decimal(total), start, start, None)]


def plan_instalments(total, start, count, cycle, rounding, deposit_percent=0):
    """Optional deposit due at the start, then ``count`` equal instalments, one
    per ``cycle`` period: from the start without a deposit, from the next period
    with one."""
    _check_common(total, start)
    if not count or count < 1:
        raise PlanningError("instalment_count", count=count)
    deposit = _deposit(total, deposit_percent, rounding)
    lines = []
    if deposit:
        lines.append(PlannedLine(1, "deposit", deposit, start, start, start))
    offset = 1 if deposit else 0
    amounts = split_amount(to_decimal(total) - deposit, count, rounding)
    for i, amount in enumerate(amounts):
        period_start, period_end = period_of(start, i + offset, cycle)
        lines.append(
            PlannedLine(
                len(lines) + 1,
                "instalment",
                amount,
                period_start,
                period_start,
                period_end,
                index=i + 1,
                count=count,
            )
        )
    return lines


def plan_milestones(total, start, percents, rounding, deposit_percent=0):
    """Optional deposit due at the start, then one line per milestone (its percent
    of what remains after the deposit). Milestone lines have no due date: they
    become due when the milestone is marked done."""
    _check_common(total, start)
    deposit = _deposit(total, deposit_percent, rounding)
    lines = []
    if deposit:
        lines.append(PlannedLine(1, "deposit", deposit, start, start, start))
    amounts = split_by_percent(to_decimal(total) - deposit, percents, rounding)
    for i, amount in enumerate(amounts):
        lines.append(
            PlannedLine(
                len(lines) + 1,
                "milestone",
                amount,
                None,
                index=i + 1,
                count=len(amounts),
                milestone_index=i,
            )
        )
    return lines


def committed_periods(commitment_months, cycle):
    """Number of periods needed to cover the minimum commitment (at least one)."""
    return max(1, math.ceil((commitment_months or 0) / CYCLE_MONTHS[cycle]))


def plan_subscription_periods(amount, start, cycle, first, last, sequence_start=1):
    """Subscription lines for periods ``first``..``last`` (0-based, inclusive),
    each invoiced in advance on its first day."""
    _check_common(amount, start)
    lines = []
    for n in range(first, last + 1):
        period_start, period_end = period_of(start, n, cycle)
        lines.append(
            PlannedLine(
                sequence_start + n - first,
                "subscription",
                to_decimal(amount),
                period_start,
                period_start,
                period_end,
                index=n + 1,
                count=0,
            )
        )
    return lines


def plan_subscription(amount, start, cycle, commitment_months):
    """The committed periods of a subscription (renewals are added lazily)."""
    _check_start(start)
    if commitment_months is not None and commitment_months < 0:
        raise PlanningError("commitment_months", months=commitment_months)
    last = committed_periods(commitment_months, cycle) - 1
    return plan_subscription_periods(amount, start, cycle, 0, last)


def periods_due(start, cycle, date_ref, date_end=None):
    """Index of the last period to exist so that one period beyond ``date_ref`` is
    planned, without going past ``date_end`` (the subscription stops)."""
    n = 0
    while nth_date(start, n, cycle) <= date_ref:
        n += 1
    if date_end is not None:
        while n > 0 and nth_date(start, n, cycle) > date_end:
            n -= 1
    return n


def subscription_end(start, cycle, commitment_months, request_date, notice_days):
    """Last day of a subscription stopped on ``request_date``: not before the end of
    the commitment nor before the notice has run, aligned on the end of a period."""
    commitment_end = nth_date(start, committed_periods(commitment_months, cycle), cycle)
    earliest = max(
        commitment_end - timedelta(days=1),
        request_date + timedelta(days=notice_days or 0),
    )
    n = 0
    while period_of(start, n, cycle)[1] < earliest:
        n += 1
    return period_of(start, n, cycle)[1]


def period_index(start, cycle, day):
    """0-based index of the period of ``cycle`` anchored on ``start`` that holds
    ``day`` (days before ``start`` belong to the first period)."""
    n = 0
    while nth_date(start, n + 1, cycle) <= day:
        n += 1
    return n
