from odoo import api, fields, models


class AccompEngagementAllowance(models.Model):
    """The engagement's own copy of an offer allowance, with what was used."""

    _name = "accomp.engagement.allowance"
    _description = "Programme Allowance"
    _inherit = ["accomp.allowance.mixin"]
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
    used_qty = fields.Float(
        string="Used",
        digits="Product Unit",
        compute="_compute_usage",
        help="Included quantity consumed so far.",
    )
    extra_qty = fields.Float(
        string="Extras",
        digits="Product Unit",
        compute="_compute_usage",
        help="Quantity used beyond the included one.",
    )
    remaining_qty = fields.Float(
        string="Left", digits="Product Unit", compute="_compute_usage"
    )

    _product_uniq = models.Constraint(
        "UNIQUE (engagement_id, product_id)",
        "A programme includes each session type once.",
    )

    @api.depends(
        "included_qty",
        "engagement_id.usage_ids.included_qty",
        "engagement_id.usage_ids.billable_qty",
        "engagement_id.usage_ids.state",
    )
    def _compute_usage(self):
        for allowance in self:
            usages = allowance.engagement_id.usage_ids.filtered(
                lambda u, p=allowance.product_id: u.product_id == p
                and u.state != "cancelled"
            )
            allowance.used_qty = sum(usages.mapped("included_qty"))
            allowance.extra_qty = sum(usages.mapped("billable_qty"))
            allowance.remaining_qty = max(
                allowance.included_qty - allowance.used_qty, 0
            )

    def write(self, vals):
        res = super().write(vals)
        if {"included_qty", "price_unit", "product_id"} & set(vals):
            self.engagement_id._sync_extras()
        return res
