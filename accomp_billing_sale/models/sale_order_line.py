from itertools import groupby

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date

from odoo.addons.accomp_billing.models.accomp_engagement_fr import format_rate
from odoo.addons.accomp_billing.models.changes import changed_fields

# What a programme copied from its order line when it started.
LOCKED_LINE_FIELDS = (
    "product_id",
    "product_uom_qty",
    "product_uom_id",
    "price_unit",
    "discount",
    "tax_ids",
)


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    accomp_offer_id = fields.Many2one(
        related="product_id.product_tmpl_id.accomp_offer_id", string="Programme offer"
    )
    accomp_engagement_ids = fields.One2many(
        "accomp.engagement", "sale_line_id", string="Programmes", readonly=True
    )
    # an upsell: the line amends a programme of the client instead of starting one
    accomp_amend_engagement_id = fields.Many2one(
        "accomp.engagement",
        string="Amends programme",
        domain="[('partner_id', 'child_of', order_partner_id),"
        " ('state', 'in', ('active', 'suspended')), ('date_terminated', '=', False)]",
        check_company=True,
        help="Confirming the order amends this programme (more months for a "
        "programme product, a session pack for a session product) instead of "
        "starting a new one; the programme bills it.",
    )
    accomp_amendment_ids = fields.One2many(
        "accomp.amendment", "sale_line_id", string="Amendments", readonly=True
    )
    accomp_schedule_summary = fields.Char(
        string="Billing schedule",
        compute="_compute_accomp_schedule_summary",
        compute_sudo=True,  # a salesperson quotes offers they cannot read
        help="How the programme sold on this line is invoiced: what the client "
        "signs for.",
    )

    # ------------------------------------------------------------------
    # The schedule the client signs for
    # ------------------------------------------------------------------
    @api.depends(
        "accomp_offer_id",
        "price_unit",
        "product_uom_qty",
        "discount",
        "order_id.commitment_date",
        "order_id.date_order",
        "order_id.currency_id",
        "accomp_amend_engagement_id",
        "accomp_amendment_ids.state",
    )
    def _compute_accomp_schedule_summary(self):
        for line in self:
            if line.accomp_amend_engagement_id:
                line.accomp_schedule_summary = line._accomp_amendment_summary()
            else:
                line.accomp_schedule_summary = (
                    line._accomp_schedule_summary() if line.accomp_offer_id else False
                )

    def _accomp_price(self):
        """The programme's price as the line sells it (quantity and discount
        included), in the offer's convention (incl. or excl. VAT per the
        product's taxes, like the line's unit price)."""
        self.ensure_one()
        price = self.price_unit * self.product_uom_qty * (1 - self.discount / 100.0)
        return self.order_id.currency_id.round(price)

    def _accomp_date_start(self):
        self.ensure_one()
        order = self.order_id
        if order.commitment_date:
            return fields.Date.to_date(order.commitment_date)
        return order.company_id._accomp_today()

    def _accomp_engagement_values(self):
        self.ensure_one()
        order = self.order_id
        offer = self.accomp_offer_id
        values = {
            "partner_id": order.partner_id.id,
            "offer_id": offer.id,
            "company_id": order.company_id.id,
            "currency_id": order.currency_id.id,
            "user_id": (order.user_id or self.env.user).id,
            "date_start": self._accomp_date_start(),
            "product_id": self.product_id.id,
            "fiscal_position_id": order.fiscal_position_id.id,
            "sale_line_id": self.id,
            # concluded when the client signed the quotation (else confirmed)
            "date_concluded": fields.Date.to_date(order.signed_on or order.date_order),
        }
        if offer.billing_model == "subscription":
            values["recurring_amount"] = self._accomp_price()
        else:
            values["price_total"] = self._accomp_price()
        return values

    def _accomp_schedule_summary(self):
        """ "deposit 30 % (900,00 €), then 5 × 420,00 €": the schedule these
        terms and this price build, from the programme's own planner."""
        self.ensure_one()
        env = self.env
        currency = self.order_id.currency_id or self.env.company.currency_id
        values = self._accomp_engagement_values()
        values.pop("sale_line_id")
        draft = env["accomp.engagement"].new(values)
        try:
            planned = draft._plan_schedule()
        except UserError:
            return False
        cycle = dict(draft._fields["billing_cycle"]._description_selection(env)).get(
            draft.billing_cycle, ""
        )

        # French price display: incl. VAT for a consumer; excl. VAT with the
        # amount incl. VAT beside for a business; the invoices' own taxes
        product = draft._invoiced_product()
        consumer = not self.order_id.partner_id.commercial_partner_id.is_company

        def money(amount):
            untaxed, total = draft._taxed_amounts(float(amount), 1.0, product)
            if currency.compare_amounts(untaxed, total) == 0:
                return format_amount(env, total, currency)
            if consumer:
                return env._(
                    "%(total)s incl. VAT", total=format_amount(env, total, currency)
                )
            return env._(
                "%(untaxed)s excl. VAT / %(total)s incl. VAT",
                untaxed=format_amount(env, untaxed, currency),
                total=format_amount(env, total, currency),
            )

        if draft.billing_model == "subscription":
            return env._(
                "%(amount)s per period (%(cycle)s) from %(date)s, committed for "
                "%(months)s months",
                amount=money(draft.recurring_amount),
                cycle=cycle.lower(),
                date=format_date(env, draft.date_start),
                months=draft.commitment_months,
            )
        parts = []
        for kind, group in groupby(planned, key=lambda p: p.kind):
            group = list(group)
            if kind == "deposit":
                parts.append(
                    env._(
                        "deposit %(percent)s %% (%(amount)s)",
                        percent=format_rate(env, draft.deposit_percent),
                        amount=money(group[0].amount),
                    )
                )
            elif kind == "milestone":
                parts.append(
                    env._(
                        "%(count)s milestones (%(amounts)s), each invoiced when done",
                        count=len(group),
                        amounts=", ".join(money(p.amount) for p in group),
                    )
                )
            elif len(group) == 1:
                parts.append(
                    env._(
                        "%(amount)s on %(date)s",
                        amount=money(group[0].amount),
                        date=format_date(env, group[0].date_due),
                    )
                )
            else:
                for amount, same in groupby(group, key=lambda p: p.amount):
                    same = list(same)
                    parts.append(
                        env._(
                            "%(count)s × %(amount)s (%(cycle)s from %(date)s)",
                            count=len(same),
                            amount=money(amount),
                            cycle=cycle.lower(),
                            date=format_date(env, same[0].date_due),
                        )
                    )
        return env._(", then ").join(parts)

    # ------------------------------------------------------------------
    # The order does not invoice what the programme invoices
    # ------------------------------------------------------------------
    def _accomp_sold(self):
        """The lines whose programme runs or ran, or that amended one (read as
        superuser: a salesperson sells programmes without reading them)."""
        return self.filtered(
            lambda line: line.sudo().accomp_engagement_ids.filtered(
                lambda e: e.state != "cancelled"
            )
            or line.sudo().accomp_amendment_ids.filtered(lambda a: a.state == "applied")
        )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        # a programme line added to a confirmed order starts its programme, as
        # if it had been there at confirmation (the order never invoices it)
        lines.filtered(
            lambda line: line.order_id.state == "sale"
        )._accomp_create_engagements()
        return lines

    def write(self, vals):
        locked = [fname for fname in LOCKED_LINE_FIELDS if fname in vals]
        if locked:
            for line in self._accomp_sold():
                changed = changed_fields(line, vals, locked)
                if changed:
                    raise UserError(
                        self.env._(
                            "“%(line)s” started %(programmes)s, which bills what "
                            "the client signed: its %(fields)s can no longer "
                            "change on the order. Cancel the order while nothing "
                            "is invoiced, or change the programme itself.",
                            line=line.name.splitlines()[0] if line.name else "",
                            programmes=", ".join(
                                line.sudo().accomp_engagement_ids.mapped("name")
                            ),
                            fields=", ".join(
                                self._fields[fname]._description_string(self.env)
                                for fname in changed
                            ),
                        )
                    )
        result = super().write(vals)
        if locked:
            # a line of a confirmed order that now sells a programme starts it
            self.filtered(
                lambda line: line.order_id.state == "sale"
            )._accomp_create_engagements()
        return result

    @api.depends("accomp_engagement_ids.state")
    def _compute_qty_to_invoice(self):
        result = super()._compute_qty_to_invoice()
        for line in self._accomp_sold():
            line.qty_to_invoice = 0.0
        return result

    @api.depends(
        "accomp_engagement_ids.state",
        "accomp_engagement_ids.amount_to_invoice",
    )
    def _compute_qty_invoiced(self):
        result = super()._compute_qty_invoiced()
        for line in self._accomp_sold():
            engagements = line.accomp_engagement_ids.filtered(
                lambda e: e.state != "cancelled"
            )
            events = (
                line.sudo()
                .accomp_amendment_ids.filtered(lambda a: a.state == "applied")
                .engagement_id.schedule_line_ids.filtered(
                    lambda event, ln=line: event.amendment_id.sale_line_id == ln
                )
            )
            fully = all(
                e.state == "done" or (e.date_end and not e.amount_to_invoice)
                for e in engagements
            ) and all(
                event.state in ("invoiced", "paid", "cancelled") for event in events
            )
            line.qty_invoiced = line.product_uom_qty if fully else 0.0
        return result

    @api.depends("accomp_engagement_ids.state")
    def _compute_invoice_status(self):
        result = super()._compute_invoice_status()
        for line in self._accomp_sold():
            line.invoice_status = (
                "invoiced" if line.qty_invoiced >= line.product_uom_qty else "no"
            )
        return result

    def _accomp_create_engagements(self):
        """One running programme per line selling an offer (never a second one:
        a line whose programme is not cancelled is skipped); a line amending a
        programme amends it instead."""
        self._accomp_amend_engagements()
        lines = (
            self.filtered(
                lambda line: line.accomp_offer_id
                and not line.display_type
                and line.product_uom_qty > 0
                and not line.accomp_amend_engagement_id
            )
            - self._accomp_sold()
        )
        if not lines:
            return self.env["accomp.engagement"]
        # the order's company starts the programme: a salesperson confirms
        # orders without programme rights
        Engagement = self.env["accomp.engagement"].sudo()
        engagements = Engagement.browse()
        for line in lines.sudo():
            engagement = Engagement.with_company(line.company_id).create(
                line._accomp_engagement_values()
            )
            engagement.message_post_with_source(
                "mail.message_origin_link",
                render_values={"self": engagement, "origin": line.order_id},
                subtype_xmlid="mail.mt_note",
            )
            engagements |= engagement
        engagements.action_confirm()
        return engagements

    def _accomp_amend_engagements(self):
        """Each upsell line amends its programme once, as the client signed it
        on the quotation: more months at the line's price for a programme
        product, a session pack for any other product."""
        lines = (
            self.filtered(
                lambda line: line.accomp_amend_engagement_id
                and not line.display_type
                and line.product_uom_qty > 0
            )
            - self._accomp_sold()
        )
        amendments = self.env["accomp.amendment"].sudo()
        for line in lines.sudo():
            engagement = line.accomp_amend_engagement_id
            if engagement.partner_id.commercial_partner_id != (
                line.order_id.partner_id.commercial_partner_id
            ):
                raise UserError(
                    self.env._(
                        "“%(line)s” amends %(programme)s, which is not %(client)s's "
                        "programme.",
                        line=line.name.splitlines()[0] if line.name else "",
                        programme=engagement.display_name,
                        client=line.order_id.partner_id.display_name,
                    )
                )
            amendment = amendments.with_company(line.company_id).create(
                {**line._accomp_amendment_values(), "sale_line_id": line.id}
            )
            amendment.action_apply()
            amendment.write(
                {
                    "accepted_by_id": line.order_id.partner_id.id,
                    "date_accepted": line.order_id.date_order,
                }
            )
            amendments |= amendment
        return amendments

    def _accomp_amendment_values(self):
        """The amendment this upsell line sells."""
        self.ensure_one()
        offer = self.accomp_offer_id
        values = {
            "engagement_id": self.accomp_amend_engagement_id.id,
            "requires_acceptance": False,  # the client signed the quotation
            "date_effective": self._accomp_date_start(),
            "amount": self._accomp_price(),
            "note": self.order_id.name,
        }
        if offer and offer.billing_model != "subscription":
            values.update(kind="extend", months=offer.duration_months)
        else:
            values.update(
                kind="add_allowance",
                product_id=self.product_id.id,
                quantity=self.product_uom_qty,
            )
        return values

    def _accomp_amendment_summary(self):
        """ "Amends ACC/2026/0001: extension by 3 months, price +1 500,00 €" """
        self.ensure_one()
        applied = self.accomp_amendment_ids.filtered(lambda a: a.state == "applied")
        if applied:
            return ", ".join(
                f"{amendment.name} ({amendment.engagement_id.name}): "
                f"{amendment.description}"
                for amendment in applied
            )
        change = self.env["accomp.amendment"].new(self._accomp_amendment_values())
        return self.env._(
            "Amends %(programme)s: %(change)s",
            programme=self.accomp_amend_engagement_id.name,
            change=change._describe(),
        )
