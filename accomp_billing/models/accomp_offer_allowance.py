from odoo import fields, models


class AccompOfferAllowance(models.Model):
    _name = "accomp.offer.allowance"
    _description = "Programme Offer Allowance"
    _inherit = ["accomp.allowance.mixin"]
    _order = "sequence, id"

    offer_id = fields.Many2one(
        "accomp.offer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="offer_id.company_id", store=True, index=True)

    _product_uniq = models.Constraint(
        "UNIQUE (offer_id, product_id)",
        "An offer includes each session type once.",
    )
