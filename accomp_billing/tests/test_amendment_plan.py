"""Unit tests of the amendments' arithmetic (no database): re-spreading what is
left to invoice on the cycle's anchor, prorating a price change day by day."""

from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.accomp_billing.tools import amendment, planning

D = Decimal
CENT = D("0.01")


@tagged("post_install", "-at_install")
class TestAmendmentPlan(BaseCase):
    def test_respread_on_the_anchor_numbered_after_the_invoiced(self):
        # 6 x 500 from 1 January, two invoiced, extended by 3 months (+1 500)
        lines = amendment.respread(3500, 7, date(2026, 1, 1), 2, "monthly", CENT, 3)
        self.assertEqual([line.amount for line in lines], [D(500)] * 7)
        self.assertEqual(lines[0].date_due, date(2026, 3, 1))
        self.assertEqual(lines[-1].date_due, date(2026, 9, 1))
        self.assertEqual(
            [(line.index, line.count) for line in lines[:2]], [(3, 9), (4, 9)]
        )
        self.assertEqual(lines[-1].period_end, date(2026, 9, 30))

    def test_respread_month_ends_and_leap_years_stay_anchored(self):
        lines = amendment.respread(1000, 3, date(2028, 1, 31), 1, "monthly", CENT)
        self.assertEqual(
            [line.date_due for line in lines],
            [date(2028, 2, 29), date(2028, 3, 31), date(2028, 4, 30)],
        )
        quarterly = amendment.respread(900, 2, date(2026, 8, 31), 1, "quarterly", CENT)
        self.assertEqual(
            [line.date_due for line in quarterly],
            [date(2026, 11, 30), date(2027, 2, 28)],
        )

    def test_respread_the_last_absorbs_the_rest_to_the_cent(self):
        lines = amendment.respread(
            D("2000.01"), 3, date(2026, 1, 1), 1, "monthly", CENT
        )
        self.assertEqual(
            [line.amount for line in lines], [D("666.67"), D("666.67"), D("666.67")]
        )
        lines = amendment.respread(D(1000), 3, date(2026, 1, 1), 1, "monthly", CENT)
        self.assertEqual(
            [line.amount for line in lines], [D("333.33"), D("333.33"), D("333.34")]
        )
        self.assertEqual(sum(line.amount for line in lines), D(1000))

    def test_respread_refuses_nonsense(self):
        for total, count, code in (
            (1000, 0, "instalment_count"),
            (0, 3, "amount"),
            (D("0.02"), 3, "amount_too_small"),
        ):
            with (
                self.subTest(code=code),
                self.assertRaises(planning.PlanningError) as error,
            ):
                amendment.respread(total, count, date(2026, 1, 1), 0, "monthly", CENT)
            self.assertEqual(error.exception.code, code)

    def test_added_periods_count_a_started_period(self):
        self.assertEqual(amendment.added_periods(3, "monthly"), 3)
        self.assertEqual(amendment.added_periods(4, "quarterly"), 2)
        self.assertEqual(amendment.added_periods(6, "semiannual"), 1)
        for months in (0, -2, None):
            with self.assertRaises(planning.PlanningError):
                amendment.added_periods(months, "monthly")

    def test_first_period_from_a_day(self):
        start = date(2026, 1, 31)
        self.assertEqual(amendment.first_period_from(start, "monthly", start), 0)
        # 28 February is the 2nd anchor date; 1 March is after it
        self.assertEqual(
            amendment.first_period_from(start, "monthly", date(2026, 2, 28)), 1
        )
        self.assertEqual(
            amendment.first_period_from(start, "monthly", date(2026, 3, 1)), 2
        )

    def test_prorate_day_by_day(self):
        march = (date(2026, 3, 1), date(2026, 3, 31))
        # 400 -> 500 from 16 March: 16 of 31 days
        self.assertEqual(
            amendment.prorate(400, 500, *march, date(2026, 3, 16), CENT), D("51.61")
        )
        # down: a credit, same days
        self.assertEqual(
            amendment.prorate(500, 400, *march, date(2026, 3, 16), CENT), D("-51.61")
        )
        # from the first day: the whole difference; after the period: nothing
        self.assertEqual(amendment.prorate(400, 500, *march, march[0], CENT), D(100))
        self.assertEqual(
            amendment.prorate(400, 500, *march, date(2026, 4, 1), CENT), D(0)
        )
        # February of a leap year: 29 days, the last one
        self.assertEqual(
            amendment.prorate(
                290, 580, date(2028, 2, 1), date(2028, 2, 29), date(2028, 2, 29), CENT
            ),
            D(10),
        )
        # a 30-day month, tax-included prices alike (the schedule's terms)
        self.assertEqual(
            amendment.prorate(
                480, 600, date(2026, 4, 1), date(2026, 4, 30), date(2026, 4, 21), CENT
            ),
            D(40),
        )
