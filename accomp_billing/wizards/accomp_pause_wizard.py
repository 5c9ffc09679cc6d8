from odoo import api, fields, models


class AccompPauseWizard(models.TransientModel):
    _name = "accomp.pause.wizard"
    _description = "Pause a Programme"

    engagement_id = fields.Many2one(
        "accomp.engagement", string="Programme", required=True
    )
    days = fields.Integer(string="Pause (days)", default=30, required=True)

    @api.constrains("days")
    def _check_days(self):
        for wizard in self:
            wizard.engagement_id._check_pause_days(wizard.days)

    def action_confirm(self):
        self.ensure_one()
        self.engagement_id._check_manager()
        self.engagement_id._pause(self.days)
        return {"type": "ir.actions.act_window_close"}
