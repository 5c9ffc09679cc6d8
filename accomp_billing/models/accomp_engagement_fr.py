"""French B2B rules on programme invoices (Code de commerce L441-10, D441-5):
the late-payment legal mentions and the late-payment fees. Optional: a company
that turns the late fees off, or bills private clients only, never sees them."""

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import format_amount, format_date
from odoo.tools.misc import formatLang

from ..tools import fr_late_payment


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    def _is_b2b(self):
        self.ensure_one()
        return self.partner_id.commercial_partner_id.is_company

    def _is_eu_b2b(self):
        """A business client of another EU country, with its VAT number:
        services to it are taxed where it is established (reverse charge,
        art. 196 of Directive 2006/112/EC, art. 283-2 of the CGI)."""
        self.ensure_one()
        client = self.partner_id.commercial_partner_id
        company = self.company_id
        country = client.country_id
        return bool(
            client.is_company
            and client.vat
            and country
            and country != company.account_fiscal_country_id
            and country in self.env.ref("base.europe").country_ids
            and not company.accomp_vat_franchise
        )

    def _invoice_legal_mentions(self):
        """Mentions French law requires on the programme's invoices, in the
        client's language: the VAT franchise (every client), and for business
        clients the nature of the operation and the payment terms (2026), and the
        late-payment mentions (Code de commerce L441-10: rate, the 40 €
        indemnity, early payment).

        Odoo's French localization already prints the client's SIREN and, from
        the taxes' exigibility, the option for paying VAT on debits; Factur-X
        carries the SIREN in its buyer's legal organization."""
        self.ensure_one()
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        company = self.company_id
        client = self.partner_id.commercial_partner_id
        mentions = []
        if company.accomp_vat_franchise:
            mentions.append(env._("VAT not applicable, art. 293 B of the CGI."))
        if self._is_eu_b2b():
            mentions.append(
                env._(
                    "Reverse charge: VAT due by the client (art. 196 of Directive "
                    "2006/112/EC, art. 283-2 of the CGI). Client's VAT number: "
                    "%(vat)s.",
                    vat=client.vat,
                )
            )
        if self._is_b2b():
            mentions.append(env._("Nature of the operation: provision of services."))
            terms = company._accomp_payment_term(client)
            if terms:
                mentions.append(
                    env._(
                        "Payment terms: %(terms)s.",
                        terms=terms.with_context(lang=env.lang).name,
                    )
                )
            if company.accomp_late_fees:
                mentions.append(
                    env._(
                        "Late payment: penalties at %(rate)s%% a year (the European "
                        "Central Bank's refinancing rate plus %(margin)s points), and "
                        "a fixed indemnity of %(indemnity)s for recovery costs (French "
                        "Commercial Code, art. L441-10 and D441-5).",
                        rate=formatLang(
                            env, company.accomp_late_interest_rate, digits=2
                        ),
                        margin=format_rate(env, company.accomp_late_rate_margin),
                        indemnity=format_amount(
                            env, company.accomp_recovery_indemnity, company.currency_id
                        ),
                    )
                )
            mentions.append(
                company.accomp_early_payment_discount
                or env._("No discount for early payment.")
            )
        if not mentions:
            return False
        return Markup("").join(Markup("<p>%s</p>") % mention for mention in mentions)

    def _cii_legal_notes(self):
        """The legal mentions as the French e-invoice wants them (BR-FR-05):
        one note each, with its subject code, in the client's language: late
        penalties (PMD), the recovery indemnity (PMT), early payment (AAB).
        A consumer owes interest at the legal rate and no indemnity."""
        self.ensure_one()
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        company = self.company_id
        if self._is_b2b():
            penalties = env._(
                "Late payment penalties: %(rate)s %% a year (the European Central "
                "Bank's refinancing rate plus %(margin)s points).",
                rate=formatLang(env, company.accomp_late_interest_rate, digits=2),
                margin=format_rate(env, company.accomp_late_rate_margin),
            )
            indemnity = env._(
                "Fixed indemnity for recovery costs: %(indemnity)s (French "
                "Commercial Code, art. L441-10 and D441-5).",
                indemnity=format_amount(
                    env, company.accomp_recovery_indemnity, company.currency_id
                ),
            )
        else:
            penalties = env._("Late payment: interest at the legal rate.")
            indemnity = env._(
                "No fixed indemnity for recovery costs: the client is a consumer."
            )
        early = company.with_context(
            lang=env.lang
        ).accomp_early_payment_discount or env._("No discount for early payment.")
        return [
            {"subject_code": "PMD", "content": penalties},
            {"subject_code": "PMT", "content": indemnity},
            {"subject_code": "AAB", "content": early},
        ]

    def _complete_french_invoice_values(self, vals, events):
        """French invoices (called by ``_complete_invoice_values``): the
        delivery date is the end of the service billed (the period's last day,
        the day the milestone was done); the last invoice of a programme recalls
        what was billed before it."""
        # no VAT, said as such, on every line that has no tax of its own: the
        # franchise's 0 % tax (category E, art. 293 B), or the reverse charge
        # of services to an EU business (category AE)
        zero_tax = False
        if self.company_id.accomp_vat_franchise:
            zero_tax = self.company_id._accomp_zero_tax("franchise")
        elif self._is_eu_b2b():
            zero_tax = self.company_id._accomp_zero_tax("reverse_charge")
        for command in (vals.get("invoice_line_ids") or []) if zero_tax else []:
            line_vals = command[2] if command[0] == Command.CREATE else None
            if line_vals is not None and "tax_ids" not in line_vals:
                line_vals["tax_ids"] = [Command.set(zero_tax.ids)]
        if vals.get("move_type") != "out_invoice" or not events:
            return
        if set(events.mapped("kind")) == {"fees"}:
            # a fee invoice bills no service: said so, instead of the
            # programme's "provision of services"
            env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
            services = env._("Nature of the operation: provision of services.")
            narration = str(vals.get("narration") or "").replace(
                f"<p>{services}</p>", ""
            )
            vals["narration"] = Markup("<p>%s</p>") % env._(
                "Late-payment indemnity and interest: outside the scope of VAT "
                "(compensation for late payment, not the consideration of a "
                "service)."
            ) + Markup(narration)
            return
        if self.company_id.account_fiscal_country_id.code == "FR":
            ends = [
                end
                for _start, end in events.mapped(lambda e: e._service_period())
                if end
            ]
            if ends:
                vals["delivery_date"] = max(ends)
        recap = self._last_invoice_recap(events)
        if recap:
            vals["narration"] = (vals.get("narration") or Markup("")) + recap

    def _last_invoice_recap(self, events):
        """On the invoice that bills the last scheduled events: the programme's
        total, what was invoiced before, this invoice, and what is left to pay
        (all incl. VAT)."""
        self.ensure_one()
        remaining = self.schedule_line_ids.filtered(
            lambda line: line.state == "planned"
            and line.kind not in ("extras", "termination", "fees")
            and line not in events
        )
        if remaining or not events.filtered(
            lambda line: line.kind not in ("extras", "fees")
        ):
            return False
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env

        def amount(value):
            return format_amount(env, value, self.currency_id)

        this_invoice = sum(events.mapped("amount_total"))
        # a termination issues its credit note with this invoice: the totals
        # are the ones after both
        credited = self.env.context.get("accomp_termination_credited") or 0.0
        total = self.amount_total - credited
        values = {
            "programme": self.name,
            "total": amount(total),
            "before": amount(self.amount_invoiced),
            "credited": amount(credited),
            "this": amount(this_invoice),
            "left": amount(total - self.amount_paid),
        }
        if not self.currency_id.is_zero(credited):
            text = env._(
                "Last invoice of the programme %(programme)s: programme total "
                "%(total)s incl. VAT, invoiced before %(before)s, credited on "
                "termination %(credited)s, this invoice %(this)s, left to pay after "
                "it %(left)s.",
                **values,
            )
        else:
            text = env._(
                "Last invoice of the programme %(programme)s: programme total "
                "%(total)s incl. VAT, invoiced before %(before)s, this invoice "
                "%(this)s, left to pay after it %(left)s.",
                **values,
            )
        return Markup("<p>%s</p>") % text

    def _check_vat_franchise(self):
        """A company under the VAT franchise invoices no VAT: a product with a
        tax would put VAT on its invoices (called by ``_check_can_confirm``)."""
        if self.company_id.accomp_vat_franchise:
            products = self._invoiced_product() | self.offer_id.allowance_ids.product_id
            # a 0 % tax (the franchise's own, category E) is no VAT
            taxed = products.filtered(
                lambda p: p.sudo()
                .taxes_id._filter_taxes_by_company(self.company_id)
                .filtered("amount")
            )
            if taxed:
                raise UserError(
                    self.env._(
                        "%(name)s: %(company)s is under the VAT franchise (art. 293 "
                        "B of the CGI) but %(products)s carry VAT; remove their "
                        "taxes before selling this programme.",
                        name=self.display_name,
                        company=self.company_id.name,
                        products=", ".join(taxed.mapped("display_name")),
                    )
                )

    late_fees_due = fields.Boolean(
        compute="_compute_late_fees_due",
        help="Late-payment fees are due on this programme's invoices and not billed "
        "yet (business clients, when the option is on).",
    )

    def _compute_late_fees_due(self):
        for engagement in self:
            due = False
            if (
                engagement.state in ("active", "suspended", "done")
                and engagement.company_id.accomp_late_fees
                and engagement._is_b2b()
            ):
                today = engagement.company_id._accomp_today()
                due = bool(engagement.sudo()._prepare_late_fee_lines(today))
            engagement.late_fees_due = due

    def action_bill_late_fees(self):
        """Bill, on one invoice per programme, the French B2B late-payment fees
        not billed yet: 40 € per late invoice and interest per day late on what
        was owed that day. Fees on a draft fee invoice are not billed twice; a
        deleted or cancelled draft frees them again."""
        self._check_manager()
        vals_list = []
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
            # each fee is a billing event of the programme: a row of its
            # schedule, its portal and its forecast, like the instalments
            events = self.env["accomp.schedule.line"].create(
                [
                    {
                        "engagement_id": engagement.id,
                        "kind": "fees",
                        "amount": line_vals["price_unit"],
                        "date_due": today,
                        "sequence": 3000,
                    }
                    for line_vals in fee_lines
                ]
            )
            for line_vals, event in zip(fee_lines, events, strict=True):
                line_vals.update(
                    {"accomp_schedule_line_id": event.id, "accomp_attempt": 1}
                )
            vals_list.append(
                engagement._prepare_invoice_with_lines(fee_lines, "out_invoice", today)
            )
        invoices = self._create_invoices(vals_list)
        for invoice in invoices:
            engagement = invoice.accomp_engagement_id
            engagement.message_post(
                body=self.env._(
                    "Late-payment fees billed: %(amount)s on %(invoice)s (outside the "
                    "scope of VAT).",
                    amount=format_amount(
                        self.env, invoice.amount_total, invoice.currency_id
                    ),
                    invoice=invoice.name or invoice.display_name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return self.action_view_invoices(invoices)

    def _prepare_late_fee_lines(self, today):
        """Invoice line values of the late-payment fees due on this programme's
        invoices up to ``today`` and not on a live fee invoice yet."""
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
        billed = self.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.state == "posted"
            and m.payment_state != "reversed"
            and m.invoice_date_due
            # not the fees themselves
            and m.invoice_line_ids.accomp_schedule_line_id.filtered(
                lambda event: event.kind != "fees"
            )
        )
        result = []
        for invoice in billed.sorted(lambda m: (m.invoice_date_due, m.id)):
            days_late = invoice._accomp_days_late(today)
            if days_late <= 0:
                continue
            live = invoice._accomp_fee_lines_live()
            line_base = {
                "product_id": product.id,
                # outside the scope of VAT (category O in Factur-X)
                "tax_ids": [Command.set(company._accomp_zero_tax("out_of_scope").ids)],
                "quantity": 1,
                "accomp_late_invoice_id": invoice.id,
            }
            if not any(aml.accomp_fee_type == "indemnity" for aml in live):
                result.append(
                    {
                        **line_base,
                        "name": env._(
                            "Fixed indemnity for recovery costs, invoice "
                            "%(invoice)s (French Commercial Code D441-5)",
                            invoice=invoice.name,
                        ),
                        "price_unit": company.currency_id._convert(
                            company.accomp_recovery_indemnity,
                            self.currency_id,
                            company,
                            today,
                        ),
                        "accomp_fee_type": "indemnity",
                    }
                )
            start = max(
                filter(None, live.mapped("accomp_interest_until")),
                default=invoice.invoice_date_due,
            )
            end = fields.Date.add(invoice.invoice_date_due, days=days_late)
            interest, segments = fr_late_payment.interest_on_balance(
                invoice.amount_total,
                invoice.invoice_date_due,
                invoice._accomp_settlements(),
                start,
                end,
                rate,
                self.currency_id.rounding,
            )
            if interest > 0:
                result.append(
                    {
                        **line_base,
                        "name": self._late_interest_label(
                            env, invoice, segments, end, rate
                        ),
                        "price_unit": float(interest),
                        "accomp_fee_type": "interest",
                        "accomp_interest_until": end,
                    }
                )
        return result

    def _late_interest_label(self, env, invoice, segments, end, rate):
        detail = "; ".join(
            env._(
                "%(amount)s for %(days)s days",
                amount=format_amount(env, float(owed), self.currency_id),
                days=days,
            )
            for _day, days, owed in segments
        )
        return env._(
            "Late interest on invoice %(invoice)s from %(start)s to %(end)s at "
            "%(rate)s %% a year, on the amount owed each day: %(detail)s",
            invoice=invoice.name,
            start=format_date(env, segments[0][0]),
            end=format_date(env, end),
            rate=format_rate(env, rate),
            detail=detail,
        )


def format_rate(env, value):
    """A rate in the user's language: 12,15 in French, 10 for a whole number."""
    digits = 0 if float(value).is_integer() else 2
    return formatLang(env, value, digits=digits)
