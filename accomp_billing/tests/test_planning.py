"""Unit tests of the pure schedule planners (no database)."""

from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.accomp_billing.tools import planning

D = Decimal
CENT = D("0.01")


def dates(lines):
    return [line.date_due for line in lines]


def amounts(lines):
    return [line.amount for line in lines]


@tagged("post_install", "-at_install")
class TestPlanning(BaseCase):
    def test_monthly_dates_from_31_january_are_anchored_not_chained(self):
        lines = planning.plan_instalments(3000, date(2026, 1, 31), 6, "monthly", CENT)
        assert dates(lines) == [
            date(2026, 1, 31),
            date(2026, 2, 28),
            date(2026, 3, 31),
            date(2026, 4, 30),
            date(2026, 5, 31),
            date(2026, 6, 30),
        ]
        assert amounts(lines) == [D(500)] * 6
        assert [(line.index, line.count) for line in lines] == [
            (i, 6) for i in range(1, 7)
        ]
        # the period of an instalment runs until the day before the next anchor date
        assert (lines[1].period_start, lines[1].period_end) == (
            date(2026, 2, 28),
            date(2026, 3, 30),
        )

    def test_leap_year_february(self):
        lines = planning.plan_instalments(1200, date(2028, 1, 31), 3, "monthly", CENT)
        assert dates(lines) == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]
        lines = planning.plan_instalments(1200, date(2024, 2, 29), 2, "yearly", CENT)
        assert dates(lines) == [date(2024, 2, 29), date(2025, 2, 28)]

    def test_every_cycle(self):
        for cycle, expected in [
            (
                "monthly",
                [
                    date(2026, 8, 31),
                    date(2026, 9, 30),
                    date(2026, 10, 31),
                    date(2026, 11, 30),
                ],
            ),
            (
                "quarterly",
                [
                    date(2026, 8, 31),
                    date(2026, 11, 30),
                    date(2027, 2, 28),
                    date(2027, 5, 31),
                ],
            ),
            (
                "semiannual",
                [
                    date(2026, 8, 31),
                    date(2027, 2, 28),
                    date(2027, 8, 31),
                    date(2028, 2, 29),
                ],
            ),
            (
                "yearly",
                [
                    date(2026, 8, 31),
                    date(2027, 8, 31),
                    date(2028, 8, 31),
                    date(2029, 8, 31),
                ],
            ),
        ]:
            with self.subTest(cycle=cycle):
                lines = planning.plan_instalments(
                    4000, date(2026, 8, 31), 4, cycle, CENT
                )
                assert dates(lines) == expected
                assert sum(amounts(lines)) == 4000

    def test_rounding_last_part_absorbs_remainder(self):
        assert planning.split_amount(1000, 3, CENT) == [
            D("333.33"),
            D("333.33"),
            D("333.34"),
        ]
        assert planning.split_amount(D("100.00"), 6, CENT) == [D("16.67")] * 5 + [
            D("16.65")
        ]
        # a currency without cents, and one rounded to 0.05
        assert planning.split_amount(1000, 3, D(1)) == [D(333), D(333), D(334)]
        assert planning.split_amount(10, 3, D("0.05")) == [
            D("3.35"),
            D("3.35"),
            D("3.30"),
        ]
        for total, parts in [(D("999.99"), 7), (D("0.07"), 3), (D(12345), 12)]:
            assert sum(planning.split_amount(total, parts, CENT)) == total

    def test_too_small_amount_is_refused(self):
        with self.assertRaises(planning.PlanningError) as error:
            planning.split_amount(D("0.02"), 3, CENT)
        assert error.exception.code == "amount_too_small"

    def test_deposit_then_instalments(self):
        lines = planning.plan_instalments(
            3000, date(2026, 1, 31), 5, "monthly", CENT, deposit_percent=30
        )
        assert [line.kind for line in lines] == ["deposit"] + ["instalment"] * 5
        assert amounts(lines) == [D(900)] + [D(420)] * 5
        # the deposit is due at the start, the instalments from the next period
        assert dates(lines) == [
            date(2026, 1, 31),
            date(2026, 2, 28),
            date(2026, 3, 31),
            date(2026, 4, 30),
            date(2026, 5, 31),
            date(2026, 6, 30),
        ]
        lines = planning.plan_instalments(
            D("1000.01"), date(2026, 3, 1), 3, "monthly", CENT, 33.33
        )
        assert sum(amounts(lines)) == D("1000.01")
        assert lines[0].amount == D("333.30")

    def test_upfront_is_one_line_due_at_start(self):
        lines = planning.plan_upfront(3000, date(2026, 9, 1))
        assert [(line.kind, line.amount, line.date_due) for line in lines] == [
            ("instalment", D(3000), date(2026, 9, 1))
        ]

    def test_milestones_30_40_30_with_and_without_deposit(self):
        lines = planning.plan_milestones(4500, date(2026, 1, 5), [30, 40, 30], CENT)
        assert amounts(lines) == [D(1350), D(1800), D(1350)]
        assert dates(lines) == [None, None, None]  # due when the milestone is done
        assert [line.milestone_index for line in lines] == [0, 1, 2]
        lines = planning.plan_milestones(
            1000, date(2026, 1, 5), [33.33, 33.33, 33.34], CENT, 10
        )
        assert amounts(lines) == [D(100), D("299.97"), D("299.97"), D("300.06")]
        assert sum(amounts(lines)) == 1000

    def test_milestone_percents_must_sum_to_100(self):
        with self.assertRaises(planning.PlanningError) as error:
            planning.plan_milestones(4500, date(2026, 1, 5), [30, 40, 20], CENT)
        assert error.exception.code == "milestone_percent"

    def test_bad_terms(self):
        for call, code in [
            (lambda: planning.plan_upfront(0, date(2026, 1, 1)), "amount"),
            (lambda: planning.plan_upfront(-10, date(2026, 1, 1)), "amount"),
            (lambda: planning.plan_upfront(100, None), "date_start"),
            (
                lambda: planning.plan_instalments(
                    100, date(2026, 1, 1), 0, "monthly", CENT
                ),
                "instalment_count",
            ),
            (
                lambda: planning.plan_instalments(
                    100, date(2026, 1, 1), 2, "monthly", CENT, 100
                ),
                "deposit_percent",
            ),
            (
                lambda: planning.plan_instalments(
                    100, date(2026, 1, 1), 2, "monthly", CENT, -5
                ),
                "deposit_percent",
            ),
            (
                lambda: planning.plan_subscription(0, date(2026, 1, 1), "monthly", 6),
                "amount",
            ),
        ]:
            with (
                self.subTest(code=code),
                self.assertRaises(planning.PlanningError) as error,
            ):
                call()
            assert error.exception.code == code

    def test_subscription_commitment_and_renewals(self):
        lines = planning.plan_subscription(400, date(2026, 1, 31), "monthly", 6)
        assert len(lines) == 6 and set(amounts(lines)) == {D(400)}
        assert (lines[-1].period_start, lines[-1].period_end) == (
            date(2026, 6, 30),
            date(2026, 7, 30),
        )
        # quarterly, 6-month commitment: two periods; 7 months: three (a started
        # period counts)
        assert (
            len(planning.plan_subscription(1200, date(2026, 1, 1), "quarterly", 6)) == 2
        )
        assert (
            len(planning.plan_subscription(1200, date(2026, 1, 1), "quarterly", 7)) == 3
        )
        # renewals: every started period plus the next one, never past the end
        start = date(2026, 1, 31)
        assert planning.periods_due(start, "monthly", date(2026, 9, 15)) == 8
        assert (
            planning.periods_due(start, "monthly", date(2026, 9, 15), date(2026, 8, 30))
            == 6
        )
        extra = planning.plan_subscription_periods(
            400, start, "monthly", 6, 8, sequence_start=7
        )
        assert [line.index for line in extra] == [7, 8, 9]
        assert dates(extra) == [date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 30)]

    def test_subscription_end_respects_commitment_and_notice(self):
        start = date(2026, 1, 1)
        # asked in March with 30 days' notice: the 6-month commitment runs until 30 June
        assert planning.subscription_end(
            start, "monthly", 6, date(2026, 3, 10), 30
        ) == date(2026, 6, 30)
        # asked in September: notice until 10 October, aligned on the end of that period
        assert planning.subscription_end(
            start, "monthly", 6, date(2026, 9, 10), 30
        ) == date(2026, 10, 31)
        assert planning.subscription_end(
            start, "quarterly", 6, date(2026, 9, 10), 30
        ) == date(2026, 12, 31)
