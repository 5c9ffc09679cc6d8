from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    accomp_schedule_line_id = fields.Many2one(
        "accomp.schedule.line",
        string="Billing Event",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="restrict",
    )

    # Exactly-once invoicing: a billing event is on at most one invoice line that
    # is not cancelled, whatever runs concurrently (cron, "Invoice now", reruns).
    _accomp_schedule_line_uniq = models.UniqueIndex(
        "(accomp_schedule_line_id) WHERE accomp_schedule_line_id IS NOT NULL "
        "AND parent_state != 'cancel'",
        "This billing event is already invoiced.",
    )
