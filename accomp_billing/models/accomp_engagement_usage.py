"""Included sessions, logged usage and extras billed at usage."""

from datetime import timedelta

from odoo import api, fields, models

from ..tools import allowance as allowance_tools
from ..tools import planning


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    usage_ids = fields.One2many(
        "accomp.usage", "engagement_id", string="Sessions", copy=False
    )
    allowance_ids = fields.One2many(
        "accomp.engagement.allowance",
        "engagement_id",
        string="Included sessions",
        copy=False,
    )
    usage_count = fields.Integer(
        string="Number of sessions", compute="_compute_usage_count"
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
        string="Extras billed (excl. VAT)",
        compute="_compute_scope",
        help="Sessions beyond the included ones, invoiced so far (untaxed).",
    )

    @api.depends(
        "allowance_ids.included_qty",
        "allowance_ids.used_qty",
        "schedule_line_ids.state",
        "schedule_line_ids.amount",
    )
    def _compute_scope(self):
        for engagement in self:
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

    @api.depends("usage_ids.state")
    def _compute_usage_count(self):
        for engagement in self:
            engagement.usage_count = len(
                engagement.usage_ids.filtered(lambda u: u.state != "cancelled")
            )

    def action_view_usage(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "accomp_billing.accomp_usage_action"
        )
        action["domain"] = [("engagement_id", "=", self.id)]
        action["context"] = {"default_engagement_id": self.id}
        return action

    def action_log_usage(self):
        """Quick entry of a session, call or message (the coach's button)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log a session"),
            "res_model": "accomp.usage.log.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_engagement_id": self.id,
                "default_product_id": self.allowance_ids[:1].product_id.id,
            },
        }

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
        self._serialize_changes()
        for engagement in self.sudo().filtered(
            lambda e: e.state in ("active", "suspended")
        ):
            engagement._allocate_usage()
            immediate |= engagement._plan_extras()
        if immediate:
            immediate._invoice_now()
        return True

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
                if self.extras_approval and allocation.billable:
                    if usage.approval_state == "not_required" or (
                        usage.approval_state in ("approved", "declined")
                        and usage._answer_changed(allocation.billable, price)
                    ):
                        # the client answers for a quantity and a price: a new
                        # one is asked again, never billed on the old answer
                        # (the chatter keeps the old answer)
                        vals.update(
                            approval_state="pending",
                            approved_by_id=False,
                            date_approved=False,
                        )
                elif usage.approval_state != "not_required":
                    vals["approval_state"] = "not_required"
                if any(usage[fname] != value for fname, value in vals.items()):
                    usage.write(vals)

    def _extras_price(self, product, allowance):
        """Unit price of an extra in the engagement's currency: the allowance's
        price when set, else the product's sales price."""
        if allowance and allowance.price_unit:
            return allowance.price_unit
        product = product.with_company(self.company_id)  # its price in this company
        return product.currency_id._convert(
            product.lst_price,
            self.currency_id,
            self.company_id,
            self.company_id._accomp_today(),
        )

    def _extras_key(self, product, price_unit, period_start):
        return (product.id, round(price_unit, 6), period_start or False)

    def _plan_extras(self):
        """Create, update or remove the planned extras lines so that they bill
        exactly the unbilled extra usage; return the lines to invoice now."""
        self.ensure_one()
        Line = self.env["accomp.schedule.line"]
        today = self.company_id._accomp_today()
        usages = self.usage_ids.with_context(accomp_usage_sync=True)
        # an extras event whose invoice was cancelled is planned again: it is
        # reused (or cancelled below), never left beside its replacement
        open_lines = self.schedule_line_ids.filtered(
            lambda line: line.kind == "extras"
            and line.state == "planned"
            and not line.invoice_id
            and not line.amendment_id  # a session pack is billed as sold
        )
        existing = {
            self._extras_key(line.product_id, line.price_unit, line.period_start): line
            for line in open_lines
        }
        wanted = {}
        for usage in usages.filtered(lambda u: u._is_billable_extra()):
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
        leftovers = Line.union(*existing.values())
        # once on an invoice (even a cancelled one) an event is kept, cancelled
        leftovers.filtered("invoice_line_ids")._write_state("cancelled")
        leftovers.filtered(lambda line: not line.invoice_line_ids).unlink()
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
