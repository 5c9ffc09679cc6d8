"""accomp_billing_sale: programmes sold from quotations."""

from datetime import date, datetime

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import freeze_time, new_test_user

from odoo.addons.accomp_billing.tests.common import AccompCase


class SaleCase(AccompCase):
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

    def billed(self, order):
        """(untaxed, incl. VAT) of every posted document of the order."""
        invoices = (
            order.invoice_ids | order.accomp_engagement_ids.invoice_ids
        ).filtered(lambda m: m.state == "posted")
        sign = {"out_invoice": 1, "out_refund": -1}
        return (
            sum(sign[m.move_type] * m.amount_untaxed for m in invoices),
            sum(sign[m.move_type] * m.amount_total for m in invoices),
        )

    def assertBilledAsSigned(self, order):
        """Once the programmes have billed everything, the client was billed
        exactly the signed order, HT and TTC."""
        self.invoice_due(date(2027, 12, 31))
        self.assertEqual(self.billed(order), (order.amount_untaxed, order.amount_total))

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


@freeze_time("2026-03-02 09:00:00")
class TestSellFromQuotation(SaleCase):
    def test_quotation_shows_the_schedule_then_confirmation_starts_it(self):
        order = self.make_order(commitment_date=datetime(2026, 4, 1, 9, 0))
        line = order.order_line
        self.assertEqual(
            line.accomp_schedule_summary,
            "deposit 30 % ($\xa01,080.00 incl. VAT), then 5 × $\xa0504.00 incl. VAT "
            "(monthly from 05/01/2026)",
        )
        # in the client's language, with French formats
        self.assertEqual(
            line.with_context(lang="fr_FR")._accomp_schedule_summary(),
            "acompte 30 % ($\xa01\xa0080,00 TTC), puis 5 × $\xa0504,00 TTC "
            "(mensuel à partir du 01/05/2026)",
        )
        # a business reads prices excl. VAT, the amount incl. VAT beside
        business = self.env["res.partner"].create(
            {"name": "Atelier Dupont SARL", "is_company": True}
        )
        quote = self.make_order(partner_id=business.id)
        self.assertEqual(
            quote.order_line.accomp_schedule_summary,
            "deposit 30 % ($\xa0900.00 excl. VAT / $\xa01,080.00 incl. VAT), then "
            "5 × $\xa0420.00 excl. VAT / $\xa0504.00 incl. VAT (monthly from "
            "04/02/2026)",
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
        self.assertBilledAsSigned(order)
        self.assertEqual(self.billed(order), (3000, 3600))

    def test_start_is_the_confirmation_day_without_delivery_date(self):
        order = self.make_order()
        order.action_confirm()
        self.assertEqual(order.accomp_engagement_ids.date_start, date(2026, 3, 2))
        # the salesperson is the coach
        self.assertEqual(order.accomp_engagement_ids.user_id, self.salesperson)
        self.assertBilledAsSigned(order)

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
        self.assertBilledAsSigned(order)

    def test_quantity_two_is_one_programme_at_twice_the_price(self):
        order = self.make_order(quantity=2, price=1500)
        order.action_confirm()
        engagement = order.accomp_engagement_ids
        self.assertEqual(len(engagement), 1)
        self.assertEqual(engagement.price_total, 3000)
        # 900 € HT deposit + 5 × 420 € HT, + 20 % VAT
        self.assertEqual(engagement.amount_total, 3600)
        self.assertBilledAsSigned(order)

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

    def test_a_consumer_reads_the_withdrawal_terms_and_the_mediator(self):
        self.company.accomp_mediator_name = "CM2C"

        def quotation(order):
            return (
                self.env["ir.actions.report"]
                ._render_qweb_html("sale.action_report_saleorder", order.ids)[0]
                .decode()
            )

        html = quotation(self.make_order())
        self.assertIn("Right of withdrawal", html)
        self.assertIn("consumer mediator: CM2C", html)
        business = self.env["res.partner"].create(
            {"name": "Atelier Dupont SARL", "is_company": True, "vat": "FR35562153452"}
        )
        self.assertNotIn(
            "Right of withdrawal", quotation(self.make_order(partner_id=business.id))
        )
        # the programme the consumer's order starts is concluded when it was
        order = self.make_order()
        order.action_confirm()
        engagement = order.sudo().accomp_engagement_ids
        self.assertTrue(engagement.is_consumer)
        self.assertEqual(engagement.date_concluded, date(2026, 3, 2))
        self.assertEqual(engagement.withdrawal_deadline, date(2026, 3, 16))


@freeze_time("2026-03-02 09:00:00")
class TestSaleBridgeAttacks(SaleCase):
    """The client is billed what the order says, once: no down payment beside
    the programme's schedule, no edit of what the programme copied, a
    salesperson sells without programme rights."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller_only = new_test_user(
            cls.env, login="seller_only", groups="sales_team.group_sale_salesman"
        )

    def confirmed(self, **vals):
        order = self.make_order(**vals)
        order.action_confirm()
        return order

    def down_payment(self, order, **vals):
        return (
            self.env["sale.advance.payment.inv"]
            .with_user(self.salesperson)
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"sale_order_ids": [Command.set(order.ids)], **vals})
        )

    def test_a_down_payment_is_refused_the_deposit_is_the_programme_s(self):
        order = self.confirmed()
        for vals in (
            {"advance_payment_method": "percentage", "amount": 50},
            {"advance_payment_method": "fixed", "fixed_amount": 1000},
        ):
            with self.assertRaisesRegex(UserError, "offer's deposit %"):
                self.down_payment(order, **vals).create_invoices()
        self.assertFalse(order.invoice_ids)
        self.assertFalse(order.order_line.filtered("is_downpayment"))
        # the regular invoice has nothing to bill either
        with self.assertRaisesRegex(UserError, "No items are available to invoice"):
            self.down_payment(
                order, advance_payment_method="delivered"
            ).create_invoices()
        # the whole programme billed, exactly the order's 3 000 € HT / 3 600 € TTC
        self.assertBilledAsSigned(order)
        self.assertEqual(self.billed(order), (3000, 3600))

    def test_an_order_selling_a_programme_is_not_prepaid_online(self):
        self.company.portal_confirmation_pay = True
        order = self.make_order()
        self.assertFalse(order.require_payment)
        self.assertFalse(order._has_to_be_paid())
        with self.assertRaisesRegex(UserError, "no down payment"):
            order._generate_downpayment_invoices()

    def test_what_the_programme_copied_is_locked_on_the_order(self):
        order = self.confirmed()
        line = order.order_line
        engagement = order.accomp_engagement_ids
        other = self.env["res.partner"].create({"name": "Bob Durand"})
        for vals in (
            {"price_unit": 6000},
            {"product_uom_qty": 100},
            {"discount": 50},
            {"product_id": self.product.id},
            {"tax_ids": [Command.clear()]},
        ):
            with self.assertRaisesRegex(UserError, "can no longer change on the order"):
                line.with_user(self.salesperson).write(vals)
        with self.assertRaisesRegex(UserError, "can no longer change"):
            order.with_user(self.salesperson).write({"partner_id": other.id})
        with self.assertRaisesRegex(UserError, "can no longer change"):
            order.write({"commitment_date": datetime(2026, 9, 1, 9, 0)})
        # through the order form too
        with self.assertRaisesRegex(UserError, "can no longer change on the order"):
            order.write({"order_line": [Command.update(line.id, {"price_unit": 1500})]})
        # rewriting the same values is harmless (Odoo's forms send them back)
        line.write({"price_unit": 3000, "product_uom_qty": 1})
        self.assertEqual((line.price_unit, order.amount_untaxed), (3000, 3000))
        self.assertEqual(engagement.price_total, 3000)
        self.assertEqual(engagement.amount_total, 3600)
        self.assertBilledAsSigned(order)

    def test_a_programme_line_added_after_confirmation_starts_its_programme(self):
        order = self.confirmed()
        first = order.accomp_engagement_ids
        order.write(
            {
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.offer_product.id,
                            "price_unit": 1500,
                        }
                    )
                ]
            }
        )
        added = order.order_line - first.sale_line_id
        second = order.accomp_engagement_ids - first
        self.assertEqual(second.sale_line_id, added)
        self.assertEqual(second.state, "active")
        self.assertEqual(second.price_total, 1500)
        self.assertEqual(added.qty_to_invoice, 0)
        # the order never invoices it: both programmes bill 3 000 + 1 500 HT
        with self.assertRaisesRegex(UserError, "No items are available to invoice"):
            order._create_invoices()
        self.assertBilledAsSigned(order)
        self.assertEqual(self.billed(order), (4500, 5400))

    def test_a_salesperson_without_programme_rights_sells(self):
        seller = self.seller_only
        with self.assertRaises(AccessError):
            self.offer.with_user(seller).read(["billing_model"])
        order = (
            self.env["sale.order"]
            .with_user(seller)
            .create(
                {
                    "partner_id": self.client.id,
                    "order_line": [
                        Command.create({"product_id": self.offer_product.id})
                    ],
                }
            )
        )
        # the quotation shows the schedule the client signs for
        order.invalidate_recordset()
        self.assertEqual(
            order.order_line.accomp_schedule_summary,
            "deposit 30 % ($\xa01,080.00 incl. VAT), then 5 × $\xa0504.00 incl. VAT "
            "(monthly from 04/02/2026)",
        )
        # what the order's form reads (the web client's own call)
        arch = (
            self.env["sale.order"]
            .with_user(seller)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn("accomp_schedule_summary", arch)
        self.assertNotIn("action_view_accomp_engagements", arch)  # no rights
        order.web_read(
            {
                "accomp_engagement_count": {},
                "order_line": {
                    "fields": {
                        "accomp_offer_id": {"fields": {"display_name": {}}},
                        "accomp_schedule_summary": {},
                        "product_id": {"fields": {"display_name": {}}},
                    }
                },
            }
        )
        order.order_line.read(["accomp_schedule_summary", "accomp_engagement_ids"])
        order.action_confirm()
        engagement = order.sudo().accomp_engagement_ids
        self.assertEqual(engagement.state, "active")
        self.assertEqual(engagement.amount_total, 3600)
        self.assertEqual(order.accomp_engagement_count, 1)
        # selling gave them no programme rights
        with self.assertRaises(AccessError):
            engagement.with_user(seller).write({"price_total": 1})
        with self.assertRaises(AccessError):
            engagement.with_user(seller).action_invoice_now()

    def test_an_absurd_delivery_date_is_refused_clearly(self):
        order = self.make_order(commitment_date=datetime(9999, 12, 1, 9, 0))
        # the quotation still shows (without a schedule) ...
        self.assertFalse(order.order_line.accomp_schedule_summary)
        # ... and confirming says why
        with self.assertRaisesRegex(UserError, "on or before 12/31/2999"):
            order.action_confirm()
        self.assertFalse(order.sudo().accomp_engagement_ids)


@freeze_time("2026-02-15 09:00:00")
class TestUpsell(SaleCase):
    """A quotation line amends a running programme of the client: confirming
    the order applies the amendment, the programme bills it, the order shows
    it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the billing manager sells the change
        cls.env.user.group_ids += cls.env.ref("sales_team.group_sale_salesman")
        running = cls.make_offer(amount_total=3000, instalment_count=6)
        cls.running = cls.make_engagement(running, date_start=date(2026, 1, 1))
        cls.env["accomp.schedule.line"]._invoice_due_lines(date_ref=date(2026, 2, 1))
        cls.extension = cls.make_offer(
            name="Prolongation 3 mois", amount_total=1500, duration_months=3
        )
        cls.extension_product = cls.env["product.product"].create(
            {
                "name": "Prolongation 3 mois",
                "type": "service",
                "list_price": 1500,
                "taxes_id": [Command.set(cls.vat20.ids)],
                "accomp_offer_id": cls.extension.id,
            }
        )
        cls.session = cls.env["product.product"].create(
            {
                "name": "Séance",
                "type": "service",
                "list_price": 120,
                "taxes_id": [Command.set(cls.vat20.ids)],
            }
        )

    def upsell(self, product, quantity=1, price=None, engagement=None):
        return self.env["sale.order"].create(
            {
                "partner_id": self.client.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "price_unit": price or product.list_price,
                            "accomp_amend_engagement_id": (
                                engagement or self.running
                            ).id,
                        }
                    )
                ],
            }
        )

    def test_an_extension_sold_on_a_quotation_amends_the_programme(self):
        order = self.upsell(self.extension_product)
        self.assertIn(
            f"Amends {self.running.name}: Extension by 3 months",
            order.order_line.accomp_schedule_summary,
        )
        self.assertFalse(order.require_payment)
        order.action_confirm()
        amendment = order.accomp_amendment_ids
        self.assertEqual(amendment.state, "applied")
        self.assertEqual(amendment.accepted_by_id, self.client)
        # no second programme: the running one is amended
        self.assertFalse(order.accomp_engagement_ids)
        self.assertEqual(order.accomp_engagement_count, 1)
        planned = self.running.schedule_line_ids.filtered(
            lambda line: line.state == "planned"
        )
        self.assertEqual(planned.mapped("amount"), [500.0] * 7)
        self.assertEqual(self.running.amount_untaxed, 4500)
        self.assertEqual(self.running.amount_total, 5400)
        # the order does not invoice it: the programme does, on its line
        self.assertEqual(order.order_line.qty_to_invoice, 0)
        self.invoice_due(date(2026, 9, 1))
        new = planned.invoice_id
        self.assertEqual(len(new), 7)
        self.assertEqual(new.invoice_line_ids.sale_line_ids, order.order_line)
        self.assertEqual(order.order_line.qty_invoiced, 1)
        # confirmed twice, amended once
        order.order_line._accomp_create_engagements()
        self.assertEqual(len(self.running.amendment_ids), 1)

    def test_a_session_pack_sold_on_a_quotation(self):
        order = self.upsell(self.session, quantity=5, price=120)
        order.action_confirm()
        amendment = order.accomp_amendment_ids
        self.assertEqual(amendment.kind, "add_allowance")
        self.assertEqual(self.running.included_qty, 5)
        pack = self.running.schedule_line_ids.filtered(
            lambda line: line.kind == "extras"
        )
        self.assertEqual(pack.amount, 600)
        invoice = self.invoice_due(date(2026, 2, 15)).filtered(
            lambda m: m.invoice_line_ids.accomp_schedule_line_id == pack
        )
        self.assertAlmostEqual(invoice.amount_untaxed, 600)
        self.assertAlmostEqual(invoice.amount_total, 720)
        self.assertEqual(invoice.invoice_line_ids.sale_line_ids, order.order_line)

    def test_a_quotation_cannot_amend_another_clients_programme(self):
        other = self.env["res.partner"].create({"name": "Bob Durand"})
        theirs = self.make_engagement(
            self.offer, date_start=date(2026, 1, 1), partner_id=other.id
        )
        order = self.upsell(self.session, quantity=5, engagement=theirs)
        with self.assertRaisesRegex(UserError, "not Claire Martin's programme"):
            order.action_confirm()
        self.assertFalse(theirs.amendment_ids)
        self.assertEqual(theirs.amount_untaxed, 3000)
