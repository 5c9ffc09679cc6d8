"""Factur-X / CII of programme invoices.

* the service period of each billing event (EN 16931 BG-26, "invoice line
  period") and of the invoice (BG-14), which Community otherwise only fills from
  the deferred-revenue dates of the Enterprise accounting app;
* for a French company, what the French CTC rules of the 2026 reform ask
  (``data/cii_templates.xml`` prints it): the billing mode (BT-23), the legal
  mentions as coded notes (BR-FR-05), the seller's SIREN (9 digits, scheme
  0002) and both parties' electronic addresses (BT-34, BT-49), the deposit
  invoice's type code (386) and the invoices a credit note credits (BT-25)."""

from odoo import models
from odoo.tools import html2plaintext

# EN 16931 / UNTDID 1001 document types, and the French billing mode (BT-23)
# of an invoice for services (S1: a services invoice, deposited).
DEPOSIT_TYPE_CODE = "386"
SERVICES_BILLING_MODE = "S1"


def siren(registry):
    """The 9-digit SIREN of a company registry number (a SIRET's first 9
    digits), or None."""
    digits = "".join(ch for ch in (registry or "") if ch.isdigit())
    return digits[:9] if len(digits) >= 9 else None


class AccountEdiXmlCii(models.AbstractModel):
    _inherit = "account.edi.xml.cii"

    def _export_invoice_vals(self, invoice):
        vals = super()._export_invoice_vals(invoice)
        starts, ends = [], []
        for line_vals in vals.get("invoice_line_vals_list", []):
            event = line_vals["line"].accomp_schedule_line_id
            start, end = event._service_period() if event else (None, None)
            if start and end:
                line_vals["billing_start"] = start
                line_vals["billing_end"] = end
                starts.append(start)
                ends.append(end)
        if starts:
            vals["billing_start"] = min(starts)
            vals["billing_end"] = max(ends)
        if (
            invoice.accomp_engagement_id
            and invoice.company_id.account_fiscal_country_id.code == "FR"
        ):
            self._accomp_add_french_vals(invoice, vals)
        return vals

    def _accomp_add_french_vals(self, invoice, vals):
        """What the French e-invoicing rules ask of a programme invoice."""
        engagement = invoice.accomp_engagement_id
        client = invoice.commercial_partner_id
        seller = siren(invoice.company_id.company_registry)
        buyer = siren(client.company_registry)
        vals["accomp_business_process"] = SERVICES_BILLING_MODE
        vals["seller_specified_legal_organization"] = seller
        vals["buyer_specified_legal_organization"] = buyer
        vals["accomp_seller_endpoint"] = ("0225", seller) if seller else None
        if buyer:
            vals["accomp_buyer_endpoint"] = ("0225", buyer)
        elif invoice.partner_id.email or client.email:
            vals["accomp_buyer_endpoint"] = (
                "EM",
                invoice.partner_id.email or client.email,
            )
        notes = []
        narration = html2plaintext(invoice.narration or "").strip()
        if narration:
            notes.append({"content": narration})
        vals["accomp_notes"] = notes + engagement._cii_legal_notes()
        events = invoice.invoice_line_ids.accomp_schedule_line_id
        if (
            invoice.move_type == "out_invoice"
            and events
            and set(events.mapped("kind")) == {"deposit"}
        ):
            vals["ExchangedDocument_vals"]["type_code"] = DEPOSIT_TYPE_CODE
        if invoice.move_type == "out_refund":
            credited = (invoice.reversed_entry_id | events.invoice_id).filtered(
                lambda m: m.move_type == "out_invoice" and m.state == "posted"
            )
            vals["accomp_referenced_invoices"] = credited.sorted("invoice_date")
        # lines outside the scope of VAT: no VAT identifiers at all (BR-O-02)
        vals["accomp_no_vat_ids"] = any(
            detail["tax_category_code"] == "O"
            for detail in vals["tax_details"]["tax_details"].values()
        )
