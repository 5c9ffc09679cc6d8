from odoo import api, fields, models
from odoo.exceptions import UserError

# The programme actions that change money or status: each asks first, on a
# list's selection as the form's header buttons do (their ``confirm``).
CONFIRMED_ACTIONS = (
    "action_suspend",
    "action_stop_renewal",
    "action_bill_late_fees",
    "action_cancel",
)


class AccompActionConfirm(models.TransientModel):
    _name = "accomp.action.confirm"
    _description = "Confirm a programme action"

    engagement_ids = fields.Many2many(
        "accomp.engagement", string="Programmes", required=True
    )
    action = fields.Selection(
        [
            ("action_suspend", "Suspend"),
            ("action_stop_renewal", "Stop renewal"),
            ("action_bill_late_fees", "Bill late fees"),
            ("action_cancel", "Cancel the programme"),
        ],
        required=True,
    )
    message = fields.Text(compute="_compute_message")

    @api.depends("action")
    def _compute_message(self):
        messages = {
            "action_suspend": self.env._(
                "Suspend this programme? Nothing is invoiced or debited until it "
                "is resumed."
            ),
            "action_stop_renewal": self.env._(
                "Stop this subscription at the earliest date its commitment and "
                "notice allow?"
            ),
            "action_bill_late_fees": self.env._(
                "Bill the late-payment fees (40 € per late invoice and late "
                "interest) on a new invoice?"
            ),
            "action_cancel": self.env._(
                "Cancel this programme? Planned billing events and draft invoices "
                "will be cancelled."
            ),
        }
        for wizard in self:
            wizard.message = messages.get(wizard.action, "")

    def action_apply(self):
        self.ensure_one()
        if self.action not in CONFIRMED_ACTIONS:
            raise UserError(self.env._("This action cannot be confirmed here."))
        result = getattr(self.engagement_ids, self.action)()
        if isinstance(result, dict):
            return result
        return {"type": "ir.actions.act_window_close"}
