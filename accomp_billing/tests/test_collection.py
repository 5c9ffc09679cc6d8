"""Getting paid: automatic debit with saved payment methods (Odoo's payment_demo
provider), retries, dunning, suspension and automatic resume."""

from datetime import date, timedelta
from unittest.mock import patch

import psycopg2

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import freeze_time
from odoo.tools import mute_logger

from .common import AccompCase


class CollectionCase(AccompCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.env.ref("payment.payment_provider_demo").sudo()
        cls.provider.write({"state": "test", "company_id": cls.company.id})
        cls.method = cls.env.ref("payment_demo.payment_method_demo")

    def make_token(self, simulated_state="done"):
        return (
            self.env["payment.token"]
            .sudo()
            .create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.method.id,
                    "partner_id": self.client.id,
                    "provider_ref": "demo",
                    "payment_details": "4242",
                    "demo_simulated_state": simulated_state,
                }
            )
        )

    # the scheduler runs on the day it is given: the clock agrees (due dates,
    # payment dates and e-mails are dated by Odoo from the clock)
    def invoice_due(self, date_ref, **kwargs):
        with freeze_time(f"{date_ref} 09:00:00"):
            return super().invoice_due(date_ref, **kwargs)

    def collect(self, day):
        with freeze_time(f"{day} 09:00:00"):
            return self.env["account.move"]._accomp_collect_payments(date_ref=day)

    def dun(self, day):
        with freeze_time(f"{day} 09:00:00"):
            return self.env["account.move"]._accomp_dun_overdue_invoices(date_ref=day)

    def debits(self, invoice):
        return invoice._accomp_charge_transactions().sorted("id")

    def pay_online(self, reference, amount, invoices=None, operation="online_direct"):
        """A payment the client makes with Odoo's demo provider, saving the
        method ("save my payment method"), processed as the provider answers."""
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.method.id,
                    "reference": reference,
                    "amount": amount,
                    "currency_id": self.company.currency_id.id,
                    "partner_id": self.client.id,
                    "operation": operation,
                    "tokenize": True,
                    "invoice_ids": [Command.set(invoices.ids if invoices else [])],
                }
            )
        )
        tx._process(
            "demo",
            {
                "reference": tx.reference,
                "simulated_state": "done",
                "payment_details": "4242",
            },
        )
        tx._post_process()
        return tx


class TestAutomaticDebit(CollectionCase):
    def test_saved_method_pays_each_instalment_without_human_action(self):
        engagement = self.make_engagement(
            self.make_offer(amount_total=1200, instalment_count=3),
            payment_token_id=self.make_token("done").id,
        )
        for day in (date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)):
            invoice = self.invoice_due(day)
            self.collect(day)
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
            self.assertEqual(self.debits(invoice).reference, f"{invoice.name}-P1")
            self.assertEqual(self.debits(invoice).state, "done")
        self.assertEqual(engagement.schedule_line_ids.mapped("state"), ["paid"] * 3)
        self.assertEqual(engagement.amount_paid, 1440)  # incl. VAT, like the debits
        self.assertEqual(
            sum(
                self.env["payment.transaction"]
                .sudo()
                .search([("partner_id", "=", self.client.id)])
                .mapped("amount")
            ),
            1440,
        )
        self.assertFalse(engagement.payment_exception)
        # a rerun charges nothing more
        self.collect(date(2026, 3, 31))
        self.assertEqual(
            len(
                self.env["payment.transaction"]
                .sudo()
                .search([("partner_id", "=", self.client.id)])
            ),
            3,
        )

    def test_declined_debit_is_retried_on_schedule_then_left_to_dunning(self):
        engagement = self.make_engagement(
            self.make_offer(amount_total=1200, instalment_count=3),
            payment_token_id=self.make_token("error").id,
        )
        invoice = self.invoice_due(date(2026, 1, 31))
        due = invoice.invoice_date_due
        attempts = []
        for offset in range(0, 21):
            self.collect(due + timedelta(days=offset))
            attempts.append(len(self.debits(invoice)))
        # due date, then 3, 7 and 14 days after; one attempt per day at most
        self.assertEqual(attempts[0], 1)
        self.assertEqual(attempts[2], 1)
        self.assertEqual(attempts[3], 2)
        self.assertEqual(attempts[7], 3)
        self.assertEqual(attempts[14], 4)
        self.assertEqual(attempts[20], 4)
        self.assertEqual(
            self.debits(invoice).mapped("reference"),
            [f"{invoice.name}-P{n}" for n in (1, 2, 3, 4)],
        )
        self.assertEqual(set(self.debits(invoice).mapped("state")), {"error"})
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertFalse(engagement.payment_exception)
        self.assertIn("No retry left", engagement.message_ids[0].body)

    def test_refusal_stops_the_retries(self):
        engagement = self.make_engagement(
            self.make_offer(), payment_token_id=self.make_token("cancel").id
        )
        invoice = self.invoice_due(date(2026, 1, 31))
        self.collect(date(2026, 1, 31))
        self.assertTrue(invoice.accomp_charge_stopped)
        self.collect(date(2026, 2, 20))
        self.assertEqual(len(self.debits(invoice)), 1)
        self.assertTrue(
            engagement.activity_ids.filtered(
                lambda a: a.summary == "Automatic debit failed"
            )
        )

    def test_pending_debit_is_never_charged_again_blindly(self):
        engagement = self.make_engagement(
            self.make_offer(), payment_token_id=self.make_token("pending").id
        )
        invoice = self.invoice_due(date(2026, 1, 31))
        self.collect(date(2026, 1, 31))
        tx = self.debits(invoice)
        self.assertEqual(tx.state, "pending")
        self.assertTrue(engagement.payment_exception)
        self.collect(date(2026, 2, 10))  # the outcome is still unknown
        self.assertEqual(self.debits(invoice), tx)
        # the bank confirms later: Odoo's post-processing reconciles and clears
        tx._set_done()
        tx._post_process()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(engagement.payment_exception)

    def test_overlapping_runs_charge_once(self):
        """A second run starting while the first is talking to the provider finds
        the engagement in payment exception and charges nothing."""
        self.make_engagement(self.make_offer(), payment_token_id=self.make_token().id)
        invoice = self.invoice_due(date(2026, 1, 31))
        original = type(self.env["payment.transaction"])._charge_with_token
        nested_results = []

        def charge_during_a_second_run(tx):
            nested_results.append(self.collect(date(2026, 1, 31)))
            return original(tx)

        with patch.object(
            type(self.env["payment.transaction"]),
            "_charge_with_token",
            charge_during_a_second_run,
        ):
            self.collect(date(2026, 1, 31))
        self.assertEqual(len(nested_results), 1)  # only the outer run charged
        self.assertEqual(len(self.debits(invoice)), 1)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    @mute_logger("odoo.sql_db")
    def test_an_attempt_reference_exists_once(self):
        engagement = self.make_engagement(
            self.make_offer(), payment_token_id=self.make_token().id
        )
        invoice = self.invoice_due(date(2026, 1, 31))
        values = invoice._accomp_prepare_transaction_values(
            engagement.payment_token_id, 1
        )
        Transaction = self.env["payment.transaction"].sudo()
        Transaction.create(values)
        with self.assertRaises(psycopg2.IntegrityError), self.env.cr.savepoint():
            Transaction.create(values)
            self.env.flush_all()

    def test_paying_online_saves_the_method_the_client_chooses_the_debit(self):
        """Paying the deposit with "save my payment method" (as anyone holding
        the invoice's link could, logged out: the transaction is the client's)
        saves the method but debits nothing: the client chooses it for a
        programme, and for that programme only."""
        offer = self.make_offer(deposit_percent=30, instalment_count=5)
        engagement = self.make_engagement(offer)
        other = self.make_engagement(offer)
        deposit = self.invoice_due(date(2026, 1, 31)).filtered(
            lambda m: m.accomp_engagement_id == engagement
        )
        tx = self.pay_online("portal-deposit", deposit.amount_residual, deposit)
        self.assertTrue(tx.token_id)
        self.assertIn(deposit.payment_state, ("paid", "in_payment"))
        self.assertFalse((engagement | other).payment_token_id)
        self.assertIn(tx.token_id, engagement._portal_payment_tokens())
        engagement._portal_use_payment_method(tx.token_id, self.client)
        self.assertEqual(engagement.payment_token_id, tx.token_id)
        self.assertFalse(other.payment_token_id)
        self.assertIn("chose", engagement.message_ids[0].body)
        # the next instalment is debited with it, the other programme's not
        self.invoice_due(date(2026, 2, 28))
        self.collect(date(2026, 2, 28))
        paid = (engagement | other).invoice_ids.filtered(
            lambda m: m.invoice_date == date(2026, 2, 28)
        )
        self.assertEqual(
            {m.accomp_engagement_id: m.payment_state for m in paid},
            {engagement: "paid", other: "not_paid"},
        )

    def test_programme_waits_for_its_deposit(self):
        engagement = self.make_engagement(
            self.make_offer(
                deposit_percent=30, instalment_count=5, start_on_deposit_paid=True
            )
        )
        self.assertTrue(engagement.awaiting_deposit)
        invoices = self.invoice_due(date(2026, 3, 31))
        self.assertEqual(invoices.mapped("amount_untaxed"), [900])  # deposit only
        self.pay(invoices)
        self.assertFalse(engagement.awaiting_deposit)
        later = self.invoice_due(date(2026, 3, 31))
        self.assertEqual(later.mapped("amount_untaxed"), [420, 420])


class TestDunning(CollectionCase):
    def setUp(self):
        super().setUp()
        self.engagement = self.make_engagement(
            self.make_offer(amount_total=1200, instalment_count=3)
        )
        self.invoice = self.invoice_due(date(2026, 1, 31))
        self.due = self.invoice.invoice_date_due

    def levels_fired(self):
        return [
            (h.level_id.delay_days, (h.date - self.due).days)
            for h in self.invoice.accomp_dunning_ids.sorted(lambda h: (h.date, h.id))
        ]

    def dunning_mails(self):
        return self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", self.invoice.id)],
            order="id",
        )

    def test_forty_days_of_dunning_in_order_once_each(self):
        for offset in range(0, 41):
            self.dun(self.due + timedelta(days=offset))
        self.assertEqual(self.levels_fired(), [(3, 3), (10, 10), (20, 20), (30, 30)])
        mails = self.dunning_mails()
        self.assertEqual(len(mails), 3)  # friendly, penalties, formal notice
        self.assertIn("overdue", mails[0].subject)
        self.assertIn("Second reminder", mails[1].subject)
        self.assertIn("Formal notice", mails[2].subject)
        self.assertEqual(mails.recipient_ids, self.client)
        self.assertEqual(len(mails[2].attachment_ids), 1)  # the formal notice
        self.assertEqual(self.engagement.state, "suspended")
        self.assertTrue(self.engagement.dunning_suspended)
        self.assertEqual(
            len(
                self.engagement.activity_ids.filtered(
                    lambda a: "Suspension" in a.summary
                )
            ),
            1,
        )

    def test_missed_days_fire_every_missed_level_in_order(self):
        self.dun(self.due + timedelta(days=25))
        self.assertEqual(self.levels_fired(), [(3, 25), (10, 25), (20, 25)])
        self.assertEqual(len(self.dunning_mails()), 2)
        self.dun(self.due + timedelta(days=25))  # a rerun fires nothing again
        self.assertEqual(len(self.invoice.accomp_dunning_ids), 3)

    def test_payment_stops_the_sequence_and_resumes_the_programme(self):
        self.dun(self.due + timedelta(days=21))
        self.assertEqual(self.engagement.state, "suspended")
        self.pay(self.invoice, payment_date=self.due + timedelta(days=22))
        self.assertEqual(self.engagement.state, "active")
        self.assertFalse(self.engagement.dunning_suspended)
        self.dun(self.due + timedelta(days=35))
        self.assertEqual(len(self.invoice.accomp_dunning_ids), 3)  # no formal notice

    def test_a_manual_suspension_does_not_resume_by_itself(self):
        self.engagement.action_suspend()
        self.pay(self.invoice)
        self.assertEqual(self.engagement.state, "suspended")

    def test_no_formal_notice_before_the_due_date_and_the_reminders(self):
        report = self.env.ref("accomp_billing.action_report_formal_notice")
        with freeze_time(f"{self.due} 09:00:00"):  # due today: not late
            with self.assertRaisesRegex(UserError, "is not overdue"):
                report._render_qweb_html(report.report_name, self.invoice.ids)
        late = self.due + timedelta(days=2)
        with freeze_time(f"{late} 09:00:00"):  # late, never reminded
            with self.assertRaisesRegex(UserError, "not reminded yet"):
                report._render_qweb_html(report.report_name, self.invoice.ids)
        self.dun(self.due + timedelta(days=3))  # the friendly reminder
        with freeze_time(f"{self.due + timedelta(days=4)} 09:00:00"):
            html = report._render_qweb_html(report.report_name, self.invoice.ids)[0]
        self.assertIn(b"despite our previous reminders", html)
        self.pay(self.invoice)
        with self.assertRaisesRegex(UserError, "unpaid programme invoice"):
            report._render_qweb_html(report.report_name, self.invoice.ids)

    def test_formal_notice_is_a_real_pdf(self):
        report = self.env.ref("accomp_billing.action_report_formal_notice")
        self.dun(self.due + timedelta(days=3))  # reminded, then late
        with self.allow_pdf_render():
            pdf, kind = report.with_context(
                force_report_rendering=True
            )._render_qweb_pdf(report.report_name, self.invoice.ids)
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.company.write({"city": "Paris", "company_registry": "82345678500018"})
        self.client.write(
            {
                "street": "8 rue Victor Hugo",
                "city": "Lyon",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        self.env.invalidate_all()
        html = report._render_qweb_html(report.report_name, self.invoice.ids)[0]
        self.assertIn(self.invoice.name.encode(), html)
        self.assertIn(b"Formal notice to pay", html)
        # the sender, the place and date, the addressee
        self.assertIn(b"SIRET: 82345678500018", html)
        self.assertIn(b"<span>Paris</span>, ", html)
        self.assertIn(b"8 rue Victor Hugo", html)
        # printable from the invoice (its Print menu)
        self.assertEqual(report.binding_model_id.model, "account.move")


@freeze_time("2026-04-29 10:00:00")
class TestLateFees(CollectionCase):
    def test_b2b_client_owes_40_euros_and_interest_per_day_late(self):
        company_client = self.env["res.partner"].create(
            {"name": "Atelier Dupont SARL", "is_company": True}
        )
        self.company.accomp_ecb_rate = 2.15  # + 10 points = 12.15 %
        engagement = self.make_engagement(
            self.make_offer(amount_total=1200, billing_model="upfront"),
            partner_id=company_client.id,
        )
        invoice = self.invoice_due(date(2026, 2, 28))
        invoice.invoice_date_due = date(2026, 2, 28)  # 60 days late on 29 April
        action = engagement.action_bill_late_fees()
        fees = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(
            fees.invoice_line_ids.mapped("price_unit"), [40.0, 28.76]
        )  # 1440 incl. VAT owed x 12.15 % x 60 / 365
        self.assertEqual(fees.amount_total, 68.76)  # outside the scope of VAT
        self.assertEqual(fees.accomp_engagement_id, engagement)
        self.assertEqual(fees.state, "posted")
        # ten days later: only the new interest, never the indemnity twice
        with freeze_time("2026-05-09 10:00:00"):
            action = engagement.action_bill_late_fees()
        second = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(second.invoice_line_ids.mapped("price_unit"), [4.79])

    def test_private_client_owes_no_b2b_fees(self):
        engagement = self.make_engagement(self.make_offer(billing_model="upfront"))
        self.invoice_due(date(2026, 1, 31))
        with self.assertRaisesRegex(UserError, "business clients only"):
            engagement.action_bill_late_fees()


class TestCronIsolation(CollectionCase):
    def test_a_failing_template_on_one_invoice_does_not_stop_the_others(self):
        """The first dunning e-mail's template cannot be rendered for a client
        without a reference: that client's reminder fails and is reported once,
        the other client is reminded; once the reference is set, the next run
        reminds the first client too and closes the to-do."""
        level = self.env.ref("accomp_billing.dunning_level_friendly")
        level.mail_template_id.subject = "{{ object.partner_id.ref.upper() }}"
        broken_client = self.client
        good_client = self.env["res.partner"].create(
            {"name": "Bruno Petit", "ref": "bp-7", "email": "bruno@example.com"}
        )
        offer = self.make_offer(billing_model="upfront", amount_total=1200)
        broken = self.make_engagement(offer)
        good = self.make_engagement(offer, partner_id=good_client.id)
        invoices = self.invoice_due(date(2026, 1, 31))
        due = invoices[0].invoice_date_due
        for day in (3, 4):
            self.dun(due + timedelta(days=day))
        self.assertEqual(
            good.invoice_ids.accomp_dunning_ids.level_id, level, "reminded"
        )
        self.assertFalse(broken.invoice_ids.accomp_dunning_ids)
        todo = broken.activity_ids.filtered(lambda a: a.accomp_failure == "dunning")
        self.assertEqual(len(todo), 1, "one to-do, not one per run")
        self.assertEqual(
            len(broken.message_ids.filtered(lambda m: "Dunning failed" in m.body)), 2
        )
        broken_client.ref = "cm-1"
        self.dun(due + timedelta(days=5))
        self.assertEqual(broken.invoice_ids.accomp_dunning_ids.level_id, level)
        self.assertFalse(todo.active, "closed")
        mails = self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "in", invoices.ids)]
        )
        self.assertEqual(sorted(mails.mapped("subject")), ["BP-7", "CM-1"])


@freeze_time("2026-04-29 10:00:00")
class TestLateInterest(CollectionCase):
    def setUp(self):
        super().setUp()
        self.company.accomp_ecb_rate = 2.15  # + 10 points = 12.15 %
        self.b2b = self.env["res.partner"].create(
            {"name": "Atelier Dupont SARL", "is_company": True}
        )

    def late_invoice(self, **offer_vals):
        engagement = self.make_engagement(
            self.make_offer(amount_total=1200, billing_model="upfront", **offer_vals),
            partner_id=self.b2b.id,
        )
        invoice = self.invoice_due(date(2026, 2, 28))
        if invoice.state == "draft":
            invoice.action_post()
        invoice.invoice_date_due = date(2026, 2, 28)
        return engagement, invoice

    def test_interest_per_day_on_what_was_owed_that_day(self):
        engagement, invoice = self.late_invoice()
        self.assertEqual(invoice.amount_total, 1440)
        self.pay(invoice, amount=440, payment_date=date(2026, 3, 20))
        self.pay(invoice, amount=500, payment_date=date(2026, 4, 9))
        action = engagement.action_bill_late_fees()
        fees = self.env["account.move"].browse(action["res_id"])
        interest = fees.invoice_line_ids.filtered(
            lambda aml: aml.accomp_fee_type == "interest"
        )
        # sum over each day from the due date to today of what was still owed
        owed_per_day = []
        day = date(2026, 2, 28)
        while day < date(2026, 4, 29):
            paid = (440 if day >= date(2026, 3, 20) else 0) + (
                500 if day >= date(2026, 4, 9) else 0
            )
            owed_per_day.append(1440 - paid)
            day += timedelta(days=1)
        expected = round(sum(owed_per_day) * 12.15 / 100 / 365, 2)
        self.assertEqual(len(owed_per_day), 60)
        self.assertEqual(expected, 19.57)
        self.assertEqual(interest.price_unit, expected)
        self.assertIn("1,440.00", interest.name)  # what was owed, how long
        self.assertEqual(interest.accomp_interest_until, date(2026, 4, 29))
        self.assertFalse(engagement.late_fees_due)  # billed up to today

    def test_fees_count_as_billed_only_once_posted_and_a_deleted_draft_frees_them(
        self,
    ):
        engagement, invoice = self.late_invoice(invoice_mode="review")
        action = engagement.action_bill_late_fees()
        draft = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(draft.state, "draft")
        self.assertEqual(len(draft.invoice_line_ids), 2)
        fees = engagement.schedule_line_ids.filtered(lambda x: x.kind == "fees")
        self.assertEqual(set(fees.mapped("state")), {"draft"})  # not billed yet
        self.assertFalse(engagement.late_fees_due)  # but not offered twice
        # nothing is billed twice while the draft exists
        with self.assertRaisesRegex(UserError, "no late-payment fees"):
            engagement.action_bill_late_fees()
        draft.unlink()  # the accountant deletes the draft: the fees are free again
        action = engagement.action_bill_late_fees()
        again = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(
            again.invoice_line_ids.mapped("accomp_fee_type"), ["indemnity", "interest"]
        )
        again.action_post()
        fees = engagement.schedule_line_ids.filtered(
            lambda x: x.kind == "fees" and x.state != "cancelled"
        )
        self.assertEqual(set(fees.mapped("state")), {"invoiced"})
        self.assertEqual(fees.invoice_id, again)


class TestStuckDebits(CollectionCase):
    def test_a_provider_exception_is_logged_and_recoverable(self):
        engagement = self.make_engagement(
            self.make_offer(), payment_token_id=self.make_token("done").id
        )
        invoice = self.invoice_due(date(2026, 1, 31))
        Transaction = type(self.env["payment.transaction"])

        def provider_down(tx):
            raise ConnectionError("provider unreachable")

        with (
            patch.object(Transaction, "_charge_with_token", provider_down),
            mute_logger("odoo.addons.accomp_billing.models.account_move"),
        ):
            self.collect(date(2026, 1, 31))
        tx = self.debits(invoice)
        self.assertEqual(tx.state, "draft")  # the outcome is unknown
        self.assertTrue(engagement.payment_exception)
        todo = engagement.activity_ids.filtered(
            lambda a: a.accomp_failure == "collection"
        )
        self.assertEqual(len(todo), 1)
        self.assertIn("provider unreachable", engagement.message_ids[0].body)
        self.collect(date(2026, 2, 3))  # not charged again blindly
        self.assertEqual(self.debits(invoice), tx)
        # the manager checked with the provider: nothing was charged
        engagement.action_check_payment_status()
        self.assertEqual(tx.state, "error")
        self.assertFalse(engagement.payment_exception)
        self.assertFalse(todo.active)
        self.collect(date(2026, 2, 3))  # the next retry day
        self.assertEqual(len(self.debits(invoice)), 2)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_a_pending_debit_keeps_the_exception_when_checked(self):
        engagement = self.make_engagement(
            self.make_offer(), payment_token_id=self.make_token("pending").id
        )
        self.invoice_due(date(2026, 1, 31))
        self.collect(date(2026, 1, 31))
        engagement.action_check_payment_status()
        self.assertTrue(engagement.payment_exception)
        self.assertIn("Still pending", engagement.message_ids[0].body)


class TestRegisteredMethod(CollectionCase):
    def test_a_method_registered_without_paying_debits_nothing_by_itself(self):
        """Odoo's "add a payment method" (a validation, no invoice) saves the
        method; no programme is debited with it until the client chooses."""
        engagement = self.make_engagement(self.make_offer())
        tx = self.pay_online("validation-claire", 0, operation="validation")
        self.assertTrue(tx.token_id)
        self.assertFalse(engagement.payment_token_id)
        self.assertEqual(engagement._portal_payment_tokens(), tx.token_id)
