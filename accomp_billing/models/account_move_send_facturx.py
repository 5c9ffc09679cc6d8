"""Every programme invoice sent with its Factur-X is a PDF/A-3.

Odoo converts the PDF to PDF/A-3 only when it does not look like one already,
by a heuristic (a 6-byte comment on its second line) that the PDFs split from a
batch rendering always match: invoices sent together came out as plain PDF 1.4
without XMP metadata, while one sent alone was a PDF/A-3. The conversion is
done again here when the metadata is missing."""

import io

from odoo import fields, models, tools
from odoo.tools.pdf import (
    DictionaryObject,
    NameObject,
    NumberObject,
    OdooPdfFileReader,
    OdooPdfFileWriter,
)


def ensure_pdfa(raw, metadata):
    """``raw`` (a PDF with its Factur-X attached) as a PDF/A-3 with the
    ``metadata`` XMP (bytes); unchanged when it already has its metadata."""
    reader = OdooPdfFileReader(io.BytesIO(raw), strict=False)
    if "/Metadata" in reader.trailer["/Root"]:
        return raw
    writer = OdooPdfFileWriter()
    writer.cloneReaderDocumentRoot(reader)
    writer.is_pdfa = False  # the heuristic's guess, not the file's state
    if "/Outlines" not in writer._root_object:
        # a page split from a batch has no outline; PDF/A wants one (empty)
        writer._root_object[NameObject("/Outlines")] = writer._addObject(
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Outlines"),
                    NameObject("/Count"): NumberObject(0),
                }
            )
        )
    writer.convert_to_pdfa()
    writer.add_file_metadata(metadata)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    def _hook_invoice_document_after_pdf_report_render(self, invoice, invoice_data):
        super()._hook_invoice_document_after_pdf_report_render(invoice, invoice_data)
        facturx = (
            invoice_data.get("ubl_cii_xml_options", {}).get("ubl_cii_format")
            == "facturx"
        )
        # during tests Odoo embeds nothing (no wkhtmltopdf PDF to embed in)
        if (
            not (invoice.accomp_engagement_id and facturx)
            or tools.config["test_enable"]
        ):
            return
        pdf_values = invoice_data.get("pdf_attachment_values") or invoice_data.get(
            "proforma_pdf_attachment_values"
        )
        if pdf_values:
            pdf_values["raw"] = ensure_pdfa(
                pdf_values["raw"], self._accomp_pdfa_metadata(invoice)
            )

    def _accomp_pdfa_metadata(self, invoice):
        return (
            self.env["ir.qweb"]
            ._render(
                "account_edi_ubl_cii.account_invoice_pdfa_3_facturx_metadata",
                {"title": invoice.name, "date": fields.Date.context_today(self)},
            )
            .encode()
        )
