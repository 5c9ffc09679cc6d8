from odoo import fields, models


class AccountBankingMandate(models.Model):
    _inherit = "account.banking.mandate"

    accomp_engagement_ids = fields.One2many(
        "accomp.engagement", "mandate_id", string="Programmes", readonly=True
    )
    accomp_signed_on = fields.Datetime(
        string="Signed online on",
        readonly=True,
        copy=False,
        help="When the client signed this mandate in their client space.",
    )
    accomp_signed_ip = fields.Char(string="Signed from IP", readonly=True, copy=False)
    accomp_signed_by_id = fields.Many2one(
        "res.partner", string="Signed by", readonly=True, copy=False
    )
    accomp_mandate_text = fields.Text(
        string="Wording accepted",
        readonly=True,
        copy=False,
        help="The mandate's wording as the client accepted it online.",
    )

    def _accomp_masked_account(self):
        """The debited account, masked as on the client's documents:
        ``FR76 **** 1234``."""
        self.ensure_one()
        number = (self.partner_bank_id.sanitized_acc_number or "").upper()
        if len(number) <= 8:
            return number
        return f"{number[:4]} **** {number[-4:]}"
