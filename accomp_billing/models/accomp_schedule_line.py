from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from ..tools import planning, termination

LINE_KINDS = [
    ("deposit", "Deposit"),
    ("instalment", "Instalment"),
    ("milestone", "Milestone"),
    ("subscription", "Subscription"),
    ("extras", "Extras"),
    ("termination", "Termination"),
    ("fees", "Late-payment fees"),
    ("adjustment", "Adjustment"),
]
LINE_STATES = [
    ("planned", "Planned"),
    ("draft", "To review"),
    ("invoiced", "Invoiced"),
    ("paid", "Paid"),
    ("credited", "Credited"),
    ("cancelled", "Cancelled"),
]


class AccompScheduleLine(models.Model):
    _name = "accomp.schedule.line"
    _description = "Programme Billing Event"
    _order = "date_due, engagement_id, sequence, id"
    _check_company_auto = True

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    engagement_id = fields.Many2one(
        "accomp.engagement",
        string="Programme",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(
        related="engagement_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="engagement_id.currency_id", store=True)
    partner_id = fields.Many2one(
        related="engagement_id.partner_id", store=True, string="Client"
    )
    user_id = fields.Many2one(
        related="engagement_id.user_id", store=True, string="Coach"
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Description", compute="_compute_name")
    kind = fields.Selection(LINE_KINDS, required=True, default="instalment")
    part_index = fields.Integer(
        default=1, help="Position among the lines of the same kind."
    )
    part_count = fields.Integer(
        default=1, help="Number of lines of that kind (0: open-ended)."
    )
    amount = fields.Monetary(required=True)
    date_due = fields.Date(
        string="Due Date", index=True, help="Empty for a milestone not yet done."
    )
    period_start = fields.Date()
    period_end = fields.Date()
    milestone_id = fields.Many2one(
        "accomp.milestone", index="btree_not_null", ondelete="restrict"
    )
    # extras: the product used beyond the allowance, its quantity and price
    product_id = fields.Many2one(
        "product.product", string="Session type", check_company=True
    )
    quantity = fields.Float(digits="Product Unit", default=1.0)
    price_unit = fields.Float(string="Unit Price", min_display_digits="Product Price")
    usage_ids = fields.One2many(
        "accomp.usage", "schedule_line_id", string="Sessions", readonly=True
    )
    amendment_id = fields.Many2one(
        "accomp.amendment",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        help="The amendment that added this event.",
    )
    invoice_line_ids = fields.One2many(
        "account.move.line",
        "accomp_schedule_line_id",
        string="Invoice Lines",
        readonly=True,
    )
    credit_line_ids = fields.One2many(
        "account.move.line",
        "accomp_credited_line_id",
        string="Credit Note Lines",
        readonly=True,
    )
    attempt = fields.Integer(
        default=1,
        copy=False,
        readonly=True,
        help="Invoicing attempt: “Bill again” after a credit note starts a new one, "
        "invoiced exactly once like the first.",
    )
    billing_problems = fields.Char(
        compute="_compute_billing_problems",
        help="What would block or spoil the invoice of this event.",
    )
    invoice_id = fields.Many2one(
        "account.move",
        string="Invoice",
        compute="_compute_invoice_id",
        store=True,
        index="btree_not_null",
        help="The live invoice of the current attempt.",
    )
    invoice_payment_state = fields.Selection(related="invoice_id.payment_state")
    state = fields.Selection(
        LINE_STATES,
        compute="_compute_state",
        store=True,
        readonly=False,
        index=True,
        default="planned",
        required=True,
        help="To review: on a draft invoice, not invoiced yet. Credited: its invoice "
        "is fully reversed by credit notes; it is neither invoiced nor paid until "
        "billed again or waived.",
    )
    status = fields.Selection(
        LINE_STATES + [("overdue", "Overdue")],
        compute="_compute_status",
        help="The status as the client reads it: overdue once its invoice is late.",
    )
    amount_untaxed = fields.Monetary(
        string="Untaxed",
        compute="_compute_tax_amounts",
        store=True,
        help="Excl. VAT: from its invoice once invoiced, else from the product's "
        "taxes and the client's fiscal position.",
    )
    amount_tax = fields.Monetary(
        string="Taxes", compute="_compute_tax_amounts", store=True
    )
    amount_total = fields.Monetary(
        string="Total",
        compute="_compute_tax_amounts",
        store=True,
        help="Incl. VAT: from its invoice once invoiced, else from the product's "
        "taxes and the client's fiscal position.",
    )
    amount_credited = fields.Monetary(
        string="Credited",
        compute="_compute_tax_amounts",
        store=True,
        help="Incl. VAT: posted credit notes of the current invoice.",
    )
    # What the event still bills: nothing once cancelled, its invoice less its
    # credit notes. Summed, these are the programme's totals.
    amount_net_untaxed = fields.Monetary(
        string="Net excl. VAT",
        compute="_compute_tax_amounts",
        store=True,
        help="Excl. VAT: what the event bills net of its credit notes (nothing once "
        "cancelled).",
    )
    amount_net = fields.Monetary(
        string="Net incl. VAT",
        compute="_compute_tax_amounts",
        store=True,
        help="Incl. VAT: what the event bills net of its credit notes (nothing once "
        "cancelled). The rows add up to the programme's total.",
    )
    amount_residual = fields.Monetary(
        string="Left to pay",
        compute="_compute_amount_residual",
        help="Incl. VAT: still to invoice, or its share of what its invoice has left "
        "to pay (a credit note settling the invoice included).",
    )

    _amount_positive = models.Constraint(
        "CHECK (amount > 0)", "The amount of a billing event must be positive."
    )
    _due_idx = models.Index("(date_due, id) WHERE state = 'planned'")

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends(
        "kind",
        "part_index",
        "part_count",
        "milestone_id.name",
        "product_id",
        "invoice_line_ids.accomp_late_invoice_id",
        "amendment_id.number",
    )
    def _compute_name(self):
        for line in self:
            line.name = line._part_label(
                line.kind, line.part_index, line.part_count, line._subject()
            )

    @api.depends(
        "engagement_id.partner_id.email",
        "engagement_id.partner_id.vat",
        "engagement_id.partner_id.company_registry",
        "engagement_id.payment_exception",
        "engagement_id.payment_token_id",
        "engagement_id.invoice_mode",
    )
    def _compute_billing_problems(self):
        problems = {}
        for line in self:
            engagement = line.engagement_id
            if engagement not in problems:
                problems[engagement] = (
                    "; ".join(engagement._billing_problems()) if engagement else ""
                )
            line.billing_problems = problems[engagement] or False

    @api.depends(
        "attempt",
        "invoice_line_ids.parent_state",
        "invoice_line_ids.move_id",
        "invoice_line_ids.accomp_attempt",
    )
    def _compute_invoice_id(self):
        for line in self:
            line.invoice_id = line._current_invoice_line().move_id

    @api.depends(
        "invoice_id.payment_state",
        "invoice_id.state",
        "credit_line_ids.parent_state",
        "credit_line_ids.price_total",
    )
    def _compute_state(self):
        for line in self:
            if line.state == "cancelled":
                continue
            invoice = line.invoice_id
            if not invoice:
                # a fee exists by its invoice only: deleted or cancelled, it is gone
                line.state = "cancelled" if line.kind == "fees" else "planned"
            elif invoice.state == "draft":
                line.state = "draft"
            elif invoice.state == "posted" and line._is_fully_credited():
                line.state = "credited"
            elif invoice.payment_state in ("paid", "in_payment"):
                line.state = "paid"
            else:
                line.state = "invoiced"

    @api.depends(
        "amount",
        "quantity",
        "price_unit",
        "kind",
        "product_id",
        "attempt",
        "engagement_id.product_id",
        "engagement_id.partner_id",
        "engagement_id.fiscal_position_id",
        "invoice_line_ids.price_subtotal",
        "invoice_line_ids.price_total",
        "invoice_line_ids.parent_state",
        "credit_line_ids.price_total",
        "credit_line_ids.price_subtotal",
        "credit_line_ids.parent_state",
        "state",
    )
    def _compute_tax_amounts(self):
        for line in self:
            invoice_line = line._current_invoice_line()
            if invoice_line:
                untaxed = invoice_line.price_subtotal
                total = invoice_line.price_total
            else:
                untaxed, total = line._projected_amounts()
            line.amount_untaxed = untaxed
            line.amount_total = total
            line.amount_tax = total - untaxed
            credits = line._current_credit_lines()
            line.amount_credited = sum(credits.mapped("price_total"))
            if line.state == "cancelled":
                line.amount_net_untaxed = line.amount_net = 0.0
            else:
                line.amount_net_untaxed = untaxed - sum(
                    credits.mapped("price_subtotal")
                )
                line.amount_net = total - line.amount_credited

    @api.depends(
        "amount_net",
        "state",
        "invoice_id.amount_residual",
        "invoice_id.amount_total",
        "credit_line_ids.move_id.amount_residual",
    )
    def _compute_amount_residual(self):
        for line in self:
            invoice = line.invoice_id
            if line.state == "cancelled":
                residual = 0.0
            elif invoice.state != "posted":
                residual = line.amount_net
            else:
                residual = line._share_of(invoice, line.amount_total) - sum(
                    line._share_of(aml.move_id, aml.price_total)
                    for aml in line._current_credit_lines()
                )
            line.amount_residual = line.currency_id.round(residual)

    @staticmethod
    def _share_of(move, amount):
        """The part of ``move``'s residual that ``amount`` (one of its lines)
        carries."""
        if not move.amount_total:
            return 0.0
        return amount * move.amount_residual / move.amount_total

    @api.depends("state", "invoice_id.invoice_date_due", "invoice_id.payment_state")
    def _compute_status(self):
        overdue = {}
        for line in self:
            status = line.state
            invoice = line.invoice_id
            if status == "invoiced" and invoice.state == "posted":
                engagement = line.engagement_id
                if engagement not in overdue:
                    overdue[engagement] = engagement._overdue_invoices()
                if invoice in overdue[engagement]:
                    status = "overdue"
            line.status = status

    def _current_invoice_line(self):
        """The live (not cancelled) invoice line of the current attempt."""
        self.ensure_one()
        return self.invoice_line_ids.filtered(
            lambda aml: aml.parent_state != "cancel"
            and (aml.accomp_attempt or 1) == self.attempt
        )[:1]

    def _current_credit_lines(self):
        """Posted credit note lines crediting the current attempt."""
        self.ensure_one()
        return self.credit_line_ids.filtered(
            lambda aml: aml.parent_state == "posted"
            and (aml.accomp_attempt or 1) == self.attempt
        )

    def _is_fully_credited(self):
        self.ensure_one()
        invoice_line = self._current_invoice_line()
        credited = sum(self._current_credit_lines().mapped("price_total"))
        return bool(invoice_line) and (
            self.currency_id.compare_amounts(credited, invoice_line.price_total) >= 0
        )

    def _invoice_product(self):
        """The product the event is invoiced with: the session type of extras,
        else the programme's invoiced product (the generic one by default)."""
        self.ensure_one()
        if self.kind == "extras":
            return self.product_id
        if self.kind == "fees":
            return self.env.ref("accomp_billing.product_late_fees")
        return self.engagement_id._invoiced_product()

    def _invoice_price(self):
        """(quantity, unit price) of the event's invoice line."""
        self.ensure_one()
        if self.kind == "extras":
            return self.quantity, self.price_unit
        return 1.0, self.amount

    def _projected_amounts(self):
        """(untaxed, total) the event's invoice line will have: the product's
        taxes mapped by the client's fiscal position decide whether its amount is
        untaxed or tax-included, exactly as on the invoice."""
        self.ensure_one()
        quantity, price_unit = self._invoice_price()
        return self.engagement_id._taxed_amounts(
            price_unit, quantity, self._invoice_product()
        )

    @api.constrains("amount")
    def _check_amount(self):
        for line in self:
            line._check_amount_value(line.amount)

    @api.model
    def _check_amount_value(self, amount):
        """A billing event bills something (the database checks it too)."""
        if (amount or 0) <= 0:
            raise ValidationError(
                self.env._("The amount of a billing event must be positive.")
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_amount_value(vals.get("amount"))
        return super().create(vals_list)

    def write(self, vals):
        if "state" in vals and not self.env.context.get("accomp_state_change"):
            raise UserError(
                self.env._(
                    "The status of a billing event follows its invoice; it is "
                    "cancelled only by the programme's actions (Cancel, Terminate, "
                    "Stop renewal, Waive)."
                )
            )
        protected = {
            "amount",
            "attempt",
            "engagement_id",
            "kind",
            "period_start",
            "period_end",
            "product_id",
            "quantity",
            "price_unit",
        }
        if protected.intersection(vals) and self.filtered(
            lambda line: line.invoice_id and line.state != "credited"
        ):
            raise UserError(
                self.env._(
                    "An invoiced billing event cannot change; issue a credit note "
                    "instead."
                )
            )
        return super().write(vals)

    def _write_state(self, state):
        return self.with_context(accomp_state_change=True).write({"state": state})

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if self.filtered("invoice_line_ids"):
            raise UserError(
                self.env._(
                    "An invoiced billing event cannot be deleted; cancel it instead."
                )
            )

    # ------------------------------------------------------------------
    # Labels
    # ------------------------------------------------------------------
    @api.model
    def _part_label(self, kind, index, count, subject=""):
        _ = self.env._
        if kind == "deposit":
            return _("Deposit")
        if kind == "instalment" and count == 1:
            return _("Full payment")
        if kind == "instalment":
            return _("Instalment %(index)s/%(count)s", index=index, count=count)
        if kind == "milestone":
            return _(
                "Milestone %(index)s/%(count)s: %(name)s",
                index=index,
                count=count,
                name=subject or "",
            )
        if kind == "subscription":
            return _("Subscription, period %(index)s", index=index)
        if kind == "extras":
            return _("Extras: %(name)s", name=subject) if subject else _("Extras")
        if kind == "fees":
            return (
                _("Late-payment fees: %(name)s", name=subject)
                if subject
                else _("Late-payment fees")
            )
        if kind == "adjustment":
            return (
                _("Price adjustment: %(name)s", name=subject)
                if subject
                else _("Price adjustment")
            )
        return _("Termination")

    @api.model
    def _period_label(self, period_start, period_end):
        if not (period_start and period_end) or period_start == period_end:
            return ""
        return self.env._(
            "period from %(start)s to %(end)s",
            start=format_date(self.env, period_start),
            end=format_date(self.env, period_end),
        )

    def _subject(self):
        """What the line bills besides its kind: the milestone or the product."""
        self.ensure_one()
        if self.amendment_id and self.kind in ("extras", "adjustment"):
            return self.amendment_id._event_subject()
        if self.kind == "extras":
            return self.product_id.name or ""
        if self.kind == "fees":
            fee = self.invoice_line_ids[:1]
            if not fee.accomp_late_invoice_id:
                return ""
            kind = dict(
                fee._fields["accomp_fee_type"]._description_selection(self.env)
            ).get(fee.accomp_fee_type, "")
            return f"{kind}, {fee.accomp_late_invoice_id.name}"
        return self.milestone_id.name or ""

    def _invoice_label(self):
        """'Instalment 2/6 — Programme Envol, period from … to …' in the client's "
        "language."""
        self.ensure_one()
        line = self.with_context(lang=self.partner_id.lang or self.env.lang)
        programme = line.engagement_id.offer_id.with_context(lang=line.env.lang).name
        label = line.env._(
            "%(part)s — %(programme)s (%(reference)s)",
            part=line._part_label(
                line.kind, line.part_index, line.part_count, line._subject()
            ),
            programme=programme,
            reference=line.engagement_id.name,
        )
        period = line._period_label(line.period_start, line.period_end)
        if not period and line.usage_ids:
            period = line.env._(
                "used on %(dates)s",
                dates=", ".join(
                    format_date(line.env, day)
                    for day in sorted(set(line.usage_ids.mapped("date")))
                ),
            )
        return f"{label}, {period}" if period else label

    def _service_period(self):
        """(first day, last day) of the service this event bills: its period, the
        day its milestone was done, the day it fell due."""
        self.ensure_one()
        if self.period_start and self.period_end:
            return self.period_start, self.period_end
        day = self.milestone_id.date_done or self.date_due
        return (day, day) if day else (None, None)

    def _termination_event(self):
        """This event as termination arithmetic sees it: invoiced events count
        what they still bill after partial credit notes, in the schedule's terms."""
        self.ensure_one()
        amount = self.amount
        # an event on a draft invoice is on an invoice already
        state = "invoiced" if self.state == "draft" else self.state
        if state in ("invoiced", "paid") and self.amount_total:
            credited = sum(self._current_credit_lines().mapped("price_total"))
            amount = self.currency_id.round(
                self.amount * (1 - credited / self.amount_total)
            )
        return termination.Event(
            key=self.id,
            kind=self.kind,
            state=state,
            amount=planning.to_decimal(amount),
            date_due=self.date_due or None,
            period_start=self.period_start or None,
            period_end=self.period_end or None,
            milestone_done=self.milestone_id.state == "done",
        )

    # ------------------------------------------------------------------
    # Credited events
    # ------------------------------------------------------------------
    def action_bill_again(self):
        """A credited event is billed again: a new attempt, invoiced by the next
        run exactly once, like the first (the unique index covers attempts)."""
        self._check_credited()
        for line in self:
            line.with_context(accomp_state_change=True).write(
                {"attempt": line.attempt + 1, "state": "planned"}
            )
            line.engagement_id.message_post(
                body=self.env._(
                    "%(event)s was credited: it will be billed again.", event=line.name
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_waive(self):
        """A credited event is waived: it is no longer owed."""
        self._check_credited()
        for line in self:
            line._write_state("cancelled")
            line.engagement_id.message_post(
                body=self.env._(
                    "%(event)s was credited and is waived: it is no longer owed.",
                    event=line.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _check_credited(self):
        self.engagement_id._check_manager()
        for line in self:
            if line.state != "credited":
                raise UserError(
                    self.env._(
                        "%(event)s is not credited: only a billing event whose "
                        "invoice was fully reversed by credit notes can be billed "
                        "again or waived.",
                        event=line.name,
                    )
                )
