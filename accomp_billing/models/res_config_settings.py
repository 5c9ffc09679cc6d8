from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    accomp_payment_term_id = fields.Many2one(
        related="company_id.accomp_payment_term_id", readonly=False
    )
    accomp_retry_days = fields.Char(
        related="company_id.accomp_retry_days", readonly=False
    )
    accomp_late_fees = fields.Boolean(
        related="company_id.accomp_late_fees", readonly=False
    )
    accomp_ecb_rate = fields.Float(related="company_id.accomp_ecb_rate", readonly=False)
    accomp_late_rate_margin = fields.Float(
        related="company_id.accomp_late_rate_margin", readonly=False
    )
    accomp_vat_franchise = fields.Boolean(
        related="company_id.accomp_vat_franchise", readonly=False
    )
    accomp_early_payment_discount = fields.Char(
        related="company_id.accomp_early_payment_discount", readonly=False
    )
    accomp_recovery_indemnity = fields.Monetary(
        related="company_id.accomp_recovery_indemnity",
        readonly=False,
        currency_field="currency_id",
    )
    accomp_legal_form = fields.Char(
        related="company_id.accomp_legal_form", readonly=False
    )
    accomp_share_capital = fields.Monetary(
        related="company_id.accomp_share_capital",
        readonly=False,
        currency_field="currency_id",
    )
    accomp_trade_register = fields.Char(
        related="company_id.accomp_trade_register", readonly=False
    )
    accomp_facturx_default = fields.Boolean(
        related="company_id.accomp_facturx_default", readonly=False
    )
    accomp_deferred_account_id = fields.Many2one(
        related="company_id.accomp_deferred_account_id", readonly=False
    )
    accomp_accrued_account_id = fields.Many2one(
        related="company_id.accomp_accrued_account_id", readonly=False
    )
    accomp_mediator_name = fields.Char(
        related="company_id.accomp_mediator_name", readonly=False
    )
    accomp_mediator_url = fields.Char(
        related="company_id.accomp_mediator_url", readonly=False
    )
