from odoo import models


class SaleAdvancePaymentInv(models.TransientModel):
    _inherit = "sale.advance.payment.inv"

    def _create_invoices(self, sale_orders):
        """Down payments are refused on orders selling a programme: the
        programme's deposit and instalments are billed by its schedule."""
        if self.advance_payment_method in ("percentage", "fixed"):
            sale_orders._accomp_check_no_down_payment()
        return super()._create_invoices(sale_orders)
