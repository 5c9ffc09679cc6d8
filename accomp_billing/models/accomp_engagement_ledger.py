"""The programme's ledger: what was sold, invoiced, credited and paid against
what was delivered (phases done, sessions used, time elapsed), so that
"delivered but not billed" and "billed but not delivered" show at a glance.

All amounts incl. VAT, like the invoices. Value delivered to date:

* a milestone: its amount once the phase is done;
* extras and termination lines: billed for what was already delivered;
* a deposit: as the phases are done (milestone programmes), else as time runs
  over the programme;
* any other event (instalment, subscription period, upfront): as time runs over
  its period (the programme's dates when it has none)."""

import math
import operator as py_operator

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare


def time_share(start, end, today):
    """Share of [start, end] (both days included) elapsed on ``today``."""
    if not start or not end or end < start:
        return 0.0
    if today < start:
        return 0.0
    return min(1.0, ((today - start).days + 1) / ((end - start).days + 1))


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    amount_credited = fields.Monetary(
        string="Credited",
        compute="_compute_ledger",
        help="Incl. VAT: posted credit notes of the programme.",
    )
    amount_delivered = fields.Monetary(
        string="Delivered",
        compute="_compute_ledger",
        help="Incl. VAT: value delivered to date (phases done, time elapsed, "
        "sessions beyond the included ones).",
    )
    amount_delivered_not_billed = fields.Monetary(
        string="Delivered, not billed",
        compute="_compute_ledger",
        search="_search_delivered_not_billed",
    )
    amount_billed_not_delivered = fields.Monetary(
        string="Billed, not delivered",
        compute="_compute_ledger",
        search="_search_billed_not_delivered",
    )
    period_count = fields.Integer(string="Periods", compute="_compute_ledger")
    period_elapsed_count = fields.Integer(
        string="Periods elapsed", compute="_compute_ledger"
    )

    @api.depends(
        "invoice_ids.state",
        "invoice_ids.amount_total",
        "schedule_line_ids.amount_total",
        "schedule_line_ids.amount_credited",
        "schedule_line_ids.state",
        "milestone_ids.state",
        "amount_invoiced",
    )
    @api.depends_context("company")
    def _compute_ledger(self):
        for engagement in self:
            today = (engagement.company_id or self.env.company)._accomp_today()
            credits = engagement.invoice_ids.filtered(
                lambda m: m.state == "posted" and m.move_type == "out_refund"
            )
            engagement.amount_credited = sum(credits.mapped("amount_total"))
            delivered, periods, elapsed = engagement._ledger_delivery(today)
            engagement.amount_delivered = delivered
            engagement.period_count = periods
            engagement.period_elapsed_count = elapsed
            gap = delivered - engagement.amount_invoiced
            engagement.amount_delivered_not_billed = max(gap, 0.0)
            engagement.amount_billed_not_delivered = max(-gap, 0.0)

    def _ledger_delivery(self, today):
        """(value delivered incl. VAT, periods, periods elapsed) on ``today``."""
        self.ensure_one()
        if self.state in (False, "draft", "cancelled"):
            return 0.0, 0, 0
        done_share = (
            self.milestone_done_count / self.milestone_count
            if self.milestone_count
            else None
        )
        delivered = 0.0
        periods = elapsed = 0
        for line in self.schedule_line_ids.filtered(
            lambda x: x.state not in ("cancelled", "credited")
        ):
            value = line.amount_total - line.amount_credited
            if line.kind == "milestone":
                share = 1.0 if line.milestone_id.state == "done" else 0.0
            elif line.kind in ("extras", "termination"):
                share = 1.0
            elif line.kind == "deposit" and done_share is not None:
                share = done_share
            elif line.period_start and line.period_end:
                periods += 1
                elapsed += line.period_end < today
                share = time_share(line.period_start, line.period_end, today)
            else:
                share = time_share(self.date_start, self.date_end, today)
            delivered += value * share
        return self.currency_id.round(delivered), periods, elapsed

    def _search_ledger_gap(self, fname, operator, value):
        """Computed from today's delivery: programmes under way or done are
        compared in Python (a small firm's few hundred programmes)."""
        compare = {
            ">": py_operator.gt,
            ">=": py_operator.ge,
            "<": py_operator.lt,
            "<=": py_operator.le,
            "=": py_operator.eq,
            "!=": py_operator.ne,
        }.get(operator)
        if compare is None or isinstance(value, (list, tuple)):
            return NotImplemented
        try:
            value = float(value or 0.0)
            if not math.isfinite(value):
                raise ValueError(value)
        except (TypeError, ValueError, OverflowError):
            raise UserError(
                self.env._(
                    "“%(value)s” is not an amount: search the ledger with a number.",
                    value=value,
                )
            ) from None
        candidates = self.search([("state", "in", ("active", "suspended", "done"))])
        matching = candidates.filtered(
            lambda e: compare(
                float_compare(
                    e[fname],
                    value,
                    precision_rounding=e.currency_id.rounding,
                ),
                0,
            )
        )
        return [("id", "in", matching.ids)]

    def _search_delivered_not_billed(self, operator, value):
        return self._search_ledger_gap("amount_delivered_not_billed", operator, value)

    def _search_billed_not_delivered(self, operator, value):
        return self._search_ledger_gap("amount_billed_not_delivered", operator, value)
