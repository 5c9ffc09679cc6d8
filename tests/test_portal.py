"""The client's side: their programmes in the portal, another client's refused,
the e-mail's token link working without an account, paying from the page."""

import re
from datetime import date

from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user

from .common import AccompCase


class TestPortal(AccompCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.email = "claire.martin@example.com"
        cls.portal_user = new_test_user(
            cls.env,
            login="claire_portal",
            password="claire_portal",
            groups="base.group_portal",
            partner_id=cls.client.id,
        )
        session = cls.env["product.product"].create(
            {"name": "Séance individuelle", "type": "service", "list_price": 150}
        )
        offer = cls.make_offer(
            allowance_ids=[
                Command.create({"product_id": session.id, "included_qty": 4})
            ]
        )
        cls.engagement = cls.make_engagement(offer, date_start=date(2026, 1, 31))
        cls.env["accomp.schedule.line"]._invoice_due_lines(date_ref=date(2026, 1, 31))
        other = cls.env["res.partner"].create({"name": "Bob Durand"})
        cls.other = cls.make_engagement(offer, partner_id=other.id)

    def test_the_client_sees_their_programmes_only(self):
        self.authenticate("claire_portal", "claire_portal")
        page = self.url_open("/my/programmes").text
        self.assertIn(self.engagement.name, page)
        self.assertNotIn(self.other.name, page)
        detail = self.url_open(f"/my/programmes/{self.engagement.id}")
        self.assertEqual(detail.status_code, 200)
        self.assertIn("Instalment 1/6", detail.text)
        self.assertIn("Séance individuelle", detail.text)
        self.assertIn(self.engagement.invoice_ids.get_portal_url(), detail.text)
        # another client's programme: back to the portal home
        refused = self.url_open(f"/my/programmes/{self.other.id}")
        self.assertTrue(refused.url.endswith("/my"), refused.url)
        self.assertNotIn(self.other.name, refused.text)

    def test_the_emailed_link_works_without_an_account(self):
        url = self.engagement.get_portal_url()  # carries the access token
        self.assertIn("access_token=", url)
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Instalment 1/6", page.text)
        # without the token, an anonymous visitor is sent to log in
        anonymous = self.url_open(f"/my/programmes/{self.engagement.id}")
        self.assertNotIn("Instalment 1/6", anonymous.text)

    def test_the_client_can_stop_the_automatic_debit(self):
        provider = self.env.ref("payment.payment_provider_demo").sudo()
        provider.write({"state": "test", "company_id": self.company.id})
        self.engagement.payment_token_id = (
            self.env["payment.token"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": self.env.ref(
                        "payment_demo.payment_method_demo"
                    ).id,
                    "partner_id": self.client.id,
                    "provider_ref": "portal-demo",
                    "payment_details": "4242",
                }
            )
        )
        self.authenticate("claire_portal", "claire_portal")
        page = self.url_open(f"/my/programmes/{self.engagement.id}").text
        self.assertIn("Stop the automatic debit", page)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        self.url_open(
            f"/my/programmes/{self.engagement.id}/payment_method/remove",
            data={"csrf_token": csrf},
        )
        self.assertFalse(self.engagement.payment_token_id)

    def test_portal_tour_from_home_to_payment(self):
        self.start_tour("/my", "accomp_billing_portal_tour", login="claire_portal")
