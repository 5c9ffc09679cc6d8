"""Who may do what: coaches see their own clients and change nothing about money."""

from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .common import AccompCase


class TestAccess(AccompCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.coach = new_test_user(
            cls.env, login="coach_anne", groups="accomp_billing.group_accomp_coach"
        )
        cls.other_coach = new_test_user(
            cls.env, login="coach_bruno", groups="accomp_billing.group_accomp_coach"
        )
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
        self.assertEqual(self.engagement.with_user(self.coach).amount_total, 3000)

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
        self.assertFalse(draft.schedule_line_ids)
        self.assertFalse(self.engagement.invoice_ids)
        self.assertEqual(self.engagement.schedule_line_ids[0].amount, 500)

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
