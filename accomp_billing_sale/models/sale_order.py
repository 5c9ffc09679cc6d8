from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command

from odoo.addons.accomp_billing.models.changes import changed_fields

# What a programme copied from its order when it started: changing it on the
# order would bill the client something else than the programme does.
LOCKED_ORDER_FIELDS = (
    "partner_id",
    "partner_invoice_id",
    "currency_id",
    "fiscal_position_id",
    "company_id",
    "commitment_date",
)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    accomp_engagement_ids = fields.One2many(
        "accomp.engagement", "sale_order_id", string="Programmes", readonly=True
    )
    accomp_amendment_ids = fields.One2many(
        "accomp.amendment", "sale_order_id", string="Amendments", readonly=True
    )
    accomp_engagement_count = fields.Integer(
        string="Programme count",
        compute="_compute_accomp_engagement_count",
        compute_sudo=True,  # a salesperson sells programmes they cannot read
    )

    @api.depends("accomp_engagement_ids", "accomp_amendment_ids")
    def _compute_accomp_engagement_count(self):
        for order in self:
            # the programmes it started and the ones it amended
            order.accomp_engagement_count = len(
                order.accomp_engagement_ids | order.accomp_amendment_ids.engagement_id
            )

    @api.depends("company_id", "order_line.product_id")
    def _compute_require_payment(self):
        """A programme is paid on its own schedule (deposit, instalments,
        debits): its quotation is signed, never prepaid online, or the client
        would pay twice."""
        result = super()._compute_require_payment()
        for order in self:
            if order._accomp_sells_programme():
                order.require_payment = False
        return result

    def _accomp_sells_programme(self):
        self.ensure_one()
        return bool(
            self.order_line.sudo().filtered(
                lambda line: line.accomp_offer_id or line.accomp_amend_engagement_id
            )
        )

    def _accomp_live_engagements(self):
        """The programmes these orders started and that still run or ran
        (superuser: a salesperson sells programmes without reading them)."""
        return self.sudo().accomp_engagement_ids.filtered(
            lambda e: e.state != "cancelled"
        )

    def write(self, vals):
        locked = [fname for fname in LOCKED_ORDER_FIELDS if fname in vals]
        if locked:
            for order in self:
                changed = changed_fields(order, vals, locked)
                engagements = order._accomp_live_engagements()
                if changed and engagements:
                    raise UserError(
                        self.env._(
                            "%(order)s started %(programmes)s: its %(fields)s can "
                            "no longer change, the programme bills what was "
                            "signed. Cancel the order while nothing is invoiced, "
                            "or change the programme itself.",
                            order=order.name,
                            programmes=", ".join(engagements.mapped("name")),
                            fields=", ".join(
                                self._fields[fname]._description_string(self.env)
                                for fname in changed
                            ),
                        )
                    )
        return super().write(vals)

    def _action_confirm(self):
        result = super()._action_confirm()
        self.order_line._accomp_create_engagements()
        return result

    def _generate_downpayment_invoices(self):
        self._accomp_check_no_down_payment()
        return super()._generate_downpayment_invoices()

    def _accomp_check_no_down_payment(self):
        """A programme's deposit is its own billing event (the offer's deposit
        %), invoiced by its schedule: a down payment from the order would bill
        it a second time."""
        selling = self.filtered(lambda order: order._accomp_sells_programme())
        if selling:
            raise UserError(
                self.env._(
                    "%(orders)s sells a programme: no down payment can be invoiced "
                    "from the order. The programme invoices its own deposit (the "
                    "offer's deposit %%, in the programme's schedule) and every "
                    "instalment.",
                    orders=", ".join(selling.mapped("name")),
                )
            )

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
        engagements = (
            self.accomp_engagement_ids | self.accomp_amendment_ids.engagement_id
        )
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
