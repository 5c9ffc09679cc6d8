"""French B2B rules on programme invoices (Code de commerce L441-10, D441-5):
the late-payment legal mentions and the late-payment fees. Optional: a company
that turns the late fees off, or bills private clients only, never sees them."""

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import format_amount

from ..tools import fr_late_payment


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    def _is_b2b(self):
        self.ensure_one()
        return self.partner_id.commercial_partner_id.is_company

    def _invoice_legal_mentions(self):
        """Mentions French law requires on B2B invoices (Code de commerce L441-10):
        late-payment penalties and the fixed 40 EUR recovery indemnity."""
        self.ensure_one()
        if not self._is_b2b():
            return False
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        company = self.company_id
        return Markup("<p>%s</p>") % env._(
            "Late payment: penalties at %(rate)s%% a year (the European Central "
            "Bank's refinancing rate plus %(margin)s points), and a fixed indemnity of "
            "%(indemnity)s for recovery costs (French Commercial Code, art. L441-10 "
            "and D441-5). No discount for early payment.",
            rate=f"{company.accomp_late_interest_rate:.2f}",
            margin=f"{company.accomp_late_rate_margin:g}",
            indemnity=format_amount(
                env, company.accomp_recovery_indemnity, company.currency_id
            ),
        )

    def action_bill_late_fees(self):
        """Bill, on one invoice per programme, the French B2B late-payment fees
        not billed yet: 40 € per late invoice and interest per day late."""
        self._check_manager()
        vals_list = []
        flags = []
        for engagement in self:
            today = engagement.company_id._accomp_today()
            fee_lines = engagement._prepare_late_fee_lines(today)
            if not fee_lines:
                raise UserError(
                    self.env._(
                        "%(name)s: no late-payment fees to bill.",
                        name=engagement.display_name,
                    )
                )
            vals_list.append(
                engagement._prepare_invoice_with_lines(
                    [vals for vals, _flag in fee_lines], "out_invoice", today
                )
            )
            flags += [flag for _vals, flag in fee_lines]
        invoices = self._create_invoices(vals_list)
        for late_invoice, write_vals in flags:
            late_invoice.write(write_vals)
        return self.action_view_invoices(invoices)

    def _prepare_late_fee_lines(self, today):
        """[(invoice line values, (late invoice, values to write on it))] of the
        late-payment fees due on this programme's invoices up to ``today``."""
        self.ensure_one()
        company = self.company_id
        if not (company.accomp_late_fees and self._is_b2b()):
            raise UserError(
                self.env._(
                    "%(name)s: late-payment fees apply to business clients only, when "
                    "the option is on in the settings.",
                    name=self.display_name,
                )
            )
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        product = self.env.ref("accomp_billing.product_late_fees")
        rate = company.accomp_late_interest_rate
        result = []
        billed = self.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.state == "posted"
            and m.payment_state != "reversed"
            and m.invoice_date_due
            and m.invoice_line_ids.accomp_schedule_line_id  # not the fees themselves
        )
        days_late = {invoice: invoice._accomp_days_late(today) for invoice in billed}
        late_invoices = billed.filtered(lambda m: days_late[m] > 0)
        for invoice in late_invoices.sorted("invoice_date_due"):
            line_base = {"product_id": product.id, "tax_ids": [Command.clear()]}
            if not invoice.accomp_indemnity_billed:
                indemnity = company.currency_id._convert(
                    company.accomp_recovery_indemnity, self.currency_id, company, today
                )
                result.append(
                    (
                        {
                            **line_base,
                            "name": env._(
                                "Fixed indemnity for recovery costs, invoice "
                                "%(invoice)s (French Commercial Code D441-5)",
                                invoice=invoice.name,
                            ),
                            "quantity": 1,
                            "price_unit": indemnity,
                        },
                        (invoice, {"accomp_indemnity_billed": True}),
                    )
                )
            start = invoice.accomp_interest_billed_until or invoice.invoice_date_due
            end = fields.Date.add(invoice.invoice_date_due, days=days_late[invoice])
            base = (
                invoice.amount_total
                if invoice.payment_state in ("paid", "in_payment")
                else invoice.amount_residual
            )
            days = (end - start).days
            interest = fr_late_payment.late_interest(
                base, rate, days, self.currency_id.rounding
            )
            if interest > 0:
                result.append(
                    (
                        {
                            **line_base,
                            "name": env._(
                                "Late interest on invoice %(invoice)s: %(amount)s for "
                                "%(days)s days at %(rate)s%% a year",
                                invoice=invoice.name,
                                amount=format_amount(env, base, self.currency_id),
                                days=days,
                                rate=f"{rate:.2f}",
                            ),
                            "quantity": 1,
                            "price_unit": float(interest),
                        },
                        (invoice, {"accomp_interest_billed_until": end}),
                    )
                )
        return result
