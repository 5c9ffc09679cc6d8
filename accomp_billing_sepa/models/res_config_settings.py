from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    accomp_sepa_payment_mode_id = fields.Many2one(
        related="company_id.accomp_sepa_payment_mode_id", readonly=False
    )
    accomp_sepa_prenotification_days = fields.Integer(
        related="company_id.accomp_sepa_prenotification_days", readonly=False
    )
    accomp_sepa_lead_days = fields.Integer(
        related="company_id.accomp_sepa_lead_days", readonly=False
    )

    def action_accomp_sepa_setup(self):
        self.ensure_one()
        self.execute()
        self.company_id.action_accomp_sepa_setup()
        return True
