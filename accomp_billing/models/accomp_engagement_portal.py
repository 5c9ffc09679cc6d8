"""What the client sees of their programme in the portal."""

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    def _get_portal_return_action(self):
        return self.env.ref("accomp_billing.accomp_engagement_action")

    def _portal_schedule_rows(self):
        """The billing schedule as the client reads it, the form's rows: label,
        date, net HT and TTC (what each event bills after its credit notes, nothing
        once cancelled), what is left to pay, status (overdue when its invoice is
        late) and the invoice to pay. The rows add up to the programme's total."""
        self.ensure_one()
        env = self.env
        today = self.company_id._accomp_today()
        labels = dict(
            self.env["accomp.schedule.line"]
            ._fields["status"]
            ._description_selection(env)
        )

        def money(value):
            return format_amount(env, value, self.currency_id)

        rows = []
        for line in self.schedule_line_ids.sorted(
            lambda x: (x.date_due or today.replace(year=9999), x.sequence, x.id)
        ):
            invoice = line.invoice_id if line.invoice_id.state == "posted" else None
            rows.append(
                {
                    "line": line,
                    "label": line.name,
                    "date": format_date(env, line.date_due)
                    if line.date_due
                    else env._("when done"),
                    "untaxed": money(line.amount_net_untaxed),
                    "total": money(line.amount_net),
                    "credited": money(line.amount_credited)
                    if line.amount_credited
                    else "",
                    "residual": money(line.amount_residual),
                    "status": line.status,
                    "status_label": labels.get(line.status, line.status),
                    "muted": line.state in ("cancelled", "credited"),
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
