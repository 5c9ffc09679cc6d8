"""Early termination arithmetic, by value delivered: pure functions, no ORM.

What was delivered is never credited; what was invoiced and not delivered is:

* time-based programmes (upfront, instalments, with or without a deposit): the
  price is delivered evenly, day by day, from the first to the last day of the
  programme, whatever the payment periods;
* milestone programmes: the deposit and the milestones marked done are
  delivered, nothing else;
* subscriptions: the periods elapsed are delivered, day by day within a period;
* extras (sessions used) and fees are always delivered.

Every planned event due on or before the last day is billed. When a
time-based programme has billed less than it delivered (an instalment falling
after the last day, a month longer than the average), the next planned events
are billed for the difference, the last one pro rata; the rest is cancelled. What
is cancelled is the remaining commitment the fee is computed on: for a
subscription, the committed periods after the last day, whatever the renewal
horizon the schedule reached.

Amounts are :class:`decimal.Decimal` in the terms of the schedule (the price
as the offer states it), rounded to the currency.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from .delivery import share_of_days
from .planning import (
    committed_periods,
    nth_date,
    quantize,
    subscription_end,
    to_decimal,
)

TIME_BASED_KINDS = ("deposit", "instalment")
ALWAYS_DELIVERED_KINDS = ("extras", "termination", "fees", "adjustment")


@dataclass(frozen=True)
class Event:
    """A billing event as termination sees it.

    ``amount``: for an invoiced event, what it still counts as invoiced (net of
    partial credit notes); for a planned one, its amount."""

    key: int
    kind: str
    state: str  # planned | invoiced | paid (others are ignored)
    amount: Decimal
    date_due: date | None = None
    period_start: date | None = None
    period_end: date | None = None
    milestone_done: bool = False


@dataclass(frozen=True)
class Terms:
    billing_model: str
    date_start: date
    date_end: date | None  # the programme's last day (None: a renewing subscription)
    notice_days: int = 0
    billing_cycle: str = "monthly"
    commitment_months: int = 0
    recurring_amount: Decimal = Decimal(0)


@dataclass
class Plan:
    date_end: date
    to_bill: list = field(default_factory=list)  # keys billed now
    to_cancel: list = field(default_factory=list)  # keys cancelled
    remaining: Decimal = Decimal(0)  # the commitment cancelled (fee base)
    fee: Decimal = Decimal(0)
    credits: list = field(default_factory=list)  # [(key, amount credited)]
    delivered: Decimal = Decimal(0)  # value delivered by the last day
    # {key: amount}: a planned event billed for part of its amount only (the
    # value delivered that no earlier payment covers); the rest is cancelled
    prorated: dict = field(default_factory=dict)


def last_day(terms, request_date, fee_type="none"):
    """Last day of a programme whose termination is asked on ``request_date``.

    The notice runs from the request, never past the programme's own end. A
    subscription ends on the last day of a period: at the end of its commitment
    when leaving early costs nothing (``fee_type`` none), as soon as the notice
    allows when the offer sets a fee for leaving early."""
    notice = timedelta(days=terms.notice_days or 0)
    if terms.billing_model == "subscription":
        commitment = terms.commitment_months if fee_type == "none" else 0
        day = subscription_end(
            terms.date_start,
            terms.billing_cycle,
            commitment,
            request_date,
            terms.notice_days,
        )
        return min(day, terms.date_end) if terms.date_end else day
    day = request_date + notice
    return min(day, terms.date_end) if terms.date_end else day


def fee_amount(remaining, fee_type, fee_value, rounding):
    """The termination fee: a share of the remaining commitment, or fixed."""
    if fee_type == "percent":
        return quantize(
            to_decimal(remaining) * to_decimal(fee_value or 0) / 100, rounding
        )
    if fee_type == "fixed":
        return to_decimal(fee_value or 0)
    return Decimal(0)


def undelivered_amount(amount, period_start, period_end, last, rounding):
    """Part of ``amount`` (billed for period_start..period_end) covering the days
    after ``last``: what a pro rata credit gives back."""
    if not (period_start and period_end):
        return Decimal(0)
    return to_decimal(amount) - share_of_days(
        amount, period_start, period_end, last, rounding
    )


def committed_left(terms, last):
    """Value of the committed subscription periods that start after ``last``."""
    periods = committed_periods(terms.commitment_months, terms.billing_cycle)
    left = sum(
        1
        for n in range(periods)
        if nth_date(terms.date_start, n, terms.billing_cycle) > last
    )
    return to_decimal(terms.recurring_amount) * left


def plan(events, terms, last, fee_type, fee_value, rounding):
    """What terminating with ``last`` as the programme's last day does."""
    events = [e for e in events if e.state in ("planned", "invoiced", "paid")]
    planned = sorted(
        (e for e in events if e.state == "planned"),
        key=lambda e: (e.date_due or date.max, e.key),
    )
    billed = [e for e in events if e.state != "planned"]
    result = Plan(date_end=last)

    def due_by_last(event):
        if event.kind in ALWAYS_DELIVERED_KINDS:
            return True
        if terms.billing_model == "milestones" and event.kind == "milestone":
            return event.milestone_done
        if event.kind == "subscription":
            return bool(event.period_start and event.period_start <= last)
        return bool(event.date_due and event.date_due <= last)

    to_bill = [e for e in planned if due_by_last(e)]
    rest = [e for e in planned if e not in to_bill]

    if terms.billing_model in ("upfront", "instalments"):
        scheduled = [e for e in events if e.kind in TIME_BASED_KINDS]
        price = sum((to_decimal(e.amount) for e in scheduled), Decimal(0))
        result.delivered = share_of_days(
            price, terms.date_start, terms.date_end or last, last, rounding
        )

        def billed_value():
            return sum(
                (
                    result.prorated.get(e.key, to_decimal(e.amount))
                    for e in billed + to_bill
                    if e.kind in TIME_BASED_KINDS
                ),
                Decimal(0),
            )

        # value delivered that no payment covers yet: the next events bill it
        later = [e for e in rest if e.kind in TIME_BASED_KINDS]
        while later and billed_value() < result.delivered:
            event = later.pop(0)
            rest.remove(event)
            to_bill.append(event)
            missing = result.delivered - billed_value() + to_decimal(event.amount)
            if missing < to_decimal(event.amount):
                result.prorated[event.key] = missing
        excess = billed_value() - result.delivered
        for event in sorted(
            (e for e in billed + to_bill if e.kind in TIME_BASED_KINDS),
            key=lambda e: (e.date_due or date.min, e.key),
            reverse=True,
        ):
            if excess <= 0:
                break
            credit = min(
                excess, result.prorated.get(event.key, to_decimal(event.amount))
            )
            result.credits.append((event.key, credit))
            excess -= credit
    elif terms.billing_model == "milestones":
        result.delivered = sum(
            (
                to_decimal(e.amount)
                for e in billed + to_bill
                if e.kind in ("deposit", "milestone")
            ),
            Decimal(0),
        )
    else:  # subscription: the periods elapsed, day by day
        for event in billed + to_bill:
            if event.kind != "subscription":
                continue
            credit = undelivered_amount(
                event.amount, event.period_start, event.period_end, last, rounding
            )
            if credit:
                result.credits.append((event.key, credit))
            result.delivered += to_decimal(event.amount) - credit

    result.to_bill = [e.key for e in to_bill]
    result.to_cancel = [e.key for e in rest]
    if terms.billing_model == "subscription":
        result.remaining = committed_left(terms, last)
    else:
        result.remaining = sum(
            (
                to_decimal(e.amount)
                for e in rest
                if e.kind not in ALWAYS_DELIVERED_KINDS
            ),
            Decimal(0),
        ) + sum(
            (
                to_decimal(e.amount) - result.prorated[e.key]
                for e in to_bill
                if e.key in result.prorated
            ),
            Decimal(0),
        )
    result.fee = fee_amount(result.remaining, fee_type, fee_value, rounding)
    return result


__all__ = [
    "Event",
    "Plan",
    "Terms",
    "committed_left",
    "fee_amount",
    "last_day",
    "plan",
    "share_of_days",
    "undelivered_amount",
]
