from datetime import date

from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestUi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.coach = new_test_user(
            cls.env,
            login="coach_tour",
            name="Camille Coach",
            groups="accomp_billing.group_accomp_coach",
        )
        cls.session_product = cls.env["product.product"].create(
            {
                "name": "Séance individuelle",
                "type": "service",
                "list_price": 150,
                "taxes_id": [Command.clear()],
            }
        )

    def make_engagement(self, client_name, confirm=True, **offer_vals):
        offer = self.env["accomp.offer"].create(
            {
                "name": "Programme Envol",
                "billing_model": "instalments",
                "amount_total": 3000,
                **offer_vals,
            }
        )
        engagement = self.env["accomp.engagement"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": client_name}).id,
                "offer_id": offer.id,
                "date_start": date(2026, 1, 31),
                "user_id": self.coach.id,
            }
        )
        if confirm:
            engagement.action_confirm()
        return engagement

    def test_menu_tour(self):
        """The real web client loads in Chromium and the Programmes app opens."""
        self.start_tour("/odoo", "accomp_billing_menu_tour", login="admin")

    def test_confirm_engagement_tour(self):
        """A billing manager previews, confirms and sees the schedule (browser)."""
        engagement = self.make_engagement("Tour client", confirm=False)
        self.start_tour(
            "/odoo/action-accomp_billing.accomp_engagement_action",
            "accomp_billing_engagement_tour",
            login="admin",
        )
        self.assertEqual(engagement.state, "active")
        self.assertEqual(len(engagement.schedule_line_ids), 6)
        self.assertEqual(sum(engagement.schedule_line_ids.mapped("amount")), 3000)

    def test_coach_marks_a_milestone_done_tour(self):
        """A coach, in the browser, marks a phase done: the client's invoice exists
        with the phase's amount."""
        engagement = self.make_engagement(
            "Milestone client",
            billing_model="milestones",
            milestone_template_ids=[
                Command.create({"name": "Diagnostic", "percent": 40, "sequence": 1}),
                Command.create({"name": "Bilan", "percent": 60, "sequence": 2}),
            ],
        )
        self.start_tour(
            "/odoo/action-accomp_billing.accomp_engagement_action",
            "accomp_billing_coach_milestone_tour",
            login="coach_tour",
        )
        first = engagement.milestone_ids[0]
        self.assertEqual((first.state, first.done_by_id), ("done", self.coach))
        self.assertRecordValues(
            engagement.invoice_ids,
            [
                {
                    "state": "posted",
                    "amount_untaxed": 1200,
                    "partner_id": engagement.partner_id.id,
                }
            ],
        )

    def test_coach_logs_sessions_tour(self):
        """A coach logs three sessions where two are included: one extra is billed
        at the product's price."""
        engagement = self.make_engagement(
            "Sessions client",
            extras_policy="immediate",
            allowance_ids=[
                Command.create(
                    {"product_id": self.session_product.id, "included_qty": 2}
                )
            ],
        )
        self.start_tour(
            "/odoo/action-accomp_billing.accomp_engagement_action",
            "accomp_billing_coach_usage_tour",
            login="coach_tour",
        )
        self.assertEqual(len(engagement.usage_ids), 3)
        self.assertEqual(
            sorted(engagement.usage_ids.mapped("state")),
            ["billed", "included", "included"],
        )
        invoice = engagement.invoice_ids
        self.assertRecordValues(
            invoice.invoice_line_ids,
            [{"product_id": self.session_product.id, "quantity": 1, "price_unit": 150}],
        )
        self.assertEqual(invoice.state, "posted")

    def test_accountant_posts_a_reviewed_draft_tour(self):
        accountant = new_test_user(
            self.env,
            login="accountant_tour",
            groups="account.group_account_invoice",
        )
        engagement = self.make_engagement("Review client", invoice_mode="review")
        draft = self.env["accomp.schedule.line"]._invoice_due_lines(
            date_ref=date(2026, 1, 31), engagements=engagement
        )
        self.assertEqual(draft.state, "draft")
        self.start_tour(
            "/odoo/action-accomp_billing.account_move_action_accomp_review",
            "accomp_billing_review_tour",
            login=accountant.login,
        )
        self.assertEqual(draft.state, "posted")
        self.assertTrue(draft.name.startswith("INV/"))
