from odoo import models


class AccountPaymentTerm(models.Model):
    _inherit = "account.payment.term"

    def _accomp_delay_days(self, date_ref):
        """Days from an invoice dated ``date_ref`` to its last due date: the
        cash forecast expects the payment then."""
        self.ensure_one()
        if not self.line_ids:
            return 0
        due = max(line._get_due_date(date_ref) for line in self.line_ids)
        return (due - date_ref).days
