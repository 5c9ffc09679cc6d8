from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL, format_amount, format_date

from ..tools import allowance as allowance_tools
from ..tools import planning, recovery
from .accomp_terms_mixin import TERM_FIELDS

ENGAGEMENT_STATES = [
    ("draft", "Draft"),
    ("active", "In progress"),
    ("suspended", "Suspended"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
]
# Terms copied from the offer: editable while draft, recomputed only when the
# offer itself changes (default=None: the mixin's defaults must not win).
COPIED_FROM_OFFER = {
    "compute": "_compute_terms",
    "store": True,
    "readonly": False,
    "precompute": True,
    "default": None,
}
# Fields frozen once the programme is sold.
FROZEN_FIELDS = {
    *TERM_FIELDS,
    "offer_id",
    "partner_id",
    "price_total",
    "currency_id",
    "company_id",
    "date_start",
}
# What a coach may change on the engagements they follow: log sessions (usage)
# and mark milestones done. Everything else is the billing manager's.
COACH_WRITABLE_FIELDS = {"usage_ids", "milestone_ids"}


class AccompEngagement(models.Model):
    _name = "accomp.engagement"
    _description = "Programme Engagement"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "accomp.terms.mixin",
    ]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _price_field = "price_total"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default="/",
        index="trigram",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    offer_id = fields.Many2one(
        "accomp.offer", required=True, index=True, tracking=True, check_company=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Coach",
        index=True,
        tracking=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    state = fields.Selection(
        ENGAGEMENT_STATES,
        compute="_compute_state",
        store=True,
        readonly=False,
        index=True,
        tracking=True,
        copy=False,
    )
    date_start = fields.Date(string="Start Date", tracking=True, copy=False)
    date_end = fields.Date(
        string="End Date",
        compute="_compute_date_end",
        store=True,
        readonly=False,
        tracking=True,
        copy=False,
        help="Last day of the programme. For a subscription, empty while it renews.",
    )
    commitment_end_date = fields.Date(
        string="Commitment Until", compute="_compute_commitment_end_date"
    )
    price_total = fields.Monetary(
        **COPIED_FROM_OFFER,
        string="Programme Price",
        tracking=True,
        help="Price sold for the whole programme, untaxed (not used by subscriptions).",
    )
    # the billing terms (accomp.terms.mixin) are copied from the offer
    billing_model = fields.Selection(**COPIED_FROM_OFFER)
    billing_cycle = fields.Selection(**COPIED_FROM_OFFER)
    duration_months = fields.Integer(**COPIED_FROM_OFFER)
    deposit_percent = fields.Float(**COPIED_FROM_OFFER)
    instalment_count = fields.Integer(**COPIED_FROM_OFFER)
    recurring_amount = fields.Monetary(**COPIED_FROM_OFFER)
    commitment_months = fields.Integer(**COPIED_FROM_OFFER)
    notice_days = fields.Integer(**COPIED_FROM_OFFER)
    extras_policy = fields.Selection(**COPIED_FROM_OFFER)
    invoice_mode = fields.Selection(**COPIED_FROM_OFFER)
    product_id = fields.Many2one(**COPIED_FROM_OFFER)
    start_on_deposit_paid = fields.Boolean(**COPIED_FROM_OFFER)
    termination_fee_type = fields.Selection(**COPIED_FROM_OFFER)
    termination_fee_percent = fields.Float(**COPIED_FROM_OFFER)
    termination_fee_amount = fields.Monetary(**COPIED_FROM_OFFER)

    schedule_line_ids = fields.One2many(
        "accomp.schedule.line", "engagement_id", string="Billing Schedule", copy=False
    )
    milestone_ids = fields.One2many(
        "accomp.milestone", "engagement_id", string="Milestones", copy=False
    )
    usage_ids = fields.One2many(
        "accomp.usage", "engagement_id", string="Sessions", copy=False
    )
    allowance_ids = fields.One2many(
        "accomp.engagement.allowance",
        "engagement_id",
        string="Included sessions",
        copy=False,
    )
    milestone_count = fields.Integer(compute="_compute_scope")
    milestone_done_count = fields.Integer(
        string="Milestones done", compute="_compute_scope"
    )
    included_qty = fields.Float(
        string="Sessions included", digits="Product Unit", compute="_compute_scope"
    )
    used_qty = fields.Float(
        string="Sessions used",
        digits="Product Unit",
        compute="_compute_scope",
        help="Included sessions consumed so far.",
    )
    extras_amount = fields.Monetary(
        string="Extras billed",
        compute="_compute_scope",
        help="Sessions beyond the included ones, invoiced so far (untaxed).",
    )
    invoice_ids = fields.One2many(
        "account.move",
        "accomp_engagement_id",
        string="Invoices",
        copy=False,
        readonly=True,
    )
    invoice_count = fields.Integer(compute="_compute_invoice_count")
    payment_token_id = fields.Many2one(
        "payment.token",
        string="Payment Method",
        domain="[('partner_id', 'child_of', partner_id),"
        " ('company_id', '=', company_id)]",
        check_company=True,
        copy=False,
    )
    payment_exception = fields.Boolean(
        copy=False,
        tracking=True,
        help="An automatic debit is under way or its outcome is unknown: no other "
        "debit is attempted until it is cleared.",
    )
    dunning_suspended = fields.Boolean(
        string="Suspended by dunning",
        compute="_compute_state",
        store=True,
        readonly=False,
        copy=False,
        help="Suspended for unpaid invoices: resumes by itself once they are paid.",
    )
    awaiting_deposit = fields.Boolean(
        compute="_compute_awaiting_deposit",
        store=True,
        help="Starts only when the deposit is paid: nothing else is invoiced before.",
    )
    pause_until = fields.Date(string="Paused Until", copy=False, tracking=True)
    pause_days = fields.Integer(copy=False, help="Days of the current pause.")
    dunning_ids = fields.One2many(
        "accomp.dunning.history", "engagement_id", string="Dunning", readonly=True
    )
    amount_total = fields.Monetary(
        string="Total",
        compute="_compute_amounts",
        store=True,
        help="Sum of the billing schedule.",
    )
    amount_invoiced = fields.Monetary(
        string="Invoiced", compute="_compute_amounts", store=True
    )
    amount_paid = fields.Monetary(string="Paid", compute="_compute_amounts", store=True)
    amount_residual = fields.Monetary(
        string="Left to Pay", compute="_compute_amounts", store=True
    )
    next_date_due = fields.Date(
        string="Next Due Date", compute="_compute_next_date_due", store=True, index=True
    )
    is_overdue = fields.Boolean(
        compute="_compute_is_overdue", search="_search_is_overdue", string="Overdue"
    )
    schedule_preview = fields.Html(compute="_compute_schedule_preview", sanitize=False)

    _date_order = models.Constraint(
        "CHECK (date_end IS NULL OR date_start IS NULL OR date_end >= date_start)",
        "The end date of a programme cannot be before its start date.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("offer_id")
    def _compute_currency_id(self):
        for engagement in self:
            engagement.currency_id = (
                engagement.offer_id.currency_id
                or engagement.currency_id
                or engagement.company_id.currency_id
            )

    @api.depends("offer_id")
    def _compute_terms(self):
        # Depends on the offer only, not on its fields: editing an offer never
        # changes the terms of the engagements already made from it.
        for engagement in self:
            offer = engagement.offer_id
            if not offer or engagement.state not in (False, "draft"):
                continue
            for fname in TERM_FIELDS:
                engagement[fname] = offer[fname]
            engagement.price_total = offer.amount_total

    @api.depends(
        "schedule_line_ids.state", "milestone_ids.state", "invoice_ids.payment_state"
    )
    def _compute_state(self):
        today = self.env["accomp.schedule.line"]._company_today(self.company_id)
        for engagement in self:
            company_today = today.get(engagement.company_id)
            engagement.dunning_suspended = engagement.dunning_suspended
            if not engagement.state:
                engagement.state = "draft"
                engagement.dunning_suspended = False
                continue
            if (
                engagement.state == "suspended"
                and engagement.dunning_suspended
                and company_today
                and not engagement._overdue_invoices(company_today)
            ):
                # every overdue invoice is paid: the programme resumes by itself
                engagement.state = "active"
                engagement.dunning_suspended = False
            if engagement.state == "active" and engagement._is_completed(company_today):
                engagement.state = "done"

    @api.depends("start_on_deposit_paid", "schedule_line_ids.state")
    def _compute_awaiting_deposit(self):
        for engagement in self:
            deposit = engagement.schedule_line_ids.filtered(
                lambda line: line.kind == "deposit" and line.state != "cancelled"
            )
            engagement.awaiting_deposit = bool(
                engagement.start_on_deposit_paid
                and deposit
                and any(line.state != "paid" for line in deposit)
            )

    @api.depends("date_start", "duration_months", "billing_model")
    def _compute_date_end(self):
        for engagement in self:
            if engagement.billing_model == "subscription" or not engagement.date_start:
                engagement.date_end = (
                    engagement.date_end if engagement.state != "draft" else False
                )
                continue
            engagement.date_end = planning.nth_date(
                engagement.date_start, engagement.duration_months or 0, "monthly"
            ) - timedelta(days=1)

    @api.depends("date_start", "commitment_months", "billing_cycle", "billing_model")
    def _compute_commitment_end_date(self):
        for engagement in self:
            if engagement.billing_model != "subscription" or not engagement.date_start:
                engagement.commitment_end_date = False
                continue
            periods = planning.committed_periods(
                engagement.commitment_months, engagement.billing_cycle
            )
            engagement.commitment_end_date = planning.period_of(
                engagement.date_start, periods - 1, engagement.billing_cycle
            )[1]

    @api.depends(
        "milestone_ids.state",
        "allowance_ids.included_qty",
        "allowance_ids.used_qty",
        "schedule_line_ids.state",
        "schedule_line_ids.amount",
    )
    def _compute_scope(self):
        for engagement in self:
            engagement.milestone_count = len(engagement.milestone_ids)
            engagement.milestone_done_count = len(
                engagement.milestone_ids.filtered(lambda m: m.state == "done")
            )
            engagement.included_qty = sum(
                engagement.allowance_ids.mapped("included_qty")
            )
            engagement.used_qty = sum(engagement.allowance_ids.mapped("used_qty"))
            engagement.extras_amount = sum(
                engagement.schedule_line_ids.filtered(
                    lambda line: line.kind == "extras"
                    and line.state in ("invoiced", "paid")
                ).mapped("amount")
            )

    @api.depends("invoice_ids")
    def _compute_invoice_count(self):
        for engagement in self:
            engagement.invoice_count = len(engagement.invoice_ids)

    @api.depends(
        "schedule_line_ids.amount",
        "schedule_line_ids.state",
        "schedule_line_ids.invoice_id.amount_residual",
        "schedule_line_ids.invoice_id.state",
    )
    def _compute_amounts(self):
        for engagement in self:
            lines = engagement.schedule_line_ids.filtered(
                lambda line: line.state != "cancelled"
            )
            invoiced = lines.filtered(lambda line: line.invoice_id.state == "posted")
            engagement.amount_total = sum(lines.mapped("amount"))
            engagement.amount_invoiced = sum(invoiced.mapped("amount"))
            engagement.amount_paid = sum(line._amount_paid() for line in invoiced)
            engagement.amount_residual = (
                engagement.amount_total - engagement.amount_paid
            )

    @api.depends("schedule_line_ids.date_due", "schedule_line_ids.state")
    def _compute_next_date_due(self):
        for engagement in self:
            dates = engagement.schedule_line_ids.filtered(
                lambda line: line.state == "planned" and line.date_due
            ).mapped("date_due")
            engagement.next_date_due = min(dates) if dates else False

    def _overdue_invoice_domain(self, today=None):
        return Domain(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", today or fields.Date.context_today(self)),
            ]
        )

    @api.depends("invoice_ids.payment_state", "invoice_ids.invoice_date_due")
    def _compute_is_overdue(self):
        overdue = self.search(
            [
                ("id", "in", self.ids),
                ("invoice_ids", "any", self._overdue_invoice_domain()),
            ]
        )
        for engagement in self:
            engagement.is_overdue = engagement in overdue

    def _search_is_overdue(self, operator, value):
        if operator != "in":
            return NotImplemented
        domain = Domain("invoice_ids", "any", self._overdue_invoice_domain())
        if True in value and False in value:
            return Domain.TRUE
        return domain if True in value else ~domain

    @api.depends(
        lambda self: (
            "state",
            "date_start",
            self._price_field,
            *TERM_FIELDS,
            "offer_id.milestone_template_ids",
            "currency_id",
        )
    )
    def _compute_schedule_preview(self):
        for engagement in self:
            if engagement.state != "draft" or not (
                engagement.offer_id
                and engagement.billing_model
                and engagement.billing_cycle
            ):
                engagement.schedule_preview = False
                continue
            try:
                planned = engagement._plan_schedule()
            except (UserError, ValidationError) as error:
                engagement.schedule_preview = (
                    Markup(
                        '<div class="alert alert-warning mb-0" role="alert">%s</div>'
                    )
                    % error.args[0]
                )
                continue
            engagement.schedule_preview = self.env["ir.qweb"]._render(
                "accomp_billing.accomp_schedule_preview",
                {"engagement": engagement, "lines": engagement._preview_rows(planned)},
            )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("currency_id", "offer_id")
    def _check_currency(self):
        for engagement in self:
            if (
                engagement.offer_id
                and engagement.currency_id != engagement.offer_id.currency_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(name)s is in %(currency)s but the offer “%(offer)s” is "
                        "priced in "
                        "%(offer_currency)s: use an offer in the engagement's "
                        "currency.",
                        name=engagement.display_name,
                        currency=engagement.currency_id.name,
                        offer=engagement.offer_id.display_name,
                        offer_currency=engagement.offer_id.currency_id.name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(vals.get("company_id"))
                    .next_by_code(
                        "accomp.engagement", sequence_date=vals.get("date_start")
                    )
                    or "/"
                )
        return super().create(vals_list)

    def write(self, vals):
        self._check_coach_write(vals)
        frozen = FROZEN_FIELDS.intersection(vals)
        if frozen and not self.env.context.get("accomp_allow_frozen_write"):
            self.check_access("write")  # a coach is told they may not, not why
            for engagement in self.filtered(lambda e: e.state != "draft"):
                changed = [
                    self._fields[fname].get_description(self.env)["string"]
                    for fname in frozen
                    if self._fields[fname].convert_to_cache(vals[fname], engagement)
                    != self._fields[fname].convert_to_cache(
                        engagement[fname], engagement
                    )
                ]
                if changed:
                    raise UserError(
                        self.env._(
                            "%(name)s has been sold: its terms (%(fields)s) can no "
                            "longer "
                            "change. Terminate it and sell a new engagement instead.",
                            name=engagement.display_name,
                            fields=", ".join(changed),
                        )
                    )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft_or_cancelled(self):
        for engagement in self:
            if engagement.state not in ("draft", "cancelled") or engagement.invoice_ids:
                raise UserError(
                    self.env._(
                        "%(name)s cannot be deleted: only drafts and cancelled "
                        "engagements "
                        "without invoices can be. Cancel it instead.",
                        name=engagement.display_name,
                    )
                )

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for engagement in self:
            engagement.access_url = f"/my/programmes/{engagement.id}"
        return res

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_confirm(self):
        """Freeze the terms copied from the offer and build the billing schedule."""
        self._check_manager()
        for engagement in self:
            if engagement.state != "draft":
                raise UserError(
                    self.env._(
                        "%(name)s is already confirmed.",
                        name=engagement.display_name,
                    )
                )
            engagement._check_can_confirm()
        for engagement in self:
            # a 0% milestone is a progress step: it bills nothing, so no line
            planned = [line for line in engagement._plan_schedule() if line.amount]
            if engagement.billing_model == "milestones":
                engagement._create_milestones()
            engagement._create_allowances()
            self.env["accomp.schedule.line"].create(
                [engagement._prepare_schedule_line_values(line) for line in planned]
            )
            engagement.state = "active"
            engagement.message_post(
                body=self.env._(
                    "Programme confirmed: %(count)s billing events for %(amount)s.",
                    count=len(planned),
                    amount=format_amount(
                        self.env, engagement.amount_total, engagement.currency_id
                    ),
                )
            )
        return True

    def action_invoice_now(self):
        """Invoice the lines of these engagements that are due today (company day)."""
        self._check_manager()
        lines = self.schedule_line_ids
        lines.check_access("write")
        invoices = lines._invoice_due_lines(engagements=self)
        if not invoices:
            raise UserError(self.env._("Nothing is due yet: no invoice was generated."))
        return self.action_view_invoices(invoices)

    def action_suspend(self):
        self._check_manager()
        for engagement in self:
            if engagement.state != "active":
                raise UserError(
                    self.env._(
                        "Only a programme in progress can be suspended (%(name)s).",
                        name=engagement.display_name,
                    )
                )
        self.state = "suspended"

    def action_resume(self):
        self._check_manager()
        for engagement in self:
            if engagement.state != "suspended":
                raise UserError(
                    self.env._(
                        "Only a suspended programme can be resumed (%(name)s).",
                        name=engagement.display_name,
                    )
                )
        self.state = "active"
        self._close_finished()

    def action_cancel(self):
        """Cancel the programme: remaining planned lines and draft invoices are
        cancelled. Posted invoices must have been credited first."""
        self._check_manager()
        for engagement in self:
            if engagement.state in ("done", "cancelled"):
                raise UserError(
                    self.env._(
                        "%(name)s is already %(state)s.",
                        name=engagement.display_name,
                        state=dict(
                            self._fields["state"]._description_selection(self.env)
                        )[engagement.state],
                    )
                )
            posted = engagement.invoice_ids.filtered(
                lambda m: m.move_type == "out_invoice"
                and m.state == "posted"
                and m.payment_state not in ("reversed",)
            )
            if posted:
                raise UserError(
                    self.env._(
                        "%(name)s has posted invoices (%(invoices)s): issue a credit "
                        "note for "
                        "each before cancelling the programme.",
                        name=engagement.display_name,
                        invoices=", ".join(posted.mapped("name")),
                    )
                )
        drafts = self.invoice_ids.filtered(lambda m: m.state == "draft")
        drafts.button_cancel()
        unpaid = self.schedule_line_ids.filtered(lambda line: line.state != "paid")
        unpaid.state = "cancelled"
        self.state = "cancelled"
        return True

    def action_stop_renewal(self):
        """Stop a subscription at the earliest date its commitment and notice allow."""
        self._check_manager()
        today = self.env["accomp.schedule.line"]._company_today(self.company_id)
        for engagement in self:
            if engagement.billing_model != "subscription" or engagement.state not in (
                "active",
                "suspended",
            ):
                raise UserError(
                    self.env._(
                        "Only a subscription in progress can be stopped (%(name)s).",
                        name=engagement.display_name,
                    )
                )
            date_end = planning.subscription_end(
                engagement.date_start,
                engagement.billing_cycle,
                engagement.commitment_months,
                today[engagement.company_id],
                engagement.notice_days,
            )
            engagement.with_context(accomp_allow_frozen_write=True).date_end = date_end
            engagement.schedule_line_ids.filtered(
                lambda line, d=date_end: line.state == "planned"
                and line.period_start
                and line.period_start > d
            ).state = "cancelled"
            engagement._extend_subscription_schedule(today[engagement.company_id])
            engagement.message_post(
                body=self.env._(
                    "Subscription stopped: last day %(date)s.",
                    date=format_date(self.env, date_end),
                )
            )
        return True

    def action_log_usage(self):
        """Quick entry of a session, call or message (the coach's button)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log a session"),
            "res_model": "accomp.usage",
            "view_mode": "form",
            "views": [
                (self.env.ref("accomp_billing.accomp_usage_view_form_quick").id, "form")
            ],
            "target": "new",
            "context": {
                "default_engagement_id": self.id,
                "default_product_id": self.allowance_ids[:1].product_id.id,
            },
        }

    def action_terminate(self):
        """Early termination: the wizard shows what it will do before it does it."""
        self._check_manager()
        self.ensure_one()
        if self.state not in ("active", "suspended"):
            raise UserError(
                self.env._(
                    "Only a programme in progress can be terminated (%(name)s).",
                    name=self.display_name,
                )
            )
        return self._open_wizard(
            "accomp.terminate.wizard",
            self.env._("Terminate %(name)s", name=self.display_name),
        )

    def action_pause(self):
        self._check_manager()
        self.ensure_one()
        return self._open_wizard(
            "accomp.pause.wizard", self.env._("Pause %(name)s", name=self.display_name)
        )

    def _open_wizard(self, model, title):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": model,
            "view_mode": "form",
            "target": "new",
            "context": {"default_engagement_id": self.id},
        }

    def action_end_pause(self):
        """End a pause early: the remaining billing events move back."""
        self._check_manager()
        today = self.env["accomp.schedule.line"]._company_today(self.company_id)
        for engagement in self:
            if not engagement.pause_until:
                raise UserError(
                    self.env._("%(name)s is not paused.", name=engagement.display_name)
                )
            remaining = (engagement.pause_until - today[engagement.company_id]).days
            if remaining > 0:
                engagement._shift_schedule(-remaining, today[engagement.company_id])
            engagement.write({"pause_until": False, "pause_days": 0})
        return True

    def action_bill_late_fees(self):
        """Bill, on one invoice per programme, the French B2B late-payment fees
        not billed yet: 40 € per late invoice and interest per day late."""
        self._check_manager()
        today = self.env["accomp.schedule.line"]._company_today(self.company_id)
        invoices = self.env["account.move"]
        for engagement in self:
            vals_list = engagement._prepare_late_fee_lines(today[engagement.company_id])
            if not vals_list:
                raise UserError(
                    self.env._(
                        "%(name)s: no late-payment fees to bill.",
                        name=engagement.display_name,
                    )
                )
            invoice = (
                self.env["account.move"]
                .with_company(engagement.company_id)
                .create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": engagement.partner_id.address_get(["invoice"])[
                            "invoice"
                        ],
                        "currency_id": engagement.currency_id.id,
                        "invoice_date": today[engagement.company_id],
                        "invoice_origin": engagement.name,
                        "accomp_engagement_id": engagement.id,
                        "invoice_line_ids": [
                            Command.create(vals) for vals, _write in vals_list
                        ],
                    }
                )
            )
            for _vals, (late_invoice, write_vals) in vals_list:
                late_invoice.write(write_vals)
            if engagement.invoice_mode == "auto_post":
                invoice._post(soft=False)
            invoices |= invoice
        return self.action_view_invoices(invoices)

    def action_view_invoices(self, invoices=None):
        invoices = self.invoice_ids if invoices is None else invoices
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", invoices.ids)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        form_view = self.env.ref("account.view_move_form")
        if not self.env.user.has_group("account.group_account_invoice"):
            # a coach: a read-only summary that needs no accounting rights
            form_view = self.env.ref(
                "accomp_billing.account_move_view_form_accomp_coach"
            )
            action["search_view_id"] = False
            action["views"] = [
                (
                    self.env.ref(
                        "accomp_billing.account_move_view_list_accomp_coach"
                    ).id,
                    "list",
                ),
                (form_view.id, "form"),
            ]
        if len(invoices) == 1:
            action["views"] = [(form_view.id, "form")]
            action["res_id"] = invoices.id
        return action

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _check_can_confirm(self):
        self.ensure_one()
        if not self.date_start:
            raise UserError(
                self.env._(
                    "%(name)s: set the start date before confirming.",
                    name=self.display_name,
                )
            )
        self._check_terms()
        self._check_currency()
        if self.billing_model == "milestones":
            if not self.offer_id.milestone_template_ids:
                raise UserError(
                    self.env._(
                        "%(name)s: the offer “%(offer)s” has no milestones.",
                        name=self.display_name,
                        offer=self.offer_id.display_name,
                    )
                )
            self.offer_id._check_percents_sum(
                self.offer_id.milestone_template_ids.mapped("percent")
            )

    def _plan_schedule(self):
        """The schedule these terms produce (pure planners), as PlannedLine list."""
        self.ensure_one()
        rounding = self.currency_id.rounding
        try:
            if self.billing_model == "upfront":
                return planning.plan_upfront(
                    self.price_total, self.date_start, rounding
                )
            if self.billing_model == "instalments":
                return planning.plan_instalments(
                    self.price_total,
                    self.date_start,
                    self.instalment_count,
                    self.billing_cycle,
                    rounding,
                    self.deposit_percent,
                )
            if self.billing_model == "milestones":
                return planning.plan_milestones(
                    self.price_total,
                    self.date_start,
                    self.offer_id.milestone_template_ids.mapped("percent"),
                    rounding,
                    self.deposit_percent,
                )
            return planning.plan_subscription(
                self.recurring_amount,
                self.date_start,
                self.billing_cycle,
                self.commitment_months,
            )
        except planning.PlanningError as error:
            raise UserError(self._planning_error_message(error)) from error

    def _planning_error_message(self, error):
        messages = {
            "date_start": self.env._("%(name)s: set the start date first."),
            "amount": self.env._(
                "%(name)s: the price of the programme must be positive."
            ),
            "instalment_count": self.env._(
                "%(name)s: a schedule needs at least one instalment."
            ),
            "deposit_percent": self.env._(
                "%(name)s: the deposit must be at least 0%% and less than 100%%."
            ),
            "milestone_percent": self.env._(
                "%(name)s: the milestones' shares must add up to 100%%."
            ),
            "amount_too_small": self.env._(
                "%(name)s: the price is too small to be split into that many parts."
            ),
            "commitment_months": self.env._(
                "%(name)s: the commitment cannot be negative."
            ),
        }
        return messages[error.code] % {
            "name": self.display_name or self.env._("New programme")
        }

    def _create_milestones(self):
        self.ensure_one()
        self.env["accomp.milestone"].create(
            [
                {
                    "engagement_id": self.id,
                    "name": template.name,
                    "sequence": template.sequence,
                    "percent": template.percent,
                }
                for template in self.offer_id.milestone_template_ids
            ]
        )

    def _prepare_schedule_line_values(self, planned):
        """Values of the schedule line for a planning.PlannedLine."""
        self.ensure_one()
        milestone = (
            self.milestone_ids.sorted()[planned.milestone_index]
            if planned.milestone_index is not None
            else self.env["accomp.milestone"]
        )
        return {
            "engagement_id": self.id,
            "sequence": planned.sequence,
            "kind": planned.kind,
            "amount": float(planned.amount),
            "date_due": planned.date_due,
            "period_start": planned.period_start,
            "period_end": planned.period_end,
            "part_index": planned.index,
            "part_count": planned.count,
            "milestone_id": milestone.id,
        }

    def _preview_rows(self, planned):
        return [
            {
                "label": self.env["accomp.schedule.line"]._part_label(
                    line.kind,
                    line.index,
                    line.count,
                    self.offer_id.milestone_template_ids[line.milestone_index].name
                    if line.milestone_index is not None
                    else "",
                ),
                "date_due": format_date(self.env, line.date_due)
                if line.date_due
                else self.env._("when done"),
                "period": self.env["accomp.schedule.line"]._period_label(
                    line.period_start, line.period_end
                ),
                "amount": format_amount(self.env, float(line.amount), self.currency_id),
            }
            for line in planned
        ]

    def _check_manager(self):
        """Selling, invoicing and stopping programmes is the billing manager's."""
        if not (
            self.env.su
            or self.env.user.has_group("accomp_billing.group_accomp_manager")
        ):
            raise AccessError(
                self.env._("Only a billing manager can do this on a programme.")
            )

    def _check_coach_write(self, vals):
        """Coaches log sessions and mark milestones done; nothing else."""
        if set(vals) <= COACH_WRITABLE_FIELDS or self.env.su:
            return
        if not self.env.user.has_group("accomp_billing.group_accomp_manager"):
            raise AccessError(
                self.env._(
                    "A coach can log sessions and mark milestones done, but cannot "
                    "change a programme's terms, prices or schedule."
                )
            )

    def _is_completed(self, today=None):
        """Over and settled: every billing event paid, nothing more to plan, every
        milestone done and the programme's last day past."""
        self.ensure_one()
        lines = self.schedule_line_ids.filtered(lambda line: line.state != "cancelled")
        if not lines or any(line.state != "paid" for line in lines):
            return False
        if any(milestone.state != "done" for milestone in self.milestone_ids):
            return False
        if self.billing_model == "subscription":
            return (
                bool(self.date_end) and max(lines.mapped("period_end")) >= self.date_end
            )
        return bool(self.date_end and today and self.date_end < today)

    def _close_finished(self):
        """Mark done the programmes in progress that are over and settled."""
        today = self.env["accomp.schedule.line"]._company_today(self.company_id)
        finished = self.filtered(
            lambda e: e.state == "active" and e._is_completed(today[e.company_id])
        )
        finished.state = "done"
        return finished

    def _overdue_invoices(self, today):
        self.ensure_one()
        return self.invoice_ids.filtered_domain(self._overdue_invoice_domain(today))

    def _prepare_late_fee_lines(self, today):
        """[(invoice line values, (late invoice, values to write on it))] of the
        late-payment fees due on this programme's invoices up to ``today``."""
        self.ensure_one()
        company = self.company_id
        if not (
            company.accomp_late_fees
            and self.partner_id.commercial_partner_id.is_company
        ):
            raise UserError(
                self.env._(
                    "%(name)s: late-payment fees apply to business clients only, when "
                    "the option is on in the settings.",
                    name=self.display_name,
                )
            )
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        product = self.env.ref("accomp_billing.product_late_fees")
        rate = company.accomp_late_interest_rate
        result = []
        billed = self.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.state == "posted"
            and m.payment_state != "reversed"
            and m.invoice_date_due
            and m.invoice_line_ids.accomp_schedule_line_id  # not the fees themselves
        )
        days_late = {invoice: invoice._accomp_days_late(today) for invoice in billed}
        late_invoices = billed.filtered(lambda m: days_late[m] > 0)
        for invoice in late_invoices.sorted("invoice_date_due"):
            line_base = {"product_id": product.id, "tax_ids": [Command.clear()]}
            if not invoice.accomp_indemnity_billed:
                indemnity = company.currency_id._convert(
                    company.accomp_recovery_indemnity, self.currency_id, company, today
                )
                result.append(
                    (
                        {
                            **line_base,
                            "name": env._(
                                "Fixed indemnity for recovery costs, invoice "
                                "%(invoice)s (French Commercial Code D441-5)",
                                invoice=invoice.name,
                            ),
                            "quantity": 1,
                            "price_unit": indemnity,
                        },
                        (invoice, {"accomp_indemnity_billed": True}),
                    )
                )
            start = invoice.accomp_interest_billed_until or invoice.invoice_date_due
            end = fields.Date.add(invoice.invoice_date_due, days=days_late[invoice])
            base = (
                invoice.amount_total
                if invoice.payment_state in ("paid", "in_payment")
                else invoice.amount_residual
            )
            days = (end - start).days
            interest = recovery.late_interest(
                base, rate, days, self.currency_id.rounding
            )
            if interest > 0:
                result.append(
                    (
                        {
                            **line_base,
                            "name": env._(
                                "Late interest on invoice %(invoice)s: %(amount)s for "
                                "%(days)s days at %(rate)s%% a year",
                                invoice=invoice.name,
                                amount=format_amount(env, base, self.currency_id),
                                days=days,
                                rate=f"{rate:.2f}",
                            ),
                            "quantity": 1,
                            "price_unit": float(interest),
                        },
                        (invoice, {"accomp_interest_billed_until": end}),
                    )
                )
        return result

    def _shift_schedule(self, days, today):
        """Move the billing events still to come (and the end) by ``days``."""
        self.ensure_one()
        if self.billing_model == "subscription":
            raise UserError(
                self.env._(
                    "%(name)s is a subscription: suspend it or stop its renewal "
                    "instead of pausing it.",
                    name=self.display_name,
                )
            )
        lines = self.schedule_line_ids.filtered(
            lambda line: line.state == "planned"
            and line.date_due
            and line.date_due >= today
        )
        for line in lines.sudo():
            line.write(
                {
                    fname: fields.Date.add(line[fname], days=days)
                    for fname in ("date_due", "period_start", "period_end")
                    if line[fname]
                }
            )
        if self.date_end:
            self.with_context(
                accomp_allow_frozen_write=True
            ).date_end = fields.Date.add(self.date_end, days=days)

    def _pause(self, days):
        """Pause for ``days``: every billing event still to come moves as many
        days later; the total does not change."""
        self.ensure_one()
        if days <= 0:
            raise UserError(self.env._("A pause lasts at least one day."))
        if self.state not in ("active", "suspended") or self.pause_until:
            raise UserError(
                self.env._(
                    "%(name)s cannot be paused (already paused, or not in progress).",
                    name=self.display_name,
                )
            )
        today = self.env["accomp.schedule.line"]._company_today(self.company_id)[
            self.company_id
        ]
        self._shift_schedule(days, today)
        self.write(
            {"pause_until": fields.Date.add(today, days=days), "pause_days": days}
        )
        self.message_post(
            body=self.env._(
                "Programme paused for %(days)s days: the billing events to come move "
                "by as much.",
                days=days,
            ),
            subtype_xmlid="mail.mt_note",
        )

    # ------------------------------------------------------------------
    # Early termination
    # ------------------------------------------------------------------
    def _termination_plan(self, request_date, fee_type, fee_value):
        """What terminating on ``request_date`` does (pure read, no write): the
        last day, the events billed now, the ones cancelled, the fee and the pro
        rata credits for what was invoiced but will not be delivered."""
        self.ensure_one()
        rounding = self.currency_id.rounding
        if self.billing_model == "subscription":
            date_end = planning.subscription_end(
                self.date_start,
                self.billing_cycle,
                self.commitment_months,
                request_date,
                self.notice_days,
            )
        else:
            date_end = request_date + timedelta(days=self.notice_days or 0)
            if self.date_end:
                date_end = min(date_end, self.date_end)
        planned = self.schedule_line_ids.filtered(lambda line: line.state == "planned")
        to_bill = planned.filtered(
            lambda line: line.kind == "extras"
            or (line.date_due and line.date_due <= date_end)
            or (line.period_start and line.period_start <= date_end)
        )
        to_cancel = planned - to_bill
        remaining = sum(to_cancel.mapped("amount"))
        if fee_type == "percent":
            fee = float(planning.quantize(remaining * (fee_value or 0) / 100, rounding))
        elif fee_type == "fixed":
            fee = fee_value or 0.0
        else:
            fee = 0.0
        credits = []
        # what was invoiced, or is billed now, for days after the last one
        for line in (
            self.schedule_line_ids.filtered(lambda x: x.state in ("invoiced", "paid"))
            | to_bill
        ).filtered(lambda x: x.kind not in ("extras", "termination")):
            undelivered = recovery.undelivered_amount(
                line.amount,
                line.period_start or self.date_start,
                line.period_end or self.date_end,
                date_end,
                rounding,
            )
            if undelivered:
                credits.append((line, float(undelivered)))
        return {
            "date_end": date_end,
            "to_bill": to_bill,
            "to_cancel": to_cancel,
            "remaining": remaining,
            "fee": fee,
            "credits": credits,
        }

    def _terminate(self, plan):
        """Apply a termination plan in one step: cancel, bill what is due and the
        fee on one final invoice, credit what will not be delivered."""
        self.ensure_one()
        Line = self.env["accomp.schedule.line"]
        today = Line._company_today(self.company_id)
        company_today = today[self.company_id]
        plan["to_cancel"].state = "cancelled"
        to_bill = plan["to_bill"]
        if plan["fee"] > 0:
            to_bill |= Line.create(
                {
                    "engagement_id": self.id,
                    "kind": "termination",
                    "amount": plan["fee"],
                    "date_due": company_today,
                    "sequence": 2000,
                }
            )
        to_bill = to_bill.try_lock_for_update().filtered(
            lambda line: line.state == "planned" and not line.invoice_id
        )
        to_bill.date_due = company_today
        final = self.env["account.move"]
        if to_bill:
            final = (
                self.env["account.move"]
                .with_company(self.company_id)
                .with_context(default_move_type="out_invoice")
                .create(to_bill._prepare_invoice_values(company_today))
            )
        refund = self.env["account.move"]
        if plan["credits"]:
            refund = (
                self.env["account.move"]
                .with_company(self.company_id)
                .create(self._prepare_termination_credit(plan, company_today))
            )
        moves = final | refund
        if self.invoice_mode == "auto_post" and moves:
            moves._post(soft=False)
            self._reconcile_credit(refund)
        self.with_context(accomp_allow_frozen_write=True).date_end = plan["date_end"]
        self.message_post(
            body=self.env._(
                "Programme terminated: last day %(date)s, %(cancelled)s cancelled, "
                "final invoice %(final)s, credit note %(refund)s.",
                date=format_date(self.env, plan["date_end"]),
                cancelled=format_amount(self.env, plan["remaining"], self.currency_id),
                final=final.name or "-",
                refund=refund.name or "-",
            ),
            subtype_xmlid="mail.mt_note",
        )
        return final, refund

    def _prepare_termination_credit(self, plan, date):
        self.ensure_one()
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        product = self.product_id or self.env.ref("accomp_billing.product_programme")
        lines = [
            Command.create(
                {
                    "product_id": product.id,
                    "name": env._(
                        "Pro rata credit, not delivered after %(date)s: %(label)s",
                        date=format_date(env, plan["date_end"]),
                        label=line._invoice_label(),
                    ),
                    "quantity": 1,
                    "price_unit": amount,
                }
            )
            for line, amount in plan["credits"]
        ]
        reversed_invoices = self.env["account.move"].union(
            *(line.invoice_id for line, _amount in plan["credits"])
        )
        return {
            "move_type": "out_refund",
            "partner_id": reversed_invoices[:1].partner_id.id or self.partner_id.id,
            "currency_id": self.currency_id.id,
            "invoice_date": date,
            "invoice_origin": self.name,
            "accomp_engagement_id": self.id,
            "reversed_entry_id": reversed_invoices.id
            if len(reversed_invoices) == 1
            else False,
            "invoice_line_ids": lines,
        }

    def _reconcile_credit(self, refund):
        """A credit note for invoices still unpaid settles them."""
        if not refund or refund.state != "posted":
            return
        receivable = refund.line_ids.filtered(
            lambda aml: aml.account_id.account_type == "asset_receivable"
        )
        unpaid = self.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.state == "posted"
            and m.payment_state in ("not_paid", "partial")
        ).line_ids.filtered(
            lambda aml: aml.account_id in receivable.account_id and not aml.reconciled
        )
        if unpaid:
            (receivable | unpaid).reconcile()

    def _create_allowances(self):
        self.ensure_one()
        self.env["accomp.engagement.allowance"].create(
            [
                {
                    "engagement_id": self.id,
                    "sequence": allowance.sequence,
                    "product_id": allowance.product_id.id,
                    "included_qty": allowance.included_qty,
                    "price_unit": allowance.price_unit,
                }
                for allowance in self.offer_id.allowance_ids
            ]
        )

    # ------------------------------------------------------------------
    # Usage and extras
    # ------------------------------------------------------------------
    def _sync_extras(self):
        """Split the logged usage between the allowances (in date order) and
        extras, keep the planned extras billing events in step, and invoice at
        once what the ``immediate`` policy says is due.

        Billed usage is never reallocated. Runs as superuser: coaches log usage,
        the prices and billing events it produces are not theirs to write."""
        Line = self.env["accomp.schedule.line"].sudo()
        immediate = Line
        self._serialize_usage()
        for engagement in self.sudo().filtered(
            lambda e: e.state in ("active", "suspended")
        ):
            engagement._allocate_usage()
            immediate |= engagement._plan_extras()
        if immediate:
            immediate._invoice_now()
        return True

    def _serialize_usage(self):
        """Two coaches logging sessions on one engagement at once must not both
        take the last included session. Updating the engagement rows makes the
        second transaction wait for the first, then fail to serialize: Odoo
        retries it on a snapshot that sees the first one's usage."""
        if self.ids:
            self.env.cr.execute(
                SQL(
                    "UPDATE accomp_engagement SET write_date = write_date "
                    "WHERE id IN %s",
                    tuple(self.ids),
                )
            )

    def _allocate_usage(self):
        self.ensure_one()
        usages = (
            self.usage_ids.filtered(lambda u: u.state != "cancelled")
            .sorted(lambda u: (u.date, u.id))
            .with_context(accomp_usage_sync=True)
        )
        allowances = {a.product_id: a for a in self.allowance_ids}
        for product, product_usages in usages.grouped("product_id").items():
            allowance = allowances.get(product)
            price = self._extras_price(product, allowance)
            allocations = allowance_tools.allocate(
                allowance.included_qty if allowance else 0,
                [
                    allowance_tools.UsageEntry(
                        usage.id,
                        usage.quantity,
                        usage.included_qty if usage.state == "billed" else None,
                    )
                    for usage in product_usages
                ],
            )
            for usage, allocation in zip(product_usages, allocations, strict=True):
                if usage.state == "billed":
                    continue
                vals = {
                    "included_qty": float(allocation.included),
                    "billable_qty": float(allocation.billable),
                    "price_unit": price,
                }
                if any(usage[fname] != value for fname, value in vals.items()):
                    usage.write(vals)

    def _extras_price(self, product, allowance):
        """Unit price of an extra in the engagement's currency: the allowance's
        price when set, else the product's sales price."""
        if allowance and allowance.price_unit:
            return allowance.price_unit
        today = self.env["accomp.schedule.line"]._company_today(self.company_id)
        return product.currency_id._convert(
            product.lst_price,
            self.currency_id,
            self.company_id,
            today[self.company_id],
        )

    def _extras_key(self, product, price_unit, period_start):
        return (product.id, round(price_unit, 6), period_start or False)

    def _plan_extras(self):
        """Create, update or remove the planned extras lines so that they bill
        exactly the unbilled extra usage; return the lines to invoice now."""
        self.ensure_one()
        Line = self.env["accomp.schedule.line"]
        today = Line._company_today(self.company_id)[self.company_id]
        usages = self.usage_ids.with_context(accomp_usage_sync=True)
        open_lines = self.schedule_line_ids.filtered(
            lambda line: line.kind == "extras"
            and line.state == "planned"
            and not line.invoice_line_ids
        )
        existing = {
            self._extras_key(line.product_id, line.price_unit, line.period_start): line
            for line in open_lines
        }
        wanted = {}
        for usage in usages.filtered(lambda u: u.state == "to_bill"):
            period_start = False
            if self.extras_policy == "end_of_cycle":
                period_start = planning.period_of(
                    self.date_start,
                    planning.period_index(
                        self.date_start, self.billing_cycle, usage.date
                    ),
                    self.billing_cycle,
                )[0]
            key = self._extras_key(usage.product_id, usage.price_unit, period_start)
            wanted[key] = wanted.get(key, usages.browse()) | usage
        to_invoice = Line
        for key, key_usages in wanted.items():
            vals = self._prepare_extras_line_values(key_usages, key[2], today)
            line = existing.pop(key, Line)
            if line:
                line.write(
                    {
                        fname: vals[fname]
                        for fname in ("quantity", "amount", "date_due", "period_end")
                    }
                )
            else:
                line = Line.create(vals)
            key_usages.filtered(lambda u, ln=line: u.schedule_line_id != ln).write(
                {"schedule_line_id": line.id}
            )
            if self.extras_policy == "immediate":
                to_invoice |= line
        usages.filtered(
            lambda u: u.state in ("included", "cancelled") and u.schedule_line_id
        ).write({"schedule_line_id": False})
        Line.union(*existing.values()).unlink()
        return to_invoice

    def _prepare_extras_line_values(self, usages, period_start, today):
        """Values of the extras billing event for these usages (same product and
        price): due now, with the next scheduled invoice or after the period."""
        self.ensure_one()
        quantity = sum(usages.mapped("billable_qty"))
        price_unit = usages[0].price_unit
        vals = {
            "engagement_id": self.id,
            "kind": "extras",
            "product_id": usages[0].product_id.id,
            "quantity": quantity,
            "price_unit": price_unit,
            "amount": self.currency_id.round(quantity * price_unit),
            "sequence": 1000,
            "part_index": 1,
            "part_count": 1,
            "date_due": today,
            "period_start": False,
            "period_end": False,
        }
        if self.extras_policy == "end_of_cycle":
            period_index = planning.period_index(
                self.date_start, self.billing_cycle, period_start
            )
            period_end = planning.period_of(
                self.date_start, period_index, self.billing_cycle
            )[1]
            vals.update(
                period_start=period_start,
                period_end=period_end,
                date_due=period_end + timedelta(days=1),
            )
        elif self.extras_policy == "next_invoice":
            vals["date_due"] = self._next_invoice_date(today)
        return vals

    def _next_invoice_date(self, today):
        """When the next scheduled invoice goes out: the due date of the next
        planned line, none while that is a milestone not yet done, today when
        nothing else is planned."""
        planned = self.schedule_line_ids.filtered(
            lambda line: line.state == "planned" and line.kind != "extras"
        )
        if not planned:
            return today
        if any(not line.date_due for line in planned):
            dated = planned.filtered("date_due")
            return min(dated.mapped("date_due")) if dated else False
        return min(planned.mapped("date_due"))

    def _extend_subscription_schedule(self, date_ref):
        """Renew subscriptions lazily: make sure every period that has started by
        ``date_ref`` is planned, plus the next one, never past ``date_end``."""
        vals_list = []
        for engagement in self.filtered(
            lambda e: e.billing_model == "subscription"
            and e.state in ("active", "suspended")
        ):
            lines = engagement.schedule_line_ids.filtered(
                lambda line: line.kind == "subscription"
            )
            existing = max(lines.mapped("part_index"), default=0)  # periods are 1-based
            last = planning.periods_due(
                engagement.date_start,
                engagement.billing_cycle,
                date_ref,
                engagement.date_end or None,
            )
            last = max(
                last,
                planning.committed_periods(
                    engagement.commitment_months, engagement.billing_cycle
                )
                - 1,
            )
            if last + 1 <= existing:
                continue
            planned = planning.plan_subscription_periods(
                engagement.recurring_amount,
                engagement.date_start,
                engagement.billing_cycle,
                existing,
                last,
                sequence_start=max(
                    engagement.schedule_line_ids.mapped("sequence"), default=0
                )
                + 1,
            )
            vals_list += [
                engagement._prepare_schedule_line_values(line) for line in planned
            ]
        return self.env["accomp.schedule.line"].create(vals_list)

    def _invoice_legal_mentions(self):
        """Mentions French law requires on B2B invoices (Code de commerce L441-10):
        late-payment penalties and the fixed 40 EUR recovery indemnity."""
        self.ensure_one()
        if not self.partner_id.commercial_partner_id.is_company:
            return False
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        company = self.company_id
        return Markup("<p>%s</p>") % env._(
            "Late payment: penalties at %(rate)s%% a year (the European Central "
            "Bank's refinancing rate plus %(margin)s points), and a fixed indemnity of "
            "%(indemnity)s for recovery costs (French Commercial Code, art. L441-10 "
            "and D441-5). No discount for early payment.",
            rate=f"{company.accomp_late_interest_rate:.2f}",
            margin=f"{company.accomp_late_rate_margin:g}",
            indemnity=format_amount(
                env, company.accomp_recovery_indemnity, company.currency_id
            ),
        )

    def _notify_billing_failure(self, error):
        """Tell the people in charge, once: a chatter message each time, a single
        open to-do activity for the coach or billing manager."""
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        summary = self.env._("Billing failed")
        for engagement in self:
            engagement.message_post(
                body=self.env._("Automatic invoicing failed: %(error)s", error=error),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
            if engagement.activity_ids.filtered(
                lambda a, t=activity_type: a.activity_type_id == t
                and a.summary == summary
            ):
                continue
            engagement.activity_schedule(
                activity_type_id=activity_type.id,
                summary=summary,
                note=str(error),
                user_id=(
                    engagement.user_id or engagement.create_uid or self.env.user
                ).id,
            )
