from odoo import fields, models


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
    )
    sale_order_id = fields.Many2one(
        related="sale_line_id.order_id", string="Sales Order", store=True, index=True
    )

    def _prepare_invoice_values(self, move_type="out_invoice", invoice_date=None):
        values = super()._prepare_invoice_values(move_type, invoice_date)
        if self.sale_order_id:
            values["invoice_origin"] = f"{self.sale_order_id.name}, {self.name}"
            values["team_id"] = self.sale_order_id.team_id.id
        return values

    def action_view_sale_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.sale_order_id.id,
            "view_mode": "form",
        }
