from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    accomp_engagement_id = fields.Many2one(
        "accomp.engagement",
        string="Programme",
        index="btree_not_null",
        readonly=True,
        check_company=True,
        help="The programme this invoice (or credit note) bills.",
    )
