"""Amendments (avenants): a sold programme changes through numbered documents,
never by editing its schedule. Invoiced, paid and credited events never change;
what is left to invoice is re-spread (``tools/amendment.py``)."""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount, format_date

from ..tools import amendment as amendment_tools
from ..tools import planning
from .accomp_engagement_schedule import warning_html

AMENDMENT_KINDS = [
    ("extend", "Extension"),
    ("reschedule", "New schedule"),
    ("price_change", "Price change"),
    ("add_allowance", "Session pack"),
]
AMENDMENT_STATES = [
    ("draft", "Draft"),
    ("to_accept", "Waiting for the client"),
    ("applied", "Applied"),
    ("cancelled", "Cancelled"),
]
# the events an amendment re-spreads: the programme's own, not extras or fees
PROGRAMME_KINDS = ("deposit", "instalment", "milestone")
BILLED_STATES = ("draft", "invoiced", "paid", "credited")
# what the client answers for, frozen once sent for acceptance
TERMS = (
    "kind",
    "months",
    "amount",
    "instalment_count",
    "recurring_amount",
    "product_id",
    "quantity",
    "date_effective",
)


class AccompAmendment(models.Model):
    _name = "accomp.amendment"
    _description = "Programme Amendment"
    _order = "engagement_id, number desc, id desc"
    _check_company_auto = True

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
    currency_id = fields.Many2one(related="engagement_id.currency_id")
    partner_id = fields.Many2one(
        related="engagement_id.partner_id", store=True, string="Client"
    )
    number = fields.Integer(readonly=True, copy=False)
    name = fields.Char(compute="_compute_name", store=True)
    kind = fields.Selection(AMENDMENT_KINDS, required=True, default="extend")
    months = fields.Integer(
        string="Added months", help="Extension: months added to the programme."
    )
    amount = fields.Monetary(
        help="Extension: added to the programme's price (negative: a discount). "
        "Session pack: billed once. In the terms of the programme's price "
        "(untaxed or tax-included as its product's taxes state it).",
    )
    instalment_count = fields.Integer(
        string="Instalments",
        help="New schedule: what is left to invoice is spread over this many "
        "equal instalments.",
    )
    recurring_amount = fields.Monetary(
        string="New price per period", help="Price change of a subscription."
    )
    product_id = fields.Many2one(
        "product.product",
        string="Session type",
        check_company=True,
        domain="[('type', '=', 'service')]",
    )
    quantity = fields.Float(string="Sessions added", digits="Product Unit", default=1.0)
    date_effective = fields.Date(
        string="Effective date",
        required=True,
        default=lambda self: self.env.company._accomp_today(),
    )
    requires_acceptance = fields.Boolean(
        string="Client's acceptance",
        default=True,
        help="Sent to the client, who accepts it in their space before it applies.",
    )
    note = fields.Text(string="Reason")
    state = fields.Selection(
        AMENDMENT_STATES, default="draft", required=True, readonly=True, copy=False
    )
    date_accepted = fields.Datetime(string="Accepted on", readonly=True, copy=False)
    accepted_by_id = fields.Many2one(
        "res.partner", string="Accepted by", readonly=True, copy=False
    )
    date_applied = fields.Date(string="Applied on", readonly=True, copy=False)
    # before → after: live while it can change, frozen once applied
    summary_html = fields.Html(
        string="Schedule before and after",
        compute="_compute_summary_html",
        sanitize=False,
    )
    summary_frozen = fields.Html(readonly=True, copy=False, sanitize=False)
    description = fields.Char(
        string="What changes", compute="_compute_description", store=True
    )

    _number_uniq = models.Constraint(
        "UNIQUE (engagement_id, number)",
        "An amendment number is used once per programme.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    @api.depends("number")
    def _compute_name(self):
        for amendment in self:
            amendment.name = (
                self.env._("Amendment No. %(number)s", number=amendment.number)
                if amendment.number
                else self.env._("New amendment")
            )

    @api.depends(*TERMS)
    def _compute_description(self):
        for amendment in self:
            amendment.description = amendment._describe()

    @api.depends(
        *TERMS,
        "state",
        "summary_frozen",
        "engagement_id.schedule_line_ids.state",
        "engagement_id.schedule_line_ids.amount",
    )
    def _compute_summary_html(self):
        for amendment in self:
            if amendment.summary_frozen or amendment.state == "cancelled":
                # as the client accepted it
                amendment.summary_html = amendment.summary_frozen
                continue
            if not amendment.engagement_id:
                amendment.summary_html = False
                continue
            try:
                plan = amendment._plan()
            except (UserError, ValidationError) as error:
                amendment.summary_html = warning_html(error.args[0])
                continue
            amendment.summary_html = amendment._render_summary(plan)

    def _describe(self):
        """One line saying what the amendment changes, in the client's words."""
        self.ensure_one()
        engagement = self.engagement_id
        currency = engagement.currency_id or self.env.company.currency_id

        def money(value):
            return format_amount(self.env, value, currency)

        if self.kind == "extend":
            return self.env._(
                "Extension by %(months)s months, price %(sign)s%(amount)s",
                months=self.months,
                sign="+" if self.amount >= 0 else "",
                amount=money(self.amount),
            )
        if self.kind == "reschedule":
            return self.env._(
                "What is left to invoice in %(count)s instalments from %(date)s",
                count=self.instalment_count,
                date=format_date(self.env, self.date_effective),
            )
        if self.kind == "price_change":
            return self.env._(
                "Price per period %(old)s → %(new)s from %(date)s",
                old=money(engagement.recurring_amount),
                new=money(self.recurring_amount),
                date=format_date(self.env, self.date_effective),
            )
        return self.env._(
            "Pack of %(quantity)s × %(product)s for %(amount)s",
            quantity=self._format_qty(self.quantity),
            product=self.product_id.name or "",
            amount=money(self.amount),
        )

    def _event_subject(self):
        """What the events it adds say on their invoice lines."""
        self.ensure_one()
        if self.kind == "add_allowance":
            return self.env._(
                "%(name)s, pack of %(quantity)s × %(product)s",
                name=self.name,
                quantity=self._format_qty(self.quantity),
                product=self.product_id.name or "",
            )
        return self.name

    def _format_qty(self, quantity):
        return self.env["ir.qweb.field.float"].value_to_html(
            quantity, {"precision": 0 if quantity == int(quantity) else 2}
        )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        amendments = super().create(vals_list)
        for amendment in amendments:
            amendment.engagement_id._check_manager()
            amendment.engagement_id._serialize_changes()  # numbered one at a time
            amendment.number = (
                max(amendment.engagement_id.amendment_ids.mapped("number"), default=0)
                + 1
            )
        return amendments

    def write(self, vals):
        if set(TERMS) & set(vals) and self.filtered(lambda a: a.state != "draft"):
            raise UserError(
                self.env._(
                    "An amendment sent to the client or applied cannot change: "
                    "cancel it and make a new one."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda a: a.state not in ("draft", "cancelled")):
            raise UserError(
                self.env._(
                    "An amendment sent to the client or applied is kept: cancel it "
                    "instead."
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_apply(self):
        """Apply the amendment, or send it to the client first when their
        acceptance is required."""
        self.engagement_id._check_manager()
        for amendment in self:
            if amendment.state != "draft":
                raise UserError(
                    self.env._("%(name)s is not a draft.", name=amendment.display_name)
                )
            if amendment.requires_acceptance:
                amendment._plan()  # refused now rather than once accepted
                amendment._send_for_acceptance()
            else:
                amendment._apply()
        return True

    def action_cancel(self):
        self.engagement_id._check_manager()
        for amendment in self:
            if amendment.state not in ("draft", "to_accept"):
                raise UserError(
                    self.env._(
                        "%(name)s is applied: make a new amendment instead.",
                        name=amendment.display_name,
                    )
                )
        self.write({"state": "cancelled"})
        return True

    def action_accept(self, partner=None):
        """The client accepts (portal): the amendment applies."""
        for amendment in self:
            amendment._check_waiting()
            amendment._apply(partner or amendment.partner_id)
        return True

    def action_decline(self, partner=None):
        """The client declines (portal): nothing changes."""
        for amendment in self:
            amendment._check_waiting()
            amendment.write({"state": "cancelled"})
            amendment.engagement_id.message_post(
                body=self.env._(
                    "%(client)s declined %(name)s: nothing changes.",
                    client=(partner or amendment.partner_id).name,
                    name=amendment.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_print(self):
        return self.env.ref("accomp_billing.action_report_amendment").report_action(
            self
        )

    def _check_waiting(self):
        self.ensure_one()
        if self.state != "to_accept":
            raise UserError(
                self.env._(
                    "%(name)s is not waiting for an answer.", name=self.display_name
                )
            )

    def _send_for_acceptance(self):
        self.ensure_one()
        self.write({"state": "to_accept"})
        engagement = self.engagement_id
        engagement._portal_ensure_token()
        template = self.env.ref("accomp_billing.mail_template_amendment")
        values = template._generate_template(
            self.ids, ("subject", "body_html", "email_from")
        )[self.id]
        # in the programme's chatter, e-mailed to the client
        engagement.message_post(
            subject=values["subject"],
            body=values["body_html"],
            email_from=values.get("email_from"),
            partner_ids=engagement.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            email_layout_xmlid="mail.mail_notification_light",
        )

    def _portal_url(self):
        self.ensure_one()
        engagement = self.engagement_id
        return (
            f"{engagement.access_url}/amendments/{self.id}"
            f"?access_token={engagement._portal_ensure_token()}"
        )

    # ------------------------------------------------------------------
    # Planning
    # ------------------------------------------------------------------
    def _plan(self):
        """What applying the amendment does, without doing it:
        ``cancel`` (events replaced), ``update`` ({event: new amount}),
        ``create`` (values of new events), ``credit`` ([(event, amount)] for a
        credit note), ``engagement`` (new terms), ``allowance`` (product,
        quantity added)."""
        self.ensure_one()
        engagement = self.engagement_id
        self._check_programme()
        plan = {
            "cancel": self.env["accomp.schedule.line"],
            "update": {},
            "create": [],
            "credit": [],
            "engagement": {},
            "allowance": None,
        }
        try:
            getattr(self, f"_plan_{self.kind}")(plan)
        except planning.PlanningError as error:
            raise UserError(self._planning_error_message(error)) from error
        sequence = max(engagement.schedule_line_ids.mapped("sequence"), default=0)
        for offset, vals in enumerate(plan["create"], start=1):
            vals.update(
                engagement_id=engagement.id,
                amendment_id=self.id,
                sequence=vals.get("sequence") or sequence + offset,
            )
        return plan

    def _check_programme(self):
        engagement = self.engagement_id
        if engagement.state not in ("active", "suspended") or (
            engagement.date_terminated
        ):
            raise UserError(
                self.env._(
                    "%(name)s is not in progress (done, cancelled or terminated): "
                    "it can no longer be amended.",
                    name=engagement.display_name,
                )
            )
        if not self.date_effective:
            raise UserError(self.env._("Set the amendment's effective date."))
        billed = self._billed_events()
        starts = [
            line.period_start or line.date_due
            for line in billed
            if line.kind in (*PROGRAMME_KINDS, "subscription")
            and (line.period_start or line.date_due)
        ]
        if starts and self.date_effective < max(starts):
            raise UserError(
                self.env._(
                    "The effective date (%(date)s) is before the start of the last "
                    "invoiced period (%(start)s): what is invoiced does not change.",
                    date=format_date(self.env, self.date_effective),
                    start=format_date(self.env, max(starts)),
                )
            )

    def _billed_events(self):
        return self.engagement_id.schedule_line_ids.filtered(
            lambda line: line.state in BILLED_STATES
        )

    def _left_events(self, kinds=("instalment",)):
        return self.engagement_id.schedule_line_ids.filtered(
            lambda line: line.state == "planned"
            and not line.invoice_id
            and line.kind in kinds
        ).sorted(lambda line: (line.date_due, line.sequence, line.id))

    def _check_model(self, *models_):
        engagement = self.engagement_id
        if engagement.billing_model not in models_:
            labels = dict(
                engagement._fields["billing_model"]._description_selection(self.env)
            )
            raise UserError(
                self.env._(
                    "%(kind)s does not apply to %(name)s (%(model)s).",
                    kind=dict(self._fields["kind"]._description_selection(self.env))[
                        self.kind
                    ],
                    name=engagement.display_name,
                    model=labels[engagement.billing_model],
                )
            )

    def _cycle(self):
        return self.engagement_id.billing_cycle or "monthly"

    def _billed_instalments(self):
        return self._billed_events().filtered(lambda line: line.kind == "instalment")

    def _respread_values(self, total, count, first_period):
        engagement = self.engagement_id
        return [
            engagement._prepare_schedule_line_values(line) | {"sequence": False}
            for line in amendment_tools.respread(
                total,
                count,
                engagement.date_start,
                first_period,
                self._cycle(),
                engagement.currency_id.rounding,
                first_index=len(self._billed_instalments()) + 1,
            )
        ]

    def _plan_extend(self, plan):
        self._check_model("upfront", "instalments")
        engagement = self.engagement_id
        cycle = self._cycle()
        months = self.months
        added = amendment_tools.added_periods(months, cycle)
        currency = engagement.currency_id
        price = engagement.price_total + self.amount
        invoiced = sum(
            self._billed_events()
            .filtered(lambda line: line.kind in PROGRAMME_KINDS)
            .mapped("amount")
        )
        deposit = sum(self._left_events(("deposit",)).mapped("amount"))
        left = self._left_events()
        total = currency.round(price - invoiced - deposit)
        if currency.compare_amounts(total, 0) < 0:
            raise UserError(
                self.env._(
                    "The new price (%(price)s) would be below what was already "
                    "invoiced (%(invoiced)s).",
                    price=format_amount(self.env, price, currency),
                    invoiced=format_amount(self.env, invoiced + deposit, currency),
                )
            )
        plan["cancel"] = left
        if engagement.billing_model == "upfront":
            count, first_period = 1, None
        else:
            count = len(left) + added
            first_period = self._first_period(left)
        if currency.compare_amounts(total, 0) > 0:
            if first_period is None:  # upfront: the addition is due at once
                plan["create"] = [
                    self._single_event(
                        total, left[:1].date_due or self.date_effective, count
                    )
                ]
            else:
                plan["create"] = self._respread_values(total, count, first_period)
        date_end = engagement.date_end or engagement.date_start
        plan["engagement"] = {
            "duration_months": engagement.duration_months + months,
            "price_total": price,
            "date_end": planning.nth_date(
                date_end + timedelta(days=1), months, "monthly"
            )
            - timedelta(days=1),
        }
        if engagement.billing_model == "instalments":
            plan["engagement"]["instalment_count"] = len(
                self._billed_instalments()
            ) + len(plan["create"])

    def _single_event(self, amount, date_due, count):
        index = len(self._billed_instalments()) + count
        return {
            "kind": "instalment",
            "amount": float(amount),
            "date_due": date_due,
            "period_start": date_due,
            "period_end": False,
            "part_index": index,
            "part_count": index,
        }

    def _first_period(self, left):
        """Where re-spread events start: the first event left, else the period
        after the last one invoiced, never before the effective date."""
        engagement = self.engagement_id
        cycle = self._cycle()
        if left:
            return planning.period_index(
                engagement.date_start, cycle, left[0].period_start or left[0].date_due
            )
        billed = self._billed_instalments()
        after_billed = (
            planning.period_index(
                engagement.date_start,
                cycle,
                max(line.period_start or line.date_due for line in billed),
            )
            + 1
            if billed
            else 0
        )
        return max(
            after_billed,
            amendment_tools.first_period_from(
                engagement.date_start, cycle, self.date_effective
            ),
        )

    def _plan_reschedule(self, plan):
        self._check_model("upfront", "instalments")
        engagement = self.engagement_id
        left = self._left_events()
        if not left:
            raise UserError(
                self.env._(
                    "%(name)s has nothing left to invoice to spread.",
                    name=engagement.display_name,
                )
            )
        total = planning.to_decimal(
            engagement.currency_id.round(sum(left.mapped("amount")))
        )
        first_period = amendment_tools.first_period_from(
            engagement.date_start, self._cycle(), self.date_effective
        )
        plan["cancel"] = left
        plan["create"] = self._respread_values(
            total, self.instalment_count, first_period
        )
        plan["engagement"] = {
            "billing_model": "instalments",
            "billing_cycle": self._cycle(),
            "instalment_count": len(self._billed_instalments()) + self.instalment_count,
        }

    def _plan_price_change(self, plan):
        self._check_model("subscription")
        engagement = self.engagement_id
        old, new = engagement.recurring_amount, self.recurring_amount
        if (new or 0) <= 0:
            raise UserError(self.env._("The new price per period must be positive."))
        currency = engagement.currency_id
        if not currency.compare_amounts(old, new):
            raise UserError(
                self.env._(
                    "%(name)s already costs %(amount)s per period.",
                    name=engagement.display_name,
                    amount=format_amount(self.env, new, currency),
                )
            )
        effective = self.date_effective
        periods = engagement.schedule_line_ids.filtered(
            lambda line: line.kind == "subscription"
            and line.state != "cancelled"
            and line.period_end
            and line.period_end >= effective
        ).sorted(lambda line: (line.period_start, line.id))
        following = periods.filtered(
            lambda line: line.state == "planned" and line.period_start > effective
        )
        for line in periods:
            share = amendment_tools.prorate(
                line.amount,
                new,
                line.period_start,
                line.period_end,
                effective,
                currency.rounding,
            )
            if line.state == "planned" and not line.invoice_id:
                plan["update"][line] = currency.round(line.amount + float(share))
            elif share > 0:
                due = following[:1].date_due or effective
                plan["create"].append(
                    {
                        "kind": "adjustment",
                        "amount": float(share),
                        "date_due": due,
                        "period_start": max(effective, line.period_start),
                        "period_end": line.period_end,
                        "part_index": line.part_index,
                        "part_count": 0,
                    }
                )
            elif share < 0:
                if line.invoice_id.state != "posted":
                    raise UserError(
                        self.env._(
                            "%(event)s is on a draft invoice: post or delete it "
                            "before lowering the price.",
                            event=line.name,
                        )
                    )
                plan["credit"].append((line, float(-share)))
        plan["engagement"] = {"recurring_amount": new}

    def _plan_add_allowance(self, plan):
        if not self.product_id:
            raise UserError(self.env._("Choose the session type of the pack."))
        if (self.quantity or 0) <= 0:
            raise UserError(
                self.env._("A session pack adds at least part of a session.")
            )
        if (self.amount or 0) < 0:
            raise UserError(self.env._("A session pack's price cannot be negative."))
        plan["allowance"] = (self.product_id, self.quantity)
        if self.amount:
            plan["create"].append(
                {
                    "kind": "extras",
                    "product_id": self.product_id.id,
                    "quantity": 1.0,
                    "price_unit": self.amount,
                    "amount": self.amount,
                    "date_due": max(
                        self.date_effective,
                        self.engagement_id.company_id._accomp_today(),
                    ),
                    "sequence": 1000,
                }
            )

    def _planning_error_message(self, error):
        messages = {
            "months": self.env._(
                "An extension adds at least one month (not %(months)s)."
            ),
            "instalment_count": self.env._(
                "A schedule needs at least one instalment (not %(count)s)."
            ),
            "amount_too_small": self.env._(
                "What is left to invoice is too small to be split into that many "
                "instalments."
            ),
            "amount": self.env._("There is nothing left to invoice to spread."),
        }
        return messages[error.code] % {
            "months": self.months,
            "count": self.instalment_count,
        }

    # ------------------------------------------------------------------
    # Applying
    # ------------------------------------------------------------------
    def _apply(self, partner=None):
        """Apply the amendment in one step. Two at once on one programme: the
        second waits for the first (row lock), then plans on what it did."""
        self.ensure_one()
        engagement = self.engagement_id
        engagement._serialize_changes()  # the second waits, then is retried
        self.invalidate_recordset(["state"])
        if self.state not in ("draft", "to_accept"):
            raise UserError(
                self.env._("%(name)s is already applied.", name=self.display_name)
            )
        plan = self._plan()
        summary = self._render_summary(plan)
        before = engagement._amendment_figures()
        Line = self.env["accomp.schedule.line"].sudo()
        plan["cancel"].sudo()._write_state("cancelled")
        for line, amount in plan["update"].items():
            line.sudo().amount = amount
        Line.create(plan["create"])
        if plan["engagement"]:
            engagement.with_context(accomp_allow_frozen_write=True).write(
                plan["engagement"]
            )
        if plan["credit"]:
            engagement._amendment_credit(self, plan["credit"])
        if plan["allowance"]:
            engagement._amendment_allowance(*plan["allowance"])
        engagement.flush_recordset()
        after = engagement._amendment_figures()
        self.write(
            {
                "state": "applied",
                "date_applied": engagement.company_id._accomp_today(),
                "summary_frozen": summary,
                **(
                    {
                        "date_accepted": fields.Datetime.now(),
                        "accepted_by_id": partner.id,
                    }
                    if partner
                    else {}
                ),
            }
        )
        engagement.message_post(
            body=self._applied_message(before, after, partner),
            subtype_xmlid="mail.mt_note",
        )
        return True

    def _applied_message(self, before, after, partner):
        env = self.env
        currency = self.engagement_id.currency_id

        def money(value):
            return format_amount(env, value, currency)

        def day(value):
            return format_date(env, value) if value else env._("open-ended")

        accepted = (
            env._("accepted by %(client)s", client=partner.name) if partner else ""
        )
        return Markup("<p>%s</p><ul><li>%s</li><li>%s</li><li>%s</li></ul>") % (
            env._(
                "%(name)s applied%(accepted)s: %(what)s.",
                name=self.name,
                accepted=f" ({accepted})" if accepted else "",
                what=self.description,
            ),
            env._(
                "Total: %(before)s → %(after)s incl. VAT (%(before_untaxed)s → "
                "%(after_untaxed)s excl. VAT)",
                before=money(before["total"]),
                after=money(after["total"]),
                before_untaxed=money(before["untaxed"]),
                after_untaxed=money(after["untaxed"]),
            ),
            env._(
                "Events left to invoice: %(before)s → %(after)s",
                before=before["left"],
                after=after["left"],
            ),
            env._(
                "Last day: %(before)s → %(after)s",
                before=day(before["date_end"]),
                after=day(after["date_end"]),
            ),
        )

    # ------------------------------------------------------------------
    # Rendering
    # ------------------------------------------------------------------
    def _schedule_after(self, plan):
        """The schedule rows once applied: the events kept (updated), then the
        new ones, in date order, with their HT and TTC."""
        self.ensure_one()
        engagement = self.engagement_id
        Line = self.env["accomp.schedule.line"]
        rows = []
        for line in engagement.schedule_line_ids - plan["cancel"]:
            if line.state == "cancelled":
                continue
            if line in plan["update"]:
                untaxed, total = engagement._termination_amounts(
                    plan["update"][line], line
                )
            else:
                untaxed, total = line.amount_net_untaxed, line.amount_net
            rows.append(
                {
                    "label": line.name,
                    "date": line.date_due,
                    "untaxed": untaxed,
                    "total": total,
                    "new": line in plan["update"],
                }
            )
        for vals in plan["create"]:
            product = (
                self.env["product.product"].browse(vals["product_id"])
                if vals.get("product_id")
                else engagement._invoiced_product()
            )
            quantity = vals.get("quantity") or 1.0
            price = vals.get("price_unit") or vals["amount"]
            untaxed, total = engagement._taxed_amounts(price, quantity, product)
            rows.append(
                {
                    "label": Line._part_label(
                        vals["kind"],
                        vals.get("part_index", 1),
                        vals.get("part_count", 1),
                        self._event_subject(),
                    ),
                    "date": vals["date_due"],
                    "untaxed": untaxed,
                    "total": total,
                    "new": True,
                }
            )
        for line, amount in plan["credit"]:
            untaxed, total = engagement._termination_amounts(amount, line)
            rows.append(
                {
                    "label": self.env._("Credit note: %(event)s", event=line.name),
                    "date": self.date_effective,
                    "untaxed": -untaxed,
                    "total": -total,
                    "new": True,
                }
            )
        far = planning.LAST_PLANNABLE_DAY
        return sorted(rows, key=lambda row: row["date"] or far)

    def _render_summary(self, plan):
        self.ensure_one()
        engagement = self.engagement_id
        env = self.env
        currency = engagement.currency_id

        def money(value):
            return format_amount(env, value, currency)

        before = [
            {
                "label": row["label"],
                "date": row["date"],
                "untaxed": row["untaxed"],
                "total": row["total"],
                "muted": row["muted"] or row["line"] in plan["cancel"],
                "replaced": row["line"] in plan["cancel"]
                or row["line"] in plan["update"],
            }
            for row in engagement._portal_schedule_rows()
        ]
        after_rows = self._schedule_after(plan)
        after = [
            {
                **row,
                "date": format_date(env, row["date"])
                if row["date"]
                else env._("when done"),
                "untaxed": money(row["untaxed"]),
                "total": money(row["total"]),
            }
            for row in after_rows
        ]
        figures = engagement._amendment_figures()
        return env["ir.qweb"]._render(
            "accomp_billing.accomp_amendment_summary",
            {
                "amendment": self,
                "before": before,
                "after": after,
                "before_total": money(figures["total"]),
                "before_untaxed": money(figures["untaxed"]),
                "after_total": money(sum(row["total"] for row in after_rows)),
                "after_untaxed": money(sum(row["untaxed"] for row in after_rows)),
            },
        )
