"""Early termination arithmetic: pure functions, no ORM.

The engagement passes its billing events as :class:`Event` tuples; the plan says
which are billed now, which are cancelled, the fee and the pro rata credits.
Amounts are :class:`decimal.Decimal`, rounded to the currency.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .planning import quantize, subscription_end, to_decimal


@dataclass(frozen=True)
class Event:
    """A billing event as termination sees it."""

    key: int  # the schedule line's id
    kind: str
    state: str  # planned | invoiced | paid | ...
    amount: Decimal
    date_due: date | None = None
    period_start: date | None = None
    period_end: date | None = None


@dataclass
class Plan:
    date_end: date
    to_bill: list  # keys of the planned events billed now
    to_cancel: list  # keys of the planned events cancelled
    remaining: Decimal  # amount cancelled
    fee: Decimal
    credits: list  # [(key, amount credited)]


def last_day(
    request_date,
    notice_days,
    date_end=None,
    subscription=None,
):
    """Last day of a programme terminated on ``request_date``: the notice runs,
    never past the programme's own end; a subscription runs to the end of its
    commitment, aligned on a period (``subscription``: (start, cycle, months))."""
    if subscription:
        start, cycle, commitment_months = subscription
        return subscription_end(
            start, cycle, commitment_months, request_date, notice_days
        )
    day = request_date + timedelta(days=notice_days or 0)
    return min(day, date_end) if date_end else day


def fee_amount(remaining, fee_type, fee_value, rounding):
    """The termination fee: a share of the remaining commitment, or fixed."""
    if fee_type == "percent":
        return quantize(
            to_decimal(remaining) * to_decimal(fee_value or 0) / 100, rounding
        )
    if fee_type == "fixed":
        return to_decimal(fee_value or 0)
    return Decimal(0)


def undelivered_amount(amount, period_start, period_end, last_day, rounding):
    """Share of ``amount`` (billed for period_start..period_end) that covers the
    days after ``last_day``: what a pro rata credit note gives back."""
    if not (period_start and period_end) or last_day >= period_end:
        return Decimal(0)
    total_days = (period_end - period_start).days + 1
    undelivered_days = (
        period_end - max(last_day, period_start - timedelta(days=1))
    ).days
    return quantize(
        to_decimal(amount) * Decimal(undelivered_days) / Decimal(total_days), rounding
    )


def plan(events, date_end, fee_type, fee_value, rounding, programme_span):
    """What terminating with ``date_end`` as last day does.

    :param events: the programme's billing events (:class:`Event`)
    :param programme_span: (start, end) used for events without a period
    """
    planned = [e for e in events if e.state == "planned"]
    to_bill = [
        e
        for e in planned
        if e.kind == "extras"
        or (e.date_due and e.date_due <= date_end)
        or (e.period_start and e.period_start <= date_end)
    ]
    to_cancel = [e for e in planned if e not in to_bill]
    remaining = sum((to_decimal(e.amount) for e in to_cancel), Decimal(0))
    credits = []
    billed = [e for e in events if e.state in ("invoiced", "paid")] + to_bill
    for event in billed:
        if event.kind in ("extras", "termination"):
            continue
        undelivered = undelivered_amount(
            event.amount,
            event.period_start or programme_span[0],
            event.period_end or programme_span[1],
            date_end,
            rounding,
        )
        if undelivered:
            credits.append((event.key, undelivered))
    return Plan(
        date_end=date_end,
        to_bill=[e.key for e in to_bill],
        to_cancel=[e.key for e in to_cancel],
        remaining=remaining,
        fee=fee_amount(remaining, fee_type, fee_value, rounding),
        credits=credits,
    )
