"""French late-payment interest (Code de commerce L441-10): pure functions."""

from decimal import Decimal

from .planning import quantize, to_decimal


def late_interest(amount, annual_rate_percent, days_late, rounding):
    """Late-payment interest on ``amount`` for ``days_late`` days at the annual
    rate (simple interest, per day, on a 365-day year)."""
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
