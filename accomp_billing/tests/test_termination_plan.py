"""Termination by value delivered, without a database: each billing model before
its first invoice, mid-way and after its last instalment, with a deposit, with a
fee in percent and a fixed fee."""

from datetime import date
from decimal import Decimal

from odoo.tests import BaseCase, tagged

from odoo.addons.accomp_billing.tools import planning, termination
from odoo.addons.accomp_billing.tools.termination import Event, Terms

CENT = Decimal("0.01")
START = date(2026, 1, 1)
END = date(2026, 6, 30)  # 181 days


def events_from(planned, invoiced_until=None, done=()):
    """Events of planned lines; those due on or before ``invoiced_until`` are
    invoiced; milestone indexes in ``done`` are done."""
    return [
        Event(
            key=i,
            kind=line.kind,
            state="invoiced"
            if invoiced_until and line.date_due and line.date_due <= invoiced_until
            else "planned",
            amount=line.amount,
            date_due=line.date_due,
            period_start=line.period_start,
            period_end=line.period_end,
            milestone_done=line.milestone_index in done,
        )
        for i, line in enumerate(planned, start=1)
    ]


def terminate(terms, events, request, fee_type="none", fee_value=0):
    last = termination.last_day(terms, request, fee_type)
    return termination.plan(events, terms, last, fee_type, fee_value, CENT)


def amounts(plan_, events):
    by_key = {e.key: e for e in events}
    return (
        sum((by_key[k].amount for k in plan_.to_bill), Decimal(0)),
        sum((by_key[k].amount for k in plan_.to_cancel), Decimal(0)),
        plan_.fee,
        sum((amount for _k, amount in plan_.credits), Decimal(0)),
    )


# ----------------------------------------------------------------------------
# Upfront
# ----------------------------------------------------------------------------
UPFRONT = Terms("upfront", START, END, notice_days=0)


# ----------------------------------------------------------------------------
# Instalments
# ----------------------------------------------------------------------------
def instalment_terms(notice_days=30):
    return Terms("instalments", START, END, notice_days=notice_days)


# ----------------------------------------------------------------------------
# Milestones
# ----------------------------------------------------------------------------
MILESTONES = Terms("milestones", START, END, notice_days=30)


def milestone_events(done=(), deposit=30):
    planned = planning.plan_milestones(3000, START, [40, 60], CENT, deposit)
    invoiced = [
        line
        for line in planned
        if line.kind == "deposit" or line.milestone_index in done
    ]
    return [
        Event(
            key=i,
            kind=line.kind,
            state="invoiced" if line in invoiced else "planned",
            amount=line.amount,
            date_due=line.date_due or (date(2026, 3, 1) if line in invoiced else None),
            milestone_done=line.milestone_index in done,
        )
        for i, line in enumerate(planned, start=1)
    ]


# ----------------------------------------------------------------------------
# Subscription
# ----------------------------------------------------------------------------
def subscription_terms(date_end=None):
    return Terms(
        "subscription",
        START,
        date_end,
        notice_days=30,
        billing_cycle="monthly",
        commitment_months=6,
        recurring_amount=Decimal(400),
    )


def subscription_events(periods_planned, invoiced_until):
    planned = planning.plan_subscription_periods(
        400, START, "monthly", 0, periods_planned - 1
    )
    return events_from(planned, invoiced_until)


@tagged("post_install", "-at_install")
class TestTerminationPlan(BaseCase):
    def test_upfront_before_the_first_invoice_bills_only_what_is_delivered(self):
        events = events_from(planning.plan_upfront(3000, START))
        plan_ = terminate(UPFRONT, events, START)  # last day = first day
        # the single payment is due on the first day: billed, then credited but 1 day
        assert amounts(plan_, events) == (3000, 0, 0, Decimal("2983.43"))
        assert plan_.delivered == Decimal("16.57")  # 3000 x 1/181

    def test_upfront_mid_way_credits_the_days_not_delivered(self):
        events = events_from(planning.plan_upfront(3000, START), START)
        plan_ = terminate(UPFRONT, events, date(2026, 3, 31))  # 90 days of 181
        assert plan_.delivered == Decimal("1491.71")
        assert amounts(plan_, events) == (0, 0, 0, Decimal("1508.29"))

    def test_upfront_on_its_last_day_credits_nothing(self):
        events = events_from(planning.plan_upfront(3000, START), START)
        plan_ = terminate(UPFRONT, events, END)
        assert amounts(plan_, events) == (0, 0, 0, 0)

    def test_instalments_mid_way_with_a_fee_in_percent(self):
        planned = planning.plan_instalments(3000, START, 6, "monthly", CENT)
        events = events_from(planned, date(2026, 2, 1))  # January and February
        plan_ = terminate(instalment_terms(), events, date(2026, 3, 10), "percent", 10)
        # last day 9 April: March and April instalments are due by then, May and
        # June cancelled (1000), fee 10 %; 99 days of 181 delivered = 1640.88,
        # 2000 billed: 359.12 credited, from the April instalment
        assert plan_.date_end == date(2026, 4, 9)
        assert amounts(plan_, events) == (1000, 1000, 100, Decimal("359.12"))
        assert plan_.credits == [(4, Decimal("359.12"))]

    def test_instalments_before_the_first_invoice_with_a_fixed_fee(self):
        planned = planning.plan_instalments(3000, START, 6, "monthly", CENT)
        events = events_from(planned)
        plan_ = terminate(instalment_terms(), events, START, "fixed", 250)
        # last day 31 January: the first instalment is due; 31 days of 181 are
        # 513.81 delivered: the February instalment is billed pro rata for 13.81
        assert plan_.delivered == Decimal("513.81")
        assert plan_.prorated == {2: Decimal("13.81")}
        assert amounts(plan_, events) == (1000, 2000, 250, 0)
        assert plan_.remaining == Decimal("2486.19")

    def test_instalments_after_the_last_instalment_credit_nothing(self):
        planned = planning.plan_instalments(3000, START, 6, "monthly", CENT)
        events = events_from(planned, END)
        plan_ = terminate(instalment_terms(), events, date(2026, 6, 20), "percent", 10)
        assert plan_.date_end == END  # the notice never runs past the programme
        assert amounts(plan_, events) == (0, 0, 0, 0)

    def test_deposit_last_instalment_after_the_end_is_billed_not_dropped(self):
        """30 % deposit then 6 monthly instalments: the last one is due one period
        after the programme's last day. Terminating at the end bills it."""
        planned = planning.plan_instalments(3000, START, 6, "monthly", CENT, 30)
        assert planned[-1].date_due == date(2026, 7, 1)  # after END
        events = events_from(planned, date(2026, 6, 1))
        plan_ = terminate(instalment_terms(), events, date(2026, 6, 1))
        assert plan_.date_end == END
        assert amounts(plan_, events) == (350, 0, 0, 0)

    def test_deposit_mid_way_credits_the_excess_over_what_was_delivered(self):
        planned = planning.plan_instalments(3000, START, 5, "monthly", CENT, 30)
        events = events_from(planned, date(2026, 2, 1))  # deposit 900 + 420
        plan_ = terminate(instalment_terms(notice_days=0), events, date(2026, 2, 14))
        # 45 days of 181 delivered: 745.86; 1320 billed: 574.14 credited, taken
        # from the latest payments first (the February instalment, then the deposit)
        assert plan_.delivered == Decimal("745.86")
        assert amounts(plan_, events) == (0, 1680, 0, Decimal("574.14"))
        assert plan_.credits == [(2, Decimal("420")), (1, Decimal("154.14"))]

    def test_milestones_done_are_never_credited_the_rest_is_cancelled(self):
        events = milestone_events(done=(0,))
        plan_ = terminate(MILESTONES, events, date(2026, 4, 1), "percent", 20)
        # deposit 900 and phase 1 (840) delivered; phase 2 (1260) cancelled, fee 20 %
        assert amounts(plan_, events) == (0, 1260, 252, 0)
        assert plan_.delivered == 1740

    def test_milestones_before_any_phase_keep_the_deposit(self):
        events = milestone_events()
        plan_ = terminate(MILESTONES, events, START, "fixed", 300)
        assert amounts(plan_, events) == (0, 2100, 300, 0)

    def test_milestones_without_deposit_all_done_leave_nothing(self):
        events = milestone_events(done=(0, 1), deposit=0)
        plan_ = terminate(MILESTONES, events, date(2026, 5, 1), "percent", 20)
        assert amounts(plan_, events) == (0, 0, 0, 0)

    def test_subscription_without_fee_runs_to_the_end_of_its_commitment(self):
        events = subscription_events(3, date(2026, 2, 1))
        plan_ = terminate(subscription_terms(), events, date(2026, 2, 15))
        assert plan_.date_end == END
        # March is planned and billed now; April to June are committed too
        assert amounts(plan_, events) == (400, 0, 0, 0)
        assert plan_.remaining == 0

    def test_subscription_fee_is_on_the_committed_periods_left_whatever_is_planned(
        self,
    ):
        for horizon in (3, 6, 9):
            with self.subTest(horizon=horizon):
                events = subscription_events(horizon, date(2026, 2, 1))
                plan_ = terminate(
                    subscription_terms(), events, date(2026, 2, 15), "percent", 50
                )
                # leaving early with a fee: last day 31 March (notice); April
                # to June are the committed periods left (1200), fee 50 %,
                # however far renewal planned
                assert plan_.date_end == date(2026, 3, 31)
                assert plan_.remaining == 1200
                assert plan_.fee == 600

    def test_subscription_periods_invoiced_past_the_last_day_are_credited_pro_rata(
        self,
    ):
        events = subscription_events(7, date(2026, 7, 1))  # July invoiced already
        terms = subscription_terms()
        last = date(2026, 7, 10)
        plan_ = termination.plan(events, terms, last, "none", 0, CENT)
        # July: 10 days of 31 delivered, 21 credited
        assert plan_.credits == [(7, Decimal("270.97"))]

    def test_subscription_before_the_first_invoice_with_a_fixed_fee(self):
        events = subscription_events(6, None)
        plan_ = terminate(subscription_terms(), events, START, "fixed", 100)
        # last day 31 January (notice of 30 days): January billed, fee fixed
        assert plan_.date_end == date(2026, 1, 31)
        assert amounts(plan_, events) == (400, 2000, 100, 0)
        assert plan_.remaining == 2000
