"""Who may do what: coaches see their own clients and change nothing about money."""

from datetime import date

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import freeze_time, new_test_user

from .common import AccompCase


class TestAccess(AccompCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.offer = cls.make_offer()
        cls.engagement = cls.make_engagement(cls.offer, user_id=cls.coach.id)
        cls.other_engagement = cls.make_engagement(
            cls.offer, user_id=cls.other_coach.id
        )

    def test_coach_sees_only_their_own_engagements_and_lines(self):
        Engagement = self.env["accomp.engagement"].with_user(self.coach)
        self.assertEqual(Engagement.search([]), self.engagement)
        lines = self.env["accomp.schedule.line"].with_user(self.coach).search([])
        self.assertEqual(lines, self.engagement.schedule_line_ids)
        with self.assertRaises(AccessError):
            self.other_engagement.with_user(self.coach).read(["partner_id"])
        coach_view = self.engagement.with_user(self.coach)
        self.assertEqual(
            (coach_view.amount_untaxed, coach_view.amount_total), (3000, 3600)
        )

    def test_coach_cannot_change_prices_schedule_or_invoice(self):
        engagement = self.engagement.with_user(self.coach)
        with self.assertRaises(AccessError):
            engagement.write({"price_total": 1})
        with self.assertRaises(AccessError):
            engagement.schedule_line_ids[0].write({"amount": 1})
        with self.assertRaises(AccessError):
            self.offer.with_user(self.coach).write({"amount_total": 1})
        with self.assertRaises(AccessError):
            self.env["accomp.offer"].with_user(self.coach).create(
                {"name": "X", "amount_total": 1}
            )
        with self.assertRaises(AccessError):
            engagement.action_invoice_now()
        draft = self.make_engagement(self.offer, confirm=False, user_id=self.coach.id)
        with self.assertRaises(AccessError):
            draft.with_user(self.coach).action_confirm()
        draft.with_user(self.manager).action_confirm()
        self.assertEqual(draft.schedule_line_ids.mapped("amount"), [500] * 6)

    def test_billing_manager_sees_all_and_invoices(self):
        manager = new_test_user(
            self.env,
            login="manager_chloe",
            groups="accomp_billing.group_accomp_manager",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        Engagement = self.env["accomp.engagement"].with_user(manager)
        self.assertEqual(Engagement.search([]), self.engagement | self.other_engagement)
        self.assertTrue(manager.has_group("account.group_account_invoice"))
        self.env["accomp.schedule.line"].with_user(manager)._invoice_due_lines(
            date_ref=date(2026, 1, 31), engagements=self.engagement.with_user(manager)
        )
        self.assertEqual(len(self.engagement.invoice_ids), 1)

    def test_engagements_of_another_company_are_invisible(self):
        other = self.setup_other_company()["company"]
        offer = self.make_offer(company_id=other.id, currency_id=other.currency_id.id)
        foreign = self.env["accomp.engagement"].create(
            {
                "partner_id": self.client.id,
                "offer_id": offer.id,
                "company_id": other.id,
                "date_start": date(2026, 1, 1),
            }
        )
        manager = new_test_user(
            self.env,
            login="manager_dan",
            groups="accomp_billing.group_accomp_manager",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        visible = self.env["accomp.engagement"].with_user(manager).search([])
        self.assertNotIn(foreign, visible)
        self.assertIn(self.engagement, visible)


@freeze_time("2026-04-10 09:00:00")
class TestAccessMatrix(AccompCase):
    """Coach vs other coach vs accountant vs billing manager: every forbidden
    write raises AccessError, server side."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.session = cls.env["product.product"].create(
            {"name": "Séance", "type": "service", "list_price": 100}
        )
        offer = cls.make_offer(
            billing_model="milestones",
            invoice_mode="review",
            milestone_template_ids=[
                Command.create({"name": "Diagnostic", "percent": 50}),
                Command.create({"name": "Bilan", "percent": 50}),
            ],
            allowance_ids=[
                Command.create({"product_id": cls.session.id, "included_qty": 1})
            ],
        )
        cls.engagement = cls.make_engagement(offer, user_id=cls.coach.id)
        cls.other_engagement = cls.make_engagement(offer, user_id=cls.other_coach.id)

    def log(self, user, engagement, quantity=1):
        return (
            self.env["accomp.usage"]
            .with_user(user)
            .create(
                {
                    "engagement_id": engagement.id,
                    "product_id": self.session.id,
                    "date": date(2026, 4, 1),
                    "quantity": quantity,
                }
            )
        )

    def test_coach_marks_done_and_logs_on_their_own_engagement(self):
        self.engagement.milestone_ids[0].with_user(self.coach).action_done()
        usage = self.log(self.coach, self.engagement, quantity=2)
        usage.with_user(self.coach).description = "Séance en visio"
        self.assertEqual(usage.billable_qty, 1)
        # the engagement's inline list goes through the engagement
        self.engagement.with_user(self.coach).write(
            {
                "usage_ids": [
                    Command.create(
                        {"product_id": self.session.id, "date": date(2026, 4, 2)}
                    )
                ]
            }
        )
        self.assertEqual(len(self.engagement.usage_ids), 2)
        self.assertEqual(len(self.engagement.invoice_ids), 1)
        invoice = self.engagement.invoice_ids.with_user(self.coach)
        self.assertEqual(invoice.amount_untaxed, 1500)  # they can read it
        # the smart button opens views a coach can load without accounting rights
        self.engagement.milestone_ids[1].action_done()
        action = self.engagement.with_user(self.coach).action_view_invoices()
        Move = self.env["account.move"].with_user(self.coach)
        result = Move.get_views(action["views"])
        fields = result["models"]["account.move"]["fields"]
        records = Move.web_search_read(
            action["domain"],
            {fname: {} for fname in fields if fname != "invoice_line_ids"},
        )["records"]
        self.assertEqual(len(records), 2)
        # the second phase also bills the two extra sessions (next invoice policy)
        self.assertEqual(sum(r["amount_untaxed"] for r in records), 3000 + 200)

    def test_coach_cannot_touch_another_coachs_engagement(self):
        milestone = self.other_engagement.milestone_ids[0].with_user(self.coach)
        with self.assertRaises(AccessError):
            milestone.action_done()
        with self.assertRaises(AccessError):
            self.log(self.coach, self.other_engagement)
        self.other_engagement.milestone_ids[0].action_done()
        with self.assertRaises(AccessError):
            self.other_engagement.invoice_ids.with_user(self.coach).read(["name"])
        other_usage = self.log(self.other_coach, self.other_engagement)
        with self.assertRaises(AccessError):
            other_usage.with_user(self.coach).write({"quantity": 5})
        with self.assertRaises(AccessError):
            other_usage.with_user(self.coach).unlink()
        # their own coach may: one session is included, the second is an extra
        other_usage.with_user(self.other_coach).write({"quantity": 2})
        self.assertEqual(
            (other_usage.included_qty, other_usage.billable_qty), (1.0, 1.0)
        )

    def test_coach_cannot_change_money_or_post_anything(self):
        coach_engagement = self.engagement.with_user(self.coach)
        for vals in (
            {"price_total": 1},
            {"state": "done"},
            {"user_id": self.other_coach.id},
            {"payment_token_id": False, "notice_days": 0},
        ):
            with self.assertRaises(AccessError):
                coach_engagement.write(vals)
        for method in ("action_suspend", "action_cancel", "action_invoice_now"):
            with self.assertRaises(AccessError):
                getattr(coach_engagement, method)()
        with self.assertRaises(AccessError):
            coach_engagement.allowance_ids.write({"included_qty": 10})
        with self.assertRaises(AccessError):
            coach_engagement.schedule_line_ids[0].write({"amount": 1})
        usage = self.log(self.coach, self.engagement, quantity=3)
        for vals in ({"price_unit": 1}, {"billable_qty": 0}, {"state": "billed"}):
            with self.assertRaises(AccessError):
                usage.with_user(self.coach).write(vals)
        self.engagement.milestone_ids[0].with_user(self.coach).action_done()
        draft = self.engagement.invoice_ids.with_user(self.coach)
        self.assertEqual(draft.state, "draft")
        with self.assertRaises(AccessError):
            draft.action_post()
        with self.assertRaises(AccessError):
            draft.button_cancel()
        with self.assertRaises(AccessError):
            draft.write({"invoice_date": date(2026, 1, 1)})
        # extras are priced from the product, not by the coach
        self.assertEqual((usage.billable_qty, usage.price_unit), (2.0, 100))

    def test_accountant_reviews_and_posts_but_changes_no_programme(self):
        self.engagement.milestone_ids[0].with_user(self.coach).action_done()
        engagement = self.engagement.with_user(self.accountant)
        self.assertEqual(engagement.amount_total, 3600)  # can read every programme
        self.assertEqual(
            self.env["accomp.engagement"].with_user(self.accountant).search([]),
            self.engagement | self.other_engagement,
        )
        with self.assertRaises(AccessError):
            engagement.write({"price_total": 1})
        with self.assertRaises(AccessError):
            engagement.milestone_ids[1].action_done()
        with self.assertRaises(AccessError):
            self.log(self.accountant, self.engagement)
        with self.assertRaises(AccessError):
            engagement.action_confirm()
        draft = engagement.invoice_ids
        draft.action_post()
        self.assertEqual(draft.state, "posted")

    def test_billing_manager_can_do_everything(self):
        manager = self.manager
        engagement = self.other_engagement.with_user(manager)
        engagement.milestone_ids[0].action_done()
        engagement.allowance_ids.included_qty = 3
        self.log(manager, self.other_engagement, quantity=2)
        engagement.milestone_ids[0].action_reset()
        engagement.action_suspend()
        self.assertEqual(self.other_engagement.state, "suspended")
        self.assertEqual(self.other_engagement.allowance_ids.remaining_qty, 1)
