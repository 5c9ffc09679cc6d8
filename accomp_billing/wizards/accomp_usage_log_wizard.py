from odoo import api, fields, models


class AccompUsageLogWizard(models.TransientModel):
    """Log a session, call or message. A wizard, so that closing the dialog logs
    nothing: only the Log button creates the (possibly billable) usage."""

    _name = "accomp.usage.log.wizard"
    _description = "Log a Session"

    engagement_id = fields.Many2one(
        "accomp.engagement",
        string="Engagement",
        required=True,
        domain="[('state', 'in', ('active', 'suspended'))]",
    )
    allowed_product_ids = fields.Many2many(
        "product.product", compute="_compute_allowed_product_ids"
    )
    product_id = fields.Many2one(
        "product.product",
        string="Session type",
        required=True,
        domain=[("type", "=", "service"), ("sale_ok", "=", True)],
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    quantity = fields.Float(digits="Product Unit", default=1.0, required=True)
    description = fields.Char(string="Note")

    @api.depends("engagement_id")
    def _compute_allowed_product_ids(self):
        for wizard in self:
            wizard.allowed_product_ids = wizard.engagement_id.allowance_ids.product_id

    @api.onchange("engagement_id")
    def _onchange_engagement_id(self):
        if self.engagement_id and not self.product_id:
            self.product_id = self.engagement_id.allowance_ids[:1].product_id

    def action_log(self):
        """Create the usage, with the user's rights (a coach on their own
        programmes): its allowance and extras follow."""
        self.ensure_one()
        self.env["accomp.usage"].create(
            {
                "engagement_id": self.engagement_id.id,
                "product_id": self.product_id.id,
                "date": self.date,
                "quantity": self.quantity,
                "description": self.description,
            }
        )
        return {"type": "ir.actions.act_window_close"}
