from odoo import api, fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    accomp_engagement_ids = fields.One2many(
        "accomp.engagement", "sale_order_id", string="Programmes", readonly=True
    )
    accomp_engagement_count = fields.Integer(
        string="Programme count", compute="_compute_accomp_engagement_count"
    )

    @api.depends("accomp_engagement_ids")
    def _compute_accomp_engagement_count(self):
        for order in self:
            order.accomp_engagement_count = len(order.accomp_engagement_ids)

    def _action_confirm(self):
        result = super()._action_confirm()
        self.order_line._accomp_create_engagements()
        return result

    def _action_cancel(self):
        engagements = self.sudo().accomp_engagement_ids.filtered(
            lambda e: e.state != "cancelled"
        )
        invoiced = engagements.filtered(
            lambda e: e.invoice_ids.filtered(lambda m: m.state != "cancel")
        )
        if invoiced:
            raise UserError(
                self.env._(
                    "%(programmes)s already invoiced: cancel or credit their "
                    "invoices, or terminate the programmes, before cancelling the "
                    "order.",
                    programmes=", ".join(invoiced.mapped("display_name")),
                )
            )
        engagements.action_cancel()
        return super()._action_cancel()

    def action_view_accomp_engagements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "accomp_billing.accomp_engagement_action"
        )
        engagements = self.accomp_engagement_ids
        if len(engagements) == 1:
            action["views"] = [(False, "form")]
            action["res_id"] = engagements.id
        else:
            action["domain"] = [("id", "in", engagements.ids)]
        action["context"] = {"create": False}
        return action
