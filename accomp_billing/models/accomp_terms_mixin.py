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
TERMINATION_FEE_TYPES = [
    ("none", "No fee"),
    ("percent", "Share of the remaining commitment"),
    ("fixed", "Fixed amount"),
]
INVOICE_MODES = [
    ("review", "Draft for review"),
    ("auto_post", "Post automatically"),
    ("auto_send", "Post and send automatically"),
]

# Billing terms an engagement copies from its offer when it is sold.
TERM_FIELDS = (
    "billing_model",
    "billing_cycle",
    "duration_months",
    "deposit_percent",
    "instalment_count",
    "recurring_amount",
    "commitment_months",
    "notice_days",
    "extras_policy",
    "invoice_mode",
    "product_id",
    "start_on_deposit_paid",
    "termination_fee_type",
    "termination_fee_percent",
    "termination_fee_amount",
    "extras_approval",
    "milestone_signoff",
    "signoff_days",
    "usage_max_qty",
    "extras_review_amount",
)
CHECKED_TERMS = (
    "billing_model",
    "deposit_percent",
    "instalment_count",
    "recurring_amount",
    "commitment_months",
    "duration_months",
    "notice_days",
    "termination_fee_percent",
    "termination_fee_amount",
    "usage_max_qty",
    "extras_review_amount",
)


class AccompTermsMixin(models.AbstractModel):
    """Billing terms shared by offers (the template) and engagements (the copy
    frozen when the programme is sold), with their validation."""

    _name = "accomp.terms.mixin"
    _description = "Programme Billing Terms"
    _price_field = "amount_total"  # the field holding the programme's price

    company_id = fields.Many2one("res.company")
    currency_id = fields.Many2one("res.currency")
    product_id = fields.Many2one(
        "product.product",
        string="Invoiced Product",
        domain=[("type", "=", "service")],
        check_company=True,
        help="Service product used on the invoice lines (income account, taxes). "
        "The generic “Programme” service when empty.",
    )
    billing_model = fields.Selection(
        BILLING_MODELS, required=True, default="instalments", tracking=True
    )
    billing_cycle = fields.Selection(BILLING_CYCLES, required=True, default="monthly")
    duration_months = fields.Integer(string="Duration (months)", default=6)
    deposit_percent = fields.Float(
        string="Deposit (%)",
        digits=(5, 2),
        help="Share of the price invoiced at the start, before the instalments or "
        "milestones.",
    )
    instalment_count = fields.Integer(string="Number of Instalments", default=6)
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
        default="auto_send",
        help="Draft for review: an accountant reviews, posts and sends them.\n"
        "Post automatically: posted as soon as generated, sent by a person.\n"
        "Post and send automatically: posted and sent to the client (PDF and its "
        "electronic invoice, Factur-X for French clients) by Odoo's sending.",
    )

    extras_approval = fields.Boolean(
        string="Client approves extras",
        help="Usage beyond what is included waits for the client's approval in the "
        "portal; only approved extras are billed.",
    )
    milestone_signoff = fields.Boolean(
        string="Client signs off milestones",
        help="A phase marked done waits for the client's sign-off in the portal (or "
        "is accepted automatically after the delay) before it is invoiced.",
    )
    signoff_days = fields.Integer(
        string="Automatic acceptance (days)",
        default=7,
        help="A phase not signed off is accepted this many days after it was done.",
    )
    usage_max_qty = fields.Float(
        string="Most per session entry",
        digits="Product Unit",
        default=100,
        help="The largest quantity a coach may log in one entry: a typing slip "
        "(1 000 000 sessions) is refused instead of billed.",
    )
    extras_review_amount = fields.Monetary(
        string="Review extras above",
        default=1000,
        help="An invoice whose extras exceed this untaxed amount is left as a "
        "draft for review (and the billing managers told) instead of being "
        "posted and sent. 0: no review.",
    )
    start_on_deposit_paid = fields.Boolean(
        string="Start when the deposit is paid",
        help="The programme waits for its deposit: nothing else is invoiced before.",
    )
    termination_fee_type = fields.Selection(
        TERMINATION_FEE_TYPES,
        string="Early Termination Fee",
        required=True,
        default="none",
    )
    termination_fee_percent = fields.Float(
        string="Fee (% of the remaining commitment)", digits=(5, 2)
    )
    termination_fee_amount = fields.Monetary(string="Fixed Fee")

    @api.constrains(lambda self: (self._price_field, *CHECKED_TERMS))
    def _check_terms(self):
        for record in self:
            if (
                record.billing_model != "subscription"
                and record[self._price_field] <= 0
            ):
                raise ValidationError(
                    self.env._(
                        "%(name)s: the price of the programme must be positive.",
                        name=record.display_name,
                    )
                )
            if not 0 <= record.deposit_percent < 100:
                raise ValidationError(
                    self.env._(
                        "%(name)s: the deposit must be at least 0%% and less than 100%%"
                        " (it is %(percent)s%%).",
                        name=record.display_name,
                        percent=record.deposit_percent,
                    )
                )
            if record.billing_model == "instalments" and record.instalment_count < 1:
                raise ValidationError(
                    self.env._(
                        "%(name)s: a schedule needs at least one instalment.",
                        name=record.display_name,
                    )
                )
            if record.billing_model == "subscription" and record.recurring_amount <= 0:
                raise ValidationError(
                    self.env._(
                        "%(name)s: the amount per period of a subscription must be "
                        "positive.",
                        name=record.display_name,
                    )
                )
            if record.billing_model != "subscription" and not (
                1 <= record.duration_months <= 120
            ):
                raise ValidationError(
                    self.env._(
                        "%(name)s: a programme lasts from 1 to 120 months (not "
                        "%(months)s).",
                        name=record.display_name,
                        months=record.duration_months,
                    )
                )
            if record.usage_max_qty <= 0 or record.extras_review_amount < 0:
                raise ValidationError(
                    self.env._(
                        "%(name)s: the most a coach may log per entry must be "
                        "positive, and the extras review amount cannot be "
                        "negative.",
                        name=record.display_name,
                    )
                )
            if record.commitment_months > 120:
                raise ValidationError(
                    self.env._(
                        "%(name)s: a commitment lasts at most 120 months.",
                        name=record.display_name,
                    )
                )
            if (
                min(
                    record.commitment_months,
                    record.duration_months,
                    record.notice_days,
                    record.termination_fee_amount,
                )
                < 0
                or not 0 <= record.termination_fee_percent <= 100
            ):
                raise ValidationError(
                    self.env._(
                        "%(name)s: durations, commitment, notice and termination fee "
                        "cannot be negative (the fee is at most 100%%).",
                        name=record.display_name,
                    )
                )
