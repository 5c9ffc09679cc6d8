"""The engagement's amounts, like sale.order's: untaxed, taxes and total incl.
VAT (what the client owes), and what is invoiced, paid and left to pay in the
invoices' own terms."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .accomp_terms_mixin import TERM_FIELDS


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    # Amounts like sale.order: untaxed, taxes, total incl. VAT (what the client
    # owes); invoiced / paid / left to pay in the invoices' own terms (incl. VAT).
    amount_untaxed = fields.Monetary(
        string="Untaxed Amount", compute="_compute_amounts", store=True
    )
    amount_tax = fields.Monetary(string="Taxes", compute="_compute_amounts", store=True)
    amount_total = fields.Monetary(
        string="Total",
        compute="_compute_amounts",
        store=True,
        help="Incl. VAT: what the client owes for the programme, from its posted "
        "invoices and credit notes, plus the billing events still to invoice.",
    )
    amount_invoiced = fields.Monetary(
        string="Invoiced",
        compute="_compute_amounts",
        store=True,
        help="Incl. VAT: posted invoices less posted credit notes.",
    )
    amount_paid = fields.Monetary(
        string="Paid",
        compute="_compute_amounts",
        store=True,
        help="Incl. VAT: money received (credit notes are not payments).",
    )
    amount_residual = fields.Monetary(
        string="Left to Pay",
        compute="_compute_amounts",
        store=True,
        help="Incl. VAT: total less paid, i.e. the open invoices' residuals plus "
        "what is still to invoice.",
    )
    amount_to_invoice = fields.Monetary(
        string="To Invoice",
        compute="_compute_amounts",
        store=True,
        help="Incl. VAT: billing events not on a posted invoice yet.",
    )

    @api.depends(
        "state",
        "price_total",
        "date_start",
        "fiscal_position_id",
        *TERM_FIELDS,
        "schedule_line_ids.amount_untaxed",
        "schedule_line_ids.amount_total",
        "schedule_line_ids.state",
        "schedule_line_ids.invoice_id.state",
        "invoice_ids.state",
        "invoice_ids.amount_untaxed",
        "invoice_ids.amount_total",
        "invoice_ids.amount_residual",
        "invoice_ids.payment_state",
    )
    def _compute_amounts(self):
        def posted(moves):
            return moves.filtered(
                lambda m: m.state == "posted"
                and m.move_type in ("out_invoice", "out_refund")
            )

        # what each was paid, read for the whole batch at once
        paid_by_move = posted(self.invoice_ids)._accomp_amounts_paid()
        for engagement in self:
            untaxed = invoiced = paid = 0.0
            for move in posted(engagement.invoice_ids):
                sign = -1 if move.move_type == "out_refund" else 1
                untaxed += sign * move.amount_untaxed
                invoiced += sign * move.amount_total
                paid += sign * paid_by_move.get(move._origin.id, 0.0)
            projected = engagement.schedule_line_ids.filtered(
                lambda line: line.state not in ("cancelled", "credited")
                and line.invoice_id.state != "posted"
            )
            to_invoice = sum(projected.mapped("amount_total"))
            untaxed += sum(projected.mapped("amount_untaxed"))
            if (
                engagement.state in (False, "draft")
                and not engagement.schedule_line_ids
            ):
                # not sold yet: what the schedule it would build adds up to
                draft_untaxed, to_invoice = engagement._draft_amounts()
                untaxed += draft_untaxed
            engagement.amount_untaxed = untaxed
            engagement.amount_total = invoiced + to_invoice
            engagement.amount_tax = engagement.amount_total - engagement.amount_untaxed
            engagement.amount_invoiced = invoiced
            engagement.amount_paid = paid
            engagement.amount_to_invoice = to_invoice
            engagement.amount_residual = engagement.amount_total - paid

    def _draft_amounts(self):
        """(untaxed, total incl. VAT) of the schedule a draft would build."""
        self.ensure_one()
        if not (self.offer_id and self.date_start and self.billing_model):
            return 0.0, 0.0
        try:
            planned = self._plan_schedule()
        except (UserError, ValidationError):
            return 0.0, 0.0
        amounts = [self._planned_amounts(line) for line in planned]
        return sum(a[0] for a in amounts), sum(a[1] for a in amounts)
