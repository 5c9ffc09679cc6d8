from odoo import models
from odoo.fields import Command


class AccompScheduleLine(models.Model):
    _inherit = "accomp.schedule.line"

    def _prepare_invoice_line_values(self):
        """A programme sold on an order bills its order line: the order shows
        the invoices, and its own invoicing leaves the line alone."""
        values = super()._prepare_invoice_line_values()
        # an upsell's events bill the line that sold the amendment
        sale_line = self.amendment_id.sale_line_id or self.engagement_id.sale_line_id
        if values and sale_line:
            values["sale_line_ids"] = [Command.link(sale_line.id)]
        return values
