"""SEPA direct debit of programmes: the invoices carry the mandate and state
the pre-notification, the scheduled run fills OCA's payment order once per
invoice, the pain.008 file validates and uploading it pays the invoices, a
revoked mandate stops the debits, a returned debit reopens the invoice for
dunning; the client signs the mandate in the portal."""

import base64
import re
from datetime import date
from pathlib import Path
from unittest.mock import patch

from lxml import etree

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import HttpCase, freeze_time, new_test_user, tagged
from odoo.tools import file_path, mute_logger

from odoo.addons.accomp_billing.tests.einvoice import fatal, validate
from odoo.addons.accomp_billing.tests.test_fr_invoices import NS, FrenchCase

PAIN = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
CLIENT_IBAN = "FR14 2004 1010 0505 0001 3M02 606"


@tagged("post_install", "-at_install")
class SepaCase(FrenchCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.sepa_creditor_identifier = "FR78ZZZ424242"
        # the company's IBAN goes to its bank journal, which gets the mode
        cls.mode = cls.company.action_accomp_sepa_setup()
        # three monthly instalments of 1 000 € HT (1 200 € TTC)
        cls.offer = cls.make_offer(amount_total=3000, instalment_count=3)

    def make_sepa_engagement(
        self, date_start=date(2027, 1, 4), partner=None, offer=None
    ):
        engagement = self.make_engagement(
            offer or self.offer,
            date_start=date_start,
            **({"partner_id": partner.id} if partner else {}),
        )
        with freeze_time(f"{date_start} 08:00:00"):
            mandate = engagement._sepa_sign_mandate(
                engagement.partner_id, CLIENT_IBAN, "Claire Martin", "203.0.113.7"
            )
        return engagement, mandate

    def debit_run(self, day):
        with freeze_time(f"{day} 10:00:00"):
            return self.env["accomp.engagement"]._prepare_direct_debits()

    def export(self, order, day):
        """Confirm and generate the order's file as the billing manager does:
        (the pain.008 document, the order)."""
        with freeze_time(f"{day} 11:00:00"):
            order.draft2open()
            action = order.open2generated()
        attachment = self.env["ir.attachment"].browse(action["res_id"])
        return etree.fromstring(base64.b64decode(attachment.datas))

    def upload(self, order, day):
        with freeze_time(f"{day} 12:00:00"):
            order.generated2uploaded()

    def assert_valid_pain(self, document):
        """The file validates against the pain.008.001.02 XSD OCA ships."""
        xsd = Path(file_path(self.mode.payment_method_id.get_xsd_file_path()))
        schema = etree.XMLSchema(etree.parse(str(xsd)))
        self.assertTrue(schema.validate(document), schema.error_log)

    def invoice_of(self, engagement, day):
        return engagement.invoice_ids.filtered(lambda m: m.invoice_date == day)


class TestSepaInvoices(SepaCase):
    def test_the_invoice_carries_mode_mandate_and_the_pre_notification(self):
        # the setup gave the bank journal the company's IBAN, credited by the debits
        self.assertEqual(
            self.mode.fixed_journal_id.bank_account_id,
            self.company.partner_id.bank_ids,
        )
        engagement, mandate = self.make_sepa_engagement()
        self.assertEqual(engagement.collection_method, "sepa")
        self.run_scheduler(date(2027, 1, 4))
        invoice = engagement.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.payment_mode_id, self.mode)
        self.assertEqual(invoice.mandate_id, mandate)
        self.assertEqual(invoice.amount_untaxed, 1000.0)
        self.assertEqual(invoice.amount_total, 1200.0)
        # due on receipt by its terms: the debit waits for the 14 days of notice
        self.assertEqual(invoice.invoice_date, date(2027, 1, 4))
        self.assertEqual(invoice.invoice_date_due, date(2027, 1, 18))
        notice = invoice._accomp_payment_notice()
        for part in (
            "1,200.00",
            "01/18/2027",
            "FR14 **** 2606",
            mandate.unique_mandate_reference,
            "FR78ZZZ424242",
        ):
            self.assertIn(part, notice)
        # in the e-mail that was sent (Odoo's sending, our template)
        self.assertTrue(invoice.is_move_sent)
        sent = invoice.message_ids.filtered(lambda m: "will be debited" in m.body)
        self.assertEqual(len(sent), 1)
        self.assertIn("1,200.00", sent.body)
        self.assertIn("01/18/2027", sent.body)
        self.assertIn(mandate.unique_mandate_reference, sent.body)
        # and on the PDF
        text = " ".join(self.pdf_text(invoice).split())
        self.assertIn(
            "SEPA direct debit: 1,200.00", text.replace("\u202f", " ").replace("$", "")
        )
        self.assertIn(mandate.unique_mandate_reference, text)
        self.assertIn("FR78ZZZ424242", text)
        # nothing to pay by transfer
        self.assertNotIn("Payment Communication", text)
        self.assertNotIn("Bank Account:", text)

    def test_the_factur_x_says_direct_debit_and_passes_the_validators(self):
        engagement, mandate = self.make_sepa_engagement(partner=self.b2b)
        self.invoice_due(date(2027, 1, 4))
        invoice = engagement.invoice_ids
        self.assertEqual(invoice.amount_total, 1200.0)
        xml = etree.fromstring(
            self.env["account.edi.xml.cii"]._export_invoice(invoice)[0]
        )
        settlement = xml.xpath("//ram:ApplicableHeaderTradeSettlement", namespaces=NS)[
            0
        ]

        def values(path):
            return settlement.xpath(path + "/text()", namespaces=NS)

        self.assertEqual(
            values("ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode"), ["59"]
        )
        self.assertEqual(values("ram:CreditorReferenceID"), ["FR78ZZZ424242"])
        self.assertEqual(
            values("ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID"),
            [mandate.unique_mandate_reference],
        )
        self.assertEqual(
            values(
                "ram:SpecifiedTradeSettlementPaymentMeans"
                "/ram:PayerPartyDebtorFinancialAccount/ram:IBANID"
            ),
            [CLIENT_IBAN.replace(" ", "")],
        )
        for move, result in validate(invoice).items():
            self.assertEqual(fatal(result), [], move.name)

    def test_a_contract_may_shorten_the_notice_and_longer_terms_are_kept(self):
        self.company.accomp_sepa_prenotification_days = 2
        engagement, _mandate = self.make_sepa_engagement()
        self.invoice_due(date(2027, 1, 4))
        self.assertEqual(engagement.invoice_ids.invoice_date_due, date(2027, 1, 6))
        self.company.accomp_sepa_prenotification_days = 14
        self.company.accomp_payment_term_id = self.env.ref(
            "account.account_payment_term_30days"
        )
        self.invoice_due(date(2027, 2, 4))
        second = self.invoice_of(engagement, date(2027, 2, 4))
        self.assertEqual(second.invoice_date_due, date(2027, 3, 6))
        self.assertEqual(
            second.invoice_payment_term_id,
            self.env.ref("account.account_payment_term_30days"),
        )

    def test_a_programme_without_mandate_is_not_debited(self):
        engagement = self.make_engagement(self.offer, date_start=date(2027, 1, 4))
        self.run_scheduler(date(2027, 1, 4))
        invoice = engagement.invoice_ids
        self.assertFalse(invoice.payment_mode_id)
        self.assertFalse(invoice._accomp_payment_notice())
        self.assertFalse(self.debit_run(date(2027, 1, 30)))

    def test_one_way_of_collecting_and_only_the_client_s_own_mandate(self):
        engagement, mandate = self.make_sepa_engagement()
        provider = self.env.ref("payment.payment_provider_demo").sudo()
        provider.write({"state": "test", "company_id": self.company.id})
        token = self.env["payment.token"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                "partner_id": self.client.id,
                "provider_ref": "card-1",
                "payment_details": "4242",
                "company_id": self.company.id,
            }
        )
        with self.assertRaisesRegex(ValidationError, "not both"):
            engagement.payment_token_id = token
        other = self.env["res.partner"].create({"name": "Paul Durand"})
        other_engagement = self.make_engagement(
            self.offer, date_start=date(2027, 1, 4), partner_id=other.id
        )
        with self.assertRaisesRegex(ValidationError, "another client"):
            other_engagement.mandate_id = mandate
        # the client chose a card in the portal: SEPA stops for this programme
        engagement._portal_use_payment_method(token, self.client)
        self.assertFalse(engagement.mandate_id)
        self.assertEqual(engagement.collection_method, "token")
        self.assertEqual(mandate.state, "valid")


class TestSepaRuns(SepaCase):
    def test_three_instalments_three_runs_three_debits_frst_then_rcur(self):
        engagement, mandate = self.make_sepa_engagement()
        orders = self.env["account.payment.order"]
        for month, (invoice_day, run_day) in enumerate(
            (
                (date(2027, 1, 4), date(2027, 1, 14)),
                (date(2027, 2, 4), date(2027, 2, 14)),
                (date(2027, 3, 4), date(2027, 3, 14)),
            )
        ):
            self.run_scheduler(invoice_day)
            invoice = self.invoice_of(engagement, invoice_day)
            self.assertEqual(invoice.invoice_date_due, invoice_day.replace(day=18))
            # not due within the 5 days' lead yet: nothing
            self.assertFalse(self.debit_run(invoice_day))
            added = self.debit_run(run_day)
            self.assertEqual(added, invoice)
            # reruns, the same day and the next: never a second line
            self.assertFalse(self.debit_run(run_day))
            self.assertFalse(self.debit_run(invoice_day.replace(day=17)))
            lines = invoice.line_ids.payment_line_ids
            self.assertEqual(len(lines), 1)
            self.assertEqual(lines.amount_currency, 1200.0)
            self.assertEqual(lines.mandate_id, mandate)
            order = lines.order_id
            self.assertEqual(order.state, "draft")
            self.assertEqual(order.payment_mode_id, self.mode)
            self.assertNotIn(order, orders)
            orders |= order
            document = self.export(order, run_day)
            self.assert_valid_pain(document)
            self.assertEqual(
                document.xpath(
                    "//p:DrctDbtTxInf/p:DrctDbtTx/p:MndtRltdInf/p:MndtId/text()",
                    namespaces=PAIN,
                ),
                [mandate.unique_mandate_reference],
            )
            self.assertEqual(
                document.xpath("//p:DrctDbtTxInf/p:InstdAmt/text()", namespaces=PAIN),
                ["1200.00"],
            )
            self.assertEqual(
                document.xpath("//p:PmtTpInf/p:SeqTp/text()", namespaces=PAIN),
                ["FRST" if month == 0 else "RCUR"],
            )
            self.assertEqual(
                document.xpath("//p:ReqdColltnDt/text()", namespaces=PAIN),
                [f"2027-0{month + 1}-18"],
            )
            self.assertEqual(
                document.xpath("//p:CdtrSchmeId//p:Othr/p:Id/text()", namespaces=PAIN),
                ["FR78ZZZ424242"],
            )
            self.assertEqual(invoice.payment_state, "not_paid")
            self.upload(order, run_day)
            self.assertIn(invoice.payment_state, ("in_payment", "paid"))
            event = invoice.invoice_line_ids.accomp_schedule_line_id
            self.assertEqual(event.state, "paid")
        self.assertEqual(len(orders), 3)
        self.assertEqual(engagement.amount_paid, 3600.0)
        self.assertEqual(
            len(
                self.env["account.payment.line"].search(
                    [("mandate_id", "=", mandate.id)]
                )
            ),
            3,
        )

    def first_instalment(self, invoice_mode):
        """A debited programme of 3 × 1 000 € HT in ``invoice_mode``, its first
        instalment invoiced: (the programme, its invoice)."""
        engagement, _mandate = self.make_sepa_engagement(
            offer=self.make_offer(
                amount_total=3000, instalment_count=3, invoice_mode=invoice_mode
            )
        )
        self.invoice_due(date(2027, 1, 4))
        return engagement, engagement.invoice_ids

    def test_an_invoice_queued_for_sending_waits_for_it_without_a_failure(self):
        engagement, invoice = self.first_instalment("auto_send")
        self.assertEqual((invoice.amount_untaxed, invoice.amount_total), (1000, 1200))
        self.assertTrue(invoice.sending_data)
        self.assertFalse(invoice.is_move_sent)
        self.assertFalse(self.debit_run(date(2027, 1, 14)))
        self.assertFalse(
            engagement.activity_ids.filtered(lambda a: a.accomp_failure == "sepa")
        )
        self.assertFalse(engagement.failure_message)
        # Odoo's "Send invoices automatically", then the next run debits it
        with patch.object(type(self.env["ir.cron"]), "_commit_progress"):
            self.env["account.move"]._cron_account_move_send()
        self.assertTrue(invoice.is_move_sent)
        self.assertEqual(self.debit_run(date(2027, 1, 14)), invoice)
        self.assertEqual(invoice.line_ids.payment_line_ids.amount_currency, 1200)

    def test_an_unsent_invoice_is_not_debited_and_says_why(self):
        engagement, invoice = self.first_instalment("auto_post")
        self.assertFalse(invoice.is_move_sent)
        with mute_logger("odoo.addons.accomp_billing.models.ir_cron"):
            self.assertFalse(self.debit_run(date(2027, 1, 14)))
        todo = engagement.activity_ids.filtered(lambda a: a.accomp_failure == "sepa")
        self.assertEqual(len(todo), 1)
        self.assertIn("was not sent", todo.note)
        invoice.is_move_sent = True
        self.assertEqual(self.debit_run(date(2027, 1, 14)), invoice)
        self.assertFalse(
            engagement.activity_ids.filtered(lambda a: a.accomp_failure == "sepa")
        )

    def test_a_debit_under_way_is_not_dunned(self):
        engagement, _mandate = self.make_sepa_engagement()
        self.run_scheduler(date(2027, 1, 4))
        invoice = engagement.invoice_ids
        self.debit_run(date(2027, 1, 14))
        Move = self.env["account.move"]
        overdue = Move._accomp_overdue_domain({self.company: date(2027, 1, 25)})
        self.assertFalse(invoice.filtered_domain(overdue))
        # once out of the order (cancelled), it is overdue again
        invoice.line_ids.payment_line_ids.order_id.action_cancel()
        overdue = Move._accomp_overdue_domain({self.company: date(2027, 1, 25)})
        self.assertEqual(invoice.filtered_domain(overdue), invoice)

    def test_a_revoked_mandate_stops_new_lines(self):
        engagement, mandate = self.make_sepa_engagement()
        self.run_scheduler(date(2027, 1, 4))
        first = engagement.invoice_ids
        self.assertEqual(self.debit_run(date(2027, 1, 14)), first)
        order = first.line_ids.payment_line_ids.order_id
        engagement._sepa_revoke_mandate(self.client)
        self.assertEqual(mandate.state, "cancel")
        self.assertFalse(engagement.mandate_id)
        self.assertEqual(engagement.collection_method, "manual")
        # the line not yet in a file is withdrawn; nothing is added again
        self.assertFalse(order.payment_line_ids)
        self.assertFalse(self.debit_run(date(2027, 1, 15)))
        todo = engagement.activity_ids.filtered(
            lambda a: a.summary == "SEPA mandate revoked by the client"
        )
        self.assertEqual(len(todo), 1)
        self.assertIn(first.name, todo.note)
        self.assertIn("1,200.00", todo.note)
        # the next instalment is paid invoice by invoice
        self.run_scheduler(date(2027, 2, 4))
        second = self.invoice_of(engagement, date(2027, 2, 4))
        self.assertFalse(second.payment_mode_id)
        self.assertFalse(second.mandate_id)
        self.assertFalse(self.debit_run(date(2027, 2, 28)))


class TestReturnedDebits(SepaCase):
    def collected(self, engagement, invoice_day, run_day):
        self.run_scheduler(invoice_day)
        invoice = self.invoice_of(engagement, invoice_day)
        self.debit_run(run_day)
        order = invoice.line_ids.payment_line_ids.order_id
        self.export(order, run_day)
        self.upload(order, run_day)
        return invoice, order.payment_ids

    def test_a_returned_debit_reopens_the_invoice_and_dunning_takes_over(self):
        engagement, mandate = self.make_sepa_engagement()
        invoice, payment = self.collected(
            engagement, date(2027, 1, 4), date(2027, 1, 14)
        )
        self.assertIn(invoice.payment_state, ("in_payment", "paid"))
        # only an accountant records it
        with self.assertRaises(AccessError):
            payment.with_user(self.coach).action_debit_returned("AM04")
        with self.assertRaisesRegex(UserError, "reason code"):
            payment.action_debit_returned("XX99")
        # the payment's button asks for the reason in a dialog
        dialog = payment.action_debit_returned()
        self.assertEqual(dialog["res_model"], "accomp.sepa.return")
        wizard = (
            self.env["accomp.sepa.return"]
            .with_context(**dialog["context"])
            .create({"reason_code": "AM04", "date": date(2027, 1, 21)})
        )
        self.assertEqual(wizard.payment_ids, payment)
        wizard.action_confirm()
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(invoice.amount_residual, 1200.0)
        self.assertTrue(invoice.accomp_charge_stopped)
        self.assertEqual(payment.state, "rejected")
        self.assertEqual(engagement.amount_paid, 0.0)
        self.assertEqual(
            invoice.invoice_line_ids.accomp_schedule_line_id.state, "invoiced"
        )
        self.assertIn(
            "Insufficient funds",
            engagement.message_ids[:3].mapped("body")[0]
            + engagement.message_ids[:3].mapped("body")[1],
        )
        # twice: refused
        with self.assertRaisesRegex(UserError, "once"):
            payment.action_debit_returned("AM04")
        # not debited again; dunning reminds it once late
        self.assertFalse(self.debit_run(date(2027, 1, 22)))
        self.env["account.move"]._accomp_dun_overdue_invoices(date_ref=date(2027, 2, 2))
        self.assertTrue(invoice.accomp_dunning_ids)
        self.assertFalse(engagement.sepa_suspended)

    def test_a_second_return_under_the_mandate_suspends_sepa(self):
        engagement, mandate = self.make_sepa_engagement()
        _first, payment1 = self.collected(
            engagement, date(2027, 1, 4), date(2027, 1, 14)
        )
        payment1.action_debit_returned("AM04", date(2027, 1, 21))
        second, payment2 = self.collected(
            engagement, date(2027, 2, 4), date(2027, 2, 14)
        )
        self.assertEqual(
            second.line_ids.payment_line_ids.order_id.payment_ids, payment2
        )
        payment2.action_debit_returned("MS02", date(2027, 2, 21))
        self.assertTrue(engagement.sepa_suspended)
        self.assertEqual(engagement.collection_method, "manual")
        self.assertIn(
            "SEPA debits suspended after two returned debits",
            engagement.billing_warning,
        )
        todo = engagement.activity_ids.filtered(
            lambda a: a.summary == "SEPA debits suspended"
        )
        self.assertEqual(len(todo), 1)
        # the third instalment is no longer debited
        self.run_scheduler(date(2027, 3, 4))
        third = self.invoice_of(engagement, date(2027, 3, 4))
        self.assertFalse(third.payment_mode_id)
        self.assertFalse(self.debit_run(date(2027, 3, 31)))
        engagement.action_lift_sepa_suspension()
        self.assertEqual(engagement.collection_method, "sepa")


class TestSepaPortal(SepaCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls.env["res.users"].create(
            {
                "name": "Claire Martin",
                "login": "claire_sepa",
                "password": "claire_sepa",
                "partner_id": cls.client.id,
                "group_ids": [Command.set([cls.env.ref("base.group_portal").id])],
            }
        )
        # staff who can read the programme: they read, never answer
        cls.staff = new_test_user(
            cls.env,
            login="manager_sepa",
            groups="accomp_billing.group_accomp_manager,account.group_account_invoice",
            company_id=cls.company.id,
        )

    def test_the_client_signs_in_the_portal_others_cannot(self):
        engagement = self.make_engagement(self.offer, date_start=date(2027, 1, 4))
        url = f"/my/programmes/{engagement.id}/mandate"
        # anonymous without the e-mail's token, staff, another client: no
        self.assertIn(self.url_open(url).status_code, (403, 404))
        self.authenticate(self.staff.login, self.staff.login)
        self.assertEqual(self.url_open(url).status_code, 403)
        other = self.env["res.users"].create(
            {
                "name": "Paul Durand",
                "login": "paul_sepa",
                "password": "paul_sepa",
                "group_ids": [Command.set([self.env.ref("base.group_portal").id])],
            }
        )
        self.authenticate(other.login, other.login)
        self.assertEqual(self.url_open(url).status_code, 404)
        self.assertFalse(engagement.mandate_id)
        self.start_tour(
            f"/my/programmes/{engagement.id}",
            "accomp_billing_sepa_mandate_tour",
            login="claire_sepa",
        )
        mandate = engagement.mandate_id
        self.assertTrue(mandate)
        self.assertEqual(mandate.state, "valid")
        self.assertEqual(
            mandate.partner_bank_id.sanitized_acc_number, CLIENT_IBAN.replace(" ", "")
        )
        self.assertEqual(mandate.partner_bank_id.partner_id, self.client)
        self.assertEqual(mandate.accomp_signed_by_id, self.client)
        self.assertTrue(mandate.accomp_signed_on)
        self.assertTrue(mandate.accomp_signed_ip)
        self.assertIn("8 weeks", mandate.accomp_mandate_text)
        self.assertEqual(mandate.recurrent_sequence_type, "first")
        self.assertEqual(mandate.scheme, "CORE")
        mail = self.env["mail.mail"].search(
            [("model", "=", "account.banking.mandate"), ("res_id", "=", mandate.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn(mandate.unique_mandate_reference, mail.subject)
        self.assertEqual(len(mail.attachment_ids), 1)
        # OCA's mandate report (rendered as HTML under the test runner)
        self.assertTrue(
            mail.attachment_ids.name.startswith(
                f"Mandate-{mandate.unique_mandate_reference}"
            )
        )
        # the revocation from the portal (the tour's last step) is tested below

    def test_a_mandate_signed_just_after_midnight_in_paris_is_dated_that_day(self):
        """At 0:30 in Paris the server's UTC day is still yesterday: the mandate
        is dated the company's day and the mandate's own "not in the future"
        check agrees (it refused the signature in the last hour of each UTC
        day)."""
        engagement = self.make_engagement(self.offer, date_start=date(2027, 1, 4))
        with freeze_time("2027-01-03 23:30:00"):
            mandate = engagement._sepa_sign_mandate(
                engagement.partner_id, CLIENT_IBAN, "Claire Martin", "203.0.113.7"
            )
        self.assertEqual(mandate.signature_date, date(2027, 1, 4))
        self.assertEqual(mandate.state, "valid")
        self.assertEqual(engagement.mandate_id, mandate)

    def test_a_bad_iban_or_no_consent_creates_nothing(self):
        engagement = self.make_engagement(self.offer, date_start=date(2027, 1, 4))
        Bank = self.env["res.partner.bank"]
        banks = Bank.search_count([("partner_id", "=", self.client.id)])
        with self.assertRaisesRegex(UserError, "IBAN is not valid"):
            engagement._sepa_sign_mandate(
                self.client, "FR14 2004 1010 0505 0001 3M02 607", "Claire Martin"
            )
        with self.assertRaisesRegex(UserError, "70 characters"):
            engagement._sepa_sign_mandate(self.client, CLIENT_IBAN, "x" * 71)
        with self.assertRaisesRegex(UserError, "70 characters"):
            engagement._sepa_sign_mandate(self.client, CLIENT_IBAN, "   ")
        self.assertEqual(
            Bank.search_count([("partner_id", "=", self.client.id)]), banks
        )
        self.assertFalse(engagement.mandate_id)
        self.authenticate("claire_sepa", "claire_sepa")
        page = self.url_open(
            f"/my/programmes/{engagement.id}/mandate",
            data={
                "iban": CLIENT_IBAN,
                "holder": "Claire Martin",
                "csrf_token": self._csrf(),
            },
        )
        self.assertEqual(page.status_code, 200)
        self.assertIn("Tick the box", page.text)
        self.assertFalse(engagement.mandate_id)
        page = self.url_open(
            f"/my/programmes/{engagement.id}/mandate",
            data={
                "iban": "FR00 1234",
                "holder": "Claire Martin",
                "accept": "on",
                "csrf_token": self._csrf(),
            },
        )
        self.assertIn("IBAN is not valid", page.text)
        self.assertFalse(engagement.mandate_id)
        self.assertEqual(
            Bank.search_count([("partner_id", "=", self.client.id)]), banks
        )

    def test_the_client_revokes_in_the_portal_staff_cannot(self):
        engagement, mandate = self.make_sepa_engagement()
        url = f"/my/programmes/{engagement.id}/mandate/revoke"
        self.authenticate(self.staff.login, self.staff.login)
        self.assertEqual(
            self.url_open(url, data={"csrf_token": self._csrf()}).status_code, 403
        )
        self.assertEqual(mandate.state, "valid")
        self.authenticate("claire_sepa", "claire_sepa")
        page = self.url_open(f"/my/programmes/{engagement.id}")
        self.assertIn("FR14 **** 2606", page.text)
        self.assertIn(mandate.unique_mandate_reference, page.text)
        self.url_open(url, data={"csrf_token": self._csrf()})
        self.assertEqual(mandate.state, "cancel")
        self.assertFalse(engagement.mandate_id)

    def _csrf(self):
        """This HTTP session's CSRF token (the page's script carries it)."""
        page = self.url_open("/my").text
        return re.search(r'csrf_token: "([^"]+)"', page).group(1)
