"""Unit tests of the allowance consumption (no database)."""

from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.accomp_billing.tools import planning
from odoo.addons.accomp_billing.tools.allowance import UsageEntry, allocate

D = Decimal


def splits(allocations):
    return [(a.key, a.included, a.billable) for a in allocations]


@tagged("post_install", "-at_install")
class TestAllowance(BaseCase):
    def test_usage_consumes_the_allowance_in_order_then_becomes_billable(self):
        entries = [UsageEntry("a", 1), UsageEntry("b", 1), UsageEntry("c", 1)]
        assert splits(allocate(2, entries)) == [
            ("a", D(1), D(0)),
            ("b", D(1), D(0)),
            ("c", D(0), D(1)),
        ]

    def test_a_usage_can_straddle_the_end_of_the_allowance(self):
        entries = [UsageEntry("a", D("1.5")), UsageEntry("b", 2)]
        assert splits(allocate(2, entries)) == [
            ("a", D("1.5"), D(0)),
            ("b", D("0.5"), D("1.5")),
        ]

    def test_no_allowance_bills_everything(self):
        assert splits(allocate(0, [UsageEntry("a", 3)])) == [("a", D(0), D(3))]

    def test_billed_usage_keeps_its_split_and_its_consumption(self):
        # "a" was billed as 1 extra when the allowance was 0 at the time; a later
        # increase of the allowance to 2 is not given back to "a", only to others
        entries = [
            UsageEntry("a", 1, locked_included=0),
            UsageEntry("b", 1),
            UsageEntry("c", 1),
            UsageEntry("d", 1),
        ]
        assert splits(allocate(2, entries)) == [
            ("a", D(0), D(1)),
            ("b", D(1), D(0)),
            ("c", D(1), D(0)),
            ("d", D(0), D(1)),
        ]

    def test_billed_usage_that_consumed_the_allowance_leaves_only_the_rest(self):
        entries = [UsageEntry("late", 1), UsageEntry("billed", 2, locked_included=2)]
        assert splits(allocate(2, entries)) == [
            ("late", D(0), D(1)),
            ("billed", D(2), D(0)),
        ]

    def test_period_index_follows_the_anchored_periods(self):
        start = date(2026, 1, 31)
        assert planning.period_index(start, "monthly", date(2026, 1, 31)) == 0
        assert planning.period_index(start, "monthly", date(2026, 2, 27)) == 0
        assert planning.period_index(start, "monthly", date(2026, 2, 28)) == 1
        assert planning.period_index(start, "quarterly", date(2026, 4, 30)) == 1
        assert planning.period_index(start, "monthly", date(2026, 1, 1)) == 0
