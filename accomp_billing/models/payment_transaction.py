from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _post_process(self):
        """A client who pays a programme invoice and saves the payment method gives
        the programme its automatic debit; a pending debit that ends lifts the
        engagement's payment exception."""
        res = super()._post_process()
        for tx in self.filtered(lambda t: t.state in ("done", "error", "cancel")):
            engagements = tx.invoice_ids.accomp_engagement_id
            if tx.state == "done" and tx.token_id:
                # the payer's card pays this invoice; it debits the programme's
                # next instalments only when the payer is the programme's client
                payer = tx.partner_id.commercial_partner_id
                engagements.filtered(
                    lambda e, p=payer, c=tx.token_id.company_id: not e.payment_token_id
                    and e.partner_id.commercial_partner_id == p
                    and e.company_id == c
                ).write({"payment_token_id": tx.token_id.id})
            if tx.operation == "validation" and tx.token_id and tx.state == "done":
                # a payment method registered from the portal, without paying:
                # the client's programmes without one are debited with it
                engagements |= (
                    self.env["accomp.engagement"]
                    .sudo()
                    .search(
                        [
                            (
                                "partner_id",
                                "child_of",
                                tx.partner_id.commercial_partner_id.ids,
                            ),
                            ("state", "in", ("active", "suspended")),
                            ("payment_token_id", "=", False),
                            ("company_id", "=", tx.token_id.company_id.id),
                        ]
                    )
                )
                engagements.write({"payment_token_id": tx.token_id.id})
            engagements.filtered("payment_exception").write(
                {"payment_exception": False}
            )
            if tx.state == "done":
                engagements._clear_failure("collection")
        return res
