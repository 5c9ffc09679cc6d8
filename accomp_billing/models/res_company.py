from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    accomp_payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Programme Payment Terms",
        check_company=True,
        help="Payment terms of generated programme invoices when the client has none.",
    )
