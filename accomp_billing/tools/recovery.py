"""Getting paid: retry schedule, French late-payment fees, early termination
pro rata. Pure functions, no ORM; amounts are Decimal, rounded to the currency."""

from datetime import timedelta
from decimal import Decimal

from .planning import quantize, to_decimal

DEFAULT_RETRY_DAYS = (3, 7, 14)


def parse_retry_days(spec):
    """'3, 7, 14' -> (3, 7, 14): days after the due date to retry a failed charge.

    :raise ValueError: not a list of increasing positive whole numbers
    """
    days = tuple(
        int(part)
        for part in str(spec or "").replace(";", ",").split(",")
        if part.strip()
    )
    if any(day <= 0 for day in days) or list(days) != sorted(set(days)):
        raise ValueError(spec)
    return days


def next_attempt(date_due, attempts_made, retry_days, today):
    """Number of the charge attempt allowed on ``today`` (1 = on the due date, then
    one per retry day), or None when it is not time yet or the retries are over."""
    offsets = (0, *retry_days)
    if attempts_made >= len(offsets):
        return None
    if today < date_due + timedelta(days=offsets[attempts_made]):
        return None
    return attempts_made + 1


def late_interest(amount, annual_rate_percent, days_late, rounding):
    """Late-payment interest on ``amount`` for ``days_late`` days at the annual
    rate (French Commercial Code L441-10: simple interest, per day)."""
    if days_late <= 0:
        return Decimal(0)
    return quantize(
        to_decimal(amount)
        * to_decimal(annual_rate_percent)
        / Decimal(100)
        * Decimal(days_late)
        / Decimal(365),
        rounding,
    )


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
