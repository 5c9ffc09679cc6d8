"""Engagements: confirmation, schedules of every billing model, validation."""

from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form

from .common import AccompCase


class TestEngagement(AccompCase):
    def test_confirm_builds_the_six_instalments_from_31_january(self):
        offer = self.make_offer()
        engagement = self.make_engagement(offer, confirm=False)
        self.assertEqual(engagement.state, "draft")
        self.assertRegex(engagement.name, r"^ACC/2026/\d{4}$")
        # the schedule is previewed before confirmation
        self.assertIn("Instalment 2/6", engagement.schedule_preview)
        self.assertIn("02/28/2026", engagement.schedule_preview)
        self.assertFalse(engagement.schedule_line_ids)

        engagement.action_confirm()
        self.assertEqual(engagement.state, "active")
        self.assertEqual(
            self.schedule(engagement),
            [
                ("instalment", date(2026, 1, 31), 500),
                ("instalment", date(2026, 2, 28), 500),
                ("instalment", date(2026, 3, 31), 500),
                ("instalment", date(2026, 4, 30), 500),
                ("instalment", date(2026, 5, 31), 500),
                ("instalment", date(2026, 6, 30), 500),
            ],
        )
        self.assertEqual(
            (engagement.amount_untaxed, engagement.amount_tax, engagement.amount_total),
            (3000, 600, 3600),
        )
        self.assertEqual(engagement.date_end, date(2026, 7, 30))
        self.assertEqual(engagement.next_date_due, date(2026, 1, 31))
        self.assertFalse(engagement.schedule_preview)

    def test_upfront_deposit_milestones_and_subscription_schedules(self):
        upfront = self.make_engagement(
            self.make_offer(billing_model="upfront", deposit_percent=30)
        )
        self.assertEqual(
            self.schedule(upfront), [("instalment", date(2026, 1, 31), 3000)]
        )

        deposit = self.make_engagement(
            self.make_offer(deposit_percent=30, instalment_count=5)
        )
        self.assertEqual(
            [(kind, amount) for kind, _due, amount in self.schedule(deposit)],
            [("deposit", 900)] + [("instalment", 420)] * 5,
        )

        milestones = self.make_engagement(
            self.make_offer(
                billing_model="milestones",
                amount_total=4500,
                milestone_template_ids=[
                    Command.create(
                        {"name": "Diagnostic", "sequence": 1, "percent": 30}
                    ),
                    Command.create(
                        {"name": "Mise en œuvre", "sequence": 2, "percent": 40}
                    ),
                    Command.create({"name": "Bilan", "sequence": 3, "percent": 30}),
                ],
            )
        )
        self.assertEqual(
            self.schedule(milestones),
            [
                ("milestone", False, 1350),
                ("milestone", False, 1800),
                ("milestone", False, 1350),
            ],
        )
        self.assertEqual(
            milestones.milestone_ids.mapped("name"),
            ["Diagnostic", "Mise en œuvre", "Bilan"],
        )
        self.assertEqual(milestones.milestone_ids.mapped("amount"), [1350, 1800, 1350])
        self.assertEqual(
            milestones.schedule_line_ids.mapped("name")[1],
            "Milestone 2/3: Mise en œuvre",
        )

        subscription = self.make_engagement(
            self.make_offer(
                billing_model="subscription", recurring_amount=400, commitment_months=6
            )
        )
        self.assertEqual(len(subscription.schedule_line_ids), 6)
        self.assertEqual(subscription.amount_untaxed, 2400)
        self.assertEqual(subscription.amount_total, 2880)
        self.assertEqual(subscription.commitment_end_date, date(2026, 7, 30))
        self.assertFalse(subscription.date_end)

    def test_a_zero_percent_milestone_is_a_progress_step_without_a_line(self):
        engagement = self.make_engagement(
            self.make_offer(
                billing_model="milestones",
                amount_total=1000,
                milestone_template_ids=[
                    Command.create({"name": "Kick-off", "sequence": 1, "percent": 0}),
                    Command.create(
                        {"name": "Diagnostic", "sequence": 2, "percent": 60}
                    ),
                    Command.create({"name": "Bilan", "sequence": 3, "percent": 40}),
                ],
            )
        )
        self.assertEqual(len(engagement.milestone_ids), 3)
        self.assertEqual(engagement.milestone_ids.mapped("amount"), [0, 600, 400])
        self.assertEqual(
            engagement.schedule_line_ids.milestone_id, engagement.milestone_ids[1:]
        )
        self.assertEqual(engagement.amount_untaxed, 1000)
        self.assertEqual(engagement.amount_total, 1200)

    def test_quarterly_and_semiannual_cycles(self):
        quarterly = self.make_engagement(
            self.make_offer(
                billing_cycle="quarterly", amount_total=6000, instalment_count=4
            ),
            date_start=date(2026, 1, 1),
        )
        self.assertEqual(
            [due for _kind, due, _amount in self.schedule(quarterly)],
            [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)],
        )
        self.assertEqual(
            quarterly.schedule_line_ids.mapped("period_end")[0], date(2026, 3, 31)
        )
        semiannual = self.make_engagement(
            self.make_offer(
                billing_cycle="semiannual", amount_total=4800, instalment_count=2
            ),
            date_start=date(2026, 8, 31),
        )
        self.assertEqual(
            self.schedule(semiannual),
            [
                ("instalment", date(2026, 8, 31), 2400),
                ("instalment", date(2027, 2, 28), 2400),
            ],
        )

    def test_amounts_always_sum_to_the_price(self):
        engagement = self.make_engagement(
            self.make_offer(amount_total=1000, instalment_count=3, deposit_percent=12.5)
        )
        amounts = [amount for _kind, _due, amount in self.schedule(engagement)]
        self.assertEqual(amounts, [125, 291.67, 291.67, 291.66])
        self.assertAlmostEqual(sum(amounts), 1000, places=6)
        # stated excl. VAT: the untaxed parts sum to the price; each invoice
        # rounds its own VAT (291.67 -> 350.00, 291.66 -> 349.99)
        self.assertEqual(engagement.amount_untaxed, 1000)
        self.assertEqual(
            engagement.schedule_line_ids.mapped("amount_total"),
            [150, 350, 350, 349.99],
        )
        self.assertEqual(engagement.amount_total, 1199.99)

    def test_editing_the_offer_never_changes_a_sold_engagement(self):
        offer = self.make_offer()
        engagement = self.make_engagement(offer)
        draft = self.make_engagement(offer, confirm=False)
        offer.write(
            {"amount_total": 9000, "instalment_count": 2, "billing_cycle": "quarterly"}
        )
        self.assertEqual(
            (
                engagement.price_total,
                engagement.instalment_count,
                engagement.billing_cycle,
            ),
            (3000, 6, "monthly"),
        )
        self.assertEqual(sum(engagement.schedule_line_ids.mapped("amount")), 3000)
        # a draft keeps what it copied too, until its offer is chosen again
        self.assertEqual(draft.price_total, 3000)
        with self.assertRaisesRegex(UserError, "can no longer change"):
            engagement.price_total = 1
        with self.assertRaisesRegex(UserError, "can no longer change"):
            engagement.date_start = date(2026, 2, 1)

    def test_form_copies_the_offer_terms_and_allows_negotiation_in_draft(self):
        offer = self.make_offer(deposit_percent=30, instalment_count=5)
        with Form(self.env["accomp.engagement"]) as form:
            form.partner_id = self.client
            form.offer_id = offer
            form.date_start = date(2026, 3, 1)
            self.assertEqual(form.price_total, 3000)
            self.assertEqual(form.deposit_percent, 30)
            form.price_total = 2500
        engagement = form.record
        engagement.action_confirm()
        self.assertEqual(engagement.schedule_line_ids[0].amount, 750)
        self.assertEqual(engagement.amount_untaxed, 2500)
        self.assertEqual(engagement.amount_total, 3000)

    # ------------------------------------------------------------------
    # Bad input: a clear error and nothing written
    # ------------------------------------------------------------------
    def assertConfirmRefused(self, engagement, message):
        with self.assertRaisesRegex(UserError, message):
            engagement.action_confirm()

    def test_bad_offers_are_refused(self):
        cases = [
            ({"amount_total": 0}, "price of the programme must be positive"),
            ({"amount_total": -100}, "price of the programme must be positive"),
            (
                {"deposit_percent": 100},
                "deposit must be at least 0% and less than 100%",
            ),
            ({"deposit_percent": -1}, "deposit must be at least 0% and less than 100%"),
            ({"instalment_count": 0}, "at least one instalment"),
            (
                {"billing_model": "subscription", "recurring_amount": 0},
                "amount per period",
            ),
            (
                {
                    "billing_model": "milestones",
                    "milestone_template_ids": [
                        Command.create({"name": "A", "percent": 30}),
                        Command.create({"name": "B", "percent": 40}),
                    ],
                },
                "add up to 70.0%, not 100%",
            ),
        ]
        for vals, message in cases:
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(ValidationError, message),
                self.env.cr.savepoint(),
            ):
                self.make_offer(**vals)
        self.assertFalse(
            self.env["accomp.offer"].search([("name", "=", "Programme Envol")])
        )

    def test_bad_engagements_are_refused_without_writing(self):
        offer = self.make_offer()
        self.assertConfirmRefused(
            self.make_engagement(offer, date_start=False, confirm=False),
            "set the start date",
        )
        engagement = self.make_engagement(offer, confirm=False)
        with (
            self.assertRaisesRegex(
                ValidationError, "price of the programme must be positive"
            ),
            self.env.cr.savepoint(),
        ):
            engagement.price_total = 0
        other_currency = self.setup_other_currency("EUR")
        with (
            self.assertRaisesRegex(ValidationError, "priced in"),
            self.env.cr.savepoint(),
        ):
            engagement.currency_id = other_currency
        engagement.action_confirm()
        with self.assertRaisesRegex(UserError, "already confirmed"):
            engagement.action_confirm()

    def test_french_error_messages(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["accomp_billing"], ["fr_FR"], overwrite=True
        )
        offer = self.make_offer()
        engagement = self.make_engagement(offer, date_start=False, confirm=False)
        with self.assertRaisesRegex(UserError, "date de début"):
            engagement.with_context(lang="fr_FR").action_confirm()
