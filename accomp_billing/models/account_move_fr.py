"""What the French late-payment fees remember on each late invoice."""

from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    accomp_indemnity_billed = fields.Boolean(copy=False, readonly=True)
    accomp_interest_billed_until = fields.Date(copy=False, readonly=True)

    def _accomp_days_late(self, today):
        """Days the invoice was (or still is) paid late."""
        self.ensure_one()
        if not self.invoice_date_due:
            return 0
        end = today
        if self.payment_state in ("paid", "in_payment"):
            dates = self.line_ids.matched_credit_ids.mapped("max_date")
            end = max(dates) if dates else today
        return max((end - self.invoice_date_due).days, 0)
