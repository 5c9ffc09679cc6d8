from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    accomp_failure = fields.Selection(
        selection_add=[("sepa", "SEPA direct debit")], ondelete={"sepa": "cascade"}
    )
