from odoo import api, fields, models


class AccompMilestone(models.Model):
    _name = "accomp.milestone"
    _description = "Programme Milestone"
    _order = "engagement_id, sequence, id"

    engagement_id = fields.Many2one(
        "accomp.engagement", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="engagement_id.company_id", store=True)
    currency_id = fields.Many2one(related="engagement_id.currency_id")
    name = fields.Char(string="Milestone", required=True)
    sequence = fields.Integer(default=10)
    percent = fields.Float(string="Share (%)", digits=(5, 2))
    schedule_line_ids = fields.One2many(
        "accomp.schedule.line", "milestone_id", string="Billing Events", readonly=True
    )
    amount = fields.Monetary(compute="_compute_amount", store=True)
    state = fields.Selection(
        [("todo", "To do"), ("done", "Done")], default="todo", required=True
    )
    date_done = fields.Date(string="Done on", readonly=True, copy=False)
    done_by_id = fields.Many2one(
        "res.users", string="Done by", readonly=True, copy=False
    )

    @api.depends("schedule_line_ids.amount")
    def _compute_amount(self):
        for milestone in self:
            milestone.amount = sum(milestone.schedule_line_ids.mapped("amount"))
