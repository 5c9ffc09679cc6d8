from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    accomp_payment_term_id = fields.Many2one(
        related="company_id.accomp_payment_term_id", readonly=False
    )
