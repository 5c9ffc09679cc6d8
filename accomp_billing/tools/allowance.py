"""Allowance consumption: pure functions, no ORM.

An offer includes a quantity of a session type (e.g. 6 individual sessions).
Logged usage consumes it in date order; what goes beyond is billable. Usage that
was already billed is locked: its split never changes, and the included quantity
it consumed stays consumed.
"""

from dataclasses import dataclass
from decimal import Decimal

from .planning import to_decimal


@dataclass(frozen=True)
class UsageEntry:
    key: object  # the caller's identifier (a record id)
    quantity: Decimal
    locked_included: Decimal | None = None  # set when the usage is billed


@dataclass(frozen=True)
class Allocation:
    key: object
    included: Decimal
    billable: Decimal


def allocate(included_qty, entries):
    """Split each entry (given in date order) into included and billable quantity.

    :param included_qty: quantity the allowance includes (0 when there is none)
    :param entries: iterable of :class:`UsageEntry`, oldest first
    :return: list of :class:`Allocation`, in the same order
    """
    entries = list(entries)
    remaining = to_decimal(included_qty) - sum(
        (
            to_decimal(e.locked_included)
            for e in entries
            if e.locked_included is not None
        ),
        Decimal(0),
    )
    result = []
    for entry in entries:
        quantity = to_decimal(entry.quantity)
        if entry.locked_included is not None:
            included = to_decimal(entry.locked_included)
        else:
            included = min(quantity, max(remaining, Decimal(0)))
            remaining -= included
        result.append(Allocation(entry.key, included, quantity - included))
    return result
