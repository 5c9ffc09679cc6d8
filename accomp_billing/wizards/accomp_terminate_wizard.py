from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount, format_date

from ..models.accomp_engagement_fr import format_rate
from ..models.accomp_terms_mixin import TERMINATION_FEE_TYPES
from ..tools import planning


class AccompTerminateWizard(models.TransientModel):
    """Early termination, shown before it is done: last day (notice, or the end
    of the commitment for a subscription), events billed now, events cancelled,
    fee, pro rata credit note."""

    _name = "accomp.terminate.wizard"
    _description = "Terminate a Programme"

    engagement_id = fields.Many2one(
        "accomp.engagement", string="Programme", required=True
    )
    currency_id = fields.Many2one(related="engagement_id.currency_id")
    request_date = fields.Date(
        string="Termination Requested On",
        required=True,
        default=fields.Date.context_today,
    )
    fee_type = fields.Selection(
        TERMINATION_FEE_TYPES,
        string="Termination Fee",
        compute="_compute_fee_terms",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    fee_percent = fields.Float(
        string="Fee (%)",
        compute="_compute_fee_terms",
        store=True,
        readonly=False,
        precompute=True,
    )
    fee_amount = fields.Monetary(
        string="Fixed Fee",
        compute="_compute_fee_terms",
        store=True,
        readonly=False,
        precompute=True,
    )
    date_end = fields.Date(string="Last Day", compute="_compute_plan")
    amount_billed = fields.Monetary(
        string="Final Invoice (incl. VAT)", compute="_compute_plan"
    )
    amount_cancelled = fields.Monetary(
        string="No longer billed (incl. VAT)",
        compute="_compute_plan",
        help="The billing events cancelled, and the part of those billed pro rata "
        "that is left out.",
    )
    amount_commitment = fields.Monetary(
        string="Remaining commitment (incl. VAT)",
        compute="_compute_plan",
        help="What the programme still committed the client to after the last day: "
        "the basis of a fee in percent.",
    )
    amount_fee = fields.Monetary(string="Fee (incl. VAT)", compute="_compute_plan")
    amount_credited = fields.Monetary(
        string="Credit Note (incl. VAT)", compute="_compute_plan"
    )
    amount_delivered = fields.Monetary(
        string="Delivered by the last day (incl. VAT)",
        compute="_compute_plan",
        help="Value delivered by the last day, as the ledger and the cut-off "
        "count it (time elapsed, phases done, sessions used).",
    )
    summary = fields.Html(compute="_compute_plan", sanitize=False)

    @api.constrains(
        "engagement_id", "request_date", "fee_type", "fee_percent", "fee_amount"
    )
    def _check_request(self):
        for wizard in self:
            wizard.engagement_id._check_can_terminate()
            error = wizard._request_error()
            if error:
                raise ValidationError(error)

    def _request_error(self):
        """Why this termination cannot be planned (a translated sentence), or
        None: a request day outside the programme, a fee out of bounds."""
        self.ensure_one()
        engagement = self.engagement_id
        last_day = engagement.date_end or planning.LAST_PLANNABLE_DAY
        if not engagement.date_start <= self.request_date <= last_day:
            return self.env._(
                "The termination of %(name)s must be asked between its first "
                "and its last day (%(start)s – %(end)s).",
                name=engagement.display_name,
                start=format_date(self.env, engagement.date_start),
                end=format_date(self.env, engagement.date_end)
                if engagement.date_end
                else "…",
            )
        if self.fee_type == "percent" and not 0 <= self.fee_percent <= 100:
            return self.env._(
                "A termination fee is a share of 0 to 100 %% of the remaining "
                "commitment (it is %(percent)s %%).",
                percent=format_rate(self.env, self.fee_percent),
            )
        if self.fee_type == "fixed" and self.fee_amount < 0:
            return self.env._("A fixed termination fee cannot be negative.")
        if (
            self.fee_type == "fixed"
            and self.currency_id.compare_amounts(
                self.fee_amount, engagement.amount_total
            )
            > 0
        ):
            return self.env._(
                "A fixed termination fee of %(fee)s is more than the whole "
                "programme %(name)s (%(total)s incl. VAT).",
                fee=format_amount(self.env, self.fee_amount, self.currency_id),
                name=engagement.display_name,
                total=format_amount(
                    self.env, engagement.amount_total, self.currency_id
                ),
            )
        return None

    @api.depends("engagement_id")
    def _compute_fee_terms(self):
        for wizard in self:
            engagement = wizard.engagement_id
            wizard.fee_type = engagement.termination_fee_type or "none"
            wizard.fee_percent = engagement.termination_fee_percent
            wizard.fee_amount = engagement.termination_fee_amount

    def _plan(self):
        self.ensure_one()
        return self.engagement_id._termination_plan(
            self.request_date,
            self.fee_type,
            self.fee_percent if self.fee_type == "percent" else self.fee_amount,
        )

    @api.depends(
        "engagement_id", "request_date", "fee_type", "fee_percent", "fee_amount"
    )
    def _compute_plan(self):
        for wizard in self:
            error = (
                wizard._request_error()
                if wizard.engagement_id and wizard.request_date
                else None
            )
            if error or not (wizard.engagement_id and wizard.request_date):
                wizard.update(
                    dict.fromkeys(
                        (
                            "date_end",
                            "amount_billed",
                            "amount_cancelled",
                            "amount_commitment",
                            "amount_fee",
                            "amount_credited",
                            "amount_delivered",
                            "summary",
                        ),
                        False,
                    )
                )
                if error:
                    wizard.summary = (
                        Markup("<p class='alert alert-warning' role='alert'>%s</p>")
                        % error
                    )
                continue
            plan = wizard._plan()
            totals = wizard.engagement_id._termination_totals(plan)
            wizard.date_end = plan["date_end"]
            wizard.amount_billed = totals["billed"]
            wizard.amount_cancelled = totals["cancelled"]
            wizard.amount_commitment = totals["commitment"]
            wizard.amount_fee = totals["fee"]
            wizard.amount_credited = totals["credited"]
            wizard.amount_delivered = wizard.engagement_id._amount_delivered(
                plan["date_end"]
            )
            wizard.summary = wizard._summary(plan)

    def _summary(self, plan):
        """The plan, row by row, excl. and incl. VAT as the invoices will say."""
        engagement = self.engagement_id

        def amounts(value, line=None):
            untaxed, total = engagement._termination_amounts(value, line)
            return (
                format_amount(self.env, untaxed, self.currency_id),
                format_amount(self.env, total, self.currency_id),
            )

        _ = self.env._
        rows = [
            (
                line.name,
                _("billed now, pro rata")
                if line in plan["prorated"]
                else _("billed now"),
                *amounts(plan["prorated"].get(line, line.amount), line),
            )
            for line in plan["to_bill"]
        ]
        rows += [
            (line.name, _("cancelled, not billed"), *amounts(line.amount, line))
            for line in plan["to_cancel"]
        ]
        if plan["fee"]:
            rows.append((_("Termination fee"), _("billed now"), *amounts(plan["fee"])))
        rows += [
            (
                line.name,
                _("credit note (pro rata), deducted from what is owed"),
                *amounts(-credit, line),
            )
            for line, credit in plan["credits"]
        ]
        head = Markup(
            "<thead><tr><th>%s</th><th></th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th></tr></thead>"
        ) % (_("Billing event"), _("Excl. VAT"), _("Incl. VAT"))
        body = Markup("").join(
            Markup(
                "<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td>"
                "<td class='text-end'>%s</td></tr>"
            )
            % row
            for row in rows
        )
        title = _(
            "Last day of the programme: %(date)s",
            date=format_date(self.env, plan["date_end"]),
        )
        return Markup(
            "<p><strong>%s</strong></p>"
            "<table class='table table-sm o_accomp_termination'>%s<tbody>%s</tbody>"
            "</table>"
        ) % (title, head, body)

    def action_confirm(self):
        self.ensure_one()
        self.engagement_id._check_manager()
        self._check_request()
        final, refund = self.engagement_id._terminate(self._plan())
        if final | refund:
            return self.engagement_id.action_view_invoices(final | refund)
        return {"type": "ir.actions.act_window_close"}
