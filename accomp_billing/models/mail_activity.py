from odoo import fields, models

FAILURE_KINDS = [
    ("invoicing", "Invoicing"),
    ("collection", "Automatic debit"),
    ("dunning", "Dunning"),
    ("sending", "Sending"),
    ("documents", "Invoice documents"),
    ("closing", "Closing the programme"),
    ("pause", "End of a pause"),
    ("signoff", "Sign-off"),
    ("renewal", "Renewal notice"),
]


class MailActivity(models.Model):
    _inherit = "mail.activity"

    accomp_failure = fields.Selection(
        FAILURE_KINDS,
        string="Programme Failure",
        index="btree_not_null",
        readonly=True,
        help="The scheduled action whose failure this to-do reports; it is closed "
        "when that action next succeeds on the programme.",
    )
