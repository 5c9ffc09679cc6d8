"""The engagement's amendments (avenants): opened from the programme, what
applying one changes besides the schedule (a credit note, a session pack)."""

from odoo import api, fields, models
from odoo.tools import format_date


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    amendment_ids = fields.One2many(
        "accomp.amendment", "engagement_id", string="Amendments", copy=False
    )
    amendment_count = fields.Integer(compute="_compute_amendment_count")

    @api.depends("amendment_ids")
    def _compute_amendment_count(self):
        for engagement in self:
            engagement.amendment_count = len(engagement.amendment_ids)

    def action_amend(self):
        """A new amendment of this programme (billing managers)."""
        self._check_manager()
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Amend %(name)s", name=self.display_name),
            "res_model": "accomp.amendment",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_engagement_id": self.id,
                "default_kind": "price_change"
                if self.billing_model == "subscription"
                else "extend",
                "default_recurring_amount": self.recurring_amount,
            },
        }

    def _amendment_figures(self):
        """What the chatter compares before and after an amendment."""
        self.ensure_one()
        self.invalidate_recordset(
            ["amount_total", "amount_untaxed", "date_end", "schedule_line_ids"]
        )
        return {
            "total": self.amount_total,
            "untaxed": self.amount_untaxed,
            "left": len(
                self.schedule_line_ids.filtered(
                    lambda line: line.state == "planned" and not line.invoice_id
                )
            ),
            "date_end": self.date_end,
        }

    def _amendment_allowance(self, product, quantity):
        """A session pack: the included quantity grows; the usage is split
        again (extras already billed are not billed again)."""
        self.ensure_one()
        allowance = self.allowance_ids.filtered(lambda a: a.product_id == product)
        if allowance:
            allowance.sudo().included_qty += quantity
        else:
            self.env["accomp.engagement.allowance"].sudo().create(
                {
                    "engagement_id": self.id,
                    "product_id": product.id,
                    "included_qty": quantity,
                    "sequence": 100,
                }
            )
        self._sync_extras()

    def _amendment_credit(self, amendment, credits):
        """A lower price from a day inside a period already invoiced: the days
        from then on are credited, pro rata, on a credit note of that invoice."""
        self.ensure_one()
        day = amendment.date_effective
        vals = self._prepare_credit_note(
            credits,
            self.company_id._accomp_today(),
            lambda env, line: env._(
                "%(amendment)s, price change from %(date)s, pro rata: %(label)s",
                amendment=amendment.name,
                date=format_date(env, day),
                label=line._invoice_label(),
            ),
            lambda env, names: env._(
                "Credit note of invoice(s) %(invoices)s: %(amendment)s of the "
                "programme %(programme)s lowers its price from %(date)s.",
                invoices=names,
                amendment=amendment.name,
                programme=self.name,
                date=format_date(env, day),
            ),
        )
        refund = self._create_invoices([vals])
        self._reconcile_credit(refund)
        return refund
