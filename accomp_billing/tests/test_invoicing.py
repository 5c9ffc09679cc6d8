"""The invoicing engine: the seed article's examples end to end through the
scheduler, exactly-once under reruns and crashes, the company's local day,
failures isolated per engagement."""

from datetime import date
from unittest.mock import patch

import psycopg2

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import freeze_time
from odoo.tools import mute_logger

from odoo.addons.accomp_billing.models import accomp_schedule_line_invoicing

from .common import AccompCase, ProvokedFailure


class TestInvoicing(AccompCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cron = cls.env.ref("accomp_billing.ir_cron_invoice_due_lines")

    def run_cron(self):
        with self.enter_registry_test_mode():
            self.cron.method_direct_trigger()

    def engagement_invoices(self, engagement):
        return engagement.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")

    # ------------------------------------------------------------------
    # The seed article's examples, through the scheduled action
    # ------------------------------------------------------------------
    @freeze_time("2026-01-31 09:00:00")
    def test_3000_upfront_through_the_cron(self):
        engagement = self.make_engagement(self.make_offer(billing_model="upfront"))
        self.run_cron()
        invoice = self.engagement_invoices(engagement)
        self.assertEqual(len(invoice), 1)
        self.assertRecordValues(
            invoice,
            [
                {
                    "state": "posted",
                    "move_type": "out_invoice",
                    "partner_id": self.client.id,
                    "amount_untaxed": 3000,
                    "invoice_date": date(2026, 1, 31),
                    "invoice_origin": engagement.name,
                    "accomp_engagement_id": engagement.id,
                }
            ],
        )
        line = engagement.schedule_line_ids
        self.assertEqual(invoice.invoice_line_ids.accomp_schedule_line_id, line)
        self.assertEqual(line.invoice_id, invoice)
        self.assertEqual(line.state, "invoiced")
        self.assertEqual(
            invoice.invoice_line_ids.name,
            f"Full payment — Programme Envol ({engagement.name})",
        )
        self.assertEqual(invoice.amount_total, 3600)  # 20 % VAT on top
        self.assertEqual(engagement.amount_invoiced, 3600)
        self.assertEqual(engagement.amount_paid, 0)
        # its chatter says it was created (logged for the whole batch at once)
        self.assertIn(
            "Invoice Created",
            invoice.message_ids.filtered(
                lambda m: m.message_type == "notification"
            ).mapped("body")[-1],
        )

    def test_six_times_500_monthly_from_31_january(self):
        engagement = self.make_engagement(self.make_offer())
        with freeze_time("2026-03-31 08:00:00"):
            self.run_cron()
        invoices = self.engagement_invoices(engagement).sorted("invoice_date")
        self.assertEqual(len(invoices), 3)
        self.assertEqual(invoices.mapped("amount_untaxed"), [500, 500, 500])
        self.assertEqual(
            invoices[1].invoice_line_ids.name,
            f"Instalment 2/6 — Programme Envol ({engagement.name}), "
            "period from 02/28/2026 to 03/30/2026",
        )
        self.assertEqual(
            engagement.schedule_line_ids.mapped("state"),
            ["invoiced"] * 3 + ["planned"] * 3,
        )
        self.assertEqual(engagement.next_date_due, date(2026, 4, 30))
        with freeze_time("2026-06-30 08:00:00"):
            self.run_cron()
        self.assertEqual(len(self.engagement_invoices(engagement)), 6)
        self.assertEqual(
            sum(self.engagement_invoices(engagement).mapped("amount_untaxed")), 3000
        )

    def test_30_percent_deposit_then_5_instalments(self):
        engagement = self.make_engagement(
            self.make_offer(deposit_percent=30, instalment_count=5),
            date_start=date(2026, 2, 1),
        )
        invoices = self.invoice_due(date(2026, 2, 1))
        self.assertEqual(invoices.mapped("amount_untaxed"), [900])
        self.assertIn("Deposit", invoices.invoice_line_ids.name)
        invoices = self.invoice_due(date(2026, 7, 1))
        self.assertEqual(invoices.mapped("amount_untaxed"), [420] * 5)
        self.assertEqual(engagement.amount_invoiced, 3600)
        self.assertEqual(
            engagement.amount_invoiced,
            sum(engagement.invoice_ids.mapped("amount_total")),
        )

    def test_400_per_month_with_6_month_commitment_then_renewal(self):
        engagement = self.make_engagement(
            self.make_offer(
                billing_model="subscription", recurring_amount=400, commitment_months=6
            ),
            date_start=date(2026, 1, 1),
        )
        invoices = self.invoice_due(date(2026, 1, 1))
        self.assertEqual(invoices.mapped("amount_untaxed"), [400])
        self.assertIn(
            "period from 01/01/2026 to 01/31/2026", invoices.invoice_line_ids.name
        )
        self.invoice_due(date(2026, 6, 15))
        self.assertEqual(len(self.engagement_invoices(engagement)), 6)
        # the committed periods, and July planned ahead as the first renewal
        self.assertEqual(len(engagement.schedule_line_ids), 7)
        # after the commitment, periods renew lazily: one is planned ahead, not forever
        self.invoice_due(date(2026, 8, 2))
        self.assertEqual(len(self.engagement_invoices(engagement)), 8)
        self.assertEqual(len(engagement.schedule_line_ids), 9)
        self.assertEqual(
            engagement.schedule_line_ids.sorted("date_due")[-1].period_start,
            date(2026, 9, 1),
        )
        # stopping: not before the notice has run, aligned on a period end
        with freeze_time("2026-08-10 10:00:00"):
            engagement.action_stop_renewal()
        self.assertEqual(engagement.date_end, date(2026, 9, 30))
        self.invoice_due(date(2027, 1, 1))
        lines = engagement.schedule_line_ids.filtered(
            lambda line: line.state != "cancelled"
        )
        self.assertEqual(len(lines), 9)
        self.assertEqual(max(lines.mapped("period_end")), date(2026, 9, 30))
        self.assertEqual(engagement.amount_untaxed, 3600)
        self.assertEqual(engagement.amount_total, 4320)

    def test_quarterly_and_semiannual_invoices(self):
        quarterly = self.make_engagement(
            self.make_offer(
                billing_cycle="quarterly", amount_total=6000, instalment_count=4
            ),
            date_start=date(2026, 1, 1),
        )
        semiannual = self.make_engagement(
            self.make_offer(
                billing_cycle="semiannual", amount_total=4800, instalment_count=2
            ),
            date_start=date(2026, 1, 1),
        )
        self.invoice_due(date(2026, 6, 30))
        self.assertEqual(
            self.engagement_invoices(quarterly).mapped("amount_untaxed"), [1500, 1500]
        )
        self.assertEqual(
            self.engagement_invoices(semiannual).mapped("amount_untaxed"), [2400]
        )
        self.assertIn(
            "period from 04/01/2026 to 06/30/2026",
            "".join(
                self.engagement_invoices(quarterly).invoice_line_ids.mapped("name")
            ),
        )

    def test_payment_terms_of_the_client_apply(self):
        self.client.property_payment_term_id = self.env.ref(
            "account.account_payment_term_30days"
        )
        engagement = self.make_engagement(self.make_offer(billing_model="upfront"))
        invoice = self.invoice_due(date(2026, 1, 31))
        self.assertEqual(invoice.accomp_engagement_id, engagement)
        self.assertEqual(
            invoice.invoice_payment_term_id, self.client.property_payment_term_id
        )
        self.assertEqual(invoice.invoice_date_due, date(2026, 3, 2))
        # a client without terms gets the company's programme terms
        other = self.env["res.partner"].create({"name": "Julien Moreau"})
        self.company.accomp_payment_term_id = self.env.ref(
            "account.account_payment_term_15days"
        )
        self.make_engagement(
            self.make_offer(billing_model="upfront"), partner_id=other.id
        )
        invoice = self.invoice_due(date(2026, 1, 31))
        self.assertEqual(invoice.invoice_date_due, date(2026, 2, 15))

    def test_milestone_lines_wait_for_the_milestone(self):
        engagement = self.make_engagement(
            self.make_offer(
                billing_model="milestones",
                deposit_percent=20,
                amount_total=5000,
                milestone_template_ids=[
                    Command.create({"name": "Phase 1", "percent": 30}),
                    Command.create({"name": "Phase 2", "percent": 40}),
                    Command.create({"name": "Phase 3", "percent": 30}),
                ],
            )
        )
        invoices = self.invoice_due(date(2027, 1, 1))
        self.assertEqual(invoices.mapped("amount_untaxed"), [1000])  # only the deposit
        self.assertEqual(
            engagement.schedule_line_ids.filtered(
                lambda line: line.kind == "milestone"
            ).mapped("amount"),
            [1200, 1600, 1200],
        )

    def test_review_mode_leaves_drafts_for_the_accountant(self):
        engagement = self.make_engagement(self.make_offer(invoice_mode="review"))
        invoices = self.invoice_due(date(2026, 2, 28))
        self.assertEqual(invoices.mapped("state"), ["draft", "draft"])
        self.assertEqual(
            engagement.schedule_line_ids.mapped("state")[:2], ["draft", "draft"]
        )  # to review: not invoiced yet
        self.assertEqual(engagement.amount_invoiced, 0)  # nothing posted yet
        self.assertEqual(engagement.amount_total, 3600)  # drafts still count as due
        invoices.action_post()
        self.assertEqual(
            engagement.schedule_line_ids.mapped("state")[:2], ["invoiced", "invoiced"]
        )
        self.assertEqual(engagement.amount_invoiced, 1200)
        self.assertEqual(engagement.amount_total, 3600)
        # a cancelled draft frees its line, which the next run invoices again
        engagement2 = self.make_engagement(self.make_offer(invoice_mode="review"))
        first = self.invoice_due(date(2026, 1, 31))
        first.button_cancel()
        self.assertEqual(engagement2.schedule_line_ids[0].state, "planned")
        second = self.invoice_due(date(2026, 1, 31))
        self.assertEqual(len(second), 1)
        self.assertNotEqual(first, second)

    @freeze_time("2026-07-01 09:00:00")  # after the programme's last day
    def test_payment_marks_lines_paid_and_finishes_the_programme(self):
        engagement = self.make_engagement(
            self.make_offer(amount_total=1000, instalment_count=2),
            date_start=date(2026, 1, 1),
        )
        first, second = self.invoice_due(date(2026, 2, 1)).sorted("invoice_date")
        self.pay(first, amount=200)
        self.assertEqual(first.payment_state, "partial")
        self.assertEqual(engagement.amount_paid, 200)
        self.assertEqual(engagement.amount_residual, 1000)  # 1200 incl. VAT - 200
        self.assertEqual(
            engagement.amount_residual,
            sum((first | second).mapped("amount_residual")),
        )
        self.pay(first | second)
        self.assertEqual(engagement.schedule_line_ids.mapped("state"), ["paid", "paid"])
        self.assertEqual(engagement.amount_paid, 1200)
        self.assertEqual(engagement.amount_residual, 0)
        self.assertEqual(engagement.state, "done")

    # ------------------------------------------------------------------
    # Exactly once
    # ------------------------------------------------------------------
    def test_rerun_never_invoices_twice(self):
        engagement = self.make_engagement(self.make_offer())
        first = self.invoice_due(date(2026, 3, 31))
        self.assertEqual(len(first), 3)
        self.assertFalse(self.invoice_due(date(2026, 3, 31)))
        with freeze_time("2026-03-31 12:00:00"):
            self.run_cron()
            self.run_cron()
        self.assertEqual(len(self.engagement_invoices(engagement)), 3)
        # "Invoice now" after the cron: nothing left to invoice
        with (
            freeze_time("2026-03-31 12:00:00"),
            self.assertRaisesRegex(UserError, "Nothing is due"),
        ):
            engagement.action_invoice_now()
        self.assertEqual(len(self.engagement_invoices(engagement)), 3)

    def test_invoice_now_then_cron(self):
        engagement = self.make_engagement(self.make_offer())
        with freeze_time("2026-02-28 10:00:00"):
            action = engagement.action_invoice_now()
            self.assertEqual(len(action["domain"][0][2]), 2)
            self.run_cron()
        self.assertEqual(len(self.engagement_invoices(engagement)), 2)

    def test_database_refuses_a_second_invoice_for_a_line(self):
        engagement = self.make_engagement(self.make_offer(billing_model="upfront"))
        line = engagement.schedule_line_ids
        self.invoice_due(date(2026, 1, 31))
        vals = engagement._prepare_invoice_with_lines(
            [line._prepare_invoice_line_values()], "out_invoice", date(2026, 1, 31)
        )
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            # past the invoicing path's own gate: the database still refuses
            self.env["account.move"].with_context(accomp_invoicing=True).create(vals)
        self.assertEqual(len(self.engagement_invoices(engagement)), 1)

    def test_crash_mid_batch_then_rerun(self):
        engagements = [
            self.make_engagement(self.make_offer(billing_model="upfront"))
            for _i in range(5)
        ]
        calls = []
        ScheduleLine = type(self.env["accomp.schedule.line"])  # the model's class
        original = ScheduleLine._generate_invoices

        def crash_on_second_batch(lines, today):
            calls.append(len(lines))
            if len(calls) == 2:
                raise RuntimeError("worker killed")
            return original(lines, today)

        with (
            freeze_time("2026-02-01 10:00:00"),
            patch.object(accomp_schedule_line_invoicing, "INVOICE_BATCH_SIZE", 2),
            patch.object(ScheduleLine, "_generate_invoices", crash_on_second_batch),
            mute_logger("odoo.addons.base.models.ir_cron"),
        ):
            self.run_cron()
        # batch 1 was committed; batch 2 crashed and was rolled back; the scheduler
        # ran the job again, which found only the 3 lines not invoiced yet
        self.assertEqual(calls, [2, 2, 2, 1])
        for engagement in engagements:
            self.assertEqual(len(self.engagement_invoices(engagement)), 1)
            self.assertEqual(engagement.schedule_line_ids.state, "invoiced")
        with freeze_time("2026-02-01 11:00:00"):
            self.run_cron()
        self.assertEqual(
            sum(
                len(self.engagement_invoices(engagement)) for engagement in engagements
            ),
            5,
        )

    # ------------------------------------------------------------------
    # The company's local day
    # ------------------------------------------------------------------
    def test_cron_at_2330_utc_invoices_the_local_day_of_a_utc_plus_2_company(self):
        engagement = self.make_engagement(
            self.make_offer(billing_model="upfront"), date_start=date(2026, 7, 1)
        )
        with freeze_time("2026-06-30 23:30:00"):
            self.company.partner_id.tz = "UTC"
            self.run_cron()
            self.assertFalse(
                self.engagement_invoices(engagement)
            )  # still 30 June in UTC
            self.company.partner_id.tz = (
                "Europe/Paris"  # UTC+2 in summer: 1 July, 01:30
            )
            self.run_cron()
        invoice = self.engagement_invoices(engagement)
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.invoice_date, date(2026, 7, 1))

    # ------------------------------------------------------------------
    # Failures
    # ------------------------------------------------------------------
    def test_one_failing_engagement_does_not_stop_the_batch(self):
        good = self.make_engagement(self.make_offer(billing_model="upfront"))
        bad = self.make_engagement(
            self.make_offer(billing_model="upfront", name="Broken")
        )
        Invoicing = type(self.env["accomp.engagement"])  # the model's class
        original = Invoicing._prepare_invoice_values

        def fail_for_bad(engagement, move_type="out_invoice", invoice_date=None):
            if engagement == bad:
                raise ProvokedFailure("The client has no invoice address.")
            return original(engagement, move_type, invoice_date)

        with patch.object(Invoicing, "_prepare_invoice_values", fail_for_bad):
            self.invoice_due(date(2026, 1, 31))
            self.invoice_due(date(2026, 2, 1))
        self.assertEqual(len(self.engagement_invoices(good)), 1)
        self.assertFalse(bad.invoice_ids)
        self.assertEqual(bad.schedule_line_ids.state, "planned")
        messages = bad.message_ids.filtered(
            lambda m: "invoicing failed" in (m.body or "")
        )
        self.assertEqual(len(messages), 2)
        self.assertIn("no invoice address", messages[0].body)
        activities = bad.activity_ids.filtered(lambda a: a.summary == "Billing failed")
        self.assertEqual(len(activities), 1, "one to-do, not one per run")
        self.assertEqual(activities.accomp_failure, "invoicing")
        # once fixed, the next run invoices it and closes the to-do
        self.invoice_due(date(2026, 2, 1))
        self.assertEqual(len(self.engagement_invoices(bad)), 1)
        self.assertFalse(activities.active, "closed")
        self.assertIn("Solved", bad.message_ids[0].body)

    def test_suspended_and_cancelled_engagements_are_not_invoiced(self):
        suspended = self.make_engagement(self.make_offer())
        suspended.action_suspend()
        cancelled = self.make_engagement(self.make_offer())
        cancelled.action_cancel()
        self.assertFalse(self.invoice_due(date(2026, 3, 1)))
        self.assertEqual(
            set(cancelled.schedule_line_ids.mapped("state")), {"cancelled"}
        )
        suspended.action_resume()
        self.assertEqual(len(self.invoice_due(date(2026, 3, 1))), 2)

    def test_cancel_requires_credit_notes_for_posted_invoices(self):
        engagement = self.make_engagement(self.make_offer())
        invoices = self.invoice_due(date(2026, 2, 28))
        with self.assertRaisesRegex(UserError, "issue a credit note"):
            engagement.action_cancel()
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({"journal_id": invoices[0].journal_id.id, "reason": "Abandon"})
        )
        reversal.refund_moves()
        credit_notes = engagement.invoice_ids.filtered(
            lambda m: m.move_type == "out_refund"
        )
        self.assertEqual(
            len(credit_notes), 2, "credit notes stay linked to the programme"
        )
        credit_notes.action_post()
        engagement.action_cancel()
        self.assertEqual(engagement.state, "cancelled")
        self.assertFalse(self.invoice_due(date(2026, 12, 31)))

    def test_french_client_gets_french_labels_and_b2b_legal_mentions(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["accomp_billing"], ["fr_FR"], overwrite=True
        )
        company_client = self.env["res.partner"].create(
            {"name": "Atelier Dupont SARL", "is_company": True, "lang": "fr_FR"}
        )
        engagement = self.make_engagement(
            self.make_offer(), partner_id=company_client.id
        )
        invoices = self.invoice_due(date(2026, 2, 28)).sorted("invoice_date")
        self.assertEqual(
            invoices[1].invoice_line_ids.name,
            f"Échéance 2/6 — Programme Envol ({engagement.name}), "
            "période du 28/02/2026 au 30/03/2026",
        )
        self.assertIn("40,00", str(invoices[1].narration))  # the indemnity
        self.assertIn("BCE", str(invoices[1].narration))
        self.assertIn("12,15 % par an", str(invoices[1].narration))  # ECB + 10
        # a private client (B2C) gets no B2B mentions
        private = self.make_engagement(self.make_offer(billing_model="upfront"))
        self.invoice_due(date(2026, 1, 31))
        narration = str(self.engagement_invoices(private).narration)
        self.assertNotIn("Late payment", narration)
        self.assertNotIn("services", narration)
        self.assertIn("Last invoice of the programme", narration)  # one invoice


class TestDryRun(AccompCase):
    def test_the_dry_run_lists_tomorrows_invoices_and_writes_nothing(self):
        engagement = self.make_engagement(self.make_offer())
        self.make_engagement(self.make_offer(billing_model="upfront"))

        def counts():
            self.env.flush_all()
            self.env.cr.execute(
                "SELECT (SELECT count(*) FROM account_move),"
                " (SELECT count(*) FROM account_move_line),"
                " (SELECT count(*) FROM accomp_schedule_line),"
                " (SELECT max(write_date) FROM accomp_schedule_line)"
            )
            return self.env.cr.fetchone()

        before = counts()
        lines = self.env["accomp.schedule.line"]._invoice_due_lines(
            date_ref=date(2026, 2, 28), dry_run=True
        )
        self.assertEqual(counts(), before)
        self.assertEqual(
            sorted(lines.mapped("date_due")),
            [date(2026, 1, 31), date(2026, 1, 31), date(2026, 2, 28)],
        )
        invoices = self.invoice_due(date(2026, 2, 28))
        self.assertEqual(invoices.invoice_line_ids.accomp_schedule_line_id, lines)
        self.assertTrue(engagement.invoice_ids)
