"""What the French late-payment fees billed on each late invoice: read from the
fee lines themselves, so a fee counts as billed only once its invoice is
posted, and a draft fee invoice that is deleted or cancelled frees it again."""

from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    accomp_fee_line_ids = fields.One2many(
        "account.move.line",
        "accomp_late_invoice_id",
        string="Late-Payment Fee Lines",
        readonly=True,
    )
    accomp_indemnity_billed = fields.Boolean(
        string="Recovery Indemnity Billed",
        compute="_compute_accomp_late_fees_billed",
        help="The 40 € indemnity for this late invoice is on a posted invoice.",
    )
    accomp_interest_billed_until = fields.Date(
        string="Late Interest Billed Until",
        compute="_compute_accomp_late_fees_billed",
        help="Late interest of this invoice is on posted invoices up to this day.",
    )

    @api.depends(
        "accomp_fee_line_ids.parent_state",
        "accomp_fee_line_ids.accomp_fee_type",
        "accomp_fee_line_ids.accomp_interest_until",
    )
    def _compute_accomp_late_fees_billed(self):
        for move in self:
            posted = move.accomp_fee_line_ids.filtered(
                lambda aml: aml.parent_state == "posted"
            )
            move.accomp_indemnity_billed = any(
                aml.accomp_fee_type == "indemnity" for aml in posted
            )
            move.accomp_interest_billed_until = max(
                filter(None, posted.mapped("accomp_interest_until")), default=False
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
