from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, format_date

from .accomp_engagement_fr import format_rate as format_number
from .changes import changed_fields

USAGE_STATES = [
    ("included", "Included"),
    ("to_bill", "To bill"),
    ("billed", "Billed"),
    ("cancelled", "Cancelled"),
]
# Set by the allowance allocation only (accomp.engagement._sync_extras).
COMPUTED_FIELDS = {
    "included_qty",
    "billable_qty",
    "price_unit",
    "schedule_line_id",
    "state",
    "approval_state",
    "approved_by_id",
    "approved_qty",
    "approved_price_unit",
    "date_approved",
}
# What a billed usage can no longer change.
BILLED_FIELDS = {"engagement_id", "product_id", "quantity", "date"}


class AccompUsage(models.Model):
    _name = "accomp.usage"
    _description = "Programme Usage"
    _order = "date desc, id desc"
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
        domain="[('state', 'in', ('active', 'suspended'))]",
    )
    company_id = fields.Many2one(
        related="engagement_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="engagement_id.currency_id")
    partner_id = fields.Many2one(
        related="engagement_id.partner_id", store=True, string="Client"
    )
    user_id = fields.Many2one(
        related="engagement_id.user_id", store=True, string="Coach"
    )
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    product_id = fields.Many2one(
        "product.product",
        string="Session type",
        required=True,
        domain=[("type", "=", "service"), ("sale_ok", "=", True)],
        check_company=True,
    )
    quantity = fields.Float(digits="Product Unit", default=1.0, required=True)
    description = fields.Char(string="Note")
    included_qty = fields.Float(
        string="Included",
        digits="Product Unit",
        readonly=True,
        help="Part of the quantity covered by the programme's allowance.",
    )
    billable_qty = fields.Float(
        string="Extra",
        digits="Product Unit",
        readonly=True,
        help="Part of the quantity beyond the allowance, billed as extras.",
    )
    price_unit = fields.Float(
        string="Extra price", min_display_digits="Product Price", readonly=True
    )
    amount_billable = fields.Monetary(
        string="Extras amount", compute="_compute_amount_billable"
    )
    schedule_line_id = fields.Many2one(
        "accomp.schedule.line",
        string="Billing Event",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        copy=False,
    )
    invoice_id = fields.Many2one(related="schedule_line_id.invoice_id")
    approval_state = fields.Selection(
        [
            ("not_required", "Not required"),
            ("pending", "Waiting for the client"),
            ("approved", "Approved"),
            ("declined", "Declined"),
        ],
        string="Client approval",
        default="not_required",
        readonly=True,
        copy=False,
        help="Extras of a programme whose offer asks for it wait for the client's "
        "approval; declined extras are not billed.",
    )
    approved_by_id = fields.Many2one(
        "res.partner", string="Answered by", readonly=True, copy=False
    )
    date_approved = fields.Datetime(string="Answered on", readonly=True, copy=False)
    approved_qty = fields.Float(
        string="Quantity answered",
        digits="Product Unit",
        readonly=True,
        copy=False,
        help="The extra quantity the client approved or declined: a change sends "
        "the extra back for approval.",
    )
    approved_price_unit = fields.Float(
        string="Price answered",
        min_display_digits="Product Price",
        readonly=True,
        copy=False,
    )
    state = fields.Selection(
        USAGE_STATES,
        compute="_compute_state",
        store=True,
        readonly=True,
        index=True,
        copy=False,
    )

    _quantity_positive = models.Constraint(
        "CHECK (quantity > 0)", "The quantity used must be positive."
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("billable_qty", "price_unit", "currency_id")
    def _compute_amount_billable(self):
        for usage in self:
            usage.amount_billable = usage.currency_id.round(
                usage.billable_qty * usage.price_unit
            )

    @api.depends("billable_qty", "price_unit", "schedule_line_id.state")
    def _compute_state(self):
        for usage in self:
            if usage.state == "cancelled":
                continue
            if usage.schedule_line_id.state in ("draft", "invoiced", "paid"):
                usage.state = "billed"
            elif usage.amount_billable:
                usage.state = "to_bill"
            else:
                usage.state = "included"

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("date", "engagement_id")
    def _check_date(self):
        for usage in self:
            date_start = usage.engagement_id.date_start
            if date_start and usage.date < date_start:
                raise ValidationError(
                    self.env._(
                        "%(engagement)s starts on %(start)s: a session of %(date)s "
                        "cannot be logged on it.",
                        engagement=usage.engagement_id.display_name,
                        start=format_date(self.env, date_start),
                        date=format_date(self.env, usage.date),
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.constrains("quantity", "engagement_id")
    def _check_quantity(self):
        for usage in self:
            usage._check_quantity_value(usage.quantity, usage.engagement_id)

    @api.model
    def _check_quantity_value(self, quantity, engagement=None):
        """Something was used (the database checks it too), and no more in one
        entry than the programme's terms allow (a typing slip is refused, not
        billed)."""
        if quantity is None:
            return
        if quantity <= 0:
            raise ValidationError(
                self.env._(
                    "The quantity used must be positive (%(quantity)s).",
                    quantity=format_number(self.env, quantity),
                )
            )
        limit = engagement.usage_max_qty if engagement else 0
        if limit and quantity > limit:
            raise ValidationError(
                self.env._(
                    "%(quantity)s in one entry is more than %(programme)s allows "
                    "(at most %(limit)s per entry): check the quantity, or log "
                    "the sessions one by one.",
                    quantity=format_number(self.env, quantity),
                    programme=engagement.display_name,
                    limit=format_number(self.env, limit),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        Engagement = self.env["accomp.engagement"]
        for vals in vals_list:
            self._check_quantity_value(
                vals.get("quantity"), Engagement.browse(vals.get("engagement_id"))
            )
        self._check_computed_fields_untouched(vals_list)
        usages = super().create(vals_list)
        usages._check_engagement_in_progress()
        usages.engagement_id._sync_extras()
        return usages

    def write(self, vals):
        self._check_computed_fields_untouched([vals])
        if "engagement_id" in vals:
            self._check_move_to_engagement(vals["engagement_id"])
        if BILLED_FIELDS & set(vals) and not self.env.context.get("accomp_usage_sync"):
            for usage in self.filtered(lambda u: u.state == "billed"):
                if changed_fields(usage, vals, BILLED_FIELDS):
                    usage._raise_billed()
        engagements = self.engagement_id
        res = super().write(vals)
        if not self.env.su:
            # the record rules again, on what the record became: a coach writes
            # usage only on the engagements they follow
            self.check_access("write")
        if not self.env.context.get("accomp_usage_sync") and (
            BILLED_FIELDS & set(vals)
        ):
            self._check_engagement_in_progress()
            (engagements | self.engagement_id)._sync_extras()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billed(self):
        for usage in self.filtered(lambda u: u.state == "billed"):
            usage._raise_billed()

    def unlink(self):
        engagements = self.engagement_id
        res = super().unlink()
        engagements.exists()._sync_extras()
        return res

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_cancel(self):
        """Cancel usage logged by mistake; its allowance and extras are freed."""
        for usage in self.filtered(lambda u: u.state == "billed"):
            usage._raise_billed()
        self.check_access("write")
        self.with_context(accomp_usage_sync=True).write(
            {"state": "cancelled", "schedule_line_id": False}
        )
        self.engagement_id._sync_extras()
        return True

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _check_computed_fields_untouched(self, vals_list):
        if self.env.context.get("accomp_usage_sync"):
            return
        for vals in vals_list:
            if COMPUTED_FIELDS & set(vals):
                raise AccessError(
                    self.env._(
                        "The included and billable quantities and the price of a "
                        "session are computed from the programme's allowances; "
                        "they cannot be set by hand."
                    )
                )

    def _check_engagement_in_progress(self):
        for usage in self:
            if usage.engagement_id.state not in ("active", "suspended"):
                raise UserError(
                    self.env._(
                        "Sessions can only be logged on a programme in progress "
                        "(%(engagement)s).",
                        engagement=usage.engagement_id.display_name,
                    )
                )
            if usage.date > usage.company_id._accomp_today():
                raise UserError(
                    self.env._(
                        "A session cannot be logged in advance (%(date)s).",
                        date=format_date(self.env, usage.date),
                    )
                )

    def _is_billable_extra(self):
        """Billed as an extra: beyond the allowance, and approved when the
        programme asks the client first."""
        self.ensure_one()
        return self.state == "to_bill" and self.approval_state in (
            "not_required",
            "approved",
        )

    def _answer_changed(self, billable_qty, price_unit):
        """Whether the client answered for another extra quantity or price."""
        self.ensure_one()
        return float_compare(
            float(billable_qty), self.approved_qty, precision_digits=6
        ) or float_compare(price_unit, self.approved_price_unit, precision_digits=6)

    def _client_answer(self, approve, partner):
        """The client approves or declines these extras (from the portal): the
        approved are billed per the extras policy, the coach is told."""
        pending = self.filtered(
            lambda u: u.approval_state == "pending"
            and u.engagement_id.state in ("active", "suspended")
        )
        now = fields.Datetime.now()
        for usage in pending:
            # what the client answered for is kept: any later change of
            # quantity or price asks them again (accomp.engagement._allocate_usage)
            usage.with_context(accomp_usage_sync=True).write(
                {
                    "approval_state": "approved" if approve else "declined",
                    "approved_by_id": partner.id,
                    "date_approved": now,
                    "approved_qty": usage.billable_qty,
                    "approved_price_unit": usage.price_unit,
                }
            )
        for usage in pending:
            usage.engagement_id.message_post(
                body=self.env._(
                    "%(client)s %(answer)s the extra of %(date)s (%(product)s).",
                    client=partner.name,
                    answer=self.env._("approved")
                    if approve
                    else self.env._("declined"),
                    date=format_date(self.env, usage.date),
                    product=usage.product_id.display_name,
                ),
                subtype_xmlid="mail.mt_note",
                partner_ids=usage.engagement_id.user_id.partner_id.ids,
            )
        pending.engagement_id._sync_extras()
        return pending

    def _check_move_to_engagement(self, engagement_id):
        """A session stays on the programme it was logged on: only a billing
        manager moves one (both programmes' allowances are recomputed)."""
        moved = self.filtered(lambda u: u.engagement_id.id != engagement_id)
        if not moved or self.env.su:
            return
        if not self.env.user.has_group("accomp_billing.group_accomp_manager"):
            raise AccessError(
                self.env._(
                    "A session stays on the programme it was logged on; cancel it "
                    "and log it on the right programme."
                )
            )

    def _raise_billed(self):
        self.ensure_one()
        raise UserError(
            self.env._(
                "The session of %(date)s (%(product)s) is already billed on "
                "%(invoice)s: it can no longer be changed or deleted. Issue a credit "
                "note if it was billed by mistake.",
                date=format_date(self.env, self.date),
                product=self.product_id.display_name,
                invoice=self.invoice_id.name or self.schedule_line_id.display_name,
            )
        )
