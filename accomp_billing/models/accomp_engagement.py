"""The engagement: a client's programme. This file holds its identity, state,
CRUD, lifecycle actions and rights, and every field two concerns read; the
other concerns live in ``accomp_engagement_<concern>.py`` files that extend the
same model (a computed field lives with its compute), each method defined once:

* ``_schedule``: planning, preview, subscription renewal and end, pause, dates;
* ``_invoicing``: the one path that builds and creates every programme document;
* ``_amounts``: untaxed, taxes, total, invoiced, paid, left to pay;
* ``_usage``: included sessions, usage and extras;
* ``_collection``: payment method, payment exception, overdue, failure notices;
* ``_termination``: early termination;
* ``_ledger``: value delivered against what was billed;
* ``_portal``: what the client sees and answers in the portal;
* ``_fr``: French rules (legal mentions, e-invoicing, late-payment fees, VAT
  franchise);
* ``demo/accomp_demo.py``: the demo's story.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_amount, format_date

from ..tools import planning
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
# Written only by the lifecycle actions (_write_state), never directly.
STATE_FIELDS = {"state", "dunning_suspended"}


class AccompEngagement(models.Model):
    _name = "accomp.engagement"
    _description = "Programme"
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
        group_expand=True,  # the kanban shows every status, in order
        compute="_compute_state",
        store=True,
        readonly=False,
        index=True,
        tracking=True,
        copy=False,
    )
    # computed with the state (a dunning level suspends, paying resumes)
    dunning_suspended = fields.Boolean(
        string="Suspended by dunning",
        compute="_compute_state",
        store=True,
        readonly=False,
        copy=False,
        help="Suspended for unpaid invoices: resumes by itself once they are paid.",
    )
    date_start = fields.Date(string="Start Date", tracking=True, copy=False)
    price_total = fields.Monetary(
        **COPIED_FROM_OFFER,
        string="Programme Price",
        tracking=True,
        help="Price sold for the whole programme, as the offer states it: untaxed "
        "or tax-included per the invoiced product's taxes (not used by "
        "subscriptions).",
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
    extras_approval = fields.Boolean(**COPIED_FROM_OFFER)
    milestone_signoff = fields.Boolean(**COPIED_FROM_OFFER)
    signoff_days = fields.Integer(**COPIED_FROM_OFFER)
    usage_max_qty = fields.Float(**COPIED_FROM_OFFER)
    extras_review_amount = fields.Monetary(**COPIED_FROM_OFFER)

    schedule_line_ids = fields.One2many(
        "accomp.schedule.line", "engagement_id", string="Billing Schedule", copy=False
    )
    milestone_ids = fields.One2many(
        "accomp.milestone", "engagement_id", string="Milestones", copy=False
    )
    milestone_count = fields.Integer(compute="_compute_milestone_counts")
    milestone_done_count = fields.Integer(
        string="Milestones done", compute="_compute_milestone_counts"
    )
    invoice_ids = fields.One2many(
        "account.move",
        "accomp_engagement_id",
        string="Invoices",
        copy=False,
        readonly=True,
    )
    invoice_count = fields.Integer(compute="_compute_invoice_count")
    fiscal_position_id = fields.Many2one(
        "account.fiscal.position",
        string="Fiscal Position",
        compute="_compute_fiscal_position_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        help="Maps the invoiced product's taxes for this client, as on its invoices.",
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
        for engagement in self:
            engagement.dunning_suspended = engagement.dunning_suspended
            if not engagement.state:
                engagement.state = "draft"
                engagement.dunning_suspended = False
                continue
            today = engagement.company_id._accomp_today()
            if (
                engagement.state == "suspended"
                and engagement.dunning_suspended
                and not engagement._overdue_invoices(today)
            ):
                # every overdue invoice is paid: the programme resumes by itself
                engagement.state = "active"
                engagement.dunning_suspended = False
            if engagement.state == "active" and engagement._is_completed(today):
                engagement.state = "done"

    @api.depends("milestone_ids.state")
    def _compute_milestone_counts(self):
        for engagement in self:
            engagement.milestone_count = len(engagement.milestone_ids)
            engagement.milestone_done_count = len(
                engagement.milestone_ids.filtered(lambda m: m.state == "done")
            )

    @api.depends("invoice_ids")
    def _compute_invoice_count(self):
        for engagement in self:
            engagement.invoice_count = len(engagement.invoice_ids)

    @api.depends("partner_id", "company_id")
    def _compute_fiscal_position_id(self):
        for engagement in self:
            if not engagement.partner_id or engagement.state not in (False, "draft"):
                continue
            engagement.fiscal_position_id = (
                self.env["account.fiscal.position"]
                .with_company(engagement.company_id or self.env.company)
                ._get_fiscal_position(engagement.partner_id)
            )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.model
    def _check_dates(self, date_start, date_end):
        """The last day is not before the first (the database checks it too),
        and both are in the calendar the planners can extend."""
        for day in (date_start, date_end):
            if day and fields.Date.to_date(day) > planning.LAST_PLANNABLE_DAY:
                raise ValidationError(
                    self.env._(
                        "A programme's dates must be on or before %(last)s (%(date)s).",
                        last=format_date(self.env, planning.LAST_PLANNABLE_DAY),
                        date=format_date(self.env, day),
                    )
                )
        if (
            date_start
            and date_end
            and fields.Date.to_date(date_end) < fields.Date.to_date(date_start)
        ):
            raise ValidationError(
                self.env._(
                    "The end date of a programme (%(end)s) cannot be before its start "
                    "date (%(start)s).",
                    end=format_date(self.env, date_end),
                    start=format_date(self.env, date_start),
                )
            )

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
            if vals.get("state", "draft") != "draft" and not self.env.context.get(
                "accomp_state_change"
            ):
                raise UserError(
                    self.env._(
                        "A programme is created as a draft and confirmed with "
                        "“Confirm”, which builds its billing schedule."
                    )
                )
            self._check_dates(vals.get("date_start"), vals.get("date_end"))
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
        if STATE_FIELDS.intersection(vals) and not self.env.context.get(
            "accomp_state_change"
        ):
            raise UserError(
                self.env._(
                    "The status of a programme changes only through its actions "
                    "(Confirm, Suspend, Resume, Terminate, Cancel)."
                )
            )
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
                            "longer change. Terminate it and sell a new programme "
                            "instead.",
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
    def _creation_message(self):
        return self.env._("Programme created")

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
            engagement.lock_for_update()  # two confirmations at once: one plans
            if engagement.schedule_line_ids or engagement.allowance_ids:
                raise UserError(
                    self.env._(
                        "%(name)s already has its billing schedule: a programme is "
                        "planned once.",
                        name=engagement.display_name,
                    )
                )
            lines = engagement._create_schedule()
            engagement._create_allowances()
            if not engagement.date_concluded:
                engagement.date_concluded = engagement.company_id._accomp_today()
            engagement._write_state("active")
            amount = format_amount(
                self.env, engagement.amount_total, engagement.currency_id
            )
            engagement.message_post(
                body=self.env._(
                    "Programme confirmed: %(count)s billing events for %(amount)s "
                    "incl. VAT.",
                    count=len(lines),
                    amount=amount,
                )
                if len(lines) != 1
                else self.env._(
                    "Programme confirmed: one billing event for %(amount)s incl. VAT.",
                    amount=amount,
                )
            )
        return True

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
        self._write_state("suspended")

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
        self._write_state("active", dunning_suspended=False)
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
        unpaid._write_state("cancelled")
        self._write_state("cancelled")
        return True

    def _serialize_changes(self):
        """Two changes of one programme at once (two coaches logging its last
        included session, two amendments): updating the programme's row makes
        the second transaction wait for the first, then fail to serialize;
        Odoo retries it on a snapshot that sees the first one's work."""
        if self.ids:
            self.env.cr.execute(
                SQL(
                    "UPDATE accomp_engagement SET write_date = write_date "
                    "WHERE id IN %s",
                    tuple(self.ids),
                )
            )

    def _write_state(self, state, **vals):
        """The one way the lifecycle actions change a programme's status."""
        return self.with_context(accomp_state_change=True).write(
            {"state": state, **vals}
        )

    def _accomp_confirm(self, action):
        """The gear menu's actions that cannot be undone ask first."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Confirm"),
            "res_model": "accomp.action.confirm",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_engagement_ids": self.ids,
                "default_action": action,
            },
        }

    def action_send_email(self):
        """Send the client their programme (schedule and client-space link),
        from Odoo's composer, like a quotation's "Send by e-mail"."""
        self.ensure_one()
        template = self.env.ref(
            "accomp_billing.mail_template_programme_summary", raise_if_not_found=False
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send the programme"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id if template else False,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": (
                    "mail.mail_notification_layout_with_responsible_signature"
                ),
                "force_email": True,
            },
        }

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
        self.offer_id._check_currency_active()
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
        self._check_vat_franchise()

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

    def _is_completed(self, today):
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
        finished = self.filtered(
            lambda e: e.state == "active"
            and e._is_completed(e.company_id._accomp_today())
        )
        finished._write_state("done")
        return finished

    @api.model
    def _close_finished_programmes(self):
        """The scheduler's daily check: programmes past their last day that are
        settled become done."""
        days = self.env["res.company"]._accomp_days()
        candidates = self.search(
            [("state", "=", "active"), ("date_end", "<", max(days.values()))]
        )
        closed = self.env["ir.cron"]._accomp_each(
            candidates, lambda engagement: engagement._close_finished(), "closing"
        )
        return closed.filtered(lambda engagement: engagement.state == "done")
