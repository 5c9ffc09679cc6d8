from odoo import fields, models


class AccompDunningHistory(models.Model):
    """Which dunning level fired for which invoice, and when."""

    _name = "accomp.dunning.history"
    _description = "Programme Dunning History"
    _order = "date desc, id desc"

    invoice_id = fields.Many2one(
        "account.move", required=True, index=True, ondelete="cascade"
    )
    engagement_id = fields.Many2one(
        related="invoice_id.accomp_engagement_id", store=True, index=True
    )
    company_id = fields.Many2one(related="invoice_id.company_id", store=True)
    level_id = fields.Many2one(
        "accomp.dunning.level", required=True, ondelete="restrict"
    )
    date = fields.Date(required=True)

    _once_per_invoice = models.UniqueIndex(
        "(invoice_id, level_id)", "This dunning level already fired for this invoice."
    )
