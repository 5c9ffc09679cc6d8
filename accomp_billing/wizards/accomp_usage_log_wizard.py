from odoo import api, fields, models
from odoo.tools import format_amount, formatLang


class AccompUsageLogWizard(models.TransientModel):
    """Log a session, call or message. A wizard, so that closing the dialog logs
    nothing: only the Log button creates the (possibly billable) usage."""

    _name = "accomp.usage.log.wizard"
    _description = "Log a Session"

    engagement_id = fields.Many2one(
        "accomp.engagement",
        string="Programme",
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

    extra_warning = fields.Char(
        compute="_compute_extra_warning",
        help="Said before logging: the part of this session beyond what the "
        "programme includes is billed as an extra.",
    )

    @api.depends("engagement_id", "product_id", "quantity")
    def _compute_extra_warning(self):
        for wizard in self:
            wizard.extra_warning = wizard._extra_message() or False

    def _quantity_label(self, quantity):
        """1, 1,5 — a quantity in the user's language, without trailing zeros."""
        text = formatLang(self.env, quantity, digits=2)
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        decimal = lang.decimal_point or "."
        return text.rstrip("0").rstrip(decimal) if decimal in text else text

    def _extra_message(self):
        """What logging this quantity bills as an extra (a translated sentence),
        or None when the programme includes it all."""
        self.ensure_one()
        engagement = self.engagement_id
        if not (engagement and self.product_id and self.quantity > 0):
            return None
        allowance = engagement.allowance_ids.filtered(
            lambda a: a.product_id == self.product_id
        )[:1]
        left = allowance.remaining_qty if allowance else 0.0
        extra = self.quantity - left
        if extra <= 0:
            return None
        price = engagement._extras_price(self.product_id, allowance)
        values = {
            "qty": self._quantity_label(extra),
            "product": self.product_id.display_name,
            "amount": format_amount(self.env, extra * price, engagement.currency_id),
            "left": self._quantity_label(left),
        }
        if allowance:
            return self.env._(
                "%(left)s left in the programme: %(qty)s × %(product)s will be billed "
                "as an extra (%(amount)s excl. VAT).",
                **values,
            )
        return self.env._(
            "%(product)s is not included in the programme: %(qty)s will be billed as "
            "an extra (%(amount)s excl. VAT).",
            **values,
        )

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
        usage = self.env["accomp.usage"].create(
            {
                "engagement_id": self.engagement_id.id,
                "product_id": self.product_id.id,
                "date": self.date,
                "quantity": self.quantity,
                "description": self.description,
            }
        )
        currency = self.engagement_id.currency_id
        if usage.billable_qty:
            message = self.env._(
                "Session logged: %(amount)s excl. VAT billed as an extra.",
                amount=format_amount(self.env, usage.amount_billable, currency),
            )
        else:
            message = self.env._("Session logged: included in the programme.")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "warning" if usage.billable_qty else "success",
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
