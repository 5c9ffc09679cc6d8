from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

# Set by action_done / action_reset only.
SYSTEM_FIELDS = {
    "engagement_id",
    "percent",
    "state",
    "date_done",
    "done_by_id",
    "signoff_state",
    "accepted_by_id",
    "date_accepted",
}


class AccompMilestone(models.Model):
    _name = "accomp.milestone"
    _description = "Programme Milestone"
    _order = "engagement_id, sequence, id"

    engagement_id = fields.Many2one(
        "accomp.engagement",
        string="Programme",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="engagement_id.company_id", store=True)
    currency_id = fields.Many2one(related="engagement_id.currency_id")
    name = fields.Char(string="Milestone", required=True)
    sequence = fields.Integer(default=10)
    percent = fields.Float(string="Share (%)", digits=(5, 2), readonly=True)
    schedule_line_ids = fields.One2many(
        "accomp.schedule.line", "milestone_id", string="Billing Events", readonly=True
    )
    amount = fields.Monetary(compute="_compute_amount", store=True)
    invoice_id = fields.Many2one(
        "account.move", compute="_compute_invoice_id", string="Invoice"
    )
    invoice_state = fields.Selection(
        [("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")],
        string="Invoice Status",
        compute="_compute_invoice_state",
    )
    state = fields.Selection(
        [("todo", "To do"), ("done", "Done")],
        default="todo",
        required=True,
        readonly=True,
    )
    date_done = fields.Date(string="Done on", readonly=True, copy=False)
    done_by_id = fields.Many2one(
        "res.users", string="Done by", readonly=True, copy=False
    )
    signoff_state = fields.Selection(
        [
            ("not_required", "Not required"),
            ("waiting", "Waiting for the client"),
            ("accepted", "Accepted"),
        ],
        string="Client sign-off",
        default="not_required",
        readonly=True,
        copy=False,
    )
    accepted_by_id = fields.Many2one(
        "res.partner",
        string="Accepted by",
        readonly=True,
        copy=False,
        help="Empty when accepted automatically after the delay.",
    )
    date_accepted = fields.Date(string="Accepted on", readonly=True, copy=False)

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("schedule_line_ids.amount")
    def _compute_amount(self):
        for milestone in self:
            milestone.amount = sum(milestone.schedule_line_ids.mapped("amount"))

    @api.depends("schedule_line_ids.invoice_id")
    def _compute_invoice_id(self):
        for milestone in self:
            milestone.invoice_id = milestone.sudo().schedule_line_ids.invoice_id[:1]

    @api.depends("schedule_line_ids.invoice_id")
    def _compute_invoice_state(self):
        for milestone in self:
            invoice = milestone.sudo().schedule_line_ids.invoice_id[:1]
            milestone.invoice_state = invoice.state

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    def write(self, vals):
        if self.env.context.get("accomp_milestone_action"):
            return super().write(vals)
        if SYSTEM_FIELDS.intersection(vals):
            raise AccessError(
                self.env._(
                    "A milestone's share and status change only through “Mark as "
                    "done” and “Back to do”."
                )
            )
        for milestone in self.filtered(lambda m: m.state == "done"):
            raise UserError(
                self.env._(
                    "The milestone “%(name)s” is done: it can no longer be edited.",
                    name=milestone.name,
                )
            )
        return super().write(vals)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_done(self):
        """The coach marks the phase finished: its billing event falls due today
        and is invoiced at once (posted, or a draft in review mode)."""
        self.check_access("write")
        for milestone in self:
            if milestone.state == "done":
                raise UserError(
                    self.env._(
                        "The milestone “%(name)s” was already marked done on %(date)s.",
                        name=milestone.name,
                        date=format_date(self.env, milestone.date_done),
                    )
                )
            if milestone.engagement_id.state != "active":
                raise UserError(
                    self.env._(
                        "%(engagement)s is not in progress: its milestones cannot "
                        "be marked done.",
                        engagement=milestone.engagement_id.display_name,
                    )
                )
        for milestone in self:
            today = milestone.company_id._accomp_today()
            signoff = milestone.engagement_id.milestone_signoff
            milestone.with_context(accomp_milestone_action=True).write(
                {
                    "state": "done",
                    "date_done": today,
                    "done_by_id": self.env.user.id,
                    "signoff_state": "waiting" if signoff else "not_required",
                }
            )
            if not signoff:
                milestone._make_due(today)
        self.filtered(lambda m: m.signoff_state != "waiting")._invoice_due_phase()
        for milestone in self:
            invoice = milestone.sudo().schedule_line_ids.invoice_id
            if milestone.signoff_state == "waiting":
                body = self.env._(
                    "Milestone “%(name)s” done: waiting for the client's sign-off.",
                    name=milestone.name,
                )
            elif invoice:
                body = self.env._(
                    "Milestone “%(name)s” done: invoice %(invoice)s generated.",
                    name=milestone.name,
                    invoice=invoice.name,
                )
            else:
                body = self.env._("Milestone “%(name)s” done.", name=milestone.name)
            milestone.engagement_id.message_post(
                body=body, subtype_xmlid="mail.mt_note"
            )
        return True

    def _make_due(self, day):
        # coaches cannot write billing events: the due date is set for them
        self.sudo().schedule_line_ids.filtered(
            lambda line: line.state == "planned"
        ).date_due = day

    def _invoice_due_phase(self):
        lines = self.sudo().schedule_line_ids.filtered(
            lambda line: line.state == "planned"
        )
        return lines._invoice_now()

    def _accept_signoff(self, partner=None):
        """The client signs the phase off (``partner``), or the delay ran out:
        it falls due now and is invoiced (at once while the programme runs, by
        the next run once a suspended one resumes). Only a programme in
        progress takes a sign-off."""
        waiting = self.filtered(
            lambda m: m.signoff_state == "waiting"
            and m.engagement_id.state in ("active", "suspended")
        )
        for milestone in waiting:
            today = milestone.company_id._accomp_today()
            milestone.with_context(accomp_milestone_action=True).write(
                {
                    "signoff_state": "accepted",
                    "accepted_by_id": partner.id if partner else False,
                    "date_accepted": today,
                }
            )
            milestone._make_due(today)
        waiting._invoice_due_phase()
        for milestone in waiting:
            invoice = milestone.sudo().schedule_line_ids.invoice_id
            values = {
                "name": milestone.name,
                "client": partner.name if partner else "",
                "days": milestone.engagement_id.signoff_days,
                "invoice": invoice.name or "",
            }
            if partner and invoice:
                body = self.env._(
                    "Milestone “%(name)s” signed off by %(client)s: invoice "
                    "%(invoice)s generated.",
                    **values,
                )
            elif partner:
                body = self.env._(
                    "Milestone “%(name)s” signed off by %(client)s: invoiced by "
                    "the next billing run.",
                    **values,
                )
            elif invoice:
                body = self.env._(
                    "Milestone “%(name)s” accepted automatically after %(days)s "
                    "days: invoice %(invoice)s generated.",
                    **values,
                )
            else:
                body = self.env._(
                    "Milestone “%(name)s” accepted automatically after %(days)s "
                    "days: invoiced by the next billing run.",
                    **values,
                )
            milestone.engagement_id.message_post(
                body=body,
                subtype_xmlid="mail.mt_note",
                partner_ids=milestone.engagement_id.user_id.partner_id.ids,
            )
        return waiting

    @api.model
    def _accept_expired_signoffs(self):
        """The scheduler's daily check: phases not signed off within the
        offer's delay are accepted."""
        waiting = self.search([("signoff_state", "=", "waiting")])
        expired = waiting.filtered(
            lambda m: fields.Date.add(m.date_done, days=m.engagement_id.signoff_days)
            <= m.company_id._accomp_today()
        )
        # each phase on its own: accepting it invoices it
        return self.env["ir.cron"]._accomp_each(
            expired,
            lambda milestone: milestone._accept_signoff(),
            "signoff",
            engagement_of=lambda milestone: milestone.engagement_id,
        )

    def action_reset(self):
        """Back to do: only while the milestone's invoice is not posted; a draft
        invoice is cancelled (billing managers only)."""
        self.check_access("write")
        for milestone in self:
            if milestone.state != "done":
                raise UserError(
                    self.env._(
                        "The milestone “%(name)s” is not done.", name=milestone.name
                    )
                )
            posted = milestone.sudo().schedule_line_ids.invoice_id.filtered(
                lambda m: m.state == "posted"
            )
            if posted:
                raise UserError(
                    self.env._(
                        "The milestone “%(name)s” is invoiced on %(invoice)s, which "
                        "is posted: it cannot be undone. Issue a credit note from "
                        "the invoice instead.",
                        name=milestone.name,
                        invoice=", ".join(posted.mapped("name")),
                    )
                )
        # cancelling a draft invoice needs invoicing rights: no sudo here
        self.sudo().schedule_line_ids.invoice_id.with_env(self.env).button_cancel()
        self.sudo().schedule_line_ids.filtered(
            lambda line: line.state == "planned"
        ).date_due = False
        self.with_context(accomp_milestone_action=True).write(
            {
                "state": "todo",
                "date_done": False,
                "done_by_id": False,
                "signoff_state": "not_required",
            }
        )
        return True
