"""The "Next billing run" screen: tomorrow's invoices and their problems,
previewed without writing anything."""

from datetime import date

from odoo.tests import freeze_time

from .common import AccompCase
from .test_collection import CollectionCase


@freeze_time("2026-03-31 09:00:00")
class TestBillingRunPreview(AccompCase):
    def count_rows(self):
        self.env.flush_all()
        counts = {}
        for table in (
            "account_move",
            "account_move_line",
            "accomp_schedule_line",
            "mail_message",
            "mail_activity",
        ):
            self.env.cr.execute(f"SELECT count(*), max(write_date) FROM {table}")  # noqa: S608
            counts[table] = self.env.cr.fetchone()
        return counts

    def test_tomorrow_run_lists_events_and_problems_and_writes_nothing(self):
        self.company.accomp_payment_term_id = self.env.ref(
            "account.account_payment_term_30days"
        )
        self.client.email = "claire.martin@example.com"
        offer = self.make_offer(amount_total=3000, instalment_count=6)
        clean = self.make_engagement(offer, date_start=date(2026, 3, 1))
        firm = self.env["res.partner"].create(
            {"name": "Atelier Dupont SARL", "is_company": True}
        )
        spoiled = self.make_engagement(
            offer, date_start=date(2026, 3, 1), partner_id=firm.id
        )
        spoiled.payment_exception = True
        # March is invoiced today; April falls due tomorrow
        self.invoice_due(date(2026, 3, 31))
        before = self.count_rows()

        preview = self.env["accomp.billing.run.preview"].create({})
        self.assertEqual(preview.date_ref, date(2026, 4, 1))
        self.assertEqual(preview.line_ids.mapped("engagement_id"), clean | spoiled)
        self.assertEqual(set(preview.line_ids.mapped("date_due")), {date(2026, 4, 1)})
        self.assertEqual(preview.engagement_count, 2)
        self.assertEqual(preview.amount_total, 1200)  # 2 × 500 € HT + 20 %
        self.assertEqual(preview.problem_count, 1)
        clean_line = preview.line_ids.filtered(lambda x: x.engagement_id == clean)
        spoiled_line = preview.line_ids - clean_line
        self.assertFalse(clean_line.billing_problems)
        for problem in (
            "no e-mail",
            "without VAT number or SIREN",
            "automatic debit is still pending",
        ):
            self.assertIn(problem, spoiled_line.billing_problems)
        # nothing was written by the preview
        self.assertEqual(self.count_rows(), before)

        # today's run has nothing left to invoice
        preview.date_ref = date(2026, 3, 31)
        self.assertFalse(preview.line_ids)

    def test_no_payment_terms_is_a_problem(self):
        self.client.email = "claire.martin@example.com"
        self.company.accomp_payment_term_id = False
        engagement = self.make_engagement(
            self.make_offer(amount_total=1200, billing_model="upfront"),
            date_start=date(2026, 4, 1),
        )
        preview = self.env["accomp.billing.run.preview"].create({})
        self.assertEqual(preview.line_ids.engagement_id, engagement)
        self.assertIn("no payment terms", preview.line_ids.billing_problems)

    def test_accountant_previews_the_run(self):
        self.make_engagement(
            self.make_offer(amount_total=1200, billing_model="upfront"),
            date_start=date(2026, 4, 1),
        )
        preview = (
            self.env["accomp.billing.run.preview"].with_user(self.accountant).create({})
        )
        self.assertEqual(preview.amount_total, 1440)


@freeze_time("2026-03-31 09:00:00")
class TestBillingRunPaymentMethod(CollectionCase):
    def test_archived_payment_method_is_a_problem(self):
        self.client.email = "claire.martin@example.com"
        self.company.accomp_payment_term_id = self.env.ref(
            "account.account_payment_term_30days"
        )
        token = self.make_token()
        engagement = self.make_engagement(
            self.make_offer(amount_total=1200, billing_model="upfront"),
            date_start=date(2026, 4, 1),
            payment_token_id=token.id,
        )
        preview = self.env["accomp.billing.run.preview"].create({})
        self.assertEqual(preview.line_ids.engagement_id, engagement)
        self.assertFalse(preview.line_ids.billing_problems)
        token.active = False
        preview.line_ids.invalidate_recordset(["billing_problems"])
        self.assertIn("no longer valid", preview.line_ids.billing_problems)
