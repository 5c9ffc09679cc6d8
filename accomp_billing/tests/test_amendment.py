"""Amendments (avenants): each kind with the figures of a real case (20 % VAT,
HT and TTC), the client's acceptance, and every refusal."""

import re
from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import HttpCase, freeze_time, new_test_user

from .common import AccompCase


class AmendmentCase(AccompCase):
    def amend(self, engagement, apply=True, **vals):
        amendment = self.env["accomp.amendment"].create(
            {"engagement_id": engagement.id, "requires_acceptance": False, **vals}
        )
        if apply:
            amendment.action_apply()
        return amendment

    def planned(self, engagement):
        return engagement.schedule_line_ids.filtered(
            lambda line: line.state == "planned"
        ).sorted(lambda line: (line.date_due, line.id))

    def live(self, engagement, kinds=("instalment", "deposit")):
        return engagement.schedule_line_ids.filtered(
            lambda line: line.state != "cancelled" and line.kind in kinds
        ).sorted(lambda line: (line.date_due, line.id))


class TestAmendments(AmendmentCase):
    @freeze_time("2026-02-15 10:00:00")
    def test_extend_by_three_months_keeps_the_invoiced_and_spreads_the_rest(self):
        """6 x 500 monthly from 1 January, two invoiced, extended by 3 months
        for +1 500: seven events of 500, the last on 1 September, 4 500 in all."""
        offer = self.make_offer(amount_total=3000, instalment_count=6)
        engagement = self.make_engagement(offer, date_start=date(2026, 1, 1))
        self.invoice_due(date(2026, 2, 1))
        invoiced = engagement.invoice_ids
        self.assertEqual(len(invoiced), 2)
        amendment = self.amend(
            engagement,
            kind="extend",
            months=3,
            amount=1500,
            date_effective=date(2026, 2, 15),
        )
        self.assertEqual(amendment.name, "Amendment No. 1")
        self.assertEqual(amendment.state, "applied")
        planned = self.planned(engagement)
        self.assertEqual(planned.mapped("amount"), [500.0] * 7)
        self.assertEqual(planned[0].date_due, date(2026, 3, 1))
        self.assertEqual(planned[-1].date_due, date(2026, 9, 1))
        self.assertEqual(planned.mapped("name")[-1], "Instalment 9/9")
        self.assertEqual(engagement.date_end, date(2026, 9, 30))
        self.assertEqual(engagement.price_total, 4500)
        self.assertEqual(engagement.amount_untaxed, 4500)
        self.assertEqual(engagement.amount_total, 5400)
        # the invoiced events and their invoices are untouched
        self.assertEqual(engagement.invoice_ids, invoiced)
        self.assertEqual(invoiced.mapped("amount_untaxed"), [500.0, 500.0])
        self.assertEqual(
            self.live(engagement).filtered(lambda line: line.invoice_id).mapped("name"),
            ["Instalment 1/6", "Instalment 2/6"],
        )
        note = engagement.message_ids[:1].body
        self.assertIn("Amendment No. 1 applied", note)
        self.assertIn("3,600.00", note)  # total incl. VAT before
        self.assertIn("5,400.00", note)  # and after
        self.assertIn("4 → 7", note)
        # the forecast and the next billing run follow the amended schedule
        forecast = self.env["accomp.forecast"].search(
            [("engagement_id", "=", engagement.id)]
        )
        self.assertAlmostEqual(sum(forecast.mapped("amount_untaxed")), 4500)
        run = self.env["accomp.billing.run.preview"].create(
            {"date_ref": date(2026, 9, 1), "company_id": self.company.id}
        )
        self.assertEqual(
            run.line_ids.filtered(lambda line: line.engagement_id == engagement),
            planned,
        )
        # each new event invoiced exactly once
        invoices = self.invoice_due(date(2026, 9, 1))
        self.assertEqual(len(invoices), 7)
        self.assertFalse(self.invoice_due(date(2026, 9, 1)))
        self.assertEqual(engagement.amount_invoiced, 5400)

    @freeze_time("2026-01-20 10:00:00")
    def test_reschedule_what_is_left_over_four_instalments(self):
        """3 000 in 3, one invoiced, the rest spread over 4: 4 x 500."""
        offer = self.make_offer(amount_total=3000, instalment_count=3)
        engagement = self.make_engagement(offer, date_start=date(2026, 1, 1))
        self.invoice_due(date(2026, 1, 1))
        self.amend(
            engagement,
            kind="reschedule",
            instalment_count=4,
            date_effective=date(2026, 2, 1),
        )
        planned = self.planned(engagement)
        self.assertEqual(planned.mapped("amount"), [500.0] * 4)
        self.assertEqual(
            planned.mapped("date_due"),
            [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)],
        )
        self.assertEqual(planned.mapped("name")[0], "Instalment 2/5")
        self.assertEqual(engagement.instalment_count, 5)
        self.assertEqual(engagement.amount_untaxed, 3000)
        self.assertEqual(engagement.amount_total, 3600)

    @freeze_time("2026-03-10 10:00:00")
    def test_a_subscription_price_raised_mid_period_bills_the_days_left(self):
        """400/month raised to 500 on 16 March, March invoiced: April's invoice
        carries 500 plus 16/31 of 100."""
        engagement = self.subscription()
        self.invoice_due(date(2026, 3, 1))
        self.amend(
            engagement,
            kind="price_change",
            recurring_amount=500,
            date_effective=date(2026, 3, 16),
        )
        self.assertEqual(engagement.recurring_amount, 500)
        adjustment = engagement.schedule_line_ids.filtered(
            lambda line: line.kind == "adjustment"
        )
        self.assertEqual(adjustment.amount, 51.61)
        self.assertEqual(adjustment.date_due, date(2026, 4, 1))
        april = self.invoice_due(date(2026, 4, 1))
        self.assertEqual(len(april), 1)
        self.assertEqual(
            sorted(april.invoice_line_ids.mapped("price_subtotal")), [51.61, 500.0]
        )
        self.assertAlmostEqual(april.amount_untaxed, 551.61)
        self.assertAlmostEqual(april.amount_total, 661.93)
        self.assertIn(
            "Price adjustment: Amendment No. 1",
            april.invoice_line_ids.filtered(lambda aml: aml.price_subtotal < 100).name,
        )
        # the renewals after the commitment are at the new price
        engagement._extend_subscription_schedule(date(2026, 7, 2))
        july = engagement.schedule_line_ids.filtered(
            lambda line: line.period_start == date(2026, 7, 1)
        )
        self.assertEqual(july.amount, 500)

    @freeze_time("2026-03-10 10:00:00")
    def test_a_price_lowered_mid_period_credits_the_days_left(self):
        engagement = self.subscription()
        march_invoice = self.invoice_due(date(2026, 3, 1)).filtered(
            lambda m: m.invoice_line_ids.accomp_schedule_line_id.period_start
            == date(2026, 3, 1)
        )
        self.amend(
            engagement,
            kind="price_change",
            recurring_amount=300,
            date_effective=date(2026, 3, 16),
        )
        refund = engagement.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(refund.state, "posted")
        self.assertEqual(refund.reversed_entry_id, march_invoice)
        self.assertAlmostEqual(refund.amount_untaxed, 51.61)
        self.assertAlmostEqual(refund.amount_total, 61.93)
        march = march_invoice.invoice_line_ids.accomp_schedule_line_id
        self.assertAlmostEqual(march.amount_credited, 61.93)
        self.assertEqual(self.planned(engagement)[:1].amount, 300)
        self.assertFalse(
            engagement.schedule_line_ids.filtered(
                lambda line: line.kind == "adjustment"
            )
        )

    @freeze_time("2026-02-10 10:00:00")
    def test_a_session_pack_is_included_and_billed_once(self):
        """A pack of 5 sessions for 600 on a 4-session programme: 8 sessions
        logged, no extras, 600 billed once."""
        session = self.session_product()
        offer = self.make_offer(
            extras_policy="immediate",
            allowance_ids=[
                Command.create({"product_id": session.id, "included_qty": 4})
            ],
        )
        engagement = self.make_engagement(
            offer, date_start=date(2026, 1, 31), user_id=self.coach.id
        )
        self.amend(
            engagement,
            kind="add_allowance",
            product_id=session.id,
            quantity=5,
            amount=600,
            date_effective=date(2026, 2, 10),
        )
        self.assertEqual(engagement.included_qty, 9)
        for day in range(1, 9):
            self.env["accomp.usage"].with_user(self.coach).create(
                {
                    "engagement_id": engagement.id,
                    "product_id": session.id,
                    "date": date(2026, 2, day),
                }
            )
        extras = engagement.schedule_line_ids.filtered(
            lambda line: line.kind == "extras"
        )
        self.assertEqual(len(extras), 1)  # the pack, no extra sessions
        invoices = self.invoice_due(date(2026, 2, 10))
        pack = invoices.filtered(
            lambda m: m.invoice_line_ids.accomp_schedule_line_id == extras
        )
        self.assertEqual(len(pack), 1)
        self.assertAlmostEqual(pack.amount_untaxed, 600)
        self.assertAlmostEqual(pack.amount_total, 720)
        self.assertIn("pack of 5 × Séance", pack.invoice_line_ids.name)
        self.invoice_due(date(2026, 2, 11))
        self.assertEqual(extras.invoice_line_ids.move_id, pack)
        self.assertEqual(engagement.used_qty, 8)

    @freeze_time("2026-02-10 10:00:00")
    def test_extras_already_billed_are_not_billed_again_by_a_pack(self):
        session = self.session_product()
        offer = self.make_offer(
            extras_policy="immediate",
            allowance_ids=[
                Command.create({"product_id": session.id, "included_qty": 1})
            ],
        )
        engagement = self.make_engagement(
            offer, date_start=date(2026, 1, 31), user_id=self.coach.id
        )
        for day in (1, 2):
            self.env["accomp.usage"].with_user(self.coach).create(
                {
                    "engagement_id": engagement.id,
                    "product_id": session.id,
                    "date": date(2026, 2, day),
                }
            )
        billed = engagement.schedule_line_ids.filtered(
            lambda line: line.kind == "extras"
        )
        self.assertEqual(billed.state, "invoiced")  # the 2nd session, 150
        self.amend(
            engagement,
            kind="add_allowance",
            product_id=session.id,
            quantity=2,
            amount=250,
        )
        self.env["accomp.usage"].with_user(self.coach).create(
            {
                "engagement_id": engagement.id,
                "product_id": session.id,
                "date": date(2026, 2, 9),
            }
        )
        extras = engagement.schedule_line_ids.filtered(
            lambda line: line.kind == "extras"
        )
        # the billed extra stays billed, the pack is the only new event
        self.assertEqual(len(extras), 2)
        self.assertEqual(billed.state, "invoiced")
        self.assertEqual(billed.invoice_id.amount_untaxed, 150)
        self.assertEqual((extras - billed).amount, 250)
        # 3 included: the first and the third session; one left
        self.assertEqual(engagement.allowance_ids.remaining_qty, 1)

    def subscription(self):
        offer = self.make_offer(
            billing_model="subscription",
            recurring_amount=400,
            commitment_months=6,
            billing_cycle="monthly",
        )
        return self.make_engagement(offer, date_start=date(2026, 1, 1))

    def session_product(self):
        return self.env["product.product"].create(
            {
                "name": "Séance",
                "type": "service",
                "list_price": 150,
                "taxes_id": [Command.set(self.vat20.ids)],
            }
        )


class TestAmendmentAcceptance(AmendmentCase):
    @freeze_time("2026-02-15 10:00:00")
    def test_nothing_changes_until_the_client_accepts(self):
        self.client.email = "claire.martin@example.com"
        offer = self.make_offer(amount_total=3000, instalment_count=6)
        engagement = self.make_engagement(offer, date_start=date(2026, 1, 1))
        self.invoice_due(date(2026, 2, 1))
        before = self.schedule(engagement)
        amendment = self.amend(
            engagement,
            apply=False,
            kind="extend",
            months=3,
            amount=1500,
            requires_acceptance=True,
        )
        amendment.action_apply()
        self.assertEqual(amendment.state, "to_accept")
        self.assertEqual(self.schedule(engagement), before)
        sent = engagement.message_ids[:1]
        self.assertIn(self.client, sent.partner_ids)
        self.assertIn(
            f"/my/programmes/{engagement.id}/amendments/{amendment.id}", sent.body
        )
        self.assertIn("Extension by 3 months", sent.body)
        # the terms it was sent with cannot change any more
        with self.assertRaisesRegex(UserError, "cannot change"):
            amendment.months = 6
        amendment.action_accept(self.client)
        self.assertEqual(amendment.state, "applied")
        self.assertEqual(amendment.accepted_by_id, self.client)
        self.assertTrue(amendment.date_accepted)
        self.assertEqual(len(self.planned(engagement)), 7)
        # the summary is frozen as accepted: the schedule before and after
        self.assertIn("o_accomp_amendment_after", amendment.summary_html)
        with self.assertRaisesRegex(UserError, "not waiting"):
            amendment.action_accept(self.client)

    @freeze_time("2026-02-15 10:00:00")
    def test_a_declined_amendment_changes_nothing(self):
        offer = self.make_offer(amount_total=3000, instalment_count=6)
        engagement = self.make_engagement(offer, date_start=date(2026, 1, 1))
        before = self.schedule(engagement)
        amendment = self.amend(
            engagement, kind="reschedule", instalment_count=3, requires_acceptance=True
        )
        amendment.action_decline(self.client)
        self.assertEqual(amendment.state, "cancelled")
        self.assertEqual(self.schedule(engagement), before)
        self.assertIn("declined", engagement.message_ids[:1].body)

    @freeze_time("2026-02-15 10:00:00")
    def test_the_pdf_names_the_parties_the_change_and_the_new_schedule(self):
        offer = self.make_offer(amount_total=3000, instalment_count=6)
        engagement = self.make_engagement(offer, date_start=date(2026, 1, 1))
        amendment = self.amend(engagement, kind="extend", months=2, amount=1000)
        self.assertIn("Extension by 2 months, price +", amendment.description)
        report = self.env.ref("accomp_billing.action_report_amendment")
        html = report._render_qweb_html(report.report_name, amendment.ids)[0].decode()
        self.assertIn("Amendment No. 1", html)
        self.assertIn(engagement.name, html)
        self.assertIn(self.client.name, html)
        self.assertIn("Extension by 2 months", html)
        self.assertIn("4,800.00", html)  # the new total incl. VAT
        self.assertIn("Signature", html)
        self.assertIn("Read and approved", html)


class TestAmendmentRefusals(AmendmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.offer = cls.make_offer(amount_total=3000, instalment_count=6)

    @freeze_time("2026-02-15 10:00:00")
    def test_each_refusal_is_clear_and_changes_nothing(self):
        engagement = self.make_engagement(self.offer, date_start=date(2026, 1, 1))
        self.invoice_due(date(2026, 2, 1))  # 1 000 invoiced
        before = self.schedule(engagement)
        for vals, message in (
            ({"kind": "extend", "months": 0, "amount": 100}, "at least one month"),
            ({"kind": "extend", "months": -2, "amount": 100}, "at least one month"),
            (
                {"kind": "extend", "months": 1, "amount": -2500},
                "below what was already invoiced",
            ),
            (
                {"kind": "reschedule", "instalment_count": 0},
                "at least one instalment",
            ),
            (
                {
                    "kind": "reschedule",
                    "instalment_count": 2,
                    "date_effective": date(2026, 1, 20),
                },
                "before the start of the last invoiced period",
            ),
            (
                {"kind": "price_change", "recurring_amount": 500},
                "does not apply",
            ),
            (
                {"kind": "add_allowance", "quantity": 0, "product_id": self.product.id},
                "at least part of a session",
            ),
        ):
            with (
                self.subTest(message=message),
                self.assertRaisesRegex(UserError, message),
            ):
                self.amend(engagement, **vals)
            self.assertEqual(self.schedule(engagement), before)

    @freeze_time("2026-02-15 10:00:00")
    def test_done_cancelled_and_terminated_programmes_are_not_amended(self):
        cancelled = self.make_engagement(self.offer, date_start=date(2026, 3, 1))
        cancelled.action_cancel()
        terminated = self.make_engagement(self.offer, date_start=date(2026, 1, 1))
        self.invoice_due(date(2026, 2, 1))
        self.terminate(terminated, date(2026, 2, 15))
        for engagement in (cancelled, terminated):
            with self.assertRaisesRegex(UserError, "can no longer be amended"):
                self.amend(engagement, kind="extend", months=1, amount=100)

    @freeze_time("2026-02-15 10:00:00")
    def test_only_a_billing_manager_amends_and_once(self):
        engagement = self.make_engagement(
            self.offer, date_start=date(2026, 1, 1), user_id=self.coach.id
        )
        for user in (self.coach, self.accountant):
            with self.assertRaises(AccessError):
                self.env["accomp.amendment"].with_user(user).create(
                    {"engagement_id": engagement.id, "kind": "extend", "months": 1}
                )
        amendment = self.amend(engagement, kind="extend", months=1, amount=500)
        with self.assertRaisesRegex(UserError, "not a draft"):
            amendment.action_apply()
        second = self.amend(engagement, kind="extend", months=1, amount=500)
        self.assertEqual(second.name, "Amendment No. 2")
        # two amendments, each applied once: 3 000 + 500 + 500
        self.assertEqual(engagement.price_total, 4000)
        self.assertAlmostEqual(sum(self.live(engagement).mapped("amount")), 4000)


class TestAmendmentPortal(AmendmentCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.email = "claire.martin@example.com"
        cls.portal_user = new_test_user(
            cls.env,
            login="claire_amend",
            password="claire_amend",
            groups="base.group_portal",
            partner_id=cls.client.id,
        )
        offer = cls.make_offer(amount_total=3000, instalment_count=6)
        with freeze_time("2026-02-15 10:00:00"):
            cls.engagement = cls.make_engagement(
                offer, date_start=date(2026, 1, 1), user_id=cls.coach.id
            )
            cls.env["accomp.schedule.line"]._invoice_due_lines(
                date_ref=date(2026, 2, 1)
            )
            cls.amendment = cls.env["accomp.amendment"].create(
                {
                    "engagement_id": cls.engagement.id,
                    "kind": "extend",
                    "months": 3,
                    "amount": 1500,
                    "date_effective": date(2026, 2, 15),
                }
            )
            cls.amendment.action_apply()

    def url(self, answer=""):
        path = f"/my/programmes/{self.engagement.id}/amendments/{self.amendment.id}"
        return f"{path}/{answer}" if answer else path

    def post(self, path):
        token = self.engagement._portal_ensure_token()
        page = self.url_open(f"{self.url()}?access_token={token}").text
        csrf = re.search(r'csrf_token: "([^"]+)"', page).group(1)
        return self.url_open(path, data={"csrf_token": csrf, "access_token": token})

    @freeze_time("2026-02-16 10:00:00")
    def test_the_client_accepts_in_the_portal(self):
        self.start_tour(
            f"/my/programmes/{self.engagement.id}",
            "accomp_billing_amendment_tour",
            login="claire_amend",
        )
        self.assertEqual(self.amendment.state, "applied")
        self.assertEqual(self.amendment.accepted_by_id, self.client)
        self.assertEqual(self.engagement.amount_untaxed, 4500)
        self.assertEqual(self.engagement.amount_total, 5400)

    @freeze_time("2026-02-16 10:00:00")
    def test_staff_and_other_clients_cannot_answer_for_the_client(self):
        other = self.env["res.partner"].create({"name": "Bob Durand"})
        new_test_user(
            self.env,
            login="bob_amend",
            password="bob_amend",
            groups="base.group_portal",
            partner_id=other.id,
        )
        for login in ("coach_anne", "accountant_eve", "bob_amend"):
            self.authenticate(login, login)
            response = self.post(self.url("accept"))
            self.assertEqual(response.status_code, 403, login)
        self.assertEqual(self.amendment.state, "to_accept")
        self.assertEqual(len(self.engagement.schedule_line_ids), 6)
        # the e-mail's link, without an account: the client's answer
        self.authenticate(None, None)
        response = self.post(self.url("decline"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.amendment.state, "cancelled")
        self.assertEqual(self.engagement.amount_untaxed, 3000)
        # answered: a second answer is refused, nothing applies
        self.authenticate("claire_amend", "claire_amend")
        self.post(self.url("accept"))
        self.assertEqual(self.amendment.state, "cancelled")
        self.assertEqual(self.engagement.amount_untaxed, 3000)

    def test_a_draft_is_not_shown_and_the_pdf_is(self):
        draft = self.env["accomp.amendment"].create(
            {"engagement_id": self.engagement.id, "kind": "extend", "months": 1}
        )
        self.authenticate("claire_amend", "claire_amend")
        hidden = self.url_open(
            f"/my/programmes/{self.engagement.id}/amendments/{draft.id}"
        )
        self.assertEqual(hidden.status_code, 404)
        page = self.url_open(self.url())
        self.assertIn("Extension by 3 months", page.text)
        self.assertIn("o_accomp_amendment_after", page.text)
        self.assertIn(f"{self.url()}?report_type=pdf", page.text)
