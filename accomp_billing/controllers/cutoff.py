import io

import xlsxwriter

from odoo import http
from odoo.http import content_disposition, request


class AccompCutoffExport(http.Controller):
    @http.route("/accomp/cutoff/<int:cutoff_id>/xlsx", type="http", auth="user")
    def cutoff_xlsx(self, cutoff_id, **kw):
        """The cut-off's detail per programme, for the accountant's file."""
        cutoff = request.env["accomp.cutoff"].browse(cutoff_id)
        cutoff.check_access("read")  # another company's, or no rights: refused
        env = request.env
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = book.add_worksheet(cutoff.name[:31])
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        headers = [
            env._("Programme"),
            env._("Client"),
            env._("Income account"),
            env._("Invoiced (excl. VAT)"),
            env._("Delivered (excl. VAT)"),
            env._("Deferred income (PCA)"),
            env._("Accrued income (FAE)"),
        ]
        sheet.write_row(0, 0, headers, bold)
        row = 1
        for line in cutoff.line_ids:
            sheet.write_row(
                row,
                0,
                [
                    line.engagement_id.name,
                    line.partner_id.name,
                    line.account_id.display_name or "",
                ],
            )
            for col, fname in enumerate(
                (
                    "amount_invoiced",
                    "amount_delivered",
                    "amount_deferred",
                    "amount_accrued",
                ),
                start=3,
            ):
                sheet.write_number(row, col, line[fname], money)
            row += 1
        sheet.write(row, 0, env._("Total"), bold)
        for col, fname in enumerate(
            (
                "amount_invoiced",
                "amount_delivered",
                "amount_deferred",
                "amount_accrued",
            ),
            start=3,
        ):
            sheet.write_number(row, col, cutoff[fname], money)
        sheet.set_column(0, 2, 24)
        sheet.set_column(3, 6, 18)
        book.close()
        name = f"{cutoff.name}.xlsx".replace("/", "-")
        return request.make_response(
            buffer.getvalue(),
            headers=[
                (
                    "Content-Type",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                ("Content-Disposition", content_disposition(name)),
            ],
        )
