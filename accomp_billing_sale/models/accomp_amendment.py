from odoo import fields, models


class AccompAmendment(models.Model):
    _inherit = "accomp.amendment"

    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="The quotation line that sold this change (upsell).",
    )
    sale_order_id = fields.Many2one(
        related="sale_line_id.order_id", string="Sales Order", store=True, index=True
    )
