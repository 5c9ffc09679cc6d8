"""Sessions, calls and messages logged by the coach: allowances consumed in date
order, extras billed at the product's price under each extras policy."""

from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, freeze_time

from .common import AccompCase


def is_extras(invoice):
    """An invoice billing extras only."""
    return set(invoice.invoice_line_ids.accomp_schedule_line_id.mapped("kind")) == {
        "extras"
    }


@freeze_time("2026-06-15 10:00:00")
class TestUsage(AccompCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.session = cls.env["product.product"].create(
            {
                "name": "Séance individuelle",
                "type": "service",
                "list_price": 150,
                "taxes_id": [Command.clear()],
            }
        )
        cls.call = cls.env["product.product"].create(
            {
                "name": "Appel de suivi",
                "type": "service",
                "list_price": 60,
                "taxes_id": [Command.clear()],
            }
        )

    def make_hybrid(self, policy="immediate", **vals):
        """The seed's hybrid: instalments with N sessions included plus extras."""
        offer = self.make_offer(
            extras_policy=policy,
            allowance_ids=[
                Command.create({"product_id": self.session.id, "included_qty": 2}),
                Command.create(
                    {"product_id": self.call.id, "included_qty": 1, "price_unit": 45}
                ),
            ],
            **vals,
        )
        return self.make_engagement(offer)

    def log(self, engagement, product, day, quantity=1):
        return self.env["accomp.usage"].create(
            {
                "engagement_id": engagement.id,
                "product_id": product.id,
                "date": day,
                "quantity": quantity,
            }
        )

    def extras_invoices(self, engagement):
        return engagement.invoice_ids.filtered(is_extras)

    # ------------------------------------------------------------------
    # Allowances
    # ------------------------------------------------------------------
    def test_allowances_are_consumed_per_product_in_date_order(self):
        engagement = self.make_hybrid(policy="end_of_cycle")
        late = self.log(engagement, self.session, date(2026, 3, 10))
        call_1 = self.log(engagement, self.call, date(2026, 2, 5))
        early = self.log(engagement, self.session, date(2026, 2, 1))
        call_2 = self.log(engagement, self.call, date(2026, 2, 20), quantity=2)
        # a session logged late but dated before the others takes the allowance
        backdated = self.log(engagement, self.session, date(2026, 1, 31))
        self.assertRecordValues(
            backdated | early | late | call_1 | call_2,
            [
                {"included_qty": 1, "billable_qty": 0, "state": "included"},
                {"included_qty": 1, "billable_qty": 0, "state": "included"},
                {"included_qty": 0, "billable_qty": 1, "state": "to_bill"},
                {"included_qty": 1, "billable_qty": 0, "state": "included"},
                {"included_qty": 0, "billable_qty": 2, "state": "to_bill"},
            ],
        )
        # the product's price, or the allowance's when it has one
        self.assertEqual((late | call_2).mapped("price_unit"), [150, 45])
        self.assertEqual((late | call_2).mapped("amount_billable"), [150, 90])
        session_allowance, call_allowance = engagement.allowance_ids
        self.assertRecordValues(
            session_allowance | call_allowance,
            [
                {"used_qty": 2, "remaining_qty": 0, "extra_qty": 1},
                {"used_qty": 1, "remaining_qty": 0, "extra_qty": 2},
            ],
        )
        self.assertEqual((engagement.included_qty, engagement.used_qty), (3, 3))

    def test_editing_the_offer_never_changes_a_sold_engagement_allowance(self):
        engagement = self.make_hybrid()
        engagement.offer_id.allowance_ids[0].included_qty = 10
        self.assertEqual(engagement.allowance_ids[0].included_qty, 2)

    def test_manager_granting_more_sessions_turns_unbilled_extras_into_included(self):
        engagement = self.make_hybrid(policy="next_invoice")
        usages = [
            self.log(engagement, self.session, date(2026, 2, d)) for d in (1, 2, 3)
        ]
        extras = engagement.schedule_line_ids.filtered(lambda x: x.kind == "extras")
        self.assertEqual(extras.amount, 150)
        engagement.allowance_ids[0].included_qty = 3
        self.assertEqual([u.state for u in usages], ["included"] * 3)
        self.assertFalse(extras.exists())

    # ------------------------------------------------------------------
    # Extras policies
    # ------------------------------------------------------------------
    def test_immediate_extra_is_invoiced_at_once_at_the_product_price(self):
        engagement = self.make_hybrid(policy="immediate")
        for day in (1, 2):
            self.log(engagement, self.session, date(2026, 6, day))
        self.assertFalse(self.extras_invoices(engagement))
        third = self.log(engagement, self.session, date(2026, 6, 3))
        invoice = self.extras_invoices(engagement)
        self.assertEqual(len(invoice), 1)
        self.assertRecordValues(
            invoice,
            [
                {
                    "state": "posted",
                    "amount_untaxed": 150,
                    "invoice_date": date(2026, 6, 15),
                    "partner_id": self.client.id,
                }
            ],
        )
        self.assertRecordValues(
            invoice.invoice_line_ids,
            [{"product_id": self.session.id, "quantity": 1, "price_unit": 150}],
        )
        self.assertIn("Séance individuelle", invoice.invoice_line_ids.name)
        self.assertIn("06/03/2026", invoice.invoice_line_ids.name)
        self.assertEqual(third.state, "billed")
        self.assertEqual(third.invoice_id, invoice)
        self.assertEqual(engagement.extras_amount, 150)
        # a second extra makes a second invoice; the first one never changes
        self.log(engagement, self.session, date(2026, 6, 4), quantity=2)
        self.assertEqual(len(self.extras_invoices(engagement)), 2)
        self.assertEqual(invoice.amount_untaxed, 150)
        self.assertEqual(engagement.extras_amount, 450)

    def test_next_invoice_extras_join_the_next_instalment(self):
        engagement = self.make_hybrid(policy="next_invoice")
        self.invoice_due(date(2026, 1, 31))  # the first instalment
        for day in (2, 3, 4):
            self.log(engagement, self.session, date(2026, 2, day))
        self.log(engagement, self.call, date(2026, 2, 5), quantity=3)
        extras = engagement.schedule_line_ids.filtered(lambda x: x.kind == "extras")
        self.assertEqual(extras.mapped("amount"), [150, 90])
        self.assertEqual(set(extras.mapped("date_due")), {date(2026, 2, 28)})
        self.assertFalse(self.invoice_due(date(2026, 2, 27)))
        invoice = self.invoice_due(date(2026, 2, 28))
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.amount_untaxed, 500 + 150 + 90)
        self.assertRecordValues(
            invoice.invoice_line_ids,
            [
                {"product_id": self.product.id, "quantity": 1, "price_unit": 500},
                {"product_id": self.session.id, "quantity": 1, "price_unit": 150},
                {"product_id": self.call.id, "quantity": 2, "price_unit": 45},
            ],
        )
        self.assertEqual(set(extras.mapped("state")), {"invoiced"})
        # 3000 excl. VAT + 20 %; the extras' products carry no tax here
        self.assertEqual(engagement.amount_total, 3600 + 240)

    def test_next_invoice_extras_wait_for_a_late_instalment_run(self):
        """The scheduler missed days: extras still join the instalment invoice."""
        engagement = self.make_hybrid(policy="next_invoice")
        for day in (1, 2, 3):
            self.log(engagement, self.session, date(2026, 2, day))
        invoices = self.invoice_due(date(2026, 3, 31))
        self.assertEqual(len(invoices), 3)  # January, February, March instalments
        with_extras = invoices.filtered(lambda m: len(m.invoice_line_ids) == 2)
        self.assertEqual(with_extras.amount_untaxed, 650)
        self.assertEqual(sum(invoices.mapped("amount_untaxed")), 1650)

    def test_end_of_cycle_makes_one_extras_invoice_per_period(self):
        engagement = self.make_hybrid(policy="end_of_cycle")
        self.invoice_due(date(2026, 1, 31))
        # period 1 (31 Jan - 27 Feb): 2 included + 2 extra sessions + 2 extra calls
        self.log(engagement, self.session, date(2026, 2, 2), quantity=4)
        self.log(engagement, self.call, date(2026, 2, 10), quantity=3)
        # period 2 (28 Feb - 30 Mar): 1 extra session
        self.log(engagement, self.session, date(2026, 3, 5))
        extras = engagement.schedule_line_ids.filtered(lambda x: x.kind == "extras")
        self.assertEqual(
            sorted((x.date_due, x.amount) for x in extras),
            [
                (date(2026, 2, 28), 90),
                (date(2026, 2, 28), 300),
                (date(2026, 3, 31), 150),
            ],
        )
        february = self.invoice_due(date(2026, 2, 28))
        extras_february = february.filtered(is_extras)
        self.assertEqual(len(february), 2)  # the instalment and the extras
        self.assertEqual(extras_february.amount_untaxed, 390)
        self.assertEqual(len(extras_february.invoice_line_ids), 2)
        self.assertIn("01/31/2026", extras_february.invoice_line_ids[0].name)
        march = self.invoice_due(date(2026, 3, 31))
        self.assertEqual(march.filtered(is_extras).amount_untaxed, 150)
        self.assertEqual(len(self.extras_invoices(engagement)), 2)

    def test_usage_of_a_product_without_allowance_is_billed_at_its_price(self):
        other = self.env["product.product"].create(
            {"name": "Message", "type": "service", "list_price": 20}
        )
        engagement = self.make_hybrid(policy="next_invoice")
        usage = self.log(engagement, other, date(2026, 2, 1), quantity=3)
        self.assertRecordValues(
            usage, [{"billable_qty": 3, "price_unit": 20, "state": "to_bill"}]
        )

    # ------------------------------------------------------------------
    # Locks and bad input
    # ------------------------------------------------------------------
    def test_billed_usage_cannot_be_reduced_moved_or_deleted(self):
        engagement = self.make_hybrid(policy="immediate")
        self.log(engagement, self.session, date(2026, 6, 1), quantity=2)
        billed = self.log(engagement, self.session, date(2026, 6, 2), quantity=2)
        self.assertEqual(billed.state, "billed")
        for vals in ({"quantity": 1}, {"date": date(2026, 6, 3)}, {"quantity": 3}):
            with self.assertRaises(UserError):
                billed.write(vals)
        with self.assertRaises(UserError):
            billed.unlink()
        with self.assertRaises(UserError):
            billed.action_cancel()
        billed.description = "Atelier prise de parole"  # notes stay editable
        self.assertEqual(self.extras_invoices(engagement).amount_untaxed, 300)

    def test_unbilled_extras_follow_edits_and_deletion(self):
        engagement = self.make_hybrid(policy="next_invoice")
        self.log(engagement, self.session, date(2026, 2, 1), quantity=2)
        extra = self.log(engagement, self.session, date(2026, 2, 2), quantity=3)
        line = extra.schedule_line_id
        self.assertEqual((line.quantity, line.amount), (3, 450))
        extra.quantity = 1
        self.assertEqual((line.quantity, line.amount), (1, 150))
        extra.unlink()
        self.assertFalse(line.exists())
        cancelled = self.log(engagement, self.session, date(2026, 2, 3), quantity=2)
        cancelled.action_cancel()
        self.assertEqual(cancelled.state, "cancelled")
        self.assertFalse(
            engagement.schedule_line_ids.filtered(lambda x: x.kind == "extras")
        )

    def test_usage_needs_a_programme_in_progress_and_a_past_date(self):
        engagement = self.make_hybrid()
        draft = self.make_engagement(engagement.offer_id, confirm=False)
        with self.assertRaisesRegex(UserError, "programme in progress"):
            self.log(draft, self.session, date(2026, 2, 1))
        with self.assertRaisesRegex(UserError, "in advance"):
            self.log(engagement, self.session, date(2026, 6, 16))
        with self.assertRaisesRegex(ValidationError, "starts on"):
            self.log(engagement, self.session, date(2026, 1, 30))

    def test_computed_quantities_and_prices_cannot_be_set(self):
        engagement = self.make_hybrid()
        usage = self.log(engagement, self.session, date(2026, 2, 1))
        for vals in ({"price_unit": 1}, {"billable_qty": 0}, {"state": "billed"}):
            with self.assertRaisesRegex(AccessError, "cannot be set by hand"):
                usage.write(vals)

    def test_french_client_reads_the_extras_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["accomp_billing"], ["fr_FR"], overwrite=True
        )
        self.client.lang = "fr_FR"
        engagement = self.make_hybrid(policy="immediate")
        self.log(engagement, self.session, date(2026, 6, 2), quantity=3)
        self.assertEqual(
            self.extras_invoices(engagement).invoice_line_ids.name,
            f"Extras : Séance individuelle — Programme Envol ({engagement.name}), "
            "séances du 02/06/2026",
        )


@freeze_time("2026-06-15 10:00:00")
class TestExtrasInAnotherCompany(AccompCase):
    def test_extras_are_priced_in_the_engagements_company_and_currency(self):
        """The scheduler (or a user) works in company A (USD, 1 USD = 2 EUR); the
        engagement belongs to company B, which invoices in EUR with its own rate
        (1 USD = 4 EUR): the product's 150 USD list price is converted at B's
        rate, on B's day."""
        eur = self.setup_other_currency("EUR")
        other = self.setup_other_company(name="Cabinet Lyon", currency_id=eur.id)
        company_b = other["company"]
        usd = self.company.currency_id
        self.env["res.currency.rate"].create(
            {
                "name": date(2026, 1, 1),
                "currency_id": usd.id,
                "company_id": company_b.id,
                "rate": 0.25,  # 1 EUR = 0.25 USD in company B
            }
        )
        self.env.user.company_ids |= company_b
        session = self.env["product.product"].create(
            {"name": "Séance", "type": "service", "list_price": 150, "taxes_id": []}
        )
        self.assertEqual(session.currency_id, usd)
        offer = self.make_offer(
            company_id=company_b.id,
            currency_id=eur.id,
            product_id=False,
            allowance_ids=[
                Command.create({"product_id": session.id, "included_qty": 0})
            ],
        )
        engagement = self.make_engagement(offer, company_id=company_b.id)
        self.assertEqual(self.env.company, self.company)  # working from company A
        usage = self.env["accomp.usage"].create(
            {
                "engagement_id": engagement.id,
                "product_id": session.id,
                "date": date(2026, 6, 1),
            }
        )
        self.assertEqual(usage.billable_qty, 1)
        self.assertEqual(usage.price_unit, 600)


@freeze_time("2026-06-15 10:00:00")
class TestLogSessionDialog(AccompCase):
    def test_closing_the_dialog_logs_nothing_only_log_does(self):
        session = self.env["product.product"].create(
            {"name": "Séance", "type": "service", "list_price": 100, "taxes_id": []}
        )
        engagement = self.make_engagement(
            self.make_offer(
                allowance_ids=[
                    Command.create({"product_id": session.id, "included_qty": 0})
                ]
            ),
            user_id=self.coach.id,
        )
        action = engagement.with_user(self.coach).action_log_usage()
        self.assertEqual(action["res_model"], "accomp.usage.log.wizard")
        Wizard = self.env[action["res_model"]].with_user(self.coach)
        form = Form(Wizard.with_context(**action["context"]))
        self.assertEqual(form.product_id, session)
        form.quantity = 2
        # said before logging: nothing is included, both are extras
        self.assertEqual(
            form.extra_warning,
            "0 left in the programme: 2 × Séance will be billed as an extra "
            "($\xa0200.00 excl. VAT).",
        )
        form.save()  # even a saved dialog is only a draft of the entry
        self.assertFalse(engagement.usage_ids)
        self.assertFalse(engagement.invoice_ids)
        result = form.record.action_log()
        self.assertEqual(engagement.usage_ids.billable_qty, 2)
        # and said after
        self.assertEqual(
            result["params"]["message"],
            "Session logged: $\xa0200.00 excl. VAT billed as an extra.",
        )
        self.assertEqual(
            result["params"]["next"]["type"], "ir.actions.act_window_close"
        )


@freeze_time("2026-06-15 10:00:00")
class TestUsageAttacks(AccompCase):
    """What a coach types is bounded, what the client approved is what is
    billed, a big extras bill is reviewed, a failing instalment is seen."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.session = cls.env["product.product"].create(
            {
                "name": "Séance supplémentaire",
                "type": "service",
                "list_price": 80,
                "taxes_id": [Command.set(cls.vat20.ids)],
            }
        )

    def make_programme(self, **vals):
        offer = self.make_offer(
            allowance_ids=[
                Command.create({"product_id": self.session.id, "included_qty": 0})
            ],
            **vals,
        )
        return self.make_engagement(
            offer, date_start=date(2026, 1, 31), user_id=self.coach.id
        )

    def log(self, engagement, quantity=1, day=date(2026, 6, 10)):
        return (
            self.env["accomp.usage"]
            .with_user(self.coach)
            .create(
                {
                    "engagement_id": engagement.id,
                    "product_id": self.session.id,
                    "date": day,
                    "quantity": quantity,
                }
            )
        )

    def extras(self, engagement):
        return engagement.schedule_line_ids.filtered(lambda x: x.kind == "extras")

    def test_an_approved_extra_is_billed_as_approved_a_change_asks_again(self):
        engagement = self.make_programme(
            extras_policy="next_invoice", extras_approval=True
        )
        usage = self.log(engagement)
        usage._client_answer(True, self.client)
        self.assertRecordValues(
            usage,
            [
                {
                    "approval_state": "approved",
                    "approved_qty": 1,
                    "approved_price_unit": 80,
                    "approved_by_id": self.client.id,
                }
            ],
        )
        self.assertTrue(usage.date_approved)
        # the coach makes it 10 sessions after the client said yes to one
        usage.with_user(self.coach).write({"quantity": 10})
        self.assertEqual(usage.approval_state, "pending")
        self.assertFalse(usage.approved_by_id)
        self.assertFalse(self.extras(engagement), "nothing billed on the old answer")
        invoices = self.invoice_due(date(2026, 7, 31))
        self.assertFalse(
            invoices.invoice_line_ids.filtered(
                lambda aml: aml.accomp_schedule_line_id.kind == "extras"
            )
        )
        # the client approves the 10: 800 € HT, 960 € TTC, billed once
        usage._client_answer(True, self.client)
        self.assertEqual(usage.approved_qty, 10)
        invoice = self.invoice_due(date(2026, 8, 31))
        extras_lines = invoice.invoice_line_ids.filtered(
            lambda aml: aml.accomp_schedule_line_id.kind == "extras"
        )
        self.assertEqual(extras_lines.price_subtotal, 800)
        self.assertEqual(extras_lines.price_total, 960)

    def test_a_declined_extra_changed_is_asked_again(self):
        engagement = self.make_programme(
            extras_policy="next_invoice", extras_approval=True
        )
        usage = self.log(engagement)
        usage._client_answer(False, self.client)
        usage.with_user(self.coach).write({"quantity": 2})
        self.assertEqual(usage.approval_state, "pending")

    def test_a_huge_quantity_is_refused_per_entry(self):
        engagement = self.make_programme(extras_policy="end_of_cycle")
        for quantity in (1_000_000, 1e15, 101):
            with self.assertRaisesRegex(ValidationError, "at most 100 per entry"):
                self.log(engagement, quantity=quantity)
        usage = self.log(engagement, quantity=2)
        with self.assertRaisesRegex(ValidationError, "at most 100 per entry"):
            usage.with_user(self.coach).write({"quantity": 1_000_000})
        # through the coach's dialog too
        with self.assertRaisesRegex(ValidationError, "at most 100 per entry"):
            self.env["accomp.usage.log.wizard"].with_user(self.coach).create(
                {
                    "engagement_id": engagement.id,
                    "product_id": self.session.id,
                    "quantity": 500,
                    "date": date(2026, 6, 10),
                }
            ).action_log()
        # only the 2 sessions are to bill: 160 € HT
        self.assertEqual(sum(self.extras(engagement).mapped("amount")), 160)
        # a programme whose terms allow more takes more
        bigger = self.make_programme(extras_policy="end_of_cycle", usage_max_qty=500)
        self.assertEqual(self.log(bigger, quantity=500).billable_qty, 500)

    def test_an_extras_invoice_above_the_review_amount_is_held_for_review(self):
        engagement = self.make_programme(
            extras_policy="immediate", extras_review_amount=500
        )
        self.log(engagement, quantity=6)  # 480 € HT: below, posted and sent
        small = self.extras(engagement).invoice_id
        self.assertEqual((small.state, small.amount_untaxed), ("posted", 480))
        self.log(engagement, quantity=10)  # 800 € HT: above, kept as a draft
        big = self.extras(engagement).invoice_id - small
        self.assertEqual(
            (big.state, big.amount_untaxed, big.amount_total), ("draft", 800, 960)
        )
        self.assertFalse(big.sending_data)
        note = engagement.message_ids[0]
        self.assertIn("left as a draft", note.body)
        self.assertIn(self.manager.partner_id, note.partner_ids)

    def test_a_failing_instalment_shows_a_banner_and_tells_the_managers(self):
        engagement = self.make_programme(invoice_mode="auto_post")
        self.assertFalse(engagement.failure_message)
        # the client's invoice address cannot be invoiced: a closed fiscal year
        self.company.fiscalyear_lock_date = date(2026, 12, 31)
        self.invoice_due(date(2026, 2, 28))
        self.assertFalse(engagement.invoice_ids)
        self.assertIn("Billing failed", engagement.failure_message)
        failure = engagement.message_ids.filtered(
            lambda m: "Automatic invoicing failed" in (m.body or "")
        )
        self.assertEqual(len(failure), 1)
        self.assertIn(self.manager.partner_id, failure.partner_ids)
        # the next failing run does not notify again; the next success heals
        self.invoice_due(date(2026, 2, 28))
        again = engagement.message_ids.filtered(
            lambda m: "Automatic invoicing failed" in (m.body or "")
        )
        self.assertEqual(len(again), 2)
        self.assertFalse((again - failure).partner_ids)
        self.company.fiscalyear_lock_date = False
        self.invoice_due(date(2026, 2, 28))
        self.assertTrue(engagement.invoice_ids)
        engagement.invalidate_recordset(["failure_message"])
        self.assertFalse(engagement.failure_message)
