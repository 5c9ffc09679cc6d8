"""Reporting > Forecast: what will be billed and collected, month by month."""

from datetime import date

from odoo.tests import freeze_time

from .common import AccompCase


@freeze_time("2026-12-15 09:00:00")
class TestForecast(AccompCase):
    def rows(self, engagement, domain=()):
        return self.env["accomp.forecast"].search(
            [("engagement_id", "=", engagement.id), *domain], order="date, id"
        )

    def next_12_months(self):
        action = self.env.ref("accomp_billing.accomp_forecast_action")
        self.assertEqual(action.context, "{'search_default_next_12_months': 1}")
        # the default filter, as the search view states it on 15 December 2026
        return [
            "|",
            ("date", "=", False),
            "&",
            ("date", "<", date(2027, 12, 1)),
            "|",
            ("date", ">=", date(2026, 12, 1)),
            ("status", "in", ("invoiced", "overdue")),
        ]

    def test_subscription_renewals_are_projected_until_stopped(self):
        """400 € HT a month, 6 months' commitment from 1 January: the schedule
        plans the 6 committed months; the forecast adds the renewals."""
        engagement = self.make_engagement(
            self.make_offer(
                billing_model="subscription", recurring_amount=400, commitment_months=6
            ),
            date_start=date(2027, 1, 1),
        )
        self.assertEqual(len(engagement.schedule_line_ids), 6)
        rows = self.rows(engagement, self.next_12_months())
        self.assertEqual(
            [row.date for row in rows], [date(2027, m, 1) for m in range(1, 12)]
        )
        self.assertEqual(rows.mapped("status"), ["planned"] * 6 + ["projected"] * 5)
        self.assertEqual(set(rows.mapped("amount_untaxed")), {400.0})
        self.assertEqual(set(rows.mapped("amount_total")), {480.0})
        self.assertEqual(sum(rows.mapped("amount_total")), 11 * 480)
        # beyond the next 12 months, up to the horizon (two years)
        self.assertEqual(len(self.rows(engagement)), 24)

        # renewal stopped: the programme ends on 31 July, nothing is projected after
        with freeze_time("2027-06-20 09:00:00"):
            engagement.action_stop_renewal()
        self.assertEqual(engagement.date_end, date(2027, 7, 31))
        rows = self.rows(engagement)
        self.assertEqual(rows[-1].date, date(2027, 7, 1))
        self.assertEqual(len(rows), 7)

    def test_milestones_not_done_are_to_be_dated(self):
        engagement = self.make_engagement(
            self.make_milestone_offer(),
            date_start=date(2026, 12, 1),
        )
        rows = self.rows(engagement)
        dated = rows.filtered(lambda row: row.bucket == "dated")
        to_be_dated = rows - dated
        self.assertEqual(dated.mapped("kind"), ["deposit"])
        self.assertEqual(dated.amount_total, 1080.0)  # 30 % of 3 000 HT, + 20 %
        self.assertEqual(len(to_be_dated), 2)
        self.assertFalse(any(to_be_dated.mapped("date")))
        self.assertEqual(set(to_be_dated.mapped("kind")), {"milestone"})
        # the whole price is in the forecast, dated or not: 3 600 € incl. VAT
        self.assertAlmostEqual(sum(rows.mapped("amount_total")), 3600.0, places=2)
        self.assertEqual(rows.filtered_domain(self.next_12_months()), rows)

    def test_paid_invoiced_overdue_and_expected_payment(self):
        """Monthly instalments from 1 October, 30-day terms: October paid,
        November overdue (due 1 December), December invoiced (due 14 January)."""
        self.company.accomp_payment_term_id = self.env.ref(
            "account.account_payment_term_30days"
        )
        engagement = self.make_engagement(
            self.make_offer(amount_total=3000, instalment_count=6),
            date_start=date(2026, 10, 1),
        )
        for day in (date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 15)):
            with freeze_time(f"{day} 09:00:00"):
                self.invoice_due(day)
        october = engagement.schedule_line_ids.sorted("date_due")[0].invoice_id
        self.pay(october)
        rows = self.rows(engagement)
        self.assertEqual(
            rows.mapped("status"),
            ["paid", "overdue", "invoiced", "planned", "planned", "planned"],
        )
        self.assertEqual(set(rows.mapped("amount_total")), {600.0})
        self.assertEqual(rows[1].date_expected_payment, date(2026, 12, 1))
        self.assertEqual(rows[2].date_expected_payment, date(2027, 1, 14))
        # not invoiced yet: the billing day plus the 30 days of the terms
        self.assertEqual(rows[3].date, date(2027, 1, 1))
        self.assertEqual(rows[3].date_expected_payment, date(2027, 1, 31))
        # next 12 months: the overdue November and what comes, not paid October
        self.assertEqual(
            self.rows(engagement, self.next_12_months()).mapped("status"),
            ["overdue", "invoiced", "planned", "planned", "planned"],
        )

    def test_a_clients_own_terms_beat_the_companys_programme_terms(self):
        """30-day programme terms; one client has 15-day terms of their own:
        their planned instalment is expected 15 days after its billing day,
        the other client's 30 days after."""
        self.company.accomp_payment_term_id = self.env.ref(
            "account.account_payment_term_30days"
        )
        own_terms = self.env["res.partner"].create({"name": "Client à 15 jours"})
        own_terms.with_company(self.company).property_payment_term_id = self.env.ref(
            "account.account_payment_term_15days"
        )
        offer = self.make_offer(amount_total=3000, instalment_count=6)
        default = self.make_engagement(offer, date_start=date(2027, 1, 1))
        own = self.make_engagement(
            offer, date_start=date(2027, 1, 1), partner_id=own_terms.id
        )
        self.assertEqual(self.rows(default)[0].date_expected_payment, date(2027, 1, 31))
        self.assertEqual(self.rows(own)[0].date_expected_payment, date(2027, 1, 16))

    def test_amounts_in_the_company_currency(self):
        """A programme sold in euros by a company keeping its books in dollars:
        the forecast totals in dollars at today's rate."""
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].search(
            [
                ("currency_id", "=", eur.id),
                ("company_id", "in", (False, self.company.id)),
            ]
        ).unlink()
        self.env["res.currency.rate"].create(
            {
                "currency_id": eur.id,
                "name": date(2026, 1, 1),
                "rate": 0.5,
                "company_id": self.company.id,
            }
        )
        engagement = self.make_engagement(
            self.make_offer(amount_total=1200, instalment_count=2, currency_id=eur.id),
            date_start=date(2027, 1, 1),
        )
        self.assertEqual(engagement.currency_id, eur)
        rows = self.rows(engagement)
        self.assertEqual(rows.currency_id, self.company.currency_id)
        # 600 € HT + 20 % = 720 € = 1 440 $ per instalment
        self.assertEqual(rows.mapped("amount_total"), [1440.0, 1440.0])
        self.assertEqual(rows.mapped("amount_untaxed"), [1200.0, 1200.0])

    def test_other_company_programmes_are_not_shown(self):
        engagement = self.make_engagement(
            self.make_offer(amount_total=1200, instalment_count=2),
            date_start=date(2027, 1, 1),
        )
        other = self.env["res.company"].create({"name": "Other firm"})
        forecast = (
            self.env["accomp.forecast"]
            .with_company(other)
            .with_context(allowed_company_ids=other.ids)
        )
        self.assertFalse(forecast.search([("engagement_id", "=", engagement.id)]))
        self.assertEqual(len(self.rows(engagement)), 2)
