"""Unit tests of the retry schedule, late-payment fees and pro rata (no database)."""

from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.accomp_billing.tools import recovery, termination

CENT = Decimal("0.01")


@tagged("post_install", "-at_install")
class TestRecovery(BaseCase):
    def test_retry_days_parse_and_reject_nonsense(self):
        assert recovery.parse_retry_days("3, 7, 14") == (3, 7, 14)
        assert recovery.parse_retry_days("") == ()
        for bad in ("7, 3", "0, 3", "3, 3", "x"):
            with self.assertRaises(ValueError):
                recovery.parse_retry_days(bad)

    def test_attempts_on_the_due_date_then_each_retry_day_then_none(self):
        due = date(2026, 2, 28)
        days = (3, 7, 14)
        assert recovery.next_attempt(due, 0, days, date(2026, 2, 27)) is None
        assert recovery.next_attempt(due, 0, days, due) == 1
        assert recovery.next_attempt(due, 1, days, date(2026, 3, 2)) is None
        assert recovery.next_attempt(due, 1, days, date(2026, 3, 3)) == 2
        assert recovery.next_attempt(due, 2, days, date(2026, 3, 7)) == 3
        assert recovery.next_attempt(due, 3, days, date(2026, 3, 14)) == 4
        assert recovery.next_attempt(due, 4, days, date(2026, 6, 1)) is None
        # a scheduler that missed days makes one attempt, not the ones it missed
        assert recovery.next_attempt(due, 1, days, date(2026, 3, 20)) == 2

    def test_undelivered_share_of_a_period_after_the_last_day(self):
        start, end = date(2026, 3, 31), date(2026, 4, 29)  # 30 days
        assert termination.undelivered_amount(
            500, start, end, date(2026, 4, 9), CENT
        ) == (Decimal("333.33"))
        assert termination.undelivered_amount(500, start, end, end, CENT) == 0
        assert (
            termination.undelivered_amount(500, start, end, date(2026, 3, 1), CENT)
            == 500
        )
