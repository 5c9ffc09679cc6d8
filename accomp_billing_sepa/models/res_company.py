from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command


class ResCompany(models.Model):
    _inherit = "res.company"

    # OCA's payment modes clear the invoice's bank account when it has no payment
    # mode: programme invoices paid by transfer keep the IBAN Factur-X requires
    keep_partner_bank_without_payment_mode = fields.Boolean(default=True)
    accomp_sepa_payment_mode_id = fields.Many2one(
        "account.payment.mode",
        string="SEPA payment mode of programmes",
        domain="[('company_id', '=', id), ('payment_type', '=', 'inbound'),"
        " ('payment_method_id.code', '=', 'sepa_direct_debit')]",
        help="The payment mode the invoices of programmes collected by SEPA direct "
        "debit carry: their debits go to its draft payment order.",
    )
    accomp_sepa_prenotification_days = fields.Integer(
        string="SEPA pre-notification (days)",
        default=14,
        help="The client is told the amount and date of each debit at least this "
        "many days before it (14 by the SEPA rulebook, unless the contract "
        "shortens it): a programme invoice is never due before.",
    )
    accomp_sepa_lead_days = fields.Integer(
        string="SEPA lead time (days)",
        default=5,
        help="Programme invoices due within this many days are added to the draft "
        "SEPA payment order by the scheduled action, for the bank file.",
    )

    @api.constrains("accomp_sepa_prenotification_days", "accomp_sepa_lead_days")
    def _check_accomp_sepa_days(self):
        for company in self:
            if not (
                1 <= company.accomp_sepa_prenotification_days <= 60
                and 0 <= company.accomp_sepa_lead_days <= 30
            ):
                raise ValidationError(
                    self.env._(
                        "The SEPA pre-notification is 1 to 60 days before the "
                        "debit, and the lead time 0 to 30 days."
                    )
                )

    @api.constrains("accomp_sepa_payment_mode_id")
    def _check_accomp_sepa_payment_mode(self):
        for company in self.filtered("accomp_sepa_payment_mode_id"):
            mode = company.accomp_sepa_payment_mode_id
            if (
                mode.company_id != company
                or mode.payment_type != "inbound"
                or mode.payment_method_id.code != "sepa_direct_debit"
            ):
                raise ValidationError(
                    self.env._(
                        "%(mode)s is not a SEPA direct debit payment mode of "
                        "%(company)s.",
                        mode=mode.display_name,
                        company=company.name,
                    )
                )

    def _accomp_sepa_creditor_identifier(self):
        """The creditor identifier (ICS) the debits are made under."""
        self.ensure_one()
        mode = self.accomp_sepa_payment_mode_id
        return mode.sepa_creditor_identifier or self.sepa_creditor_identifier or ""

    def action_accomp_sepa_setup(self):
        """Set up the SEPA direct debit of programmes: on the company's bank
        journal (its IBAN), a SEPA Direct Debit payment method and a payment mode
        whose orders debit on each invoice's due date, one transaction per
        invoice. Needs the creditor identifier (ICS).

        :return: the payment mode (account.payment.mode)"""
        self.ensure_one()
        if not self.sepa_creditor_identifier:
            raise UserError(
                self.env._(
                    "Enter %(company)s's SEPA creditor identifier (ICS) first: your "
                    "bank gives it with the direct debit agreement.",
                    company=self.name,
                )
            )
        journal = self.env["account.journal"].search(
            [
                ("company_id", "=", self.id),
                ("type", "=", "bank"),
                ("bank_account_id", "!=", False),
            ],
            limit=1,
        )
        if not journal and self.partner_id.bank_ids:
            # the company's one bank journal, given the company's account
            journal = self.env["account.journal"].search(
                [("company_id", "=", self.id), ("type", "=", "bank")], limit=1
            )
            journal.bank_account_id = self.partner_id.bank_ids[:1]
        if not journal:
            raise UserError(
                self.env._(
                    "Give %(company)s's bank journal its IBAN first: the debits are "
                    "credited to it.",
                    company=self.name,
                )
            )
        method = self.env.ref("account_banking_sepa_direct_debit.sepa_direct_debit")
        if method not in journal.inbound_payment_method_line_ids.payment_method_id:
            journal.inbound_payment_method_line_ids = [
                Command.create({"payment_method_id": method.id})
            ]
        mode = self.accomp_sepa_payment_mode_id or self.env[
            "account.payment.mode"
        ].search(
            [("company_id", "=", self.id), ("payment_method_id", "=", method.id)],
            limit=1,
        )
        if not mode:
            mode = self.env["account.payment.mode"].create(
                {
                    "name": self.env._("SEPA direct debit"),
                    "company_id": self.id,
                    "payment_method_id": method.id,
                    "bank_account_link": "fixed",
                    "fixed_journal_id": journal.id,
                    "default_date_prefered": "due",
                    "group_lines": False,
                    # the client pays nothing to the company's account
                    "show_bank_account": "no",
                }
            )
        self.accomp_sepa_payment_mode_id = mode
        return mode
