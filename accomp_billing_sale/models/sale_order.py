from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command


class SaleOrder(models.Model):
    _inherit = "sale.order"

    accomp_engagement_ids = fields.One2many(
        "accomp.engagement", "sale_order_id", string="Programmes", readonly=True
    )
    accomp_engagement_count = fields.Integer(
        string="Programme count", compute="_compute_accomp_engagement_count"
    )

    @api.depends("accomp_engagement_ids")
    def _compute_accomp_engagement_count(self):
        for order in self:
            order.accomp_engagement_count = len(order.accomp_engagement_ids)

    def _action_confirm(self):
        result = super()._action_confirm()
        self.order_line._accomp_create_engagements()
        return result

    def _action_cancel(self):
        engagements = self.sudo().accomp_engagement_ids.filtered(
            lambda e: e.state != "cancelled"
        )
        invoiced = engagements.filtered(
            lambda e: e.invoice_ids.filtered(lambda m: m.state != "cancel")
        )
        if invoiced:
            raise UserError(
                self.env._(
                    "%(programmes)s already invoiced: cancel or credit their "
                    "invoices, or terminate the programmes, before cancelling the "
                    "order.",
                    programmes=", ".join(invoiced.mapped("display_name")),
                )
            )
        engagements.action_cancel()
        return super()._action_cancel()

    def action_view_accomp_engagements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "accomp_billing.accomp_engagement_action"
        )
        engagements = self.accomp_engagement_ids
        if len(engagements) == 1:
            action["views"] = [(False, "form")]
            action["res_id"] = engagements.id
        else:
            action["domain"] = [("id", "in", engagements.ids)]
        action["context"] = {"create": False}
        return action

    @api.model
    def _accomp_demo_sales(self):
        """The demo firm's quotations (demo data only): the "Programme Cap"
        offer sold as a product, one quotation waiting for the client's
        signature, one order confirmed whose programme runs."""
        company = self.env.ref(
            "accomp_billing.res_company_envol_demo", raise_if_not_found=False
        )
        offer = self.env.ref(
            "accomp_billing.accomp_offer_cap_demo", raise_if_not_found=False
        )
        if not company or not offer:
            return False
        self = self.with_company(company).with_context(
            allowed_company_ids=company.ids, lang="fr_FR"
        )
        vat = (
            self.env["account.chart.template"]
            .with_company(company)
            .ref("tva_normale_encaissement", raise_if_not_found=False)
        )
        product = self.env["product.product"].create(
            {
                "name": "Programme Cap — 6 mois",
                "type": "service",
                "invoice_policy": "order",
                "list_price": offer.amount_total,
                "company_id": company.id,
                "taxes_id": [Command.set(vat.ids if vat else [])],
                "accomp_offer_id": offer.id,
            }
        )
        admin = self.env.ref("base.user_admin")
        today = company._accomp_today()
        orders = self.create(
            [
                {
                    "partner_id": self.env.ref(
                        f"accomp_billing.res_partner_{partner}_demo"
                    ).id,
                    "company_id": company.id,
                    "user_id": admin.id,
                    "commitment_date": today + relativedelta(days=days),
                    "order_line": [Command.create({"product_id": product.id})],
                }
                for partner, days in (("claire_martin", 10), ("sophie_bernard", 3))
            ]
        )
        orders[1].action_confirm()
        return True
