"""What the engagement form's buttons do: smart buttons count and open the
right records, the gear menu's actions ask first, "Send by e-mail" sends the
programme to the client."""

from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import Form, freeze_time

from .common import AccompCase


class TestEngagementForm(AccompCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.email = "claire.martin@example.com"
        cls.offer = cls.make_offer(amount_total=1200, instalment_count=4)

    def test_smart_buttons_count_and_open_payments_sessions_reminders(self):
        engagement = self.make_engagement(self.offer, date_start=date(2026, 1, 1))
        with freeze_time("2026-02-01 09:00:00"):
            invoices = self.invoice_due(date(2026, 2, 1))
        self.assertEqual(len(invoices), 2)
        payment = self.pay(invoices[:1])
        self.assertEqual(engagement.payment_count, 1)
        action = engagement.action_view_payments()
        self.assertEqual(action["res_model"], "account.payment")
        self.assertEqual(self.env["account.payment"].search(action["domain"]), payment)

        # the second invoice (due 1 February) gets its friendly reminder
        with freeze_time("2026-02-05 09:00:00"):
            self.env["account.move"]._accomp_dun_overdue_invoices(date(2026, 2, 5))
        self.assertEqual(engagement.dunning_count, 1)
        reminders = self.env["accomp.dunning.history"].search(
            engagement.action_view_dunning()["domain"]
        )
        self.assertEqual(reminders.invoice_id, invoices[1])

        self.assertEqual(engagement.usage_count, 0)
        self.env["accomp.usage"].create(
            {
                "engagement_id": engagement.id,
                "product_id": self.product.id,
                "date": date(2026, 1, 10),
            }
        )
        self.assertEqual(engagement.usage_count, 1)
        action = engagement.action_view_usage()
        self.assertEqual(
            self.env["accomp.usage"].search(action["domain"]), engagement.usage_ids
        )

    def test_coach_has_no_payment_button(self):
        engagement = self.make_engagement(self.offer, user_id=self.coach.id)
        with self.assertRaisesRegex(AccessError, "payment_count"):
            engagement.with_user(self.coach).read(["payment_count"])

    def test_gear_cancel_asks_first_then_cancels(self):
        engagement = self.make_engagement(self.offer, date_start=date(2030, 1, 1))
        action = engagement._accomp_confirm("action_cancel")
        wizard = (
            self.env[action["res_model"]].with_context(**action["context"]).create({})
        )
        self.assertIn("Planned billing events", wizard.message)
        # nothing happened until the manager confirms
        self.assertEqual(engagement.state, "active")
        wizard.action_apply()
        self.assertEqual(engagement.state, "cancelled")
        self.assertEqual(
            set(engagement.schedule_line_ids.mapped("state")), {"cancelled"}
        )

    def test_suspend_asks_first_on_the_form_and_the_list(self):
        engagement = self.make_engagement(self.offer, date_start=date(2030, 1, 1))
        arch = engagement.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertRegex(arch, r'name="action_suspend"[^>]*confirm="Suspend')
        action = self.env.ref("accomp_billing.accomp_engagement_action_suspend")
        self.assertEqual(action.binding_view_types, "list")
        result = action.with_context(
            active_model="accomp.engagement", active_ids=engagement.ids
        ).run()
        self.assertEqual(result["res_model"], "accomp.action.confirm")
        self.assertEqual(engagement.state, "active")  # nothing until confirmed
        wizard = (
            self.env[result["res_model"]].with_context(**result["context"]).create({})
        )
        self.assertIn("Suspend this programme", wizard.message)
        wizard.action_apply()
        self.assertEqual(engagement.state, "suspended")
        # the gear menu no longer offers the form's actions (header buttons
        # shown only when they apply)
        bound = self.env["ir.actions.server"].search(
            [("binding_model_id.model", "=", "accomp.engagement")]
        )
        self.assertEqual(set(bound.mapped("binding_view_types")), {"list"})

    @freeze_time("2026-04-29 10:00:00")
    def test_bill_late_fees_is_offered_only_when_fees_are_due(self):
        company_client = self.env["res.partner"].create(
            {"name": "Atelier Dupont SARL", "is_company": True}
        )
        engagement = self.make_engagement(
            self.make_offer(amount_total=1200, billing_model="upfront"),
            partner_id=company_client.id,
        )
        consumer = self.make_engagement(
            self.make_offer(amount_total=1200, billing_model="upfront")
        )
        invoice = self.invoice_due(date(2026, 4, 29)).filtered(
            lambda m: m.accomp_engagement_id == engagement
        )
        self.assertFalse(engagement.late_fees_due)  # not late
        invoice.invoice_date_due = date(2026, 2, 28)
        engagement.invalidate_recordset(["late_fees_due"])
        self.assertTrue(engagement.late_fees_due)
        self.assertFalse(consumer.late_fees_due)  # no B2B fees for a consumer
        engagement.action_bill_late_fees()
        engagement.invalidate_recordset(["late_fees_due"])
        self.assertFalse(engagement.late_fees_due)  # billed: nothing more today

    @freeze_time("2026-04-29 10:00:00")
    def test_gear_late_fees_confirmed_bills_fees(self):
        company_client = self.env["res.partner"].create(
            {"name": "Atelier Dupont SARL", "is_company": True}
        )
        engagement = self.make_engagement(
            self.make_offer(amount_total=1200, billing_model="upfront"),
            partner_id=company_client.id,
        )
        invoice = self.invoice_due(date(2026, 2, 28))
        invoice.invoice_date_due = date(2026, 2, 28)
        action = engagement._accomp_confirm("action_bill_late_fees")
        wizard = (
            self.env[action["res_model"]].with_context(**action["context"]).create({})
        )
        self.assertEqual(engagement.invoice_ids, invoice)
        result = wizard.action_apply()
        fees = self.env["account.move"].browse(result["res_id"])
        self.assertEqual(engagement.invoice_ids, invoice | fees)
        self.assertEqual(fees.invoice_line_ids[:1].price_unit, 40.0)

    def test_send_by_email_sends_the_programme(self):
        engagement = self.make_engagement(self.offer, date_start=date(2026, 1, 1))
        action = engagement.action_send_email()
        composer = Form(self.env[action["res_model"]].with_context(**action["context"]))
        self.assertIn("Programme Envol", composer.subject)
        composer.save().action_send_mail()
        message = engagement.message_ids[:1]
        self.assertIn(self.client, message.partner_ids)
        self.assertIn("/my/programmes/", message.body)
        # the four instalments of 360 € incl. VAT (300 € + 20 %) (with their
        # cents: a record id in a link may hold "360" too)
        self.assertEqual(message.body.count("360.00"), 4)

    def test_accountant_is_not_offered_to_log_sessions(self):
        """The accountant reads programmes; logging a session is the coach's."""
        for user, shown in ((self.accountant, False), (self.coach, True)):
            arch = (
                self.env["accomp.engagement"]
                .with_user(user)
                .get_views([(False, "form")])["views"]["form"]["arch"]
            )
            self.assertEqual('name="action_log_usage"' in arch, shown, user.login)
