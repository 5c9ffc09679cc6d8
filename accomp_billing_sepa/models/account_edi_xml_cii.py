"""The Factur-X (CII) of a SEPA-debited programme invoice says it is a direct
debit (EN 16931): payment means 59 (BT-81), the creditor identifier (BT-90),
the mandate reference (BT-89) and the debited account (BT-91)."""

from odoo import models


class AccountEdiXmlCii(models.AbstractModel):
    _inherit = "account.edi.xml.cii"

    def _export_invoice_vals(self, invoice):
        vals = super()._export_invoice_vals(invoice)
        if invoice._accomp_sepa_debited():
            mandate = invoice.mandate_id
            vals["payment_means_code"] = "59"  # SEPA direct debit (UNTDID 4461)
            vals["accomp_sepa"] = {
                "creditor": invoice.company_id._accomp_sepa_creditor_identifier(),
                "mandate": mandate.unique_mandate_reference,
                "debtor_iban": mandate.partner_bank_id.sanitized_acc_number,
            }
        return vals
