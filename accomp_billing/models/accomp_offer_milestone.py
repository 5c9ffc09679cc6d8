from odoo import fields, models


class AccompOfferMilestone(models.Model):
    _name = "accomp.offer.milestone"
    _description = "Programme Offer Milestone"
    _order = "sequence, id"

    offer_id = fields.Many2one(
        "accomp.offer", required=True, index=True, ondelete="cascade"
    )
    name = fields.Char(string="Milestone", required=True, translate=True)
    sequence = fields.Integer(default=10)
    percent = fields.Float(
        string="Share (%)",
        digits=(5, 2),
        help="Share of the price (after the deposit) invoiced when this milestone is "
        "done. "
        "The shares of an offer's milestones add up to 100%.",
    )
