"""Compliant French invoices, sent without anyone touching them: a French
company (French chart, 20 % VAT), its scheduler-generated invoices sent by Odoo's
own sending with the PDF and Factur-X, the 2026 mentions, the VAT franchise and a
hash-locked journal."""

import os
import subprocess
import tempfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from unittest.mock import patch

from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import freeze_time
from odoo.tools import config, mute_logger
from odoo.tools.safe_eval import safe_eval

from odoo.addons.accomp_billing.models import (
    accomp_engagement_collection,
    accomp_schedule_line_invoicing,
)
from odoo.addons.base.models.ir_actions_report import _wkhtml

from .common import AccompCase, ProvokedFailure

NS = {
    "ram": "urn:un:unece:uncefact:data:standard:"
    "ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
}


class FrenchCase(AccompCase):
    @classmethod
    @AccompCase.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "name": "Cabinet Envol SAS",
                "street": "12 rue de la Paix",
                "zip": "75002",
                "city": "Paris",
                "email": "facturation@cabinet-envol.fr",
                "phone": "+33 1 23 45 67 89",
                "company_registry": "82345678500018",
                "vat": "FR72823456785",
            }
        )
        cls.env["res.partner.bank"].create(
            {
                "acc_number": "FR7630006000011234567890189",
                "partner_id": cls.company.partner_id.id,
            }
        )
        layout = cls.env["base.document.layout"].with_company(cls.company)
        cls.company.write(
            {
                "report_footer": layout._default_report_footer(),
                "company_details": layout._default_company_details(),
            }
        )
        # services: 20 % VAT due on receipts (the French default for services)
        cls.tva20 = (
            cls.env["account.chart.template"]
            .with_company(cls.company)
            .ref("tva_normale_encaissement")
        )
        cls.product.taxes_id = cls.tva20
        cls.b2b = cls.env["res.partner"].create(
            {
                "name": "Atelier Dupont SARL",
                "is_company": True,
                "street": "3 quai des Chartrons",
                "zip": "33000",
                "city": "Bordeaux",
                "country_id": cls.env.ref("base.fr").id,
                "vat": "FR35562153452",
                "company_registry": "562153452",
                "email": "compta@atelier-dupont.fr",
                "invoice_edi_format": "facturx",
            }
        )
        cls.client.write(
            {
                "email": "claire.martin@example.com",
                "country_id": cls.env.ref("base.fr").id,
                "street": "8 rue Victor Hugo",
                "zip": "69002",
                "city": "Lyon",
            }
        )

    def invoice_due(self, date_ref, **kwargs):
        with freeze_time(f"{date_ref} 09:00:00"):  # dated and due as on that day
            return super().invoice_due(date_ref, **kwargs)

    def run_scheduler(self, day):
        """Our scheduled action, then Odoo's "Send invoices automatically"."""
        with freeze_time(f"{day} 09:00:00"), self.enter_registry_test_mode():
            self.env.ref(
                "accomp_billing.ir_cron_invoice_due_lines"
            ).method_direct_trigger()
            self.env.ref("account.ir_cron_account_move_send").method_direct_trigger()

    @contextmanager
    def counted_renderings(self):
        """The number of invoices of each call of Odoo's generation of the
        invoice documents (one PDF rendering each), as a list."""
        Send = type(self.env["account.move.send"])
        generate = Send._generate_and_send_invoices
        calls = []

        def counted(send, moves, **kwargs):
            calls.append(len(moves))
            return generate(send, moves, **kwargs)

        with patch.object(Send, "_generate_and_send_invoices", counted):
            yield calls

    def pdf_text(self, invoice):
        # wkhtmltopdf fetches the report's styles from this test server
        port = config["http_port"]
        self.env["ir.config_parameter"].sudo().set_param(
            "report.url", f"http://127.0.0.1:{port}"
        )
        report = self.env.ref("account.account_invoices")
        # in the test's transaction: its data, Odoo's runner's registry lock
        with self.allow_pdf_render():
            pdf, kind = report.with_context(
                force_report_rendering=True
            )._render_qweb_pdf(report.report_name, invoice.ids)
        self.assertEqual(kind, "pdf")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "invoice.pdf"
            path.write_bytes(pdf)
            docs = os.environ.get("ACCOMP_DOCS_DIR")
            if docs:  # scripts/docs_pdf.sh keeps them for the README
                target = Path(docs) / f"{invoice.name.replace('/', '_')}.pdf"
                target.write_bytes(pdf)
            text = subprocess.run(
                ["pdftotext", "-layout", str(path), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        return text


class TestFrenchInvoices(FrenchCase):
    def test_the_scheduler_sends_each_instalment_with_no_human_action(self):
        engagement = self.make_engagement(
            self.make_offer(), partner_id=self.b2b.id, date_start=date(2026, 1, 31)
        )
        self.assertEqual(engagement.invoice_mode, "auto_send")  # the default
        self.run_scheduler(date(2026, 2, 28))
        invoices = engagement.invoice_ids.sorted("id")
        self.assertEqual(len(invoices), 2)
        for invoice in invoices:
            self.assertEqual(invoice.state, "posted")
            self.assertTrue(invoice.is_move_sent, invoice.name)
            self.assertFalse(invoice.sending_data)
        second = invoices[1]
        message = second.message_ids.filtered(
            lambda m: m.message_type == "comment" and m.attachment_ids
        )[:1]
        self.assertTrue(message, "an e-mail with its attachments in the chatter")
        names = message.attachment_ids.mapped("name")
        self.assertTrue(any(name.endswith(".pdf") for name in names), names)
        self.assertTrue(any(name.endswith(".xml") for name in names), names)
        self.assertEqual(message.partner_ids, self.b2b)
        self.assertIn("Programme Envol", message.subject)
        self.assertIn("Instalment 2/6", message.body)
        self.assertIn("/my/invoices/", message.body)  # the client's portal

    def test_review_mode_sends_nothing_until_sent_by_hand(self):
        engagement = self.make_engagement(
            self.make_offer(invoice_mode="review"), partner_id=self.b2b.id
        )
        self.run_scheduler(date(2026, 1, 31))
        invoice = engagement.invoice_ids
        self.assertEqual(invoice.state, "draft")
        invoice.action_post()
        self.run_scheduler(date(2026, 2, 1))
        self.assertFalse(invoice.is_move_sent)
        self.assertFalse(invoice.message_ids.attachment_ids)
        self.env["account.move.send"].with_context(
            force_report_rendering=True
        )._generate_and_send_invoices(invoice)
        self.assertTrue(invoice.is_move_sent)

    def test_every_posted_invoice_has_its_legal_pdf_sent_or_not(self):
        """Post automatically: nothing is sent, yet the client and the accountant
        download the invoice itself (its PDF/A-3 and Factur-X), never a pro
        forma; a failure is one to-do on the programme, closed by the next run."""
        engagement = self.make_engagement(
            self.make_offer(invoice_mode="auto_post"), partner_id=self.b2b.id
        )
        other = self.make_engagement(
            self.make_offer(invoice_mode="review"), partner_id=self.b2b.id
        )
        self.run_scheduler(date(2026, 1, 31))
        invoice = engagement.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertFalse(invoice.is_move_sent)
        self.assertEqual(
            invoice._get_invoice_legal_documents("pdf", allow_fallback=True)[
                "filename"
            ][-13:],
            "_proforma.pdf",
        )  # as Odoo leaves it
        draft = other.invoice_ids
        draft.action_post()  # the accountant's review
        cron = self.env.ref("accomp_billing.ir_cron_invoice_documents")
        self.assertTrue(
            self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", cron.id)]),
            "posting asks for the documents",
        )
        Send = type(self.env["account.move.send"])
        generate = Send._generate_and_send_invoices

        def broken(send, moves, **kwargs):
            if draft in moves:
                raise ProvokedFailure("wkhtmltopdf crashed")
            return generate(send, moves, **kwargs)

        with (
            patch.object(Send, "_generate_and_send_invoices", broken),
            self.enter_registry_test_mode(),
        ):
            cron.method_direct_trigger()
        self.assertTrue(invoice.invoice_pdf_report_id)
        documents = invoice._get_invoice_legal_documents("pdf")
        self.assertEqual(documents["filename"], invoice.invoice_pdf_report_id.name)
        self.assertNotIn("proforma", documents["filename"])
        # made, not sent: no e-mail to the client
        self.assertFalse(
            invoice.message_ids.filtered(lambda m: self.b2b in m.partner_ids)
        )
        self.assertFalse(draft.invoice_pdf_report_id)
        todo = other.activity_ids.filtered(lambda a: a.accomp_failure == "documents")
        self.assertEqual(len(todo), 1)
        self.assertIn("wkhtmltopdf crashed", other.failure_message)
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertTrue(draft.invoice_pdf_report_id)
        self.assertFalse(todo.active)

    def three_posted_unsent_invoices(self):
        """Three programmes' first invoices, posted, not sent, no PDF yet."""
        offer = self.make_offer(invoice_mode="auto_post")
        engagements = self.env["accomp.engagement"]
        for _n in range(3):
            engagements |= self.make_engagement(offer, partner_id=self.b2b.id)
        self.invoice_due(date(2026, 1, 31))
        return engagements.invoice_ids

    def test_the_legal_pdfs_of_a_run_are_made_in_one_batch(self):
        """Three invoices posted, not sent: their PDFs come from one rendering
        (one wkhtmltopdf call), not three."""
        invoices = self.three_posted_unsent_invoices()
        self.assertEqual(len(invoices), 3)
        self.assertFalse(invoices.filtered("invoice_pdf_report_id"))
        with self.counted_renderings() as calls, self.enter_registry_test_mode():
            self.env.ref(
                "accomp_billing.ir_cron_invoice_documents"
            ).method_direct_trigger()
        self.assertEqual(calls, [3])
        self.assertEqual(len(invoices.filtered("invoice_pdf_report_id")), 3)
        # made, not sent: no e-mail to the client
        self.assertFalse(
            invoices.message_ids.filtered(lambda m: self.b2b in m.partner_ids)
        )

    def test_without_patched_qt_each_legal_pdf_is_its_own_rendering(self):
        """A wkhtmltopdf without its patched Qt cannot join documents (Odoo
        refuses the batch at its first warning): each invoice is rendered on
        its own, once (not a failed batch of three, then one by one)."""
        invoices = self.three_posted_unsent_invoices()
        unpatched = _wkhtml()._replace(is_patched_qt=False)
        with (
            patch(
                "odoo.addons.accomp_billing.models.account_move_send._wkhtml",
                return_value=unpatched,
            ),
            self.counted_renderings() as calls,
            self.enter_registry_test_mode(),
        ):
            self.assertEqual(self.env["account.move"]._accomp_pdf_batch_size(), 1)
            self.env.ref(
                "accomp_billing.ir_cron_invoice_documents"
            ).method_direct_trigger()
        self.assertEqual(calls, [1, 1, 1])
        self.assertEqual(len(invoices.filtered("invoice_pdf_report_id")), 3)

    def test_a_batch_of_programme_invoices_goes_out_with_the_programme_template(self):
        first = self.make_engagement(
            self.make_offer(invoice_mode="auto_post"), partner_id=self.b2b.id
        )
        second = self.make_engagement(
            self.make_offer(invoice_mode="auto_post", name="Programme Cap"),
            partner_id=self.b2b.id,
        )
        self.run_scheduler(date(2026, 1, 31))
        invoices = (first | second).invoice_ids
        self.assertEqual(len(invoices), 2)
        template = self.env.ref("accomp_billing.mail_template_programme_invoice")
        self.assertEqual(invoices._get_mail_template(), template)
        # sent together from the list (Odoo's batch sending)
        self.env["account.move.send"].with_context(
            force_report_rendering=True
        )._generate_and_send_invoices(invoices, sending_methods=["email"])
        for invoice, programme in zip(
            invoices.sorted(lambda m: m.accomp_engagement_id.id),
            ("Programme Envol", "Programme Cap"),
            strict=True,
        ):
            mail = invoice.message_ids.filtered(lambda m: self.b2b in m.partner_ids)
            self.assertEqual(len(mail), 1, invoice.name)
            self.assertIn(programme, mail.subject)

    def test_odoos_sending_cron_sends_a_run_by_pdf_batches_not_by_ten(self):
        """Twelve programme invoices queued by one run go out in one step of
        Odoo's sending cron (one PDF batch), not ten, then two."""
        offer = self.make_offer()
        clients = self.env["res.partner"].create(
            [
                {"name": f"Client {n}", "email": f"client{n}@example.com"}
                for n in range(12)
            ]
        )
        engagements = self.env["accomp.engagement"]
        for client in clients:
            engagements |= self.make_engagement(offer, partner_id=client.id)
        self.invoice_due(date(2026, 1, 31))
        invoices = engagements.invoice_ids
        self.assertEqual(len(invoices), 12)
        self.assertEqual(len(invoices.filtered("sending_data")), 12)
        with (
            self.counted_renderings() as steps,
            patch.object(type(self.env["ir.cron"]), "_commit_progress"),
        ):
            self.env["account.move"]._cron_account_move_send()
        self.assertEqual(steps, [12])
        self.assertFalse(invoices.filtered("sending_data"))
        self.assertTrue(all(invoices.mapped("is_move_sent")))
        self.assertEqual(
            self.env["mail.mail"].search_count(
                [("model", "=", "account.move"), ("res_id", "in", invoices.ids)]
            ),
            12,
        )

    def test_an_inactive_sending_action_is_said_on_the_programme(self):
        self.env.ref("account.ir_cron_account_move_send").sudo().active = False
        engagement = self.make_engagement(self.make_offer(), partner_id=self.b2b.id)
        invoice = self.invoice_due(date(2026, 1, 31))
        self.assertEqual(invoice.state, "posted")
        self.assertTrue(invoice.sending_data)  # queued, sent once active
        todo = engagement.activity_ids.filtered(lambda a: a.accomp_failure == "sending")
        self.assertEqual(todo.summary, "Activate the sending of invoices")
        self.assertIn("inactive", engagement.failure_message)

    def test_a_client_without_email_gets_one_todo_then_the_invoice(self):
        self.b2b.email = False
        engagement = self.make_engagement(self.make_offer(), partner_id=self.b2b.id)
        self.run_scheduler(date(2026, 1, 31))
        self.run_scheduler(date(2026, 2, 1))
        invoice = engagement.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertFalse(invoice.is_move_sent)
        todo = engagement.activity_ids.filtered(lambda a: a.accomp_failure == "sending")
        self.assertEqual(len(todo), 1)
        self.assertEqual(todo.summary, "Add the client's e-mail")
        self.b2b.email = "compta@atelier-dupont.fr"
        self.run_scheduler(date(2026, 2, 2))
        self.assertTrue(invoice.is_move_sent)
        self.assertFalse(todo.active)

    def test_a_client_sent_another_way_needs_no_email(self):
        """A client whose invoices are not e-mailed (Odoo's "Manual" sending)
        and who has no address: queued for Odoo's sending like any other, no
        "add the client's e-mail" to-do; a client e-mailed is queued as its
        programme's salesperson."""
        self.b2b.email = False
        self.b2b.with_company(self.company).invoice_sending_method = "manual"
        manual = self.make_engagement(self.make_offer(), partner_id=self.b2b.id)
        mailed = self.make_engagement(
            self.make_offer(), partner_id=self.client.id, user_id=self.coach.id
        )
        self.invoice_due(date(2026, 1, 31))
        self.assertEqual(manual.invoice_ids.state, "posted")
        self.assertFalse(manual.invoice_ids.accomp_awaiting_email)
        self.assertTrue(manual.invoice_ids.sending_data)
        self.assertFalse(
            manual.activity_ids.filtered(lambda a: a.accomp_failure == "sending")
        )
        self.assertEqual(
            mailed.invoice_ids.sending_data,
            {
                "author_user_id": self.coach.id,
                "author_partner_id": self.coach.partner_id.id,
            },
        )

    def test_a_batch_of_clients_without_email_is_told_once_not_per_programme(self):
        """Three programmes whose clients have no e-mail, invoiced in one run:
        a to-do and a note on each, and one notification naming the three to
        the billing managers (not three, nor one e-mail per to-do)."""
        clients = self.env["res.partner"].create(
            [{"name": f"Client sans e-mail {n}"} for n in range(3)]
        )
        offer = self.make_offer()
        engagements = self.env["accomp.engagement"]
        for client in clients:
            engagements |= self.make_engagement(offer, partner_id=client.id)
        Message = self.env["mail.message"]
        before = Message.search([], order="id desc", limit=1).id
        self.invoice_due(date(2026, 1, 31))
        self.assertEqual(len(engagements.invoice_ids), 3)
        self.assertFalse(any(engagements.invoice_ids.mapped("is_move_sent")))
        for engagement in engagements:
            todo = engagement.activity_ids.filtered(
                lambda a: a.accomp_failure == "sending"
            )
            self.assertEqual(len(todo), 1, engagement.name)
            self.assertEqual(todo.summary, "Add the client's e-mail")
            self.assertIn(engagement.invoice_ids.name, todo.note)
            note = engagement.message_ids.filtered(
                lambda m: "Invoice not sent" in (m.body or "")
            )
            self.assertEqual(len(note), 1)
            self.assertIn(self.manager.partner_id, note.partner_ids)
        told = Message.search(
            [
                ("id", ">", before),
                ("partner_ids", "in", self.manager.partner_id.ids),
                ("subject", "like", "Add the client's e-mail"),
            ]
        )
        self.assertEqual(len(told), 1)
        for engagement in engagements:
            self.assertIn(engagement.name, told.body)
        # the next run tells nothing new: the to-dos are open
        self.invoice_due(date(2026, 2, 28))
        self.assertEqual(
            Message.search_count(
                [("id", ">", told.id), ("subject", "like", "Add the client's e-mail")]
            ),
            0,
        )

    def clients_without_email(self, count):
        """``count`` programmes whose clients have no e-mail address."""
        offer = self.make_offer()
        engagements = self.env["accomp.engagement"]
        for n in range(count):
            client = self.env["res.partner"].create({"name": f"Client sans e-mail {n}"})
            engagements |= self.make_engagement(offer, partner_id=client.id)
        return engagements

    def told_managers(self, after):
        return self.env["mail.message"].search(
            [
                ("id", ">", after),
                ("partner_ids", "in", self.manager.partner_id.ids),
                ("subject", "like", "Add the client's e-mail"),
            ]
        )

    def test_the_scheduler_tells_the_managers_once_for_the_whole_run(self):
        """Five programmes whose clients have no e-mail, invoiced by the
        scheduled action in batches of two: one notice to the billing
        managers for the run (not one per batch), counting the five; past the
        programmes it names, it says how many more and how to find them."""
        engagements = self.clients_without_email(5)
        before = self.env["mail.message"].search([], order="id desc", limit=1).id
        with (
            patch.object(accomp_schedule_line_invoicing, "INVOICE_BATCH_SIZE", 2),
            patch.object(accomp_engagement_collection, "FAILURE_NOTICE_NAMED", 3),
        ):
            self.run_scheduler(date(2026, 1, 31))
        self.assertEqual(len(engagements.invoice_ids), 5)
        self.assertEqual(
            len(engagements.activity_ids.filtered(lambda a: a.accomp_failure)), 5
        )
        told = self.told_managers(before)
        self.assertEqual(len(told), 1)
        self.assertEqual(told.subject, "Add the client's e-mail: 5 programmes")
        named = [e for e in engagements if e.name in told.body]
        self.assertEqual(named, list(engagements[:3]))
        for engagement in named:
            self.assertIn(engagement.invoice_ids.name, told.body)
        self.assertIn("and 2 more", told.body)
        # the filter the notice points to finds them all
        arch = etree.fromstring(
            self.env.ref("accomp_billing.accomp_engagement_view_search").arch
        )
        domain = safe_eval(arch.find(".//filter[@name='failing']").get("domain"))
        failing = self.env["accomp.engagement"].search(domain)
        self.assertEqual(failing & engagements, engagements)

    def test_a_run_that_fails_still_tells_what_it_committed(self):
        """The run dies on its third batch: the two batches committed before
        are told to the billing managers; the programme of the failed batch
        (its invoice and to-do rolled back) is told by the run that bills it."""
        engagements = self.clients_without_email(5)
        before = self.env["mail.message"].search([], order="id desc", limit=1).id
        ScheduleLine = type(self.env["accomp.schedule.line"])  # the model's class
        original = ScheduleLine._generate_invoices
        calls = []

        def crash_on_third_batch(lines, today):
            calls.append(len(lines))
            if len(calls) == 3:
                raise RuntimeError("worker lost")
            return original(lines, today)

        with (
            patch.object(accomp_schedule_line_invoicing, "INVOICE_BATCH_SIZE", 2),
            patch.object(ScheduleLine, "_generate_invoices", crash_on_third_batch),
            mute_logger("odoo.addons.base.models.ir_cron"),
        ):
            with freeze_time("2026-01-31 09:00:00"), self.enter_registry_test_mode():
                self.env.ref(
                    "accomp_billing.ir_cron_invoice_due_lines"
                ).method_direct_trigger()
        self.env.invalidate_all()
        # Odoo ran the job again at once, which invoiced the last one
        self.assertEqual(calls, [2, 2, 1, 1])
        self.assertEqual(len(engagements.invoice_ids), 5)
        told = self.told_managers(before).sorted("id")
        self.assertEqual(
            told.mapped("subject"),
            [
                "Add the client's e-mail: 4 programmes",
                "Add the client's e-mail: 1 programme",
            ],
        )
        self.assertNotIn(engagements[4].name, told[0].body)
        self.assertIn(engagements[4].name, told[1].body)

    def test_facturx_has_no_errors_and_carries_the_instalment_and_its_period(self):
        engagement = self.make_engagement(
            self.make_offer(), partner_id=self.b2b.id, date_start=date(2026, 1, 31)
        )
        invoice = self.invoice_due(date(2026, 2, 28)).sorted("id")[1]
        self.assertEqual(invoice.delivery_date, date(2026, 3, 30))  # period's end
        xml, errors = self.env["account.edi.xml.cii"]._export_invoice(invoice)
        self.assertFalse(errors)
        tree = etree.fromstring(xml)
        name = tree.findtext(
            ".//ram:IncludedSupplyChainTradeLineItem//ram:Description", namespaces=NS
        )
        self.assertIn("Instalment 2/6 — Programme Envol", name)
        self.assertIn(engagement.name, name)
        period = tree.find(
            ".//ram:SpecifiedLineTradeSettlement/ram:BillingSpecifiedPeriod", NS
        )
        self.assertEqual(
            [
                period.findtext("ram:StartDateTime/udt:DateTimeString", namespaces=NS),
                period.findtext("ram:EndDateTime/udt:DateTimeString", namespaces=NS),
            ],
            ["20260228", "20260330"],
        )
        note = tree.findtext(
            ".//rsm:ExchangedDocument/ram:IncludedNote/ram:Content", namespaces=NS
        )
        self.assertIn("provision of services", note)
        self.assertIn("40.00", note.replace(",", "."))
        buyer = tree.find(".//ram:BuyerTradeParty", NS)
        self.assertEqual(  # the client's SIREN
            buyer.findtext("ram:SpecifiedLegalOrganization/ram:ID", namespaces=NS),
            "562153452",
        )

    def test_b2b_mentions_and_the_sellers_identity_on_the_pdf(self):
        """Rendered by the patched wkhtmltopdf, read back with pdftotext, for a
        French business client: the French mentions in French."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["accomp_billing", "account", "l10n_fr_account", "web"], ["fr_FR"]
        )
        self.b2b.lang = "fr_FR"
        engagement = self.make_engagement(
            self.make_offer(deposit_percent=30, instalment_count=5),
            partner_id=self.b2b.id,
            date_start=date(2026, 1, 31),
        )
        deposit, instalment = self.invoice_due(date(2026, 2, 28)).sorted("id")
        text = self.pdf_text(instalment)
        # the seller's header and footer (patched wkhtmltopdf)
        self.assertIn("Cabinet Envol SAS", text)
        self.assertIn("82345678500018", text)
        self.assertIn("FR72823456785", text)
        # the client's SIREN and the B2B mentions
        self.assertIn("SIRET : 562153452", text)
        self.assertIn("Nature de l'opération : prestations de services.", text)
        self.assertNotIn("débits", text)  # services: VAT on receipts
        self.assertIn("Pas d'escompte pour paiement anticipé.", text)
        self.assertIn("40,00 €", text)
        self.assertIn("12,15 %", text)
        self.assertIn("Échéance 1/5 — Programme Envol", text)
        self.assertIn("Date de livraison", text)
        deposit_text = self.pdf_text(deposit)
        self.assertIn("Facture d'acompte — Programme Envol", deposit_text)
        self.assertTrue(engagement)

    def test_private_clients_get_none_of_the_b2b_mentions(self):
        engagement = self.make_engagement(self.make_offer(billing_model="upfront"))
        invoice = self.invoice_due(date(2026, 1, 31))
        self.assertNotIn("Late payment", str(invoice.narration))
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account.report_invoice", invoice.ids)[0]
            .decode()
        )
        self.assertNotIn("provision of services", html)
        self.assertNotIn("Late payment", html)
        self.assertTrue(engagement)

    def test_the_last_invoice_recalls_what_was_billed_before(self):
        engagement = self.make_engagement(
            self.make_offer(amount_total=1000, instalment_count=2),
            partner_id=self.b2b.id,
            date_start=date(2026, 1, 1),
        )
        first = self.invoice_due(date(2026, 1, 1))
        self.assertNotIn("Last invoice", str(first.narration))
        last = self.invoice_due(date(2026, 2, 1))
        self.assertIn(
            f"Last invoice of the programme {engagement.name}: programme total "
            "1,200.00&nbsp;€ incl. VAT, invoiced before 600.00&nbsp;€, this invoice "
            "600.00&nbsp;€, left to pay after it 1,200.00&nbsp;€.",
            str(last.narration),
        )

    def test_a_hash_locked_journal_gets_hashed_invoices_from_the_scheduler(self):
        journal = self.company_data["default_journal_sale"]
        journal.restrict_mode_hash_table = True
        engagement = self.make_engagement(self.make_offer(), partner_id=self.b2b.id)
        self.run_scheduler(date(2026, 2, 28))
        invoices = engagement.invoice_ids
        self.assertEqual(len(invoices), 2)
        self.assertTrue(all(invoices.mapped("inalterable_hash")))
        with self.assertRaises(UserError):
            invoices[0].button_draft()  # corrections are credit notes


class TestVatFranchise(FrenchCase):
    def test_franchise_invoices_carry_no_vat_and_say_art_293_b(self):
        self.company.accomp_vat_franchise = True
        taxed = self.make_engagement(self.make_offer(), confirm=False)
        with self.assertRaisesRegex(UserError, "VAT franchise"):
            taxed.action_confirm()
        untaxed = self.make_engagement(
            self.make_offer(product_id=self.product_untaxed.id, billing_model="upfront")
        )
        invoice = self.invoice_due(date(2026, 1, 31))
        self.assertEqual(invoice.accomp_engagement_id, untaxed)
        self.assertEqual((invoice.amount_tax, invoice.amount_total), (0, 3000))
        self.assertIn("art. 293 B", str(invoice.narration))
