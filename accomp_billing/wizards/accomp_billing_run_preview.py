"""Tomorrow's billing run, previewed: what the scheduler would invoice on a
chosen day (``_invoice_due_lines(dry_run=True)``, nothing written) and what
would block or spoil those invoices, so that it is fixed before the run."""

from datetime import timedelta

from odoo import api, fields, models


class AccompBillingRunPreview(models.TransientModel):
    _name = "accomp.billing.run.preview"
    _description = "Next billing run"

    date_ref = fields.Date(
        string="Run of",
        required=True,
        default=lambda self: self.env.company._accomp_today() + timedelta(days=1),
    )
    line_ids = fields.Many2many(
        "accomp.schedule.line", string="Billing events", compute="_compute_lines"
    )
    line_count = fields.Integer(string="Billing event count", compute="_compute_lines")
    engagement_count = fields.Integer(
        string="Programmes to invoice", compute="_compute_lines"
    )
    problem_count = fields.Integer(string="With a problem", compute="_compute_lines")
    currency_id = fields.Many2one(related="company_id.currency_id")
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, required=True
    )
    amount_total = fields.Monetary(string="Total incl. VAT", compute="_compute_lines")

    @api.depends("date_ref", "company_id")
    def _compute_lines(self):
        Line = self.env["accomp.schedule.line"]
        for preview in self:
            lines = (
                Line.with_company(preview.company_id)._invoice_due_lines(
                    date_ref=preview.date_ref, dry_run=True
                )
                if preview.date_ref
                else Line
            ).filtered(lambda line, p=preview: line.company_id == p.company_id)
            preview.line_ids = lines
            preview.line_count = len(lines)
            preview.engagement_count = len(lines.engagement_id)
            preview.problem_count = len(lines.filtered("billing_problems"))
            preview.amount_total = sum(lines.mapped("amount_total"))
