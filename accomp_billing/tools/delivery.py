"""Value delivered on a date: the one definition (pure, no ORM).

The ledger, the termination wizard and the year-end cut-off all call
:func:`delivered`, so that on the same day they show the same figure:

* a time-based programme (upfront, deposit and instalments) is delivered
  evenly, day by day, over the **programme's** span, whatever its payment
  periods: a deposit is not delivered on day one;
* a subscription period (and an amendment's price adjustment of it) over its
  own days;
* a milestone when its phase is done, with its share of the deposit (the
  phase's percent of the programme);
* extras, fees and a termination fee once they are due (logged, billed).

Amounts are :class:`decimal.Decimal` in whatever terms the caller gives them
(untaxed or tax-included: the same definition gives both), rounded to the
currency.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .planning import quantize, to_decimal

TIME_BASED_KINDS = ("deposit", "instalment")
PERIOD_KINDS = ("subscription", "adjustment")


@dataclass(frozen=True)
class Event:
    """A billing event as delivery sees it: ``amount`` is what it bills (net of
    its credit notes); a milestone's ``date_due`` is the day its phase was
    done."""

    kind: str
    amount: Decimal
    date_due: date | None = None
    period_start: date | None = None
    period_end: date | None = None


@dataclass(frozen=True)
class Phase:
    """A milestone's phase: its share of the programme and when it was done."""

    percent: Decimal
    date_done: date | None = None


def share_of_days(amount, start, end, on_date, rounding):
    """Part of ``amount`` spread evenly over ``start``..``end`` (both days
    included) that is delivered by the end of ``on_date``."""
    amount = to_decimal(amount)
    if not start or on_date < start:
        return Decimal(0)
    if not end or on_date >= end:
        return amount
    days = (end - start).days + 1
    return quantize(amount * ((on_date - start).days + 1) / days, rounding)


def delivered(
    events, billing_model, date_start, date_end, on_date, rounding, phases=()
):
    """Value delivered by the end of ``on_date`` (see the module's rules)."""
    total = Decimal(0)
    time_based = sum(
        (to_decimal(e.amount) for e in events if e.kind in TIME_BASED_KINDS),
        Decimal(0),
    )
    if billing_model == "milestones":
        done = sum(
            (
                to_decimal(p.percent)
                for p in phases
                if p.date_done and p.date_done <= on_date
            ),
            Decimal(0),
        )
        deposit = sum(
            (to_decimal(e.amount) for e in events if e.kind == "deposit"), Decimal(0)
        )
        total += quantize(deposit * min(done, Decimal(100)) / 100, rounding)
        total += sum(
            (
                to_decimal(e.amount)
                for e in events
                if e.kind == "milestone" and e.date_due and e.date_due <= on_date
            ),
            Decimal(0),
        )
    elif time_based:
        total += share_of_days(time_based, date_start, date_end, on_date, rounding)
    for event in events:
        if event.kind in PERIOD_KINDS:
            total += share_of_days(
                event.amount, event.period_start, event.period_end, on_date, rounding
            )
        elif event.kind not in (*TIME_BASED_KINDS, "milestone"):
            # extras, late-payment fees, a termination fee: once due
            if event.date_due and event.date_due <= on_date:
                total += to_decimal(event.amount)
    return total
