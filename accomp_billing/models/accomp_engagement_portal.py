"""What the client sees of their programme in the portal."""

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    def _get_portal_return_action(self):
        return self.env.ref("accomp_billing.accomp_engagement_action")

    def _portal_schedule_rows(self):
        """The billing schedule as the client reads it: label, date, HT, TTC,
        status (overdue when its invoice is late) and the invoice to pay."""
        self.ensure_one()
        env = self.env
        today = self.company_id._accomp_today()
        overdue = self._overdue_invoices(today)
        labels = dict(
            self.env["accomp.schedule.line"]
            ._fields["state"]
            ._description_selection(env)
        )
        rows = []
        for line in self.schedule_line_ids.filtered(
            lambda x: x.state != "cancelled"
        ).sorted(lambda x: (x.date_due or today.replace(year=9999), x.sequence)):
            invoice = line.invoice_id if line.invoice_id.state == "posted" else None
            status = line.state
            if invoice and invoice in overdue:
                status = "overdue"
            rows.append(
                {
                    "line": line,
                    "label": line.name,
                    "date": format_date(env, line.date_due)
                    if line.date_due
                    else env._("when done"),
                    "untaxed": format_amount(
                        env, line.amount_untaxed, self.currency_id
                    ),
                    "total": format_amount(env, line.amount_total, self.currency_id),
                    "status": status,
                    "status_label": env._("Overdue")
                    if status == "overdue"
                    else labels.get(status, status),
                    "invoice": invoice,
                    "to_pay": bool(
                        invoice and invoice.payment_state in ("not_paid", "partial")
                    ),
                }
            )
        return rows

    def _portal_payment_tokens(self):
        """The client's saved payment methods that may debit this programme:
        active, the client's own (any contact of the client), in the
        programme's company."""
        self.ensure_one()
        return (
            self.env["payment.token"]
            .sudo()
            .search(
                [
                    (
                        "partner_id",
                        "child_of",
                        self.partner_id.commercial_partner_id.ids,
                    ),
                    ("company_id", "=", self.company_id.id),
                ]
            )
        )

    def _portal_use_payment_method(self, token, partner):
        """The client chose ``token`` to debit this programme's instalments
        (this programme only: each of their programmes is chosen on its own)."""
        self.ensure_one()
        if token not in self._portal_payment_tokens():
            raise UserError(
                self.env._(
                    "This payment method cannot debit %(name)s.",
                    name=self.display_name,
                )
            )
        if self.state not in ("active", "suspended"):
            raise UserError(
                self.env._(
                    "%(name)s is not in progress: nothing is debited any more.",
                    name=self.display_name,
                )
            )
        self.payment_token_id = token
        self.message_post(
            body=self.env._(
                "%(client)s chose %(method)s for the automatic debit of the "
                "instalments.",
                client=partner.name,
                method=token.display_name,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _portal_remove_payment_method(self):
        self.ensure_one()
        if self.payment_token_id:
            self.message_post(
                body=self.env._(
                    "The client removed the automatic debit (%(method)s).",
                    method=self.payment_token_id.display_name,
                ),
                subtype_xmlid="mail.mt_note",
            )
            self.payment_token_id = False
