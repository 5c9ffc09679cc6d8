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
        help="The billing event this invoice line bills.",
    )
    accomp_credited_line_id = fields.Many2one(
        "accomp.schedule.line",
        string="Credited Billing Event",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="restrict",
        help="The billing event this credit note line credits.",
    )
    accomp_attempt = fields.Integer(
        string="Billing Attempt",
        copy=False,
        readonly=True,
        help="Which invoicing attempt of its billing event the line bills or "
        "credits (a credited event billed again starts a new attempt).",
    )

    # Exactly-once invoicing: each attempt of a billing event is on at most one
    # invoice line that is not cancelled, whatever runs concurrently (cron,
    # "Invoice now", reruns). "Bill again" after a credit note is a new attempt.
    _accomp_schedule_line_attempt_uniq = models.UniqueIndex(
        "(accomp_schedule_line_id, COALESCE(accomp_attempt, 1)) "
        "WHERE accomp_schedule_line_id IS NOT NULL AND parent_state != 'cancel'",
        "This billing event is already invoiced.",
    )
