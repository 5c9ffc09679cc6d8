"""The client's side: their programmes in the portal, another client's refused,
the e-mail's token link working without an account, paying from the page."""

import re
from datetime import date

from odoo.fields import Command
from odoo.tests import HttpCase, freeze_time, new_test_user

from .common import AccompCase


class PortalCase(AccompCase, HttpCase):
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
        cls.session_product = cls.env["product.product"].create(
            {
                "name": "Séance individuelle",
                "type": "service",
                "list_price": 150,
                "taxes_id": [Command.set(cls.vat20.ids)],
            }
        )
        offer = cls.make_offer(
            name="Parcours Transformation",
            billing_model="milestones",
            deposit_percent=30,
            extras_policy="immediate",
            extras_approval=True,
            milestone_signoff=True,
            signoff_days=7,
            milestone_template_ids=[
                Command.create({"name": "Diagnostic", "percent": 50}),
                Command.create({"name": "Bilan", "percent": 50}),
            ],
            allowance_ids=[
                Command.create(
                    {"product_id": cls.session_product.id, "included_qty": 0}
                )
            ],
        )
        cls.engagement = cls.make_engagement(
            offer, date_start=date(2026, 1, 31), user_id=cls.coach.id
        )
        cls.env["accomp.schedule.line"]._invoice_due_lines(date_ref=date(2026, 1, 31))
        other = cls.env["res.partner"].create({"name": "Bob Durand"})
        cls.other = cls.make_engagement(offer, partner_id=other.id)

    def make_token(self, partner, reference, details="4242"):
        """A saved payment method of ``partner`` (Odoo's demo provider)."""
        provider = self.env.ref("payment.payment_provider_demo").sudo()
        provider.write({"state": "test", "company_id": self.company.id})
        return (
            self.env["payment.token"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": self.env.ref(
                        "payment_demo.payment_method_demo"
                    ).id,
                    "partner_id": partner.id,
                    "provider_ref": reference,
                    "payment_details": details,
                }
            )
        )

    def extras_lines(self):
        return self.engagement.schedule_line_ids.filtered(lambda x: x.kind == "extras")

    def log_extra(self):
        return (
            self.env["accomp.usage"]
            .with_user(self.coach)
            .create(
                {
                    "engagement_id": self.engagement.id,
                    "product_id": self.session_product.id,
                    "date": date(2026, 2, 10),
                }
            )
        )

    def post(self, path):
        page = self.url_open(f"/my/programmes/{self.engagement.id}").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return self.url_open(path, data={"csrf_token": csrf})


class TestPortal(PortalCase):
    def test_the_client_sees_their_programmes_only(self):
        self.authenticate("claire_portal", "claire_portal")
        page = self.url_open("/my/programmes").text
        self.assertIn(self.engagement.name, page)
        self.assertNotIn(self.other.name, page)
        detail = self.url_open(f"/my/programmes/{self.engagement.id}")
        self.assertEqual(detail.status_code, 200)
        self.assertIn("Deposit", detail.text)
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
        self.assertIn("Deposit", page.text)
        # without the token, an anonymous visitor is sent to log in
        anonymous = self.url_open(f"/my/programmes/{self.engagement.id}")
        self.assertNotIn("Deposit", anonymous.text)

    def test_the_client_can_stop_the_automatic_debit(self):
        self.engagement.payment_token_id = self.make_token(self.client, "portal-demo")
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
        self.engagement.milestone_ids.sorted()[0].with_user(self.coach).action_done()
        self.log_extra()
        card = self.make_token(self.client, "portal-tour")
        self.start_tour("/my", "accomp_billing_portal_tour", login="claire_portal")
        self.assertEqual(self.engagement.payment_token_id, card)
        self.assertEqual(self.engagement.usage_ids.approval_state, "approved")
        self.assertEqual(
            self.engagement.milestone_ids.sorted()[0].signoff_state, "accepted"
        )

    @freeze_time("2026-02-10 10:00:00")
    def test_an_extra_waits_for_the_client_approved_is_billed(self):
        usage = self.log_extra()
        self.assertEqual(usage.approval_state, "pending")
        self.assertFalse(self.extras_lines(), "nothing billed before approval")
        self.authenticate("claire_portal", "claire_portal")
        self.post(f"/my/programmes/{self.engagement.id}/extras/{usage.id}/approve")
        self.assertEqual(
            (usage.approval_state, usage.approved_by_id), ("approved", self.client)
        )
        self.assertEqual(self.extras_lines().invoice_id.amount_untaxed, 150)
        self.assertIn("approved", self.engagement.message_ids[0].body)

    @freeze_time("2026-02-10 10:00:00")
    def test_a_declined_extra_is_not_billed(self):
        usage = self.log_extra()
        self.authenticate("claire_portal", "claire_portal")
        self.post(f"/my/programmes/{self.engagement.id}/extras/{usage.id}/decline")
        self.assertEqual(usage.approval_state, "declined")
        self.assertFalse(self.extras_lines())
        self.env["accomp.schedule.line"]._invoice_due_lines(date_ref=date(2026, 3, 1))
        self.assertFalse(self.extras_lines())

    @freeze_time("2026-02-10 10:00:00")
    def test_a_done_phase_is_invoiced_once_signed_off(self):
        phase = self.engagement.milestone_ids.sorted()[0]
        phase.with_user(self.coach).action_done()
        self.assertEqual(phase.signoff_state, "waiting")
        self.assertFalse(phase.invoice_id, "not invoiced before the sign-off")
        self.authenticate("claire_portal", "claire_portal")
        self.post(f"/my/programmes/{self.engagement.id}/milestones/{phase.id}/sign")
        self.assertRecordValues(
            phase,
            [
                {
                    "signoff_state": "accepted",
                    "accepted_by_id": self.client.id,
                    "date_accepted": date(2026, 2, 10),
                }
            ],
        )
        self.assertEqual(phase.invoice_id.amount_untaxed, 1050)  # 50 % of 2 100

    def test_a_phase_not_signed_off_is_accepted_after_the_delay(self):
        phase = self.engagement.milestone_ids.sorted()[0]
        with freeze_time("2026-02-10 10:00:00"):
            phase.action_done()
        with freeze_time("2026-02-16 10:00:00"):
            self.env["accomp.milestone"]._accept_expired_signoffs()
        self.assertEqual(phase.signoff_state, "waiting")  # 6 days: not yet
        with freeze_time("2026-02-17 10:00:00"):
            self.env["accomp.milestone"]._accept_expired_signoffs()
        self.assertEqual(phase.signoff_state, "accepted")
        self.assertFalse(phase.accepted_by_id)
        self.assertEqual(phase.invoice_id.invoice_date, date(2026, 2, 17))


class TestPortalAnswersAreTheClients(PortalCase):
    """Consent is the client's: staff who can read the programme, another
    client, or a link to a programme not sold answer nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.engagement._portal_ensure_token()

    def post_as(self, login, path, **data):
        self.authenticate(login, login)
        return self.post(path, **data)

    def post(self, path, **data):
        """POST ``path`` with this session's CSRF token (read from the page's
        script: a visitor who may not answer is shown no form)."""
        page = self.url_open(
            f"/my/programmes/{self.engagement.id}"
            f"?access_token={self.engagement._portal_ensure_token()}"
        ).text
        csrf = re.search(r'csrf_token: "([^"]+)"', page).group(1)
        return self.url_open(path, data={"csrf_token": csrf, **data})

    @freeze_time("2026-02-10 10:00:00")
    def test_staff_cannot_approve_sign_or_stop_the_debit_for_the_client(self):
        usage = self.log_extra()
        phase = self.engagement.milestone_ids.sorted()[0]
        phase.with_user(self.coach).action_done()
        token = self.make_token(self.client, "staff-attack")
        self.engagement.payment_token_id = token
        base = f"/my/programmes/{self.engagement.id}"
        for login in ("coach_anne", "accountant_eve"):
            # they can read the programme in the portal ...
            self.authenticate(login, login)
            page = self.url_open(base)
            self.assertEqual(page.status_code, 200)
            self.assertNotIn("o_accomp_approve", page.text)
            self.assertNotIn("o_accomp_sign", page.text)
            # ... but not answer for the client, even with the e-mail's token
            for path in (
                f"{base}/extras/{usage.id}/approve",
                f"{base}/milestones/{phase.id}/sign",
                f"{base}/payment_method/remove",
            ):
                response = self.post_as(
                    login, path, access_token=self.engagement.access_token
                )
                self.assertEqual(response.status_code, 403, (login, path))
        self.assertEqual(usage.approval_state, "pending")
        self.assertFalse(usage.approved_by_id)
        self.assertFalse(self.extras_lines())
        self.assertEqual(phase.signoff_state, "waiting")
        self.assertFalse(phase.invoice_id)
        self.assertEqual(self.engagement.payment_token_id, token)
        # the client does
        response = self.post_as("claire_portal", f"{base}/extras/{usage.id}/approve")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            (usage.approval_state, usage.approved_by_id), ("approved", self.client)
        )
        self.assertEqual(self.extras_lines().invoice_id.amount_total, 180)

    @freeze_time("2026-02-10 10:00:00")
    def test_another_client_cannot_answer_even_with_the_link(self):
        usage = self.log_extra()
        new_test_user(
            self.env,
            login="bob_portal",
            groups="base.group_portal",
            partner_id=self.other.partner_id.id,
        )
        response = self.post_as(
            "bob_portal",
            f"/my/programmes/{self.engagement.id}/extras/{usage.id}/approve",
            access_token=self.engagement.access_token,
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(usage.approval_state, "pending")
        # an anonymous visitor with the e-mail's link answers as the client
        self.authenticate(None, None)
        response = self.post(
            f"/my/programmes/{self.engagement.id}/extras/{usage.id}/approve",
            access_token=self.engagement.access_token,
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            (usage.approval_state, usage.approved_by_id), ("approved", self.client)
        )
        # and a wrong token answers nothing
        usage2 = self.log_extra()
        response = self.post(
            f"/my/programmes/{self.engagement.id}/extras/{usage2.id}/approve",
            access_token="not-the-token",
        )
        self.assertIn(response.status_code, (403, 404))
        self.assertEqual(usage2.approval_state, "pending")

    @freeze_time("2026-02-10 10:00:00")
    def test_links_to_drafts_and_cancelled_programmes_show_and_sign_nothing(self):
        offer = self.engagement.offer_id
        draft = self.make_engagement(offer, confirm=False)
        later = self.make_engagement(offer, date_start=date(2026, 6, 1))
        phase = later.milestone_ids.sorted()[0]
        phase.action_done()
        self.assertEqual(phase.signoff_state, "waiting")
        later.action_cancel()
        for engagement in (draft, later):
            page = self.url_open(engagement.get_portal_url())
            self.assertNotIn(engagement.name, page.text)
        self.authenticate("claire_portal", "claire_portal")
        self.assertNotIn(later.name, self.url_open("/my/programmes").text)
        csrf = re.search(
            r'csrf_token: "([^"]+)"',
            self.url_open(f"/my/programmes/{self.engagement.id}").text,
        ).group(1)
        response = self.url_open(
            f"/my/programmes/{later.id}/milestones/{phase.id}/sign",
            data={"csrf_token": csrf, "access_token": later.access_token},
        )
        self.assertEqual(response.status_code, 404)
        # nor can the scheduler accept it: nothing to invoice on a cancelled one
        messages = len(later.message_ids)
        with freeze_time("2026-03-10 10:00:00"):
            self.env["accomp.milestone"]._accept_expired_signoffs()
        self.assertEqual(phase.signoff_state, "waiting")
        self.assertFalse(phase.accepted_by_id)
        self.assertEqual(len(later.message_ids), messages)

    @freeze_time("2026-02-10 10:00:00")
    def test_the_client_chooses_a_saved_method_for_one_programme(self):
        token = self.make_token(self.client, "portal-choice")
        second = self.make_engagement(self.engagement.offer_id)
        strangers = self.make_token(self.other.partner_id, "bob-card", "Bob 7319")
        # staff cannot choose for the client
        self.authenticate("coach_anne", "coach_anne")
        response = self.post(
            f"/my/programmes/{self.engagement.id}/payment_method/use",
            token_id=str(token.id),
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.engagement.payment_token_id)
        self.authenticate("claire_portal", "claire_portal")
        page = self.url_open(f"/my/programmes/{self.engagement.id}").text
        self.assertIn("o_accomp_use_token", page)
        self.assertNotIn(strangers.display_name, page)
        # the page's messages load as the browser loads them (the chatter's
        # token is the programme's, never a payment method's)
        chatter = re.search(r'o_portal_chatter[^>]*data-token="([^"]*)"', page)
        self.assertIn(
            chatter and chatter.group(1), (None, self.engagement.access_token)
        )
        self.make_jsonrpc_request(
            "/portal/chatter_init",
            {
                "thread_model": "accomp.engagement",
                "thread_id": self.engagement.id,
                **({"token": chatter.group(1)} if chatter else {}),
            },
        )
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        base = f"/my/programmes/{self.engagement.id}/payment_method/use"
        # another client's card is not offered, nor accepted
        response = self.url_open(
            base, data={"csrf_token": csrf, "token_id": str(strangers.id)}
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.engagement.payment_token_id)
        response = self.url_open(
            base, data={"csrf_token": csrf, "token_id": str(token.id)}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.engagement.payment_token_id, token)
        self.assertFalse(second.payment_token_id, "chosen per programme")
