"""Every screen tells the same story: on one programme, the form's totals, the
schedule's rows, the client's portal rows, the forecast and the invoices give the
same total, the same amount invoiced and the same amount left to pay, incl. VAT
(20 %) — after a termination with its credit note, late fees billed, a draft
waiting for review and a subscription terminated."""

import re
from datetime import date

from odoo.tests import HttpCase, freeze_time
from odoo.tools import format_amount, html2plaintext

from .test_figures import FiguresCase


class StoryCase(FiguresCase, HttpCase):
    def assertOneStory(self, engagement, total, residual):
        """``total`` and ``residual`` (incl. VAT) on every screen."""
        self.env.flush_all()
        self.env.invalidate_all()
        lines = engagement.schedule_line_ids
        cur = engagement.currency_id
        # the invoices: posted invoices - posted credit notes + still to invoice
        self.assertFiguresMatchInvoices(engagement)
        posted = engagement.invoice_ids.filtered(lambda m: m.state == "posted")
        invoiced = sum(
            m.amount_total * (1 if m.move_type == "out_invoice" else -1) for m in posted
        )
        # the form's totals box
        self.assertAlmostEqual(engagement.amount_total, total, places=2)
        self.assertAlmostEqual(engagement.amount_invoiced, invoiced, places=2)
        self.assertAlmostEqual(engagement.amount_residual, residual, places=2)
        # the schedule's rows (its footer sums them)
        self.assertAlmostEqual(sum(lines.mapped("amount_net")), total, places=2)
        self.assertAlmostEqual(
            sum(lines.mapped("amount_net_untaxed")), engagement.amount_untaxed, places=2
        )
        self.assertAlmostEqual(sum(lines.mapped("amount_residual")), residual, places=2)
        # the portal's rows: the same amounts, each invoice left to pay payable
        rows = engagement._portal_schedule_rows()
        self.assertEqual(len(rows), len(lines))
        for row in rows:
            line = row["line"]
            self.assertEqual(
                row["total"], format_amount(self.env, line.amount_net, cur)
            )
            self.assertEqual(
                row["residual"], format_amount(self.env, line.amount_residual, cur)
            )
            if line.invoice_id.state == "posted" and not cur.is_zero(
                line.invoice_id.amount_residual
            ):
                self.assertTrue(row["to_pay"], line.name)
        # the portal page itself, as the client opens it from the e-mailed link:
        # its footer is the programme's total and what is left to pay
        page = self.url_open(engagement.get_portal_url())
        self.assertEqual(page.status_code, 200)
        footer = page.text.split("o_accomp_portal_schedule_total")[1].split("</tr>")[0]
        footer = re.sub(r"<[^>]+>", "", footer).replace("&nbsp;", "\xa0")
        for amount in (total, residual):
            self.assertIn(format_amount(self.env, amount, cur), footer)
        # the forecast
        forecast = self.env["accomp.forecast"].search(
            [("engagement_id", "=", engagement.id), ("status", "!=", "projected")]
        )
        self.assertAlmostEqual(sum(forecast.mapped("amount_total")), total, places=2)
        self.assertAlmostEqual(
            sum(forecast.mapped("amount_residual")), residual, places=2
        )
        self.assertAlmostEqual(
            sum(
                forecast.filtered(
                    lambda r: r.status in ("invoiced", "overdue", "paid")
                ).mapped("amount_total")
            ),
            invoiced,
            places=2,
        )
        return forecast


class TestTerminatedStory(StoryCase):
    def test_terminated_with_a_credit_note_same_totals_everywhere(self):
        # a year in 4 quarterly instalments of 1 500 € HT (1 800 € TTC), 10 % fee
        offer = self.make_offer(
            amount_total=6000,
            instalment_count=4,
            billing_cycle="quarterly",
            duration_months=12,
            notice_days=30,
            termination_fee_type="percent",
            termination_fee_percent=10,
        )
        engagement = self.make_engagement(offer, date_start=date(2026, 7, 1))
        first = self.invoice_due(date(2026, 7, 1))
        second = self.invoice_due(date(2026, 10, 1))
        self.pay(first | second)
        with freeze_time("2026-11-26"):
            self.terminate(engagement, date(2026, 11, 26))
        final = engagement.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m not in first | second
        )
        refund = engagement.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(len(final), 1)
        self.assertEqual(len(refund), 1)
        # paid 3 600, final invoice (fee) and the credit of the undelivered days
        total = 3600 + final.amount_total - refund.amount_total
        residual = round(total - 3600, 2)
        self.assertAlmostEqual(final.amount_residual, residual, places=2)
        self.assertLess(residual, final.amount_total)  # the credit settled part
        with freeze_time("2026-11-26"):
            forecast = self.assertOneStory(engagement, total, residual)
        # the credit appears on the row of the instalment it credits
        credited = engagement.schedule_line_ids.filtered("amount_credited")
        self.assertAlmostEqual(
            sum(credited.mapped("amount_credited")), refund.amount_total, places=2
        )
        # the cancelled rows count for nothing, and are shown as cancelled
        cancelled = engagement.schedule_line_ids.filtered(
            lambda x: x.state == "cancelled"
        )
        self.assertEqual(len(cancelled), 2)
        self.assertEqual(cancelled.mapped("amount_net"), [0.0, 0.0])
        self.assertEqual(
            {
                row["status"]
                for row in engagement._portal_schedule_rows()
                if row["line"] in cancelled
            },
            {"cancelled"},
        )
        self.assertEqual(
            forecast.filtered(lambda r: r.status == "invoiced").mapped(
                "amount_residual"
            ),
            [residual],
        )
        # the final invoice's text gives the same totals
        cur = engagement.currency_id
        text = html2plaintext(final.narration or "")
        self.assertIn(f"programme total {format_amount(self.env, total, cur)}", text)
        self.assertIn(
            f"left to pay after it {format_amount(self.env, residual, cur)}", text
        )
        credited = format_amount(self.env, refund.amount_total, cur)
        self.assertIn(f"credited on termination {credited}", text)

    def test_a_terminated_subscription_same_totals_everywhere(self):
        offer = self.make_offer(
            billing_model="subscription",
            billing_cycle="monthly",
            recurring_amount=400,
            commitment_months=0,
            notice_days=0,
        )
        engagement = self.make_engagement(offer, date_start=date(2026, 1, 1))
        paid = self.invoice_due(date(2026, 2, 1))
        self.pay(paid)
        self.invoice_due(date(2026, 3, 1))  # March invoiced, not paid
        with freeze_time("2026-03-10"):
            summary = self.terminate(engagement, date(2026, 3, 15))
        # the wizard's "no longer billed" is the rows it cancelled, incl. VAT
        cancelled = engagement.schedule_line_ids.filtered(
            lambda x: x.state == "cancelled"
        )
        self.assertTrue(cancelled)
        self.assertAlmostEqual(summary[2], sum(cancelled.mapped("amount_total")))
        posted = engagement.invoice_ids.filtered(lambda m: m.state == "posted")
        invoiced = sum(
            m.amount_total * (1 if m.move_type == "out_invoice" else -1) for m in posted
        )
        paid_total = sum(paid.mapped("amount_total"))
        with freeze_time("2026-03-10"):
            self.assertOneStory(engagement, invoiced, invoiced - paid_total)


@freeze_time("2026-04-29 10:00:00")
class TestLateFeesStory(StoryCase):
    def late_programme(self, **vals):
        """A business client's upfront programme (1 440 € TTC), its invoice due
        on 28 February: 60 days late today."""
        company_client = self.env["res.partner"].create(
            {"name": "Atelier Dupont SARL", "is_company": True}
        )
        self.company.accomp_late_fees = True
        engagement = self.make_engagement(
            self.make_offer(amount_total=1200, billing_model="upfront"),
            partner_id=company_client.id,
            **vals,
        )
        invoice = self.invoice_due(date(2026, 2, 28))
        if invoice.state == "draft":
            invoice.action_post()
        invoice.invoice_date_due = date(2026, 2, 28)
        return engagement, invoice

    def test_late_fees_are_rows_of_the_schedule_payable_in_the_portal(self):
        engagement, invoice = self.late_programme()
        action = engagement.action_bill_late_fees()
        fees = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(fees.state, "posted")
        fee_rows = engagement.schedule_line_ids.filtered(lambda x: x.kind == "fees")
        self.assertEqual(len(fee_rows), 2)  # the 40 € indemnity and the interest
        self.assertEqual(fee_rows.invoice_id, fees)
        self.assertEqual(
            sorted(fee_rows.mapped("amount_net")),
            sorted(fees.invoice_line_ids.mapped("price_total")),
        )
        self.assertIn(invoice.name, fee_rows[0].name)
        total = 1440 + fees.amount_total
        self.assertOneStory(engagement, total, total)
        # the chatter says it
        self.assertIn(fees.name, engagement.message_ids[0].body, "the fees are logged")
        # billed again later: only new interest, each fee a row once
        with freeze_time("2026-05-09 10:00:00"):
            engagement.action_bill_late_fees()
            fee_rows = engagement.schedule_line_ids.filtered(lambda x: x.kind == "fees")
            self.assertEqual(len(fee_rows), 3)
            total = 1440 + sum(fee_rows.invoice_id.mapped("amount_total"))
            self.assertOneStory(engagement, total, total)

    def test_a_cancelled_fee_invoice_leaves_no_row_owed(self):
        engagement, _invoice = self.late_programme(invoice_mode="review")
        action = engagement.action_bill_late_fees()
        fees = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(fees.state, "draft")  # reviewed like the programme's
        fee_rows = engagement.schedule_line_ids.filtered(lambda x: x.kind == "fees")
        self.assertEqual(set(fee_rows.mapped("state")), {"draft"})
        fees.button_cancel()
        self.assertEqual(set(fee_rows.mapped("state")), {"cancelled"})
        self.assertOneStory(engagement, 1440, 1440)
        # the next run never bills a cancelled fee, a new fee invoice may
        self.assertFalse(self.invoice_due(date(2026, 4, 29)))
        action = engagement.action_bill_late_fees()
        self.assertTrue(action["res_id"])


class TestReviewStory(StoryCase):
    def test_a_draft_waiting_for_review_is_not_invoiced_anywhere(self):
        engagement = self.make_engagement(
            self.make_offer(deposit_percent=30, instalment_count=5),
            invoice_mode="review",
        )
        with freeze_time("2026-01-31"):
            draft = self.invoice_due(date(2026, 1, 31))
        self.assertEqual(draft.state, "draft")
        deposit = engagement.schedule_line_ids.filtered(lambda x: x.kind == "deposit")
        self.assertEqual(deposit.state, "draft")
        self.assertEqual(deposit.status, "draft")
        self.assertEqual(deposit.invoice_id, draft)
        with freeze_time("2026-01-31"):
            forecast = self.assertOneStory(engagement, 3600, 3600)
        self.assertEqual(engagement.amount_invoiced, 0)
        self.assertEqual(
            forecast.filtered(lambda r: r.kind == "deposit").status, "draft"
        )
        self.assertFalse(forecast.filtered(lambda r: r.status == "invoiced"))
        # the next run does not invoice it again
        self.assertFalse(self.invoice_due(date(2026, 1, 31)))
        # posted: invoiced everywhere
        draft.action_post()
        self.assertEqual(deposit.state, "invoiced")
        with freeze_time("2026-01-31"):
            self.assertOneStory(engagement, 3600, 3600)
        self.assertAlmostEqual(engagement.amount_invoiced, 1080, places=2)


class TestOverdueStatus(StoryCase):
    def test_an_overdue_instalment_says_overdue_on_the_form_and_portal(self):
        engagement = self.make_engagement(self.make_offer())
        invoice = self.invoice_due(date(2026, 1, 31))
        line = invoice.invoice_line_ids.accomp_schedule_line_id
        with freeze_time("2026-01-31"):
            line.invalidate_recordset(["status"])
            self.assertEqual(line.status, "invoiced")
        with freeze_time("2026-03-15"):
            line.invalidate_recordset(["status"])
            self.assertEqual(line.status, "overdue")
            row = engagement._portal_schedule_rows()[0]
            self.assertEqual(
                (row["status"], row["status_label"]), ("overdue", "Overdue")
            )
