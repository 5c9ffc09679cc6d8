"""Every kind of programme invoice passes the official e-invoicing validators:
the Factur-X XSD of its profile, the EN 16931 CII schematron, the FNFE-MPE
Factur-X schematron of its profile and the French CTC rules of the 2026 reform
(``tests/validators/``), with 0 fatal findings."""

import io
from datetime import date

from lxml import etree

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import freeze_time
from odoo.tools.pdf import OdooPdfFileReader, OdooPdfFileWriter

from odoo.addons.accomp_billing.models.account_move_send_facturx import ensure_pdfa

from .einvoice import fatal, validate
from .test_fr_invoices import NS, FrenchCase


class TestEInvoiceRules(FrenchCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.session = cls.env["product.product"].create(
            {
                "name": "Séance supplémentaire",
                "type": "service",
                "list_price": 80,
                "taxes_id": [Command.set(cls.tva20.ids)],
            }
        )

    def assertValid(self, moves):
        """0 fatal finding for each of ``moves`` with every validator."""
        self.assertTrue(moves)
        results = validate(moves)
        for move, result in results.items():
            self.assertEqual(result["profile"], "extended")
            self.assertEqual(fatal(result), [], move.name)
        return results

    def xml(self, move):
        return etree.fromstring(
            self.env["account.edi.xml.cii"]._export_invoice(move)[0]
        )

    def b2b_programme(self, **offer_vals):
        return self.make_engagement(
            self.make_offer(**offer_vals),
            partner_id=self.b2b.id,
            date_start=date(2026, 1, 31),
        )

    def test_upfront_deposit_and_instalment_invoices(self):
        self.b2b_programme(billing_model="upfront")
        self.b2b_programme(deposit_percent=30, instalment_count=5)
        invoices = self.invoice_due(date(2026, 2, 28))
        self.assertEqual(len(invoices), 3)  # upfront, deposit, first instalment
        self.assertValid(invoices)
        deposit = invoices.filtered(
            lambda m: m.invoice_line_ids.accomp_schedule_line_id.kind == "deposit"
        )
        tree = self.xml(deposit)
        self.assertEqual(
            tree.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS), "386"
        )
        self.assertEqual(
            tree.findtext(
                ".//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID",
                namespaces=NS,
            ),
            "S1",
        )
        seller = tree.find(".//ram:SellerTradeParty", NS)
        self.assertEqual(
            seller.findtext("ram:SpecifiedLegalOrganization/ram:ID", namespaces=NS),
            "823456785",  # the SIREN of SIRET 82345678500018
        )
        codes = [
            note.findtext("ram:SubjectCode", namespaces=NS)
            for note in tree.findall(".//rsm:ExchangedDocument/ram:IncludedNote", NS)
        ]
        self.assertEqual(sorted(filter(None, codes)), ["AAB", "PMD", "PMT"])

    def test_milestone_subscription_and_extras_invoices(self):
        milestones = self.make_engagement(
            self.make_milestone_offer(deposit=0, percents=(40, 60)),
            partner_id=self.b2b.id,
            date_start=date(2026, 1, 31),
        )
        with freeze_time("2026-02-10 09:00:00"):
            milestones.milestone_ids.sorted()[0].action_done()
        self.b2b_programme(
            billing_model="subscription", recurring_amount=100, commitment_months=3
        )
        hybrid = self.b2b_programme(
            extras_policy="immediate",
            allowance_ids=[
                Command.create({"product_id": self.session.id, "included_qty": 0})
            ],
        )
        with freeze_time("2026-02-10 09:00:00"):
            self.env["accomp.usage"].create(
                {
                    "engagement_id": hybrid.id,
                    "product_id": self.session.id,
                    "date": date(2026, 2, 10),
                    "quantity": 2,
                }
            )
        self.invoice_due(date(2026, 2, 28))
        kinds = {}
        for move in (milestones | hybrid).invoice_ids | self.env["account.move"].search(
            [("accomp_engagement_id.billing_model", "=", "subscription")]
        ):
            for kind in move.invoice_line_ids.accomp_schedule_line_id.mapped("kind"):
                kinds.setdefault(kind, move)
        self.assertEqual(
            set(kinds), {"milestone", "subscription", "extras", "instalment"}
        )
        extras = kinds["extras"]
        self.assertEqual((extras.amount_untaxed, extras.amount_total), (160, 192))
        self.assertValid(self.env["account.move"].union(*kinds.values()))

    def test_late_fee_invoice_is_outside_the_scope_of_vat_and_valid(self):
        engagement = self.b2b_programme(billing_model="upfront", amount_total=1200)
        invoice = self.invoice_due(date(2026, 2, 28))
        invoice.invoice_date_due = date(2026, 2, 28)
        with freeze_time("2026-04-29 10:00:00"):
            action = engagement.action_bill_late_fees()
        fees = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(fees.amount_tax, 0)
        self.assertEqual(
            set(fees.invoice_line_ids.tax_ids.mapped("ubl_cii_tax_category_code")),
            {"O"},
        )
        self.assertValid(fees)
        tree = self.xml(fees)
        self.assertEqual(
            tree.findtext(
                ".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode",
                namespaces=NS,
            ),
            "O",
        )
        # outside the scope of VAT: no VAT identifiers (BR-O-02)
        self.assertIsNone(tree.find(".//ram:SpecifiedTaxRegistration", NS))
        # and its PDF says so, not "provision of services"
        text = " ".join(self.pdf_text(fees).split())
        self.assertIn("outside the scope of VAT", text)
        self.assertNotIn("provision of services", text)

    def test_termination_final_invoice_and_credit_note_name_what_they_credit(self):
        engagement = self.b2b_programme(billing_model="upfront", amount_total=1200)
        upfront = self.invoice_due(date(2026, 1, 31))
        self.terminate(engagement, date(2026, 3, 10), fee_type="fixed", fee_amount=100)
        final = engagement.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m != upfront
        )
        credit = engagement.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertTrue(final)
        self.assertTrue(credit)
        self.assertValid(final | credit)
        # its PDF names the invoice it credits
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account.report_invoice", credit.ids)[0]
            .decode()
        )
        self.assertIn(f"Credit note of invoice(s) {upfront.name}", html)
        self.assertEqual(credit.ref, f"Credit of {upfront.name}")
        tree = self.xml(credit)
        self.assertEqual(
            tree.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS), "381"
        )
        self.assertEqual(
            tree.findtext(
                ".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=NS
            ),
            upfront.name,
        )

    def test_private_client_invoice(self):
        self.make_engagement(self.make_offer(billing_model="upfront"))
        invoice = self.invoice_due(date(2026, 1, 31))
        self.assertFalse(invoice.commercial_partner_id.is_company)
        self.assertValid(invoice)
        tree = self.xml(invoice)
        notes = " ".join(
            tree.xpath(".//ram:IncludedNote/ram:Content/text()", namespaces=NS)
        )
        self.assertIn("consumer", notes)
        self.assertNotIn("40.00", notes)

    def test_franchise_invoice_says_exempt_art_293_b_and_is_valid(self):
        self.company.accomp_vat_franchise = True
        engagement = self.make_engagement(
            self.make_offer(
                product_id=self.product_untaxed.id, billing_model="upfront"
            ),
            partner_id=self.b2b.id,
        )
        invoice = self.invoice_due(date(2026, 1, 31))
        self.assertEqual(invoice.accomp_engagement_id, engagement)
        self.assertEqual((invoice.amount_tax, invoice.amount_total), (0, 3000))
        tax = invoice.invoice_line_ids.tax_ids
        self.assertEqual(
            (
                tax.amount,
                tax.ubl_cii_tax_category_code,
                tax.ubl_cii_tax_exemption_reason_code,
            ),
            (0, "E", "VATEX-FR-FRANCHISE"),
        )
        self.assertValid(invoice)
        # a product carrying real VAT is still refused under the franchise
        taxed = self.make_engagement(self.make_offer(), confirm=False)
        with self.assertRaisesRegex(UserError, "VAT franchise"):
            taxed.action_confirm()

    def sent_attachments(self, invoice):
        message = invoice.message_ids.filtered(
            lambda m: m.message_type == "comment" and m.attachment_ids
        )[:1]
        return message.attachment_ids.mapped("name")

    def test_late_fee_and_franchise_invoices_are_sent_with_their_facturx(self):
        """Odoo's sending makes the PDF and its Factur-X of both, for a client
        whose format is Factur-X, and sends them (it made none before: the
        export refused lines without a tax)."""
        engagement = self.b2b_programme(billing_model="upfront", amount_total=1200)
        self.run_scheduler(date(2026, 2, 28))
        invoice = engagement.invoice_ids
        self.assertTrue(invoice.is_move_sent)
        invoice.invoice_date_due = date(2026, 2, 28)
        with freeze_time("2026-04-29 10:00:00"):
            fees = self.env["account.move"].browse(
                engagement.action_bill_late_fees()["res_id"]
            )
        self.assertEqual(fees.state, "posted")
        self.run_scheduler(date(2026, 4, 29))
        self.assertTrue(fees.is_move_sent)
        self.assertFalse(fees.sending_data)
        names = self.sent_attachments(fees)
        self.assertTrue(any(name.endswith(".pdf") for name in names), names)
        self.assertTrue(any(name.endswith(".xml") for name in names), names)

        self.company.accomp_vat_franchise = True
        franchise = self.make_engagement(
            self.make_offer(
                product_id=self.product_untaxed.id, billing_model="upfront"
            ),
            partner_id=self.b2b.id,
            date_start=date(2026, 5, 4),
        )
        self.run_scheduler(date(2026, 5, 4))
        invoice = franchise.invoice_ids
        self.assertTrue(invoice.is_move_sent)
        names = self.sent_attachments(invoice)
        self.assertTrue(any(name.endswith(".xml") for name in names), names)

    def test_a_plain_company_prints_its_legal_identity_on_every_invoice(self):
        """No report layout set up (no company details, no footer): the seller's
        name, legal form and capital, SIRET, trade register and VAT number are
        on the invoice all the same."""
        self.company.write(
            {
                "report_footer": False,
                "company_details": False,
                "accomp_legal_form": "SAS",
                "accomp_share_capital": 10000,
                "accomp_trade_register": "RCS Paris",
            }
        )
        self.b2b_programme(billing_model="upfront")
        invoice = self.invoice_due(date(2026, 1, 31))
        text = " ".join(self.pdf_text(invoice).split())
        self.assertIn("SAS with a share capital of", text)
        self.assertIn("SIRET 82345678500018", text)
        self.assertIn("RCS Paris", text)
        self.assertIn("VAT number FR72823456785", text)

    def test_french_clients_get_facturx_with_metadata_matching_its_profile(self):
        """A French client without a format of their own gets Factur-X (the
        company's setting, on by default); their own choice wins. The PDF/A-3
        metadata states the profile the XML declares (EXTENDED)."""
        person = self.env["res.partner"].create(
            {"name": "Julie Morel", "country_id": self.env.ref("base.fr").id}
        )
        belgian = self.env["res.partner"].create(
            {"name": "Lucas Peeters", "country_id": self.env.ref("base.be").id}
        )
        self.assertEqual(person.invoice_edi_format, "facturx")
        self.assertNotEqual(belgian.invoice_edi_format, "facturx")
        person.invoice_edi_format = False  # the client wants none
        self.assertFalse(person.invoice_edi_format)
        self.company.accomp_facturx_default = False
        other = self.env["res.partner"].create(
            {"name": "Paul Girard", "country_id": self.env.ref("base.fr").id}
        )
        self.assertFalse(other.invoice_edi_format)
        metadata = self.env["ir.qweb"]._render(
            "account_edi_ubl_cii.account_invoice_pdfa_3_facturx_metadata",
            {"title": "INV/2026/00001", "date": date(2026, 1, 31)},
        )
        self.assertIn("<fx:ConformanceLevel>EXTENDED</fx:ConformanceLevel>", metadata)
        self.assertIn("<pdfaid:part>3</pdfaid:part>", metadata)

    def test_without_payment_terms_an_invoice_is_due_on_its_own_date(self):
        self.company.accomp_payment_term_id = False
        self.b2b.property_payment_term_id = False
        self.b2b_programme(billing_model="upfront")
        # the run of 31 January catches up on 5 February
        with freeze_time("2026-02-05 09:00:00"):
            invoice = self.env["accomp.schedule.line"]._invoice_due_lines(
                date_ref=date(2026, 1, 31)
            )
        self.assertFalse(invoice.invoice_payment_term_id)
        self.assertEqual(invoice.invoice_date, date(2026, 1, 31))
        self.assertEqual(invoice.invoice_date_due, date(2026, 1, 31))
        self.assertValid(invoice)

    def test_eu_business_client_is_reverse_charged_and_valid(self):
        """Services to a business client of another EU country: no French VAT,
        the reverse charge said on the invoice with the client's VAT number,
        category AE in the Factur-X; the programme's figures say the same."""
        belgian = self.env["res.partner"].create(
            {
                "name": "Studio Peeters BV",
                "is_company": True,
                "street": "Rue Neuve 10",
                "zip": "1000",
                "city": "Bruxelles",
                "country_id": self.env.ref("base.be").id,
                "vat": "BE0477472701",
                "email": "boekhouding@studio-peeters.be",
            }
        )
        engagement = self.make_engagement(
            self.make_offer(billing_model="upfront"), partner_id=belgian.id
        )
        self.assertEqual(
            (engagement.amount_untaxed, engagement.amount_total), (3000, 3000)
        )
        invoice = self.invoice_due(date(2026, 1, 31))
        self.assertEqual((invoice.amount_untaxed, invoice.amount_total), (3000, 3000))
        tax = invoice.invoice_line_ids.tax_ids
        self.assertEqual((tax.amount, tax.ubl_cii_tax_category_code), (0, "AE"))
        self.assertIn("Reverse charge", str(invoice.narration))
        self.assertIn("BE0477472701", str(invoice.narration))
        self.assertEqual(engagement.amount_total, invoice.amount_total)
        self.assertValid(invoice)

    def test_a_goods_tax_on_a_programme_product_is_warned_about(self):
        goods_tax = (
            self.env["account.chart.template"]
            .with_company(self.company)
            .ref("tva_normale")
        )
        self.assertEqual(goods_tax.tax_scope, "consu")
        goods_product = self.env["product.product"].create(
            {"name": "Coaching (biens)", "type": "service", "taxes_id": goods_tax.ids}
        )
        offer = self.make_offer(product_id=goods_product.id)
        self.assertIn("goods tax", offer.goods_tax_warning)
        engagement = self.make_engagement(offer, partner_id=self.b2b.id)
        self.assertIn(
            "a goods tax on the invoiced product: use a services tax",
            engagement._billing_problems(),
        )
        services = self.make_offer()  # 20 % on services (encaissements)
        self.assertFalse(services.goods_tax_warning)
        self.assertNotIn(
            "a goods tax on the invoiced product: use a services tax",
            self.make_engagement(services, partner_id=self.b2b.id)._billing_problems(),
        )

    def test_a_french_business_without_siren_is_warned_before_confirming(self):
        nosiren = self.env["res.partner"].create(
            {
                "name": "Boulangerie Lefèvre",
                "is_company": True,
                "country_id": self.env.ref("base.fr").id,
                "vat": "FR64443061841",  # a VAT number is not the SIREN
                "email": "gerance@boulangerie.example.com",
            }
        )
        engagement = self.make_engagement(
            self.make_milestone_offer(), partner_id=nosiren.id, confirm=False
        )
        self.assertIn("without SIREN", engagement.billing_warning)
        arch = engagement.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="billing_warning"', arch)
        engagement.action_confirm()  # a warning, not a refusal
        self.assertIn("without SIREN", engagement.billing_warning)
        # the coach marking a phase done reads it on the same form
        engagement.user_id = self.coach
        self.assertIn("without SIREN", engagement.with_user(self.coach).billing_warning)
        nosiren.company_registry = "443061841"
        engagement.invalidate_recordset(["billing_warning"])
        self.assertNotIn("SIREN", engagement.billing_warning or "")

    def test_a_pdf_split_from_a_batch_becomes_pdfa_3(self):
        """Sent in a batch, each invoice's PDF is split from one rendering; Odoo
        takes such a PDF for a PDF/A already and never converts it. It is
        converted, with the Factur-X metadata."""
        writer = OdooPdfFileWriter()
        writer.add_blank_page(595, 842)
        writer.addAttachment(
            "factur-x.xml", b"<rsm:CrossIndustryInvoice/>", subtype="text/xml"
        )
        buffer = io.BytesIO()
        writer.write(buffer)
        split = buffer.getvalue()
        self.assertFalse(split.startswith(b"%PDF-1.7"))
        guess = OdooPdfFileWriter()
        guess.cloneReaderDocumentRoot(
            OdooPdfFileReader(io.BytesIO(split), strict=False)
        )
        self.assertTrue(guess.is_pdfa, "Odoo's heuristic takes it for a PDF/A")
        metadata = self.env["account.move.send"]._accomp_pdfa_metadata(
            self.env["account.move"].new({"name": "INV/2026/00001"})
        )
        converted = ensure_pdfa(split, metadata)
        self.assertTrue(converted.startswith(b"%PDF-1.7"))
        reader = OdooPdfFileReader(io.BytesIO(converted), strict=False)
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
        self.assertIn(b"<pdfaid:part>3</pdfaid:part>", xmp)
        self.assertIn(b"EXTENDED", xmp)
        self.assertIn("factur-x.xml", [name for name, _data in reader.getAttachments()])
        # a PDF/A already is left as it is
        self.assertEqual(ensure_pdfa(converted, metadata), converted)

    def test_the_generic_programme_product_bills_with_the_services_tax(self):
        """A French chart gives the generic "Programme" product the company's
        20 % on services, never the chart's default goods tax."""
        product = self.env.ref("accomp_billing.product_programme")
        taxes = product.taxes_id._filter_taxes_by_company(self.company)
        self.assertEqual(taxes, self.tva20)
        self.assertEqual(taxes.tax_scope, "service")
        offer = self.env["accomp.offer"].create(
            {
                "name": "Programme Envol",
                "billing_model": "instalments",
                "amount_total": 3000,
                "instalment_count": 6,
                "company_id": self.company.id,
            }
        )
        self.assertEqual(offer.product_id, product)
        self.assertFalse(offer.goods_tax_warning)
        self.make_engagement(offer, partner_id=self.b2b.id)
        invoice = self.invoice_due(date(2026, 1, 31))
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.tva20)
        self.assertEqual((invoice.amount_untaxed, invoice.amount_total), (500, 600))
