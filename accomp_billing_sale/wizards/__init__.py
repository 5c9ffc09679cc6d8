from . import sale_make_invoice_advance
