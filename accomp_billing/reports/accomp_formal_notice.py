"""The formal notice (mise en demeure) is a letter for an invoice that is late
and was reminded already: it says so. Printed for any other invoice it would
lie, so it is refused with the reason."""

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import format_date


class ReportFormalNotice(models.AbstractModel):
    _name = "report.accomp_billing.report_formal_notice"
    _description = "Formal Notice to Pay"

    @api.model
    def _get_report_values(self, docids, data=None):
        invoices = self.env["account.move"].browse(docids)
        for invoice in invoices:
            error = invoice._accomp_formal_notice_error()
            if error:
                raise UserError(error)
        return {"doc_ids": docids, "doc_model": "account.move", "docs": invoices}


class AccountMove(models.Model):
    _inherit = "account.move"

    def _accomp_formal_notice_error(self):
        """Why this invoice cannot get a formal notice (a translated sentence),
        or None: it must be a programme invoice, posted, unpaid, past its due
        date and already reminded by an earlier dunning level."""
        self.ensure_one()
        today = (
            self.accomp_engagement_id.company_id or self.company_id
        )._accomp_today()
        if not (
            self.accomp_engagement_id
            and self.move_type == "out_invoice"
            and self.state == "posted"
            and self.payment_state in ("not_paid", "partial")
        ):
            return self.env._(
                "%(invoice)s: a formal notice is for an unpaid programme invoice.",
                invoice=self.display_name,
            )
        if not self.invoice_date_due or self.invoice_date_due >= today:
            return self.env._(
                "%(invoice)s is not overdue (due on %(date)s): a formal notice "
                "comes after the due date and the reminders.",
                invoice=self.name,
                date=format_date(self.env, self.invoice_date_due),
            )
        notice = self.env.ref(
            "accomp_billing.action_report_formal_notice", raise_if_not_found=False
        )
        reminders = self.accomp_dunning_ids.filtered(
            lambda h: notice not in h.level_id.mail_template_id.report_template_ids
        )
        if not reminders:
            return self.env._(
                "%(invoice)s was not reminded yet: a formal notice says it remains "
                "unpaid despite the previous reminders; send a reminder first.",
                invoice=self.name,
            )
        return None
