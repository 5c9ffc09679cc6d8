"""What a French late-payment fee line bills: which late invoice, which fee."""

from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    accomp_late_invoice_id = fields.Many2one(
        "account.move",
        string="Late Invoice",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="restrict",
        help="The programme invoice paid late that this fee line bills.",
    )
    accomp_fee_type = fields.Selection(
        [("indemnity", "Recovery indemnity"), ("interest", "Late interest")],
        string="Late-Payment Fee",
        copy=False,
        readonly=True,
    )
    accomp_interest_until = fields.Date(
        string="Interest Until",
        copy=False,
        readonly=True,
        help="Late interest is billed up to this day (excluded).",
    )
