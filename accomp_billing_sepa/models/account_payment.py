"""A SEPA debit the client's bank returned (R-transaction)."""

from odoo import fields, models
from odoo.exceptions import UserError

# The reason codes a French bank returns most (EPC R-transaction codes).
RETURN_REASONS = [
    ("AM04", "AM04 — Insufficient funds"),
    ("AC04", "AC04 — Account closed"),
    ("AC06", "AC06 — Account blocked"),
    ("AC01", "AC01 — Incorrect account number"),
    ("MD01", "MD01 — No valid mandate"),
    ("MD06", "MD06 — Refund requested by the debtor"),
    ("MS02", "MS02 — Refused by the debtor"),
    ("MS03", "MS03 — Reason not specified"),
    ("SL01", "SL01 — Specific service of the debtor's bank"),
]


class AccountPayment(models.Model):
    _inherit = "account.payment"

    accomp_return_reason = fields.Selection(
        RETURN_REASONS, string="Debit returned", readonly=True, copy=False
    )
    accomp_return_date = fields.Date(string="Returned on", readonly=True, copy=False)

    def action_debit_returned(self, reason_code=None, date=None):
        """The bank returned these SEPA debits (``reason_code``, an R-transaction
        code of ``RETURN_REASONS``): each payment is reversed on ``date`` (today
        by default), its programme invoices are due again and handed to dunning
        (no other debit is tried for them), the programme logs it, and a second
        return under the same mandate suspends SEPA debits for the programme.

        Without a reason code (the payment's button), the dialog asking for it.

        :return: the invoices reopened (account.move), or the dialog's action"""
        if reason_code is None:
            action = self.env["ir.actions.act_window"]._for_xml_id(
                "accomp_billing_sepa.accomp_sepa_return_action"
            )
            action["context"] = {"active_ids": self.ids}
            return action
        if reason_code not in dict(RETURN_REASONS):
            raise UserError(
                self.env._("Choose the reason code the bank gave for the return.")
            )
        reopened = self.env["account.move"]
        for payment in self:
            if (
                payment.accomp_return_reason
                or payment.payment_type != "inbound"
                or not payment.payment_order_id
                or payment.state in ("draft", "canceled", "rejected")
            ):
                raise UserError(
                    self.env._(
                        "%(payment)s is not a collected SEPA debit: only those can "
                        "be returned (once).",
                        payment=payment.display_name,
                    )
                )
            day = date or payment.company_id._accomp_today()
            invoices = payment.payment_line_ids.move_line_id.move_id
            payment.move_id.line_ids.remove_move_reconcile()
            payment.move_id._reverse_moves(
                [
                    {
                        "date": day,
                        "ref": self.env._(
                            "Returned debit %(reference)s (%(reason)s)",
                            reference=payment.name,
                            reason=reason_code,
                        ),
                    }
                ],
                cancel=True,
            )
            payment.write(
                {
                    "accomp_return_reason": reason_code,
                    "accomp_return_date": day,
                    "state": "rejected",
                }
            )
            invoices.filtered("accomp_engagement_id").write(
                {"accomp_charge_stopped": True}
            )
            reopened |= invoices
            for engagement in invoices.accomp_engagement_id:
                engagement._sepa_debit_returned(payment, invoices)
        return reopened
