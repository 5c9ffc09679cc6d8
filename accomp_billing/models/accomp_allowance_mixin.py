from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AccompAllowanceMixin(models.AbstractModel):
    """A session type a programme includes: the offer's template, and the
    engagement's own copy made when the programme is sold."""

    _name = "accomp.allowance.mixin"
    _description = "Programme Allowance"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
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

    @api.constrains("included_qty", "price_unit")
    def _check_quantities(self):
        for allowance in self:
            if allowance.included_qty < 0 or allowance.price_unit < 0:
                raise ValidationError(
                    self.env._(
                        "%(product)s: the included quantity and the extra price "
                        "cannot be negative.",
                        product=allowance.product_id.display_name,
                    )
                )
