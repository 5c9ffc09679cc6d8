"""Figures an accountant can sign: every engagement figure against its invoices,
with 20 % VAT stated excluded or included, a client's fiscal position, full and
partial credit notes, "Bill again" and "Waive"."""

from datetime import date
from unittest.mock import patch

import psycopg2

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import freeze_time
from odoo.tools import mute_logger

from .common import AccompCase


class FiguresCase(AccompCase):
    def assertFiguresMatchInvoices(self, engagement):
        """Total = posted invoices - posted credit notes + events still to
        invoice; paid = money received; left to pay = open residuals + to
        invoice; all incl. VAT."""
        moves = engagement.invoice_ids.filtered(lambda m: m.state == "posted")
        invoices = moves.filtered(lambda m: m.move_type == "out_invoice")
        refunds = moves - invoices
        invoiced = sum(invoices.mapped("amount_total")) - sum(
            refunds.mapped("amount_total")
        )
        to_invoice = sum(
            engagement.schedule_line_ids.filtered(
                lambda x: x.state not in ("cancelled", "credited")
                and x.invoice_id.state != "posted"
            ).mapped("amount_total")
        )
        residual = (
            sum(invoices.mapped("amount_residual"))
            - sum(refunds.mapped("amount_residual"))
            + to_invoice
        )
        self.assertAlmostEqual(engagement.amount_invoiced, invoiced, places=2)
        self.assertAlmostEqual(engagement.amount_total, invoiced + to_invoice, places=2)
        self.assertAlmostEqual(engagement.amount_residual, residual, places=2)
        self.assertAlmostEqual(
            engagement.amount_paid,
            engagement.amount_total - engagement.amount_residual,
            places=2,
        )

    def refund(self, invoice, price_unit=None):
        """Odoo's "Credit note" button; a partial credit note edits its line."""
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Geste"})
        )
        action = reversal.refund_moves()
        credit_note = self.env["account.move"].browse(action["res_id"])
        if price_unit is not None:
            credit_note.invoice_line_ids.price_unit = price_unit
        credit_note.action_post()
        return credit_note


class TestVat(FiguresCase):
    def test_price_excluding_vat_every_figure_matches_the_invoices(self):
        engagement = self.make_engagement(self.make_offer())  # 6 x 500 excl. VAT
        self.assertRecordValues(
            engagement,
            [
                {
                    "amount_untaxed": 3000,
                    "amount_tax": 600,
                    "amount_total": 3600,
                    "amount_invoiced": 0,
                    "amount_paid": 0,
                    "amount_residual": 3600,
                }
            ],
        )
        self.assertEqual(engagement.schedule_line_ids.mapped("amount_total"), [600] * 6)
        first, second, third = self.invoice_due(date(2026, 3, 31)).sorted("id")
        self.assertEqual(first.amount_total, 600)
        self.pay(first)
        self.pay(second, amount=100)
        self.assertRecordValues(
            engagement,
            [
                {
                    "amount_total": 3600,
                    "amount_invoiced": 1800,
                    "amount_paid": 700,
                    "amount_residual": 2900,
                }
            ],
        )
        self.assertFiguresMatchInvoices(engagement)
        self.assertEqual(
            engagement.schedule_line_ids.mapped("state")[:3],
            ["paid", "invoiced", "invoiced"],
        )

    def test_price_including_vat_invoices_sum_exactly_to_the_price(self):
        offer = self.make_offer(instalment_count=7, product_id=self.product_included.id)
        self._check_tax_included(offer)

    def test_company_wide_tax_included_prices(self):
        self.company.account_price_include = "tax_included"
        self.assertTrue(self.vat20.price_include)
        self._check_tax_included(self.make_offer(instalment_count=7))

    def _check_tax_included(self, offer):
        engagement = self.make_engagement(offer)
        # 3000 incl. VAT in 7: six of 428.57, the last absorbs the remainder
        self.assertEqual(
            engagement.schedule_line_ids.mapped("amount"), [428.57] * 6 + [428.58]
        )
        self.assertEqual(engagement.amount_total, 3000)
        self.assertAlmostEqual(engagement.amount_untaxed, 2499.99, places=2)
        invoices = self.invoice_due(date(2026, 7, 31))
        self.assertEqual(len(invoices), 7)
        self.assertAlmostEqual(sum(invoices.mapped("amount_total")), 3000, places=2)
        self.assertEqual(invoices.sorted("id")[-1].amount_total, 428.58)
        self.assertEqual(engagement.amount_invoiced, 3000)  # never a gross-up
        self.assertAlmostEqual(
            engagement.amount_untaxed, sum(invoices.mapped("amount_untaxed")), places=2
        )
        self.pay(invoices[:3])
        self.assertFiguresMatchInvoices(engagement)

    def test_the_clients_fiscal_position_maps_the_tax(self):
        abroad = self.env["account.fiscal.position"].create({"name": "Hors UE"})
        self.env["account.tax"].create(
            {
                "name": "TVA 0 % export",
                "amount": 0,
                "type_tax_use": "sale",
                "fiscal_position_ids": [Command.set(abroad.ids)],
                "original_tax_ids": [Command.set(self.vat20.ids)],
            }
        )
        self.client.property_account_position_id = abroad
        engagement = self.make_engagement(self.make_offer(billing_model="upfront"))
        self.assertEqual(engagement.fiscal_position_id, abroad)
        self.assertEqual(engagement.amount_total, 3000)
        invoice = self.invoice_due(date(2026, 1, 31))
        self.assertEqual(invoice.fiscal_position_id, abroad)
        self.assertEqual((invoice.amount_untaxed, invoice.amount_total), (3000, 3000))
        self.assertFiguresMatchInvoices(engagement)

    def test_the_untaxed_exception_a_product_without_tax(self):
        engagement = self.make_engagement(
            self.make_offer(product_id=self.product_untaxed.id)
        )
        self.assertEqual(
            (engagement.amount_untaxed, engagement.amount_total), (3000, 3000)
        )

    def test_offer_shows_its_price_excluding_and_including_vat(self):
        offer = self.make_offer()
        self.assertEqual((offer.price_untaxed, offer.price_included), (3000, 3600))
        offer.product_id = self.product_included
        self.assertEqual((offer.price_untaxed, offer.price_included), (2500, 3000))


class TestCreditNotes(FiguresCase):
    def setUp(self):
        super().setUp()
        self.engagement = self.make_engagement(
            self.make_offer(amount_total=1000, instalment_count=2),
            date_start=date(2026, 1, 1),
        )
        self.first, self.second = self.invoice_due(date(2026, 2, 1)).sorted("id")
        self.line = self.engagement.schedule_line_ids.sorted("sequence")[0]

    def test_a_full_credit_note_is_neither_invoiced_nor_paid(self):
        credit_note = self.refund(self.first)
        self.assertEqual(self.first.payment_state, "reversed")
        self.assertEqual(self.line.state, "credited")
        self.assertEqual(self.line.amount_credited, 600)
        self.assertRecordValues(
            self.engagement,
            [
                {
                    "amount_invoiced": 600,  # 1200 - 600 credited
                    "amount_paid": 0,  # a credit note is not a payment
                    "amount_total": 600,
                    "amount_residual": 600,
                }
            ],
        )
        self.assertEqual(
            credit_note.invoice_line_ids.accomp_credited_line_id, self.line
        )
        self.assertFiguresMatchInvoices(self.engagement)

    def test_each_credited_line_credits_its_own_event_whatever_the_order(self):
        """The final invoice of a termination bills an instalment and the fee;
        an extension that reorders the credit note's lines (or adds one) must
        not make the instalment's credit land on the fee."""
        engagement = self.make_engagement(
            self.make_offer(termination_fee_type="percent", termination_fee_percent=10)
        )
        with freeze_time("2026-02-28 09:00:00"):
            self.invoice_due(date(2026, 2, 28))
        self.terminate(engagement, date(2026, 3, 10))
        final = engagement.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.invoice_date == date(2026, 3, 10)
        )
        by_kind = {
            line.accomp_schedule_line_id.kind: line for line in final.invoice_line_ids
        }
        self.assertEqual(set(by_kind), {"instalment", "termination"})
        Line = type(self.env["account.move.line"])
        copy_data = Line.copy_data

        def reordered(lines, default=None):
            # an extension that creates the credit note's lines in another order
            return list(reversed(copy_data(lines, default)))

        with patch.object(Line, "copy_data", reordered):
            credit_note = self.refund(final)
        by_price = {line.price_unit: line for line in final.invoice_line_ids}
        for line in credit_note.invoice_line_ids:
            self.assertEqual(
                line.accomp_credited_line_id,
                by_price[line.price_unit].accomp_schedule_line_id,
            )
        self.assertEqual(
            by_kind["termination"].accomp_schedule_line_id.state, "credited"
        )
        self.assertEqual(
            by_kind["instalment"].accomp_schedule_line_id.state, "credited"
        )

    def test_a_partial_credit_note_reduces_what_the_event_counts_as_invoiced(self):
        self.refund(self.first, price_unit=100)  # 120 incl. VAT
        self.assertEqual(self.line.state, "invoiced")
        self.assertEqual(self.line.amount_credited, 120)
        self.assertRecordValues(
            self.engagement,
            [
                {
                    "amount_invoiced": 1080,
                    "amount_paid": 0,
                    "amount_total": 1080,
                    "amount_residual": 1080,
                }
            ],
        )
        self.pay(self.first)  # the client pays the 480 left
        self.assertEqual(self.engagement.amount_paid, 480)
        self.assertEqual(self.line.state, "paid")
        self.assertFiguresMatchInvoices(self.engagement)

    def test_money_received_of_several_programmes_read_together(self):
        """The stored figures of a batch of programmes are computed together
        (the scheduler's batch): each keeps its own payments, credit notes and
        money paid back."""
        other = self.make_engagement(
            self.make_offer(amount_total=1000, instalment_count=2),
            date_start=date(2026, 1, 1),
        )
        other_first = self.invoice_due(date(2026, 2, 1)).sorted("id")[0]
        self.assertEqual(other_first.accomp_engagement_id, other)
        self.refund(self.first, price_unit=100)  # 120 incl. VAT credited
        self.pay(self.first)  # 480 received
        self.pay(self.second)  # 600 received, then credited and paid back
        paid_back = self.refund(self.second)
        self.assertEqual(paid_back.payment_state, "not_paid")
        self.pay(paid_back)
        self.pay(other_first)  # 600 received
        both = self.engagement | other
        self.env.invalidate_all()
        both._compute_amounts()
        self.assertRecordValues(
            both,
            [
                {"amount_invoiced": 480, "amount_paid": 480, "amount_residual": 0},
                {"amount_invoiced": 1200, "amount_paid": 600, "amount_residual": 600},
            ],
        )
        self.assertFiguresMatchInvoices(self.engagement)
        self.assertFiguresMatchInvoices(other)

    def test_bill_again_invoices_the_event_once_more_exactly_once(self):
        self.refund(self.first)
        self.line.action_bill_again()
        self.assertEqual((self.line.state, self.line.attempt), ("planned", 2))
        self.assertEqual(self.engagement.amount_total, 1200)
        again = self.invoice_due(date(2026, 2, 1))
        self.assertEqual(len(again), 1)
        self.assertEqual(again.invoice_line_ids.accomp_schedule_line_id, self.line)
        self.assertEqual(self.line.invoice_id, again)
        self.assertEqual(self.line.state, "invoiced")
        self.assertFalse(self.invoice_due(date(2026, 2, 1)), "a rerun bills nothing")
        # the database refuses a second invoice for the same attempt
        vals = self.engagement._prepare_invoice_with_lines(
            [self.line._prepare_invoice_line_values()], "out_invoice", date(2026, 2, 1)
        )
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            # past the invoicing path's own gate: the database still refuses
            self.env["account.move"].with_context(accomp_invoicing=True).create(vals)
        self.assertRecordValues(
            self.engagement,
            [{"amount_invoiced": 1200, "amount_total": 1200, "amount_paid": 0}],
        )
        self.assertFiguresMatchInvoices(self.engagement)

    @freeze_time("2026-08-01 09:00:00")
    def test_waive_lets_the_programme_finish(self):
        self.refund(self.first)
        with self.assertRaisesRegex(UserError, "not credited"):
            self.engagement.schedule_line_ids[1].action_waive()
        self.line.action_waive()
        self.assertEqual(self.line.state, "cancelled")
        self.assertEqual(self.engagement.amount_total, 600)
        self.pay(self.second)
        self.engagement._close_finished_programmes()
        self.assertEqual(self.engagement.state, "done")
        self.assertFiguresMatchInvoices(self.engagement)

    def test_only_a_billing_manager_bills_again(self):
        self.refund(self.first)
        with self.assertRaisesRegex(AccessError, "billing manager"):
            self.line.with_user(self.accountant).action_bill_again()
