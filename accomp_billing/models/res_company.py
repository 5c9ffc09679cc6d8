import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import recovery


class ResCompany(models.Model):
    _inherit = "res.company"

    accomp_payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Programme Payment Terms",
        check_company=True,
        help="Payment terms of generated programme invoices when the client has none.",
    )
    accomp_deferred_account_id = fields.Many2one(
        "account.account",
        string="Deferred income account",
        check_company=True,
        help="Year-end cut-off: billed, not yet delivered (produits constatés "
        "d'avance, 487 in the French chart).",
    )
    accomp_accrued_account_id = fields.Many2one(
        "account.account",
        string="Invoices to issue account",
        check_company=True,
        help="Year-end cut-off: delivered, not yet billed (factures à établir, 418 "
        "in the French chart).",
    )
    accomp_mediator_name = fields.Char(
        string="Consumer mediator",
        help="The consumer mediator the firm adheres to (C. conso L612-1), on "
        "consumer invoices and in the client's space.",
    )
    accomp_mediator_url = fields.Char(string="Consumer mediator's website")
    accomp_retry_days = fields.Char(
        string="Payment Retries",
        default="3, 7, 14",
        help="Days after the due date on which a declined automatic debit is tried "
        "again.",
    )

    @api.constrains("accomp_retry_days")
    def _check_accomp_retry_days(self):
        for company in self:
            try:
                recovery.parse_retry_days(company.accomp_retry_days)
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "Payment retries must be increasing numbers of days after the "
                        "due date, separated by commas (e.g. 3, 7, 14)."
                    )
                ) from error

    def _accomp_payment_term(self, partner):
        """The payment terms of this company's programme invoices for
        ``partner``: the client's own, else the company's programme terms."""
        self.ensure_one()
        return (
            partner.with_company(self).property_payment_term_id
            or self.accomp_payment_term_id
        )

    def _accomp_today(self):
        """The company's local day: "today" for every programme rule (due dates,
        overdue, sessions, milestones), never the server's UTC day.

        ``res.company`` has no time zone: the company partner's is used, then the
        user's, then UTC."""
        tz = pytz.timezone(self._accomp_tz())
        return pytz.utc.localize(fields.Datetime.now()).astimezone(tz).date()

    def _accomp_tz(self):
        """The company's time zone name (see :meth:`_accomp_today`)."""
        self.ensure_one()
        return self.partner_id.tz or self.env.user.tz or "UTC"

    @api.model
    def _accomp_days(self, date_ref=None, companies=None):
        """{company: day}: ``date_ref`` for every company, or each one's local day.

        :param companies: the companies concerned (default: all of them)"""
        if companies is None:
            companies = self.sudo().search([])
        if date_ref:
            return dict.fromkeys(companies, fields.Date.to_date(date_ref))
        return {company: company._accomp_today() for company in companies}

    def _accomp_retry_days(self):
        self.ensure_one()
        return recovery.parse_retry_days(self.accomp_retry_days)

    def _accomp_cutoff_accounts(self):
        """(deferred income, invoices to issue) accounts of the cut-off: the
        company's settings, else the French chart's 487 and 4181."""
        self.ensure_one()
        chart = self.env["account.chart.template"].with_company(self)
        return (
            self.accomp_deferred_account_id
            or chart.ref("pcg_487", raise_if_not_found=False)
            or self.env["account.account"],
            self.accomp_accrued_account_id
            or chart.ref("pcg_4181", raise_if_not_found=False)
            or self.env["account.account"],
        )
