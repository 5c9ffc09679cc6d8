"""The year-end cut-off (PCA / FAE) and the one definition of value delivered:
the ledger, the termination wizard and the cut-off agree on the same day."""

import io
import zipfile
from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, freeze_time

from .test_fr_invoices import FrenchCase


class CutoffCase(FrenchCase):
    def cutoff(self, day):
        cutoff = self.env["accomp.cutoff"].create(
            {"date": day, "company_id": self.company.id}
        )
        cutoff.action_compute()
        return cutoff

    def line_of(self, cutoff, engagement):
        return cutoff.line_ids.filtered(lambda line: line.engagement_id == engagement)


class TestCutoff(CutoffCase):
    def test_an_upfront_programme_billed_ahead_is_deferred(self):
        """1 200 € HT for 12 months from 1 July, invoiced upfront: at 31
        December 184 days of 365 are delivered (604,93 €), the rest is deferred
        income (595,07 €), booked on 487 and reversed on 1 January."""
        offer = self.make_offer(
            billing_model="upfront", amount_total=1200, duration_months=12
        )
        engagement = self.make_engagement(offer, date_start=date(2026, 7, 1))
        invoice = self.invoice_due(date(2026, 7, 1))
        invoice.invoice_date_due = invoice.invoice_date  # no accrual of its own
        self.assertAlmostEqual(invoice.amount_total, 1440)
        cutoff = self.cutoff(date(2026, 12, 31))
        line = self.line_of(cutoff, engagement)
        self.assertEqual(line.amount_invoiced, 1200)
        self.assertEqual(line.amount_delivered, 604.93)
        self.assertEqual(line.amount_deferred, 595.07)
        self.assertEqual(line.amount_accrued, 0)
        self.assertEqual(line.amount_delivered + line.amount_deferred, 1200)
        self.assertEqual(
            line.account_id, invoice.invoice_line_ids.account_id
        )  # the income account the invoice booked
        cutoff.action_post()
        self.assertEqual(cutoff.state, "posted")
        move, reversal = cutoff.move_id, cutoff.reverse_move_id
        self.assertEqual((move.state, move.date), ("posted", date(2026, 12, 31)))
        self.assertEqual((reversal.state, reversal.date), ("posted", date(2027, 1, 1)))
        deferred = move.line_ids.filtered(lambda aml: aml.account_id.code == "487000")
        self.assertAlmostEqual(deferred.credit, cutoff.amount_deferred)
        self.assertAlmostEqual(deferred.credit, 595.07)
        for entry in (move, reversal):
            self.assertAlmostEqual(
                sum(entry.line_ids.mapped("debit")),
                sum(entry.line_ids.mapped("credit")),
            )
        # the reversal undoes it line by line on the next day
        self.assertAlmostEqual(
            reversal.line_ids.filtered(
                lambda aml: aml.account_id.code == "487000"
            ).debit,
            595.07,
        )
        # posted twice: refused, nothing more booked
        with self.assertRaisesRegex(UserError, "already posted"):
            cutoff.action_post()
        again = self.cutoff(date(2026, 12, 31))
        with self.assertRaisesRegex(UserError, "already posted for"):
            again.action_post()
        self.assertEqual(again.state, "draft")
        self.assertFalse(again.move_id)
        # reproducible: the same date gives the same figures later
        self.invoice_due(date(2027, 3, 1))
        later = self.cutoff(date(2026, 12, 31))
        self.assertEqual(
            (later.amount_invoiced, later.amount_delivered, later.amount_deferred),
            (1200, 604.93, 595.07),
        )

    def test_a_phase_done_but_still_a_draft_is_accrued(self):
        """Milestones in review mode: phase 1 invoiced and posted, phase 2 done
        but its invoice still a draft: accrued income (FAE) = phase 2."""
        offer = self.make_milestone_offer(deposit=0, invoice_mode="review")
        engagement = self.make_engagement(offer, date_start=date(2026, 10, 1))
        first, second = engagement.milestone_ids.sorted("sequence")
        with freeze_time("2026-11-15 09:00:00"):
            first.action_done()
        engagement.invoice_ids.action_post()
        with freeze_time("2026-12-20 09:00:00"):
            second.action_done()
        self.assertEqual(
            sorted(engagement.invoice_ids.mapped("state")), ["draft", "posted"]
        )
        cutoff = self.cutoff(date(2026, 12, 31))
        line = self.line_of(cutoff, engagement)
        self.assertEqual(line.amount_invoiced, 1200)  # phase 1: 40 % of 3 000
        self.assertEqual(line.amount_delivered, 3000)
        self.assertEqual(line.amount_accrued, 1800)  # phase 2
        self.assertEqual(line.amount_deferred, 0)
        cutoff.action_post()
        accrued = cutoff.move_id.line_ids.filtered(
            lambda aml: aml.account_id.code == "418100"
        )
        self.assertAlmostEqual(accrued.debit, 1800)

    def test_the_programme_product_books_services_supplied(self):
        """French chart: a programme is services supplied (706), the cut-off's
        income account with it."""
        product = self.env.ref("accomp_billing.product_programme").with_company(
            self.company
        )
        self.assertEqual(product.property_account_income_id.code, "706000")
        self.product = product
        offer = self.make_offer(
            billing_model="upfront",
            amount_total=1200,
            duration_months=12,
            product_id=product.id,
        )
        engagement = self.make_engagement(offer, date_start=date(2026, 7, 1))
        invoice = self.invoice_due(date(2026, 7, 1))
        self.assertEqual(invoice.invoice_line_ids.account_id.code, "706000")
        line = self.line_of(self.cutoff(date(2026, 12, 31)), engagement)
        self.assertEqual(line.account_id.code, "706000")

    def test_only_accountants_and_billing_managers_book_it(self):
        with self.assertRaises(AccessError):
            self.env["accomp.cutoff"].with_user(self.coach).create(
                {"date": date(2026, 12, 31), "company_id": self.company.id}
            )
        cutoff = (
            self.env["accomp.cutoff"]
            .with_user(self.accountant)
            .create({"date": date(2026, 12, 31), "company_id": self.company.id})
        )
        cutoff.action_compute()
        with self.assertRaisesRegex(UserError, "nothing to book"):
            cutoff.action_post()


class TestOneDefinitionOfDelivered(CutoffCase):
    """On the same day, the ledger, the termination wizard and the cut-off show
    the same value delivered, for every billing model."""

    def assertSameDelivered(self, engagement, request_date):
        with freeze_time(f"{request_date} 09:00:00"):
            wizard = Form(
                self.env["accomp.terminate.wizard"].with_context(
                    default_engagement_id=engagement.id
                )
            )
            wizard.request_date = request_date
            wizard.fee_type = "none"
            day = wizard.date_end
            shown = wizard.amount_delivered
        with freeze_time(f"{day} 09:00:00"):
            engagement.invalidate_recordset()
            ledger = engagement.amount_delivered
        cutoff = self.line_of(self.cutoff(day), engagement)
        self.assertTrue(ledger, engagement.billing_model)
        self.assertEqual(shown, ledger, engagement.billing_model)
        self.assertEqual(
            cutoff.amount_delivered,
            engagement._amount_delivered(day, untaxed=True),
            engagement.billing_model,
        )
        # excl. and incl. 20 % VAT: the same value
        self.assertAlmostEqual(cutoff.amount_delivered * 1.2, ledger, delta=0.011)

    def test_upfront(self):
        offer = self.make_offer(
            billing_model="upfront",
            amount_total=1200,
            duration_months=12,
            notice_days=0,
        )
        engagement = self.make_engagement(offer, date_start=date(2026, 7, 1))
        self.invoice_due(date(2026, 7, 1))
        self.assertSameDelivered(engagement, date(2026, 11, 10))

    def test_deposit_and_instalments(self):
        offer = self.make_offer(
            amount_total=3000, instalment_count=5, deposit_percent=30, notice_days=0
        )
        engagement = self.make_engagement(offer, date_start=date(2026, 7, 1))
        self.invoice_due(date(2026, 9, 1))
        self.assertSameDelivered(engagement, date(2026, 9, 20))

    def test_milestones(self):
        offer = self.make_milestone_offer(deposit=30, notice_days=0)
        engagement = self.make_engagement(offer, date_start=date(2026, 7, 1))
        self.invoice_due(date(2026, 7, 1))
        with freeze_time("2026-08-01 09:00:00"):
            engagement.milestone_ids.sorted("sequence")[0].action_done()
        self.assertSameDelivered(engagement, date(2026, 8, 20))

    def test_subscription(self):
        offer = self.make_offer(
            billing_model="subscription",
            recurring_amount=400,
            commitment_months=3,
            notice_days=0,
        )
        engagement = self.make_engagement(offer, date_start=date(2026, 7, 1))
        self.invoice_due(date(2026, 8, 1))
        self.assertSameDelivered(engagement, date(2026, 8, 10))


class TestCutoffExport(CutoffCase, HttpCase):
    def test_the_accountant_downloads_the_detail(self):
        offer = self.make_offer(
            billing_model="upfront", amount_total=1200, duration_months=12
        )
        engagement = self.make_engagement(offer, date_start=date(2026, 7, 1))
        self.invoice_due(date(2026, 7, 1))
        cutoff = self.cutoff(date(2026, 12, 31))
        self.accountant.password = "accountant_eve"
        self.authenticate("accountant_eve", "accountant_eve")
        response = self.url_open(f"/accomp/cutoff/{cutoff.id}/xlsx")
        self.assertEqual(response.status_code, 200)
        with zipfile.ZipFile(io.BytesIO(response.content)) as book:
            strings = book.read("xl/sharedStrings.xml").decode()
        self.assertIn(engagement.name, strings)
        self.assertIn("Deferred income (PCA)", strings)
        # a coach has no access to the cut-off
        self.authenticate("coach_anne", "coach_anne")
        refused = self.url_open(f"/accomp/cutoff/{cutoff.id}/xlsx")
        self.assertEqual(refused.status_code, 403)
