from odoo import fields, models


class AccompOfferAllowance(models.Model):
    _name = "accomp.offer.allowance"
    _description = "Programme Offer Allowance"
    _order = "sequence, id"

    offer_id = fields.Many2one(
        "accomp.offer", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="offer_id.company_id")
    product_id = fields.Many2one(
        "product.product",
        string="Session type",
        required=True,
        domain=[("type", "=", "service")],
        check_company=True,
    )
    included_qty = fields.Float(
        string="Included", digits="Product Unit", help="Quantity included in the price."
    )
    price_unit = fields.Float(
        string="Extra price",
        min_display_digits="Product Price",
        help="Price of each unit beyond the included quantity; the product's price "
        "when empty.",
    )

    _included_qty_positive = models.Constraint(
        "CHECK (included_qty >= 0)", "The included quantity cannot be negative."
    )
