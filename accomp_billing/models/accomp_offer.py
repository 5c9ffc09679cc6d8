from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare


class AccompOffer(models.Model):
    _name = "accomp.offer"
    _description = "Programme Offer"
    _inherit = ["mail.thread", "accomp.terms.mixin"]
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
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="Currency of the offer's prices; programmes are invoiced in it.",
    )
    amount_total = fields.Monetary(string="Total Price", tracking=True)
    product_id = fields.Many2one(
        default=lambda self: self.env.ref(
            "accomp_billing.product_programme", raise_if_not_found=False
        )
    )
    milestone_template_ids = fields.One2many(
        "accomp.offer.milestone", "offer_id", string="Milestones", copy=True
    )
    allowance_ids = fields.One2many(
        "accomp.offer.allowance", "offer_id", string="Included sessions", copy=True
    )
    engagement_count = fields.Integer(
        string="Programme Count", compute="_compute_engagement_count"
    )
    price_untaxed = fields.Monetary(
        string="Price excl. VAT",
        compute="_compute_price_taxes",
        help="The price (per period for a subscription) without VAT, from the "
        "invoiced product's taxes.",
    )
    price_included = fields.Monetary(
        string="Price incl. VAT",
        compute="_compute_price_taxes",
        help="The price (per period for a subscription) with VAT, from the "
        "invoiced product's taxes.",
    )

    goods_tax_warning = fields.Char(
        compute="_compute_goods_tax_warning",
        help="The invoiced product carries a goods tax: the invoices would say "
        "that goods are delivered.",
    )

    # ------------------------------------------------------------------
    # Compute
    # ------------------------------------------------------------------
    def _creation_message(self):
        return self.env._("Offer created")

    @api.depends("product_id", "company_id")
    def _compute_goods_tax_warning(self):
        default_product = self.env.ref(
            "accomp_billing.product_programme", raise_if_not_found=False
        )
        for offer in self:
            company = offer.company_id or self.env.company
            product = offer.product_id or default_product
            goods = self.env["account.tax"]._accomp_goods_taxes(product, company)
            offer.goods_tax_warning = (
                self.env._(
                    "%(product)s carries a goods tax (%(taxes)s): French invoices "
                    "would say “Goods Delivery” next to “provision of services”. "
                    "A programme is a service: give the product the company's "
                    "services tax.",
                    product=product.display_name,
                    taxes=", ".join(goods.mapped("name")),
                )
                if goods
                else False
            )

    def _compute_engagement_count(self):
        counts = dict(
            self.env["accomp.engagement"]._read_group(
                [("offer_id", "in", self.ids)], ["offer_id"], ["__count"]
            )
        )
        for offer in self:
            offer.engagement_count = counts.get(offer, 0)

    @api.depends(
        "amount_total", "recurring_amount", "billing_model", "product_id", "currency_id"
    )
    def _compute_price_taxes(self):
        default_product = self.env.ref(
            "accomp_billing.product_programme", raise_if_not_found=False
        )
        for offer in self:
            price = (
                offer.recurring_amount
                if offer.billing_model == "subscription"
                else offer.amount_total
            )
            company = offer.company_id or self.env.company
            offer.price_untaxed, offer.price_included = self.env[
                "account.tax"
            ]._accomp_price_amounts(
                price,
                1.0,
                offer.product_id or default_product,
                company,
                offer.currency_id or company.currency_id,
            )

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("currency_id")
    def _check_currency_active(self):
        for offer in self:
            if offer.currency_id and not offer.currency_id.active:
                raise ValidationError(
                    self.env._(
                        "%(name)s: the currency %(currency)s is not active; activate "
                        "it in the accounting settings or price the offer in another "
                        "currency.",
                        name=offer.display_name,
                        currency=offer.currency_id.name,
                    )
                )

    @api.constrains("billing_model", "milestone_template_ids")
    def _check_milestone_percents(self):
        for offer in self.filtered(lambda o: o.billing_model == "milestones"):
            offer._check_percents_sum(offer.milestone_template_ids.mapped("percent"))

    def _check_offer_shares_from(self, context):
        """Check the shares after a milestone template was written on its own;
        within the offer's own write, the offer's constraint does it once all
        the lines are written."""
        if not context.get("accomp_offer_write"):
            self._check_milestone_percents()

    def write(self, vals):
        return super(AccompOffer, self.with_context(accomp_offer_write=True)).write(
            vals
        )

    @api.model_create_multi
    def create(self, vals_list):
        offers = super(AccompOffer, self.with_context(accomp_offer_write=True)).create(
            vals_list
        )
        return offers.with_env(self.env)

    def _check_percents_sum(self, percents):
        if float_compare(sum(percents), 100.0, precision_digits=2):
            raise ValidationError(
                self.env._(
                    "%(name)s: the milestones' shares add up to %(total)s%%, not "
                    "100%%.",
                    name=self.display_name,
                    total=round(sum(percents), 2),
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_engagements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "accomp_billing.accomp_engagement_action"
        )
        action["domain"] = [("offer_id", "=", self.id)]
        action["context"] = {"default_offer_id": self.id}
        return action
