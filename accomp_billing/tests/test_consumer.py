"""French consumer law (C. conso): withdrawal within 14 days, online
termination, the tacit renewal notice, the mediator. 20 % VAT throughout."""

import re
from datetime import date, timedelta

from odoo.exceptions import UserError
from odoo.tests import HttpCase, freeze_time, new_test_user

from .common import AccompCase


class ConsumerCase(AccompCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.email = "claire.martin@example.com"
        cls.company.write(
            {
                "accomp_mediator_name": "Médiateur de la consommation CM2C",
                "accomp_mediator_url": "https://www.cm2c.net",
            }
        )
        cls.three_months = cls.make_offer(
            billing_model="upfront", amount_total=1800, duration_months=3
        )

    def concluded(self, offer, day=date(2026, 1, 1), **vals):
        with freeze_time(f"{day} 09:00:00"):
            engagement = self.make_engagement(offer, date_start=day, **vals)
            self.invoice_due(day)
        return engagement

    def on(self, engagement, days):
        """The day ``days`` after the conclusion."""
        return engagement.date_concluded + timedelta(days=days)

    def refunds(self, engagement):
        return engagement.invoice_ids.filtered(lambda m: m.move_type == "out_refund")


class TestWithdrawal(ConsumerCase):
    def test_a_person_is_a_consumer_a_business_is_not(self):
        engagement = self.concluded(self.three_months)
        self.assertTrue(engagement.is_consumer)
        self.assertEqual(engagement.withdrawal_deadline, date(2026, 1, 15))
        business = self.env["res.partner"].create(
            {"name": "Atelier Dupont SARL", "is_company": True, "vat": "FR35562153452"}
        )
        theirs = self.concluded(self.three_months, partner_id=business.id)
        self.assertFalse(theirs.is_consumer)
        self.assertFalse(theirs.withdrawal_deadline)
        with self.assertRaisesRegex(UserError, "no withdrawal period"):
            theirs.action_withdraw()
        with self.assertRaisesRegex(UserError, "business client"):
            theirs.action_request_termination()

    def test_withdrawal_on_day_6_without_express_request_owes_nothing(self):
        engagement = self.concluded(self.three_months)
        invoice = engagement.invoice_ids
        self.assertAlmostEqual(invoice.amount_total, 2160)
        with freeze_time(f"{self.on(engagement, 6)} 10:00:00"):
            engagement.action_withdraw(self.client)
        self.assertEqual(engagement.state, "cancelled")
        self.assertTrue(engagement.date_withdrawn)
        refund = self.refunds(engagement)
        self.assertEqual(refund.state, "posted")
        self.assertAlmostEqual(refund.amount_untaxed, 1800)
        self.assertAlmostEqual(refund.amount_total, 2160)
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertFalse(
            engagement.schedule_line_ids.filtered(lambda line: line.state == "planned")
        )
        ack = engagement.message_ids.filtered(
            lambda m: "acknowledge your withdrawal" in (m.body or "")
        )
        self.assertEqual(len(ack), 1)
        self.assertIn(self.client, ack.partner_ids)
        # the consumer's invoices name the mediator
        report = self.env.ref("account.account_invoices")
        html = report._render_qweb_html(report.report_name, invoice.ids)[0].decode()
        self.assertIn("Consumer mediator, free of charge", html)
        self.assertIn("CM2C", html)
        # twice: refused, credited once
        with (
            freeze_time(f"{self.on(engagement, 7)} 10:00:00"),
            self.assertRaisesRegex(UserError, "already withdrawn"),
        ):
            engagement.action_withdraw(self.client)
        self.assertEqual(len(self.refunds(engagement)), 1)

    def test_with_express_request_the_value_delivered_is_owed(self):
        """A 3-month 1 800 € HT programme started at the client's express
        request, withdrawn on day 7: credited 1 800 less the value delivered to
        that day (8 days of 90: 160 € HT)."""
        engagement = self.concluded(self.three_months)
        with freeze_time("2026-01-02 10:00:00"):
            engagement.action_request_express_start(self.client)
        self.assertTrue(engagement.date_express_start_request)
        note = engagement.message_ids[:1].body
        self.assertIn("expressly ask", note)
        day = self.on(engagement, 7)
        delivered = engagement._amount_delivered(day, untaxed=True)
        self.assertEqual(delivered, 160)
        with freeze_time(f"{day} 10:00:00"):
            engagement.action_withdraw(self.client)
        refund = self.refunds(engagement)
        self.assertAlmostEqual(refund.amount_untaxed, 1800 - delivered)
        self.assertAlmostEqual(refund.amount_total, (1800 - delivered) * 1.2)
        self.assertEqual(engagement.state, "cancelled")

    def test_withdrawal_on_day_15_is_refused(self):
        engagement = self.concluded(self.three_months)
        with (
            freeze_time(f"{self.on(engagement, 15)} 10:00:00"),
            self.assertRaisesRegex(UserError, "withdrawal period of .* ended"),
        ):
            engagement.action_withdraw(self.client)
        self.assertFalse(self.refunds(engagement))
        self.assertEqual(engagement.state, "active")
        # on day 14, the last one, it is still open
        with freeze_time(f"{self.on(engagement, 14)} 10:00:00"):
            self.assertTrue(engagement._withdrawal_open())

    def test_a_paid_invoice_leaves_a_refund_to_do(self):
        engagement = self.concluded(self.three_months)
        self.pay(engagement.invoice_ids)
        with freeze_time(f"{self.on(engagement, 3)} 10:00:00"):
            engagement.action_withdraw(self.client)
        todo = engagement.activity_ids.filtered(
            lambda a: a.summary == "Refund the withdrawn client"
        )
        self.assertEqual(len(todo), 1)
        self.assertEqual(todo.date_deadline, self.on(engagement, 3) + timedelta(14))


class TestRenewalNotice(ConsumerCase):
    """A 6-month 100/month subscription with 30 days' notice from 1 January:
    the last day to refuse the renewal is 31 May; the notice goes out between
    28 February and 30 April, once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.subscription_offer = cls.make_offer(
            billing_model="subscription",
            recurring_amount=100,
            commitment_months=6,
            notice_days=30,
            termination_fee_type="percent",
            termination_fee_percent=50,
        )

    def notices(self, engagement):
        return engagement.message_ids.filtered(
            lambda m: "You may refuse its renewal until" in (m.body or "")
        )

    def test_sent_once_on_the_first_run_in_the_window(self):
        engagement = self.concluded(self.subscription_offer)
        self.assertEqual(engagement.date_renewal_deadline, date(2026, 5, 31))
        Engagement = self.env["accomp.engagement"]
        Engagement._send_renewal_notices(date_ref=date(2026, 2, 27))
        self.assertFalse(self.notices(engagement))
        Engagement._send_renewal_notices(date_ref=date(2026, 2, 28))
        self.assertEqual(len(self.notices(engagement)), 1)
        self.assertEqual(engagement.date_renewal_notice_sent, date(2026, 2, 28))
        self.assertIn("31", self.notices(engagement).body)
        Engagement._send_renewal_notices(date_ref=date(2026, 3, 15))
        self.assertEqual(len(self.notices(engagement)), 1)
        with freeze_time("2026-07-10 10:00:00"):
            self.assertFalse(engagement.renewal_free_termination)

    def test_the_window_missed_the_client_stops_free_and_is_refunded(self):
        engagement = self.concluded(self.subscription_offer)
        # no run in the window: on 1 May it is too late to send it
        self.env["accomp.engagement"]._send_renewal_notices(date_ref=date(2026, 5, 1))
        self.assertFalse(self.notices(engagement))
        self.invoice_due(date(2026, 7, 1))  # July invoiced in advance
        with freeze_time("2026-07-10 10:00:00"):
            self.assertTrue(engagement.renewal_free_termination)
            plan = engagement._online_termination_plan()
            self.assertEqual(plan["date_end"], date(2026, 7, 10))
            self.assertEqual(plan["fee"], 0)
            engagement.action_request_termination(self.client)
        refund = self.refunds(engagement)
        # July: 21 of 31 days not delivered, refunded pro rata
        self.assertAlmostEqual(refund.amount_untaxed, 67.74)
        self.assertAlmostEqual(refund.amount_total, 81.29)
        self.assertFalse(
            engagement.schedule_line_ids.filtered(
                lambda line: line.kind == "termination"
            )
        )
        self.assertTrue(engagement.date_termination_requested)
        ack = engagement.message_ids.filtered(
            lambda m: "We acknowledge the termination" in (m.body or "")
        )
        self.assertEqual(len(ack), 1)


class TestConsumerPortal(ConsumerCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(
            cls.env,
            login="claire_conso",
            password="claire_conso",
            groups="base.group_portal",
            partner_id=cls.client.id,
        )
        cls.instalments = cls.make_offer(
            amount_total=3000, instalment_count=6, notice_days=30
        )

    def csrf(self, path):
        page = self.url_open(path).text
        return re.search(r'csrf_token: "([^"]+)"', page).group(1)

    @freeze_time("2026-01-05 10:00:00")
    def test_the_client_withdraws_from_the_portal(self):
        engagement = self.concluded(self.three_months, user_id=self.coach.id)
        self.authenticate("claire_conso", "claire_conso")
        page = self.url_open(f"/my/programmes/{engagement.id}").text
        self.assertIn("Withdraw from the contract here", page)
        self.assertIn("Model withdrawal form", page)
        self.assertIn("CM2C", page)
        confirm = self.url_open(f"/my/programmes/{engagement.id}/withdraw")
        self.assertIn("Confirm the withdrawal", confirm.text)
        # staff who read the programme cannot withdraw for the client
        self.authenticate("coach_anne", "coach_anne")
        path = f"/my/programmes/{engagement.id}/withdraw"
        refused = self.url_open(path, data={"csrf_token": self.csrf("/my")})
        self.assertEqual(refused.status_code, 403)
        self.assertEqual(engagement.state, "active")
        self.authenticate("claire_conso", "claire_conso")
        done = self.url_open(path, data={"csrf_token": self.csrf("/my")})
        self.assertEqual(done.status_code, 200)
        self.assertEqual(engagement.state, "cancelled")
        self.assertIn("You withdrew from this contract", done.text)

    def test_online_termination_in_three_steps(self):
        engagement = self.concluded(self.instalments, user_id=self.coach.id)
        with freeze_time("2026-02-01 09:00:00"):
            self.invoice_due(date(2026, 2, 1))
        with freeze_time("2026-02-10 10:00:00"):
            self.start_tour(
                f"/my/programmes/{engagement.id}",
                "accomp_billing_termination_tour",
                login="claire_conso",
            )
        self.assertTrue(engagement.date_termination_requested)
        self.assertTrue(engagement.date_terminated)
        # 30 days' notice from 10 February
        self.assertEqual(engagement.date_end, date(2026, 3, 12))
        ack = engagement.message_ids.filtered(
            lambda m: "We acknowledge the termination" in (m.body or "")
        )
        self.assertEqual(len(ack), 1)
        self.assertIn(self.client, ack.partner_ids)
