"""Programme invoices sent by Odoo's own machinery (``account.move.send``): the
PDF and the client's electronic format (Factur-X for French clients), with the
programme's e-mail template, in the background through ``sending_data`` and
Odoo's "Send invoices automatically" scheduled action."""

from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    accomp_awaiting_email = fields.Boolean(
        string="Waiting for the client's e-mail",
        copy=False,
        readonly=True,
        help="Posted to be sent automatically, but the client has no e-mail "
        "address: sent by the next run once it is set.",
    )

    def _get_mail_template(self):
        """A programme invoice is sent with the programme's template."""
        if (
            len(self) == 1
            and self.accomp_engagement_id
            and self.move_type == "out_invoice"
        ):
            return (
                self.env.ref(
                    "accomp_billing.mail_template_programme_invoice",
                    raise_if_not_found=False,
                )
                or super()._get_mail_template()
            )
        return super()._get_mail_template()

    def _accomp_queue_sending(self):
        """Queue these posted invoices for Odoo's sending. An invoice whose client
        has no e-mail address stays posted: its programme gets one to-do ("add the
        client's e-mail"), and the next run sends it once the address is set."""
        Send = self.env["account.move.send"]
        ready = self.browse()
        for move in self:
            methods = Send._get_default_sending_methods(move)
            if "email" in methods and not move.partner_id.email:
                if not move.accomp_awaiting_email:
                    move.accomp_awaiting_email = True
                    move.accomp_engagement_id._notify_failure(
                        "sending",
                        self.env._(
                            "%(invoice)s is posted; add an e-mail address to "
                            "%(client)s and it is sent by the next run.",
                            invoice=move.name,
                            client=move.partner_id.display_name,
                        ),
                    )
                continue
            ready |= move
        for move in ready:
            author = move.invoice_user_id or self.env.user
            move.sending_data = {
                "author_user_id": author.id,
                "author_partner_id": author.partner_id.id,
            }
        if ready:
            ready.filtered("accomp_awaiting_email").accomp_awaiting_email = False
            ready.accomp_engagement_id._clear_failure("sending")
            self.env.ref("account.ir_cron_account_move_send").sudo()._trigger()
        return ready

    @api.model
    def _accomp_send_awaiting(self):
        """Send the invoices that waited for their client's e-mail address."""
        waiting = self.search(
            [
                ("accomp_awaiting_email", "=", True),
                ("state", "=", "posted"),
                ("partner_id.email", "!=", False),
            ]
        )
        return waiting._accomp_queue_sending()
