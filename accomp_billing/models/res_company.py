from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import recovery


class ResCompany(models.Model):
    _inherit = "res.company"

    accomp_payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Programme Payment Terms",
        check_company=True,
        help="Payment terms of generated programme invoices when the client has none.",
    )
    accomp_retry_days = fields.Char(
        string="Payment Retries",
        default="3, 7, 14",
        help="Days after the due date on which a declined automatic debit is tried "
        "again.",
    )
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

    @api.constrains("accomp_retry_days")
    def _check_accomp_retry_days(self):
        for company in self:
            try:
                recovery.parse_retry_days(company.accomp_retry_days)
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "Payment retries must be increasing numbers of days after the "
                        "due date, separated by commas (e.g. 3, 7, 14)."
                    )
                ) from error

    def _accomp_retry_days(self):
        self.ensure_one()
        return recovery.parse_retry_days(self.accomp_retry_days)
