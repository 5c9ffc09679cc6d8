from odoo import api, models


class AccountTax(models.Model):
    _inherit = "account.tax"

    @api.model
    def _accomp_goods_taxes(self, product, company):
        """The taxes on goods (not on services) ``product`` carries in
        ``company``: a programme billed with them would say goods are
        delivered."""
        if not product:
            return self.browse()
        return (
            product.sudo()
            .taxes_id._filter_taxes_by_company(company)
            .filtered(lambda tax: tax.tax_scope == "consu")
        )

    @api.model
    def _accomp_price_amounts(
        self,
        price_unit,
        quantity,
        product,
        company,
        currency,
        fiscal_position=None,
        partner=None,
    ):
        """(untaxed, total incl. taxes) of an invoice line of ``product`` at
        ``price_unit``: the product's taxes in ``company``, mapped by the fiscal
        position, decide whether the price is untaxed or tax-included, exactly as
        on the invoice the line will be on."""
        taxes = self.browse()
        if product:
            taxes = product.sudo().taxes_id._filter_taxes_by_company(company)
            if fiscal_position:
                taxes = fiscal_position.map_tax(taxes)
        if not taxes:
            amount = currency.round(quantity * price_unit)
            return amount, amount
        result = taxes.compute_all(
            price_unit,
            currency=currency,
            quantity=quantity,
            product=product,
            partner=partner,
        )
        return result["total_excluded"], result["total_included"]
