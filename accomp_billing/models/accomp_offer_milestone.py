from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AccompOfferMilestone(models.Model):
    _name = "accomp.offer.milestone"
    _description = "Programme Offer Milestone"
    _order = "sequence, id"

    offer_id = fields.Many2one(
        "accomp.offer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="offer_id.company_id", store=True, index=True)
    name = fields.Char(string="Milestone", required=True, translate=True)
    sequence = fields.Integer(default=10)
    percent = fields.Float(
        string="Share (%)",
        digits=(5, 2),
        help="Share of the price (after the deposit) invoiced when this milestone is "
        "done. "
        "The shares of an offer's milestones add up to 100%.",
    )

    @api.constrains("percent")
    def _check_percent(self):
        for template in self:
            if not 0 <= template.percent <= 100:
                raise ValidationError(
                    self.env._(
                        "%(offer)s: the share of the milestone “%(name)s” must be "
                        "between 0 and 100%% (it is %(percent)s%%).",
                        offer=template.offer_id.display_name,
                        name=template.name,
                        percent=template.percent,
                    )
                )

    # Milestones written on their own (not through their offer, whose own
    # constraint checks them together): the offer's shares must still add up.
    @api.model_create_multi
    def create(self, vals_list):
        templates = super().create(vals_list)
        templates._check_offer_shares()
        return templates

    def write(self, vals):
        offers = self.offer_id
        res = super().write(vals)
        (offers | self.offer_id)._check_offer_shares_from(self.env.context)
        return res

    def unlink(self):
        offers = self.offer_id
        res = super().unlink()
        offers.exists()._check_offer_shares_from(self.env.context)
        return res

    def _check_offer_shares(self):
        self.offer_id._check_offer_shares_from(self.env.context)
