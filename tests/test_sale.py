"""accomp_billing_sale: programmes sold from quotations."""

from datetime import date, datetime

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import freeze_time, new_test_user

from .common import AccompCase


@freeze_time("2026-03-02 09:00:00")
class TestSellFromQuotation(AccompCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.offer = cls.make_offer(
            name="Programme Cap",
            amount_total=3000,
            instalment_count=5,
            deposit_percent=30,
        )
        cls.offer_product = cls.env["product.product"].create(
            {
                "name": "Programme Cap — 6 mois",
                "type": "service",
                "list_price": 3000,
                "taxes_id": [Command.set(cls.vat20.ids)],
                "accomp_offer_id": cls.offer.id,
            }
        )
        # a salesperson who is a coach, not a billing manager: confirming the
        # order is what starts the programme
        cls.salesperson = new_test_user(
            cls.env,
            login="seller_sam",
            groups="sales_team.group_sale_salesman,accomp_billing.group_accomp_coach",
        )

    def make_order(self, quantity=1, price=3000, **vals):
        return (
            self.env["sale.order"]
            .with_user(self.salesperson)
            .create(
                {
                    "partner_id": self.client.id,
                    "user_id": self.salesperson.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.offer_product.id,
                                "product_uom_qty": quantity,
                                "price_unit": price,
                            }
                        )
                    ],
                    **vals,
                }
            )
        )

    def test_quotation_shows_the_schedule_then_confirmation_starts_it(self):
        order = self.make_order(commitment_date=datetime(2026, 4, 1, 9, 0))
        line = order.order_line
        self.assertEqual(
            line.accomp_schedule_summary,
            "deposit 30 % ($\xa0900.00 excl. VAT), then 5 × $\xa0420.00 excl. VAT "
            "(monthly from 05/01/2026)",
        )
        # in the client's language, with French formats
        self.assertEqual(
            line.with_context(lang="fr_FR")._accomp_schedule_summary(),
            "acompte 30 % ($\xa0900,00 HT), puis 5 × $\xa0420,00 HT "
            "(mensuel à partir du 01/05/2026)",
        )
        self.assertFalse(order.accomp_engagement_ids)
        order.action_confirm()
        engagement = order.accomp_engagement_ids
        self.assertRecordValues(
            engagement,
            [
                {
                    "partner_id": self.client.id,
                    "offer_id": self.offer.id,
                    "user_id": self.salesperson.id,
                    "date_start": date(2026, 4, 1),
                    "price_total": 3000,
                    "product_id": self.offer_product.id,
                    "sale_line_id": line.id,
                    "state": "active",
                }
            ],
        )
        self.assertEqual(len(engagement.schedule_line_ids), 6)
        self.assertEqual(order.accomp_engagement_count, 1)
        self.assertEqual(
            order.action_view_accomp_engagements()["res_id"], engagement.id
        )

        # the programme invoices the deposit: on the order, billing its line
        invoice = self.invoice_due(date(2026, 4, 1))
        self.assertEqual(invoice.amount_untaxed, 900)
        self.assertEqual(invoice.amount_total, 1080)
        self.assertEqual(invoice.invoice_line_ids.sale_line_ids, line)
        self.assertEqual(order.invoice_ids, invoice)
        self.assertIn(order.name, invoice.invoice_origin)
        # and the order never bills it a second time
        self.assertEqual(line.qty_to_invoice, 0)
        self.assertEqual(order.invoice_status, "no")
        with self.assertRaisesRegex(UserError, "No items are available to invoice"):
            order._create_invoices()
        self.assertEqual(order.invoice_ids, invoice)

    def test_start_is_the_confirmation_day_without_delivery_date(self):
        order = self.make_order()
        order.action_confirm()
        self.assertEqual(order.accomp_engagement_ids.date_start, date(2026, 3, 2))
        # the salesperson is the coach
        self.assertEqual(order.accomp_engagement_ids.user_id, self.salesperson)

    def test_confirmed_twice_starts_one_programme(self):
        order = self.make_order()
        order.action_confirm()
        engagement = order.accomp_engagement_ids
        order._action_confirm()
        self.assertEqual(order.accomp_engagement_ids, engagement)
        self.assertEqual(
            self.env["accomp.engagement"].search_count(
                [("sale_line_id", "=", order.order_line.id)]
            ),
            1,
        )

    def test_quantity_two_is_one_programme_at_twice_the_price(self):
        order = self.make_order(quantity=2, price=1500)
        order.action_confirm()
        engagement = order.accomp_engagement_ids
        self.assertEqual(len(engagement), 1)
        self.assertEqual(engagement.price_total, 3000)
        # 900 € HT deposit + 5 × 420 € HT, + 20 % VAT
        self.assertEqual(engagement.amount_total, 3600)

    def test_cancel_cancels_the_programme_not_yet_invoiced(self):
        order = self.make_order(commitment_date=datetime(2026, 5, 1, 9, 0))
        order.action_confirm()
        engagement = order.accomp_engagement_ids
        order._action_cancel()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(engagement.state, "cancelled")
        # back to quotation and confirmed again: a new programme
        order.action_draft()
        order.action_confirm()
        self.assertEqual(len(order.accomp_engagement_ids), 2)
        self.assertEqual((order.accomp_engagement_ids - engagement).state, "active")

    def test_cancel_refused_once_invoiced(self):
        order = self.make_order()
        order.action_confirm()
        engagement = order.accomp_engagement_ids
        self.invoice_due(date(2026, 3, 2))
        self.assertTrue(engagement.invoice_ids)
        with self.assertRaisesRegex(UserError, "already invoiced"):
            order._action_cancel()
        self.assertEqual(order.state, "sale")
        self.assertEqual(engagement.state, "active")

    def test_quotation_pdf_shows_the_schedule(self):
        order = self.make_order()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("sale.action_report_saleorder", order.ids)[0]
            .decode()
        )
        self.assertIn("o_accomp_schedule_summary", html)
        self.assertIn("5 ×", html)
