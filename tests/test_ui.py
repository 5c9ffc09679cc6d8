from datetime import date

from odoo.tests import HttpCase


class TestUi(HttpCase):
    def test_menu_tour(self):
        """The real web client loads in Chromium and the Programmes app opens."""
        self.start_tour("/odoo", "accomp_billing_menu_tour", login="admin")

    def test_confirm_engagement_tour(self):
        """A billing manager previews, confirms and sees the schedule (browser)."""
        offer = self.env["accomp.offer"].create(
            {
                "name": "Programme Envol",
                "billing_model": "instalments",
                "amount_total": 3000,
            }
        )
        partner = self.env["res.partner"].create({"name": "Tour client"})
        engagement = self.env["accomp.engagement"].create(
            {
                "partner_id": partner.id,
                "offer_id": offer.id,
                "date_start": date(2026, 1, 31),
            }
        )
        self.start_tour(
            "/odoo/action-accomp_billing.accomp_engagement_action",
            "accomp_billing_engagement_tour",
            login="admin",
        )
        self.assertEqual(engagement.state, "active")
        self.assertEqual(len(engagement.schedule_line_ids), 6)
        self.assertEqual(sum(engagement.schedule_line_ids.mapped("amount")), 3000)
