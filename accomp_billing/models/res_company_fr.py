"""French B2B late-payment rules (Code de commerce L441-10, D441-5): optional,
on by default; never applied to private clients."""

from odoo import api, fields, models
from odoo.tools import format_amount

# The 0 % sale taxes of the lines that bear no VAT, with the category EN 16931
# and Factur-X need: (category, exemption reason code, names by language).
ZERO_TAXES = {
    # the 40 EUR indemnity and late interest: outside the scope of VAT
    "out_of_scope": (
        "O",
        "VATEX-EU-O",
        {"en_US": "0% outside the scope of VAT", "fr_FR": "0 % hors champ de TVA"},
    ),
    # services to a business client of another EU country: reverse charge
    "reverse_charge": (
        "AE",
        "VATEX-EU-AE",
        {
            "en_US": "0% reverse charge (EU services)",
            "fr_FR": "0 % autoliquidation (services UE)",
        },
    ),
    # the micro-entrepreneur's VAT franchise (art. 293 B du CGI)
    "franchise": (
        "E",
        "VATEX-FR-FRANCHISE",
        {
            "en_US": "0% VAT franchise (art. 293 B CGI)",
            "fr_FR": "0 % franchise en base (art. 293 B du CGI)",
        },
    ),
}


class ResCompany(models.Model):
    _inherit = "res.company"

    accomp_late_fees = fields.Boolean(
        string="French B2B Late-Payment Fees",
        default=True,
        help="Business clients owe the fixed 40 € recovery indemnity per late invoice "
        "and late interest (French Commercial Code L441-10). Never applied to private "
        "clients.",
    )
    accomp_ecb_rate = fields.Float(
        string="ECB Refinancing Rate (%)",
        digits=(5, 2),
        default=2.15,
        help="Main refinancing rate of the European Central Bank; update it every "
        "six months (1 January and 1 July).",
    )
    accomp_late_rate_margin = fields.Float(
        string="Late Interest Margin (points)", digits=(5, 2), default=10.0
    )
    accomp_late_interest_rate = fields.Float(
        string="Late Interest Rate (%)",
        digits=(5, 2),
        compute="_compute_accomp_late_interest_rate",
    )
    accomp_vat_franchise = fields.Boolean(
        string="VAT Franchise (micro-entrepreneur)",
        help="Art. 293 B of the CGI: no VAT is invoiced; the invoices say “TVA non "
        "applicable, art. 293 B du CGI”.",
    )
    accomp_early_payment_discount = fields.Char(
        string="Early Payment Discount",
        translate=True,
        help="The discount for early payment printed on business invoices; empty: "
        "“No discount for early payment”.",
    )
    accomp_recovery_indemnity = fields.Monetary(
        string="Recovery Indemnity",
        currency_field="currency_id",
        default=40.0,
        help="Fixed indemnity for recovery costs per late invoice (D441-5: 40 €).",
    )

    accomp_facturx_default = fields.Boolean(
        string="Factur-X for French clients",
        default=True,
        help="Invoices sent to French clients carry their Factur-X (the PDF with "
        "its structured invoice), unless a client's own format says otherwise.",
    )
    accomp_legal_form = fields.Char(
        string="Legal Form",
        help="Printed with the seller's identity on programme invoices, e.g. SAS, "
        "SARL, EI, micro-entrepreneur.",
    )
    accomp_share_capital = fields.Monetary(
        string="Share Capital",
        currency_field="currency_id",
        help="Printed on programme invoices when set (companies with a capital).",
    )
    accomp_trade_register = fields.Char(
        string="Trade Register",
        help="Where the company is registered, e.g. “RCS Paris” or “RNE”.",
    )

    @api.depends("accomp_ecb_rate", "accomp_late_rate_margin")
    def _compute_accomp_late_interest_rate(self):
        for company in self:
            company.accomp_late_interest_rate = (
                company.accomp_ecb_rate + company.accomp_late_rate_margin
            )

    def _accomp_zero_tax(self, kind):
        """The company's 0 % sale tax for lines without VAT (``kind``: a key of
        ``ZERO_TAXES``), made once when first needed: its category (O outside
        the scope of VAT, E for the franchise) and exemption reason make the
        Factur-X of such invoices valid."""
        self.ensure_one()
        category, reason, names = ZERO_TAXES[kind]
        Tax = self.env["account.tax"].sudo().with_context(active_test=False)
        tax = Tax.search(
            [
                ("company_id", "=", self.id),
                ("type_tax_use", "=", "sale"),
                ("amount_type", "=", "percent"),
                ("amount", "=", 0),
                ("ubl_cii_tax_category_code", "=", category),
                ("ubl_cii_tax_exemption_reason_code", "=", reason),
            ],
            limit=1,
        )
        if not tax:
            tax = Tax.with_context(lang="en_US").create(
                {
                    "name": names["en_US"],
                    "invoice_label": names["en_US"],
                    "amount": 0,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "company_id": self.id,
                    "country_id": self.account_fiscal_country_id.id,
                    "ubl_cii_tax_category_code": category,
                    "ubl_cii_tax_exemption_reason_code": reason,
                }
            )
            for fname in ("name", "invoice_label"):
                tax.update_field_translations(fname, {"fr_FR": names["fr_FR"]})
        return tax.with_env(self.env)

    def _accomp_legal_identity(self):
        """The seller's legal identity as French invoices must state it: name,
        legal form and share capital, address, SIREN/SIRET and trade register,
        VAT number; what is set, in the order a French reader expects."""
        self.ensure_one()
        env = self.env
        parts = [self.name]
        if self.accomp_legal_form and self.accomp_share_capital:
            parts.append(
                env._(
                    "%(form)s with a share capital of %(capital)s",
                    form=self.accomp_legal_form,
                    capital=format_amount(
                        env, self.accomp_share_capital, self.currency_id
                    ),
                )
            )
        elif self.accomp_legal_form:
            parts.append(self.accomp_legal_form)
        address = ", ".join(
            filter(
                None,
                [
                    self.street,
                    self.street2,
                    " ".join(filter(None, [self.zip, self.city])),
                ],
            )
        )
        if address:
            parts.append(address)
        if self.company_registry:
            digits = "".join(ch for ch in self.company_registry if ch.isdigit())
            parts.append(
                env._("SIRET %(number)s", number=self.company_registry)
                if len(digits) == 14
                else env._("SIREN %(number)s", number=self.company_registry)
            )
        if self.accomp_trade_register:
            parts.append(self.accomp_trade_register)
        if self.vat:
            parts.append(env._("VAT number %(number)s", number=self.vat))
        return " — ".join(parts)
