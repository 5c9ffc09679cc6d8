from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _post_process(self):
        """A debit that ends lifts the engagement's payment exception (and closes
        its failure to-do once paid).

        Paying an invoice, even with "save my payment details", never makes the
        saved method a programme's automatic debit: whoever paid (perhaps an
        anonymous visitor of the invoice's link) is not the client choosing it.
        The client chooses it per programme in the portal
        (``accomp.engagement._portal_use_payment_method``)."""
        res = super()._post_process()
        for tx in self.filtered(lambda t: t.state in ("done", "error", "cancel")):
            engagements = tx.invoice_ids.accomp_engagement_id
            engagements.filtered("payment_exception").write(
                {"payment_exception": False}
            )
            if tx.state == "done":
                engagements._clear_failure("collection")
        return res
