from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _get_suggested_invoice_edi_format(self):
        """French clients of a French company get Factur-X by default (the
        company's setting; each client's own format wins, "none" included):
        Odoo Community suggests no format for France."""
        suggested = super()._get_suggested_invoice_edi_format()
        company = self.env.company
        if (
            not suggested
            and company.accomp_facturx_default
            and company.account_fiscal_country_id.code == "FR"
            and self.commercial_partner_id._deduce_country_code() == "FR"
        ):
            return "facturx"
        return suggested
