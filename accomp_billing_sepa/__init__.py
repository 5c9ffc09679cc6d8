from . import controllers, models, wizards

# isort: split
# the demo's SEPA story, after the models it extends
from . import demo


def _post_init_hook(env):
    """Invoices without an OCA payment mode keep their bank account (the IBAN
    the client pays to, which Factur-X requires), as before OCA's install."""
    env["res.company"].search([]).keep_partner_bank_without_payment_mode = True
