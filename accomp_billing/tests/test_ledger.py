"""The programme ledger: sold, invoiced, credited, paid against delivered."""

from datetime import date

from odoo.exceptions import UserError
from odoo.tests import freeze_time

from .common import AccompCase


@freeze_time("2026-12-15 09:00:00")
class TestLedger(AccompCase):
    def search_gap(self, fname):
        return self.env["accomp.engagement"].search([(fname, ">", 0)])

    def test_instalments_delivered_but_not_billed(self):
        """6 × 500 € HT (600 € incl. VAT) a month from 1 October; the December
        instalment is not invoiced yet on 15 December."""
        engagement = self.make_engagement(
            self.make_offer(amount_total=3000, instalment_count=6),
            date_start=date(2026, 10, 1),
        )
        with freeze_time("2026-11-01 09:00:00"):
            self.invoice_due(date(2026, 11, 1))
        self.assertEqual(engagement.amount_invoiced, 1200)
        # delivered day by day over the programme (1 October - 31 March, 182
        # days), whatever its payment periods: 76 days by 15 December
        self.assertEqual(engagement.amount_delivered, round(3600 * 76 / 182, 2))
        self.assertEqual(engagement.amount_delivered_not_billed, 303.30)
        self.assertEqual(engagement.amount_billed_not_delivered, 0)
        self.assertEqual(
            (engagement.period_elapsed_count, engagement.period_count), (2, 6)
        )
        self.assertIn(engagement, self.search_gap("amount_delivered_not_billed"))
        self.assertNotIn(engagement, self.search_gap("amount_billed_not_delivered"))

        # invoiced in December: billed ahead of the rest of the month
        self.invoice_due(date(2026, 12, 15))
        engagement.invalidate_recordset()
        self.assertEqual(
            engagement.amount_billed_not_delivered, 296.70
        )  # 1 800 - 1 503,30
        self.assertIn(engagement, self.search_gap("amount_billed_not_delivered"))
        self.assertNotIn(engagement, self.search_gap("amount_delivered_not_billed"))

    def test_milestones_deposit_billed_before_phases_done(self):
        engagement = self.make_engagement(
            self.make_milestone_offer(),
            date_start=date(2026, 12, 1),
        )
        self.invoice_due(date(2026, 12, 15))
        # the deposit (900 € HT, 1 080 € incl. VAT) is billed, nothing is done
        self.assertEqual(engagement.amount_invoiced, 1080)
        self.assertEqual(engagement.amount_delivered, 0)
        self.assertEqual(engagement.amount_billed_not_delivered, 1080)
        # the first phase (40 %: 840 € HT, 1 008 € incl. VAT) done: billed, and
        # it delivers its share of the deposit (40 % of 1 080 €)
        engagement.milestone_ids.sorted("sequence")[0].action_done()
        engagement.invalidate_recordset()
        self.assertEqual(engagement.amount_invoiced, 1080 + 1008)
        self.assertEqual(engagement.amount_delivered, 1008 + 432)
        self.assertEqual(engagement.amount_billed_not_delivered, 648)

    def test_credit_note_shows_as_credited(self):
        engagement = self.make_engagement(
            self.make_offer(amount_total=1200, billing_model="upfront"),
            date_start=date(2026, 12, 1),
        )
        invoice = self.invoice_due(date(2026, 12, 15))
        self.assertEqual(invoice.amount_total, 1440)
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Erreur"})
        )
        reversal.refund_moves()
        credit = engagement.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        credit.action_post()
        engagement.invalidate_recordset()
        self.assertEqual(engagement.amount_credited, 1440)
        self.assertEqual(engagement.amount_invoiced, 0)

    def test_a_filter_that_is_not_a_number_is_refused_clearly(self):
        Engagement = self.env["accomp.engagement"]
        for value in ("abc", "1e400", float("nan"), {"a": 1}):
            with self.assertRaisesRegex(UserError, "is not an amount"):
                Engagement.search([("amount_delivered_not_billed", ">", value)])
        # a number given as text is a number
        self.assertEqual(
            Engagement.search([("amount_billed_not_delivered", ">", "1e9")]),
            Engagement,
        )
