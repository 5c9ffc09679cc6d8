"""The programme's ledger: what was sold, invoiced, credited and paid against
what was delivered (phases done, sessions used, time elapsed), so that
"delivered but not billed" and "billed but not delivered" show at a glance.

All amounts incl. VAT, like the invoices. Value delivered: the one definition
of ``tools/delivery.py`` (``_amount_delivered``), which the termination wizard
and the year-end cut-off use too."""

import math
import operator as py_operator

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..tools import delivery, planning


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
        "milestone_ids.date_done",
        "schedule_line_ids.amount_net",
        "date_end",
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
        periods = self.schedule_line_ids.filtered(
            lambda x: x.state not in ("cancelled", "credited")
            and x.period_start
            and x.period_end
            and x.period_start != x.period_end
        )
        elapsed = len(periods.filtered(lambda x: x.period_end < today))
        return self._amount_delivered(today), len(periods), elapsed

    def _amount_delivered(self, date, untaxed=False):
        """Value delivered by the end of ``date``, incl. VAT (excl. VAT with
        ``untaxed``): ``tools/delivery.py``'s one definition, on what each
        billing event bills net of its credit notes."""
        self.ensure_one()
        if self.state in (False, "draft", "cancelled"):
            return 0.0
        events = [
            delivery.Event(
                kind=line.kind,
                amount=planning.to_decimal(
                    line.amount_net_untaxed if untaxed else line.amount_net
                ),
                date_due=(
                    line.milestone_id.date_done
                    if line.kind == "milestone"
                    else line.date_due
                )
                or None,
                period_start=line.period_start or None,
                period_end=line.period_end or None,
            )
            for line in self.schedule_line_ids.filtered(
                lambda x: x.state != "cancelled"
            )
        ]
        phases = [
            delivery.Phase(planning.to_decimal(milestone.percent), milestone.date_done)
            for milestone in self.milestone_ids
            if milestone.state == "done"
        ]
        value = delivery.delivered(
            events,
            self.billing_model,
            self.date_start,
            self.date_end or None,
            date,
            self.currency_id.rounding,
            phases,
        )
        return self.currency_id.round(float(value))

    def _amount_invoiced_on(self, date):
        """Untaxed, in the company's currency: the programme's invoices posted
        and dated on or before ``date``, less its credit notes (the cut-off's
        invoiced side: posted documents only, the same figure later)."""
        self.ensure_one()
        moves = self.invoice_ids.filtered(
            lambda m: m.state == "posted"
            and m.move_type in ("out_invoice", "out_refund")
            and m.invoice_date
            and m.invoice_date <= date
        )
        return self.company_id.currency_id.round(
            sum(moves.mapped("amount_untaxed_signed"))
        )

    def _amount_delivered_on(self, date):
        """Untaxed value delivered by ``date``, in the company's currency."""
        self.ensure_one()
        delivered = self._amount_delivered(date, untaxed=True)
        company = self.company_id
        return self.currency_id._convert(delivered, company.currency_id, company, date)

    def _income_account(self):
        """The income account the programme's invoices are booked on."""
        self.ensure_one()
        company = self.company_id
        product = self._invoiced_product().with_company(company)
        account = product.product_tmpl_id._get_product_accounts()["income"]
        if self.fiscal_position_id:
            account = self.fiscal_position_id.map_account(account)
        if not account:
            account = (
                self.env["account.journal"]
                .search(
                    [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
                )
                .default_account_id
            )
        return account

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
