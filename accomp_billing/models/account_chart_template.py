from odoo import api, models

# The French chart's 20 % VAT on services (due on receipts): what a programme
# is, and what its invoices must say ("prestations de services").
FR_SERVICES_TAX = "tva_normale_encaissement"


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _post_load_data(self, template_code, company, template_data):
        res = super()._post_load_data(template_code, company, template_data)
        self._accomp_set_services_tax(company or self.env.company)
        return res

    @api.model
    def _accomp_set_services_tax(self, company):
        """The generic "Programme" product bills with the company's services
        tax (French chart), not the chart's default goods tax: its invoices
        would say goods are delivered; and on services supplied (706), not on
        goods sold (707)."""
        product = self.env.ref(
            "accomp_billing.product_programme", raise_if_not_found=False
        )
        if not product or company.account_fiscal_country_id.code != "FR":
            return
        services = self.with_company(company).ref(
            FR_SERVICES_TAX, raise_if_not_found=False
        )
        if not services:
            return
        product = product.sudo()
        product.taxes_id = (
            product.taxes_id.filtered(lambda tax: tax.company_id != company) | services
        )
        # booked as services supplied (706), not as goods sold (707)
        income = self.with_company(company).ref("pcg_706", raise_if_not_found=False)
        if income:
            product.with_company(company).property_account_income_id = income
