from odoo import api, fields, models
from odoo.exceptions import ValidationError

BILLING_MODELS = [
    ("upfront", "Upfront payment"),
    ("instalments", "Fixed instalments"),
    ("milestones", "Milestones"),
    ("subscription", "Subscription with commitment"),
]
BILLING_CYCLES = [
    ("monthly", "Monthly"),
    ("quarterly", "Quarterly"),
    ("semiannual", "Semi-annual"),
    ("yearly", "Yearly"),
]
EXTRAS_POLICIES = [
    ("immediate", "Invoice immediately"),
    ("next_invoice", "On the next invoice"),
    ("end_of_cycle", "At the end of the period"),
]
INVOICE_MODES = [
    ("auto_post", "Post automatically"),
    ("review", "Draft for review"),
]


class AccompOffer(models.Model):
    _name = "accomp.offer"
    _description = "Programme Offer"
    _inherit = ["mail.thread"]
    _order = "sequence, name, id"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    name = fields.Char(string="Offer", required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Html(translate=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one(
        "product.product",
        string="Invoiced Product",
        domain=[("type", "=", "service")],
        check_company=True,
        help="Service product used on the invoice lines (income account, taxes).",
    )
    billing_model = fields.Selection(
        BILLING_MODELS,
        required=True,
        default="instalments",
        tracking=True,
    )
    duration_months = fields.Integer(string="Duration (months)", default=6)
    amount_total = fields.Monetary(string="Total Price", tracking=True)
    deposit_percent = fields.Float(string="Deposit (%)", digits=(5, 2))
    instalment_count = fields.Integer(string="Number of Instalments", default=6)
    billing_cycle = fields.Selection(BILLING_CYCLES, required=True, default="monthly")
    recurring_amount = fields.Monetary(string="Amount per Period")
    commitment_months = fields.Integer(string="Minimum Commitment (months)")
    notice_days = fields.Integer(string="Notice (days)", default=30)
    extras_policy = fields.Selection(
        EXTRAS_POLICIES,
        string="Extras Invoicing",
        required=True,
        default="next_invoice",
    )
    invoice_mode = fields.Selection(
        INVOICE_MODES,
        string="Generated Invoices",
        required=True,
        default="auto_post",
    )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("deposit_percent")
    def _check_deposit_percent(self):
        for offer in self:
            if not 0 <= offer.deposit_percent < 100:
                raise ValidationError(
                    self.env._(
                        "Offer “%(name)s”: the deposit must be between 0 and 100%%.",
                        name=offer.name,
                    )
                )
