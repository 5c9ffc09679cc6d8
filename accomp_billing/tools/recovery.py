"""Getting paid: the retry schedule of automatic debits. Pure functions, no ORM."""

from datetime import timedelta


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
