from odoo import api, fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    accomp_offer_id = fields.Many2one(
        "accomp.offer",
        string="Programme offer",
        ondelete="restrict",
        help="Selling this product sells this programme: confirming the order "
        "starts it, and the programme invoices it on its own schedule.",
    )

    @api.onchange("accomp_offer_id")
    def _onchange_accomp_offer_id(self):
        if self.accomp_offer_id:
            self.type = "service"
            self.invoice_policy = "order"
