"""Factur-X / CII: the service period of each billing event (EN 16931 BG-26,
"invoice line period") and of the invoice (BG-14), which Community otherwise
only fills from the deferred-revenue dates of the Enterprise accounting app."""

from odoo import models


class AccountEdiXmlCii(models.AbstractModel):
    _inherit = "account.edi.xml.cii"

    def _export_invoice_vals(self, invoice):
        vals = super()._export_invoice_vals(invoice)
        starts, ends = [], []
        for line_vals in vals.get("invoice_line_vals_list", []):
            event = line_vals["line"].accomp_schedule_line_id
            start, end = event._service_period() if event else (None, None)
            if start and end:
                line_vals["billing_start"] = start
                line_vals["billing_end"] = end
                starts.append(start)
                ends.append(end)
        if starts:
            vals["billing_start"] = min(starts)
            vals["billing_end"] = max(ends)
        return vals
