"""The French late-payment fees billed on each late invoice: read from the fee
lines themselves (a draft fee invoice that is deleted or cancelled frees them
again)."""

from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    accomp_fee_line_ids = fields.One2many(
        "account.move.line",
        "accomp_late_invoice_id",
        string="Late-Payment Fee Lines",
        readonly=True,
    )

    def _accomp_is_deposit_invoice(self):
        """An invoice that bills only a programme's deposit (the PDF title)."""
        self.ensure_one()
        events = self.invoice_line_ids.accomp_schedule_line_id
        return bool(events) and set(events.mapped("kind")) == {"deposit"}

    def _accomp_fee_lines_live(self):
        """Fee lines for this invoice that are posted or still drafts: what a new
        fee invoice must not bill again."""
        self.ensure_one()
        return self.accomp_fee_line_ids.filtered(
            lambda aml: aml.parent_state != "cancel"
        )

    def _accomp_settlements(self):
        """[(date, amount)] payments and credit notes settling this invoice, in
        its currency: what it stopped owing, day by day."""
        self.ensure_one()
        receivable = self.line_ids.filtered(
            lambda aml: aml.account_type == "asset_receivable"
        )
        return [
            (partial.max_date, partial.debit_amount_currency)
            for partial in receivable.matched_credit_ids
        ]

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
