"""Unit tests of the one definition of value delivered (no database)."""

from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.accomp_billing.tools import delivery, planning

D = Decimal
CENT = D("0.01")


def events(planned):
    return [
        delivery.Event(
            kind=line.kind,
            amount=line.amount,
            date_due=line.date_due,
            period_start=line.period_start,
            period_end=line.period_end,
        )
        for line in planned
    ]


@tagged("post_install", "-at_install")
class TestDelivery(BaseCase):
    START, END = date(2026, 7, 1), date(2027, 6, 30)  # 365 days

    def test_upfront_is_delivered_day_by_day_over_the_programme(self):
        planned = events(planning.plan_upfront(1200, self.START))
        on = date(2026, 12, 31)  # 184 days of 365
        value = delivery.delivered(planned, "upfront", self.START, self.END, on, CENT)
        self.assertEqual(value, D("604.93"))
        self.assertEqual(
            delivery.delivered(
                planned, "upfront", self.START, self.END, self.END, CENT
            ),
            D(1200),
        )
        self.assertEqual(
            delivery.delivered(
                planned, "upfront", self.START, self.END, date(2026, 6, 30), CENT
            ),
            D(0),
        )

    def test_a_deposit_is_not_delivered_on_day_one(self):
        planned = events(
            planning.plan_instalments(3000, self.START, 6, "monthly", CENT, 30)
        )
        day_one = delivery.delivered(
            planned, "instalments", self.START, self.END, self.START, CENT
        )
        self.assertEqual(day_one, D("8.22"))  # 3 000 / 365, not the 900 deposit
        # the same as an upfront programme of the same price, whatever the plan
        upfront = events(planning.plan_upfront(3000, self.START))
        on = date(2026, 10, 15)
        self.assertEqual(
            delivery.delivered(planned, "instalments", self.START, self.END, on, CENT),
            delivery.delivered(upfront, "upfront", self.START, self.END, on, CENT),
        )

    def test_subscription_periods_over_their_own_days(self):
        planned = events(
            planning.plan_subscription(400, date(2026, 1, 1), "monthly", 3)
        )
        value = delivery.delivered(
            planned, "subscription", date(2026, 1, 1), None, date(2026, 2, 14), CENT
        )
        # January, and 14 days of February's 28
        self.assertEqual(value, D(400) + D(200))

    def test_milestones_and_their_share_of_the_deposit_when_done(self):
        planned = planning.plan_milestones(3000, self.START, [40, 60], CENT, 30)
        done = date(2026, 9, 1)
        evts = [
            delivery.Event(
                kind=line.kind,
                amount=line.amount,
                date_due=done if line.milestone_index == 0 else line.date_due,
            )
            for line in planned
        ]
        phases = [delivery.Phase(D(40), done)]
        args = ("milestones", self.START, self.END)
        self.assertEqual(
            delivery.delivered(evts, *args, date(2026, 8, 31), CENT, phases), D(0)
        )
        # phase 1 (840) and 40 % of the 900 deposit
        self.assertEqual(
            delivery.delivered(evts, *args, done, CENT, phases), D(840) + D(360)
        )

    def test_extras_and_fees_once_due(self):
        evts = [
            delivery.Event("extras", D(150), date(2026, 8, 10)),
            delivery.Event("fees", D(40), date(2026, 9, 1)),
        ]
        self.assertEqual(
            delivery.delivered(
                evts, "instalments", self.START, self.END, date(2026, 8, 31), CENT
            ),
            D(150),
        )

    def test_share_of_days_rounds_to_the_cent_and_covers_leap_years(self):
        self.assertEqual(
            delivery.share_of_days(
                D(290), date(2028, 2, 1), date(2028, 2, 29), date(2028, 2, 28), CENT
            ),
            D(280),
        )
        self.assertEqual(
            delivery.share_of_days(
                D(100), date(2026, 1, 1), date(2026, 1, 3), date(2026, 1, 1), CENT
            ),
            D("33.33"),
        )
