"""French late-payment interest (Code de commerce L441-10): pure functions.

Simple interest per day on a 365-day year, on what was really owed each day:
a payment (or a credit note) made on day *p* stops the interest on its amount
from day *p* on, so each euro bears interest for the days between the due date
and the day it was settled."""

from decimal import Decimal

from .planning import quantize, to_decimal


def owed_segments(total, date_due, settlements, start, end):
    """[(first day, days, amount owed)] from ``start`` (inclusive) to ``end``
    (exclusive), never before the due date.

    :param settlements: [(date, amount)] payments and credits of the invoice"""
    start = max(start, date_due)
    if end <= start:
        return []
    owed = to_decimal(total)
    changes = {}
    for day, amount in settlements:
        if day <= start:
            owed -= to_decimal(amount)
        elif day < end:
            changes[day] = changes.get(day, Decimal(0)) + to_decimal(amount)
    segments = []
    cursor = start
    for day in sorted(changes):
        segments.append((cursor, (day - cursor).days, max(owed, Decimal(0))))
        owed -= changes[day]
        cursor = day
    segments.append((cursor, (end - cursor).days, max(owed, Decimal(0))))
    return [segment for segment in segments if segment[1] and segment[2]]


def interest_on_balance(
    total, date_due, settlements, start, end, annual_rate_percent, rounding
):
    """Σ owed_d × rate / 365 over the days ``start`` ≤ d < ``end``, rounded once.

    :return: (interest, segments) — the segments say what was owed how long"""
    segments = owed_segments(total, date_due, settlements, start, end)
    exact = sum(
        (
            owed * days * to_decimal(annual_rate_percent) / Decimal(100) / 365
            for _day, days, owed in segments
        ),
        Decimal(0),
    )
    return quantize(exact, rounding), segments
