"""French B2B late-payment rules (Code de commerce L441-10, D441-5): optional,
on by default; never applied to private clients."""

from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    accomp_late_fees = fields.Boolean(
        string="French B2B Late-Payment Fees",
        default=True,
        help="Business clients owe the fixed 40 € recovery indemnity per late invoice "
        "and late interest (French Commercial Code L441-10). Never applied to private "
        "clients.",
    )
    accomp_ecb_rate = fields.Float(
        string="ECB Refinancing Rate (%)",
        digits=(5, 2),
        default=2.15,
        help="Main refinancing rate of the European Central Bank; update it every "
        "six months (1 January and 1 July).",
    )
    accomp_late_rate_margin = fields.Float(
        string="Late Interest Margin (points)", digits=(5, 2), default=10.0
    )
    accomp_late_interest_rate = fields.Float(
        string="Late Interest Rate (%)",
        digits=(5, 2),
        compute="_compute_accomp_late_interest_rate",
    )
    accomp_vat_franchise = fields.Boolean(
        string="VAT Franchise (micro-entrepreneur)",
        help="Art. 293 B of the CGI: no VAT is invoiced; the invoices say “TVA non "
        "applicable, art. 293 B du CGI”.",
    )
    accomp_early_payment_discount = fields.Char(
        string="Early Payment Discount",
        translate=True,
        help="The discount for early payment printed on business invoices; empty: "
        "“No discount for early payment”.",
    )
    accomp_recovery_indemnity = fields.Monetary(
        string="Recovery Indemnity",
        currency_field="currency_id",
        default=40.0,
        help="Fixed indemnity for recovery costs per late invoice (D441-5: 40 €).",
    )

    @api.depends("accomp_ecb_rate", "accomp_late_rate_margin")
    def _compute_accomp_late_interest_rate(self):
        for company in self:
            company.accomp_late_interest_rate = (
                company.accomp_ecb_rate + company.accomp_late_rate_margin
            )
