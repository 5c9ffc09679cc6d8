"""The engagement's billing schedule: planning at confirmation, the draft
preview, subscription renewal and end, pause."""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount, format_date

from ..tools import planning
from .accomp_terms_mixin import TERM_FIELDS

MAX_PAUSE_DAYS = 366  # a sabbatical year: longer is a new programme


def warning_html(message):
    """A preview that cannot be made says why, in a warning box."""
    return (
        Markup('<div class="alert alert-warning mb-0" role="alert">%s</div>') % message
    )


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

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
    next_date_due = fields.Date(
        string="Next Due Date", compute="_compute_next_date_due", store=True, index=True
    )
    schedule_preview = fields.Html(compute="_compute_schedule_preview", sanitize=False)
    pause_until = fields.Date(string="Paused Until", copy=False, tracking=True)
    pause_days = fields.Integer(copy=False, help="Days of the current pause.")

    _date_order = models.Constraint(
        "CHECK (date_end IS NULL OR date_start IS NULL OR date_end >= date_start)",
        "The end date of a programme cannot be before its start date.",
    )

    @api.constrains("date_start", "date_end")
    def _check_date_order(self):
        for engagement in self:
            engagement._check_dates(engagement.date_start, engagement.date_end)

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
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

    @api.depends("schedule_line_ids.date_due", "schedule_line_ids.state")
    def _compute_next_date_due(self):
        for engagement in self:
            dates = engagement.schedule_line_ids.filtered(
                lambda line: line.state == "planned" and line.date_due
            ).mapped("date_due")
            engagement.next_date_due = min(dates) if dates else False

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
                engagement.schedule_preview = warning_html(error.args[0])
                continue
            rows = engagement._preview_rows(planned)
            engagement.schedule_preview = self.env["ir.qweb"]._render(
                "accomp_billing.accomp_schedule_preview",
                {
                    "engagement": engagement,
                    "lines": rows,
                    "totals": {
                        key: format_amount(
                            self.env,
                            sum(row[f"{key}_value"] for row in rows),
                            engagement.currency_id,
                        )
                        for key in ("untaxed", "total")
                    },
                },
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_stop_renewal(self):
        """Stop a subscription at the earliest date its commitment and notice allow."""
        self._check_manager()
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
            today = engagement.company_id._accomp_today()
            date_end = planning.subscription_end(
                engagement.date_start,
                engagement.billing_cycle,
                engagement.commitment_months,
                today,
                engagement.notice_days,
            )
            engagement.with_context(accomp_allow_frozen_write=True).date_end = date_end
            engagement.schedule_line_ids.filtered(
                lambda line, d=date_end: line.state == "planned"
                and line.period_start
                and line.period_start > d
            )._write_state("cancelled")
            engagement._extend_subscription_schedule(today)
            engagement.message_post(
                body=self.env._(
                    "Subscription stopped: last day %(date)s.",
                    date=format_date(self.env, date_end),
                )
            )
        return True

    def action_pause(self):
        self._check_manager()
        self.ensure_one()
        return self._open_wizard(
            "accomp.pause.wizard", self.env._("Pause %(name)s", name=self.display_name)
        )

    def action_end_pause(self):
        """End a pause early: the remaining billing events move back."""
        self._check_manager()
        for engagement in self:
            if not engagement.pause_until:
                raise UserError(
                    self.env._("%(name)s is not paused.", name=engagement.display_name)
                )
            today = engagement.company_id._accomp_today()
            remaining = (engagement.pause_until - today).days
            if remaining > 0:
                engagement._shift_schedule(-remaining, today)
            engagement.write({"pause_until": False, "pause_days": 0})
        return True

    # ------------------------------------------------------------------
    # Planning
    # ------------------------------------------------------------------
    def _plan_schedule(self):
        """The schedule these terms produce (pure planners), as PlannedLine list."""
        self.ensure_one()
        rounding = self.currency_id.rounding
        try:
            if self.billing_model == "upfront":
                return planning.plan_upfront(self.price_total, self.date_start)
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
            "date_range": self.env._(
                "%(name)s: a programme cannot start after %(last)s."
            ),
        }
        return messages[error.code] % {
            "name": self.display_name or self.env._("New programme"),
            "last": format_date(self.env, planning.LAST_PLANNABLE_DAY),
        }

    def _create_schedule(self):
        """Build the sold programme's milestones and billing events."""
        self.ensure_one()
        # a 0% milestone is a progress step: it bills nothing, so no line
        planned = [line for line in self._plan_schedule() if line.amount]
        if self.billing_model == "milestones":
            self._create_milestones()
        return self.env["accomp.schedule.line"].create(
            [self._prepare_schedule_line_values(line) for line in planned]
        )

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
        """Values of the schedule line for a planning.PlannedLine (overridable)."""
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

    def _planned_amounts(self, planned):
        """(untaxed, total incl. VAT) of a planned line, as its invoice will say."""
        self.ensure_one()
        return self._taxed_amounts(float(planned.amount), 1.0, self._invoiced_product())

    def _preview_rows(self, planned):
        Line = self.env["accomp.schedule.line"]
        rows = []
        for line in planned:
            untaxed, total = self._planned_amounts(line)
            rows.append(
                {
                    **self._preview_row(Line, line),
                    "untaxed": format_amount(self.env, untaxed, self.currency_id),
                    "total": format_amount(self.env, total, self.currency_id),
                    "untaxed_value": untaxed,
                    "total_value": total,
                }
            )
        return rows

    def _preview_row(self, Line, line):
        return {
            "label": Line._part_label(
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
            "period": Line._period_label(line.period_start, line.period_end),
            "amount": format_amount(self.env, float(line.amount), self.currency_id),
        }

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

    @api.model
    def _renew_subscriptions(self, days_by_company, engagements=None):
        """Plan the subscription periods each company's day has reached."""
        for company, today in days_by_company.items():
            domain = [
                ("billing_model", "=", "subscription"),
                ("state", "in", ("active", "suspended")),
                ("company_id", "=", company.id),
            ]
            if engagements is not None:
                domain.append(("id", "in", engagements.ids))
            # one worker renews a subscription: another one running at once
            # skips it (SKIP LOCKED) instead of planning the same period twice
            self.search(domain).try_lock_for_update()._extend_subscription_schedule(
                today
            )

    # ------------------------------------------------------------------
    # Pause
    # ------------------------------------------------------------------
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
        self._check_pause_days(days)
        if self.state not in ("active", "suspended"):
            raise UserError(
                self.env._(
                    "%(name)s cannot be paused: it is not in progress.",
                    name=self.display_name,
                )
            )
        today = self.company_id._accomp_today()
        if self.pause_until and self.pause_until <= today:
            self._end_finished_pauses()  # the last pause ended: not cleared yet
        if self.pause_until:
            raise UserError(
                self.env._(
                    "%(name)s is already paused until %(date)s.",
                    name=self.display_name,
                    date=format_date(self.env, self.pause_until),
                )
            )
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

    @api.model
    def _check_pause_days(self, days):
        if not 1 <= days <= MAX_PAUSE_DAYS:
            raise ValidationError(
                self.env._(
                    "A pause lasts from 1 to %(max)s days (not %(days)s).",
                    max=MAX_PAUSE_DAYS,
                    days=days,
                )
            )

    @api.model
    def _end_finished_pauses(self):
        """Clear the pauses whose last day has passed (the scheduler's daily
        housekeeping): the programme can be paused again."""
        domain = [("pause_until", "!=", False)]
        if self.ids:
            domain.append(("id", "in", self.ids))
        finished = self.search(domain).filtered(
            lambda e: e.pause_until <= e.company_id._accomp_today()
        )
        return self.env["ir.cron"]._accomp_each(
            finished,
            lambda engagement: engagement.write(
                {"pause_until": False, "pause_days": 0}
            ),
            "pause",
        )
