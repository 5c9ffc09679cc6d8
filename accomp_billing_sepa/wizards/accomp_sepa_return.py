from odoo import fields, models

from ..models.account_payment import RETURN_REASONS


class AccompSepaReturn(models.TransientModel):
    _name = "accomp.sepa.return"
    _description = "Returned SEPA debit"

    payment_ids = fields.Many2many(
        "account.payment",
        string="Debits",
        required=True,
        default=lambda self: self.env.context.get("active_ids"),
    )
    reason_code = fields.Selection(
        RETURN_REASONS, string="Reason (R-transaction code)", required=True
    )
    date = fields.Date(
        string="Returned on",
        required=True,
        default=lambda self: self.env.company._accomp_today(),
    )

    def action_confirm(self):
        self.ensure_one()
        invoices = self.payment_ids.action_debit_returned(self.reason_code, self.date)
        return (
            invoices.accomp_engagement_id[:1]._get_records_action()
            if len(invoices.accomp_engagement_id) == 1
            else {"type": "ir.actions.act_window_close"}
        )
