"""Milestones marked done by the coach: the phase's amount is invoiced at once,
through the same exactly-once path as the scheduler."""

from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import freeze_time

from .common import AccompCase


@freeze_time("2026-04-10 09:00:00")
class TestMilestones(AccompCase):
    def make_milestone_engagement(self, deposit=30, percents=(40, 60), **vals):
        offer = self.make_milestone_offer(deposit, percents, **vals)
        return self.make_engagement(offer, user_id=self.coach.id)

    def test_deposit_then_each_milestone_invoiced_when_the_coach_marks_it_done(self):
        engagement = self.make_milestone_engagement()
        deposit = self.invoice_due(date(2026, 1, 31))
        self.assertEqual(deposit.amount_untaxed, 900)
        first, second = engagement.milestone_ids
        self.assertEqual((first.amount, second.amount), (840, 1260))

        first.with_user(self.coach).action_done()

        self.assertRecordValues(
            first,
            [
                {
                    "state": "done",
                    "date_done": date(2026, 4, 10),
                    "done_by_id": self.coach.id,
                }
            ],
        )
        invoice = first.invoice_id
        self.assertRecordValues(
            invoice,
            [
                {
                    "state": "posted",
                    "amount_untaxed": 840,
                    "invoice_date": date(2026, 4, 10),
                    "partner_id": self.client.id,
                    "invoice_user_id": self.coach.id,
                }
            ],
        )
        self.assertIn("Milestone 1/2: Diagnostic", invoice.invoice_line_ids.name)
        self.assertEqual(first.schedule_line_ids.date_due, date(2026, 4, 10))
        self.assertEqual(engagement.with_user(self.coach).invoice_count, 2)
        self.assertEqual(engagement.milestone_done_count, 1)
        self.assertEqual(second.schedule_line_ids.state, "planned")
        self.assertFalse(second.schedule_line_ids.date_due)
        # the scheduler never invoices it a second time
        self.assertFalse(self.invoice_due(date(2026, 12, 31)))
        self.assertIn("Diagnostic", engagement.message_ids[0].body)

    def test_review_mode_leaves_a_draft_for_the_accountant(self):
        engagement = self.make_milestone_engagement(deposit=0, invoice_mode="review")
        engagement.milestone_ids[0].with_user(self.coach).action_done()
        invoice = engagement.invoice_ids
        self.assertRecordValues(invoice, [{"state": "draft", "amount_untaxed": 1200}])

    def test_done_twice_is_refused(self):
        engagement = self.make_milestone_engagement()
        milestone = engagement.milestone_ids[0]
        milestone.action_done()
        with self.assertRaisesRegex(UserError, "already marked done"):
            milestone.action_done()

    def test_posted_milestone_cannot_be_undone(self):
        engagement = self.make_milestone_engagement()
        milestone = engagement.milestone_ids[0]
        milestone.action_done()
        self.assertEqual(milestone.invoice_id.state, "posted")
        with self.assertRaisesRegex(UserError, "credit note"):
            milestone.action_reset()

    def test_undo_before_posting_cancels_the_draft_for_managers_only(self):
        engagement = self.make_milestone_engagement(invoice_mode="review")
        milestone = engagement.milestone_ids[0].with_user(self.coach)
        milestone.action_done()
        draft = milestone.invoice_id
        with self.assertRaises(AccessError):
            milestone.action_reset()  # it would cancel an invoice
        engagement.milestone_ids[0].action_reset()  # the billing manager
        self.assertEqual(draft.state, "cancel")
        self.assertRecordValues(
            engagement.milestone_ids[0],
            [{"state": "todo", "date_done": False, "done_by_id": False}],
        )
        line = engagement.milestone_ids[0].schedule_line_ids
        self.assertEqual((line.state, line.date_due), ("planned", False))
        # done again later: a new invoice
        engagement.milestone_ids[0].action_done()
        self.assertEqual(engagement.milestone_ids[0].invoice_id.amount_untaxed, 840)
        self.assertNotEqual(engagement.milestone_ids[0].invoice_id, draft)

    def test_progress_step_without_amount_bills_nothing(self):
        engagement = self.make_milestone_engagement(deposit=0, percents=(0, 100))
        step = engagement.milestone_ids[0]
        step.with_user(self.coach).action_done()
        self.assertEqual(step.state, "done")
        self.assertFalse(engagement.invoice_ids)

    def test_milestone_of_a_suspended_programme_cannot_be_done(self):
        engagement = self.make_milestone_engagement()
        engagement.action_suspend()
        with self.assertRaisesRegex(UserError, "not in progress"):
            engagement.milestone_ids[0].action_done()

    def test_done_state_cannot_be_written_directly(self):
        engagement = self.make_milestone_engagement()
        milestone = engagement.milestone_ids[0].with_user(self.coach)
        for vals in ({"state": "done"}, {"percent": 90}, {"done_by_id": self.coach.id}):
            with self.assertRaises(AccessError):
                milestone.write(vals)
        milestone.name = "Diagnostic approfondi"  # the coach may rename a phase
        self.assertEqual(milestone.state, "todo")
        self.assertFalse(engagement.invoice_ids)

    def test_next_invoice_extras_join_the_milestone_invoice(self):
        session = self.env["product.product"].create(
            {"name": "Séance", "type": "service", "list_price": 100}
        )
        engagement = self.make_milestone_engagement(
            deposit=0,
            extras_policy="next_invoice",
            allowance_ids=[
                Command.create({"product_id": session.id, "included_qty": 1})
            ],
        )
        self.env["accomp.usage"].with_user(self.coach).create(
            {
                "engagement_id": engagement.id,
                "product_id": session.id,
                "date": date(2026, 3, 1),
                "quantity": 3,
            }
        )
        extras = engagement.schedule_line_ids.filtered(lambda x: x.kind == "extras")
        self.assertFalse(extras.date_due)  # waits for the next milestone
        self.assertFalse(self.invoice_due(date(2026, 4, 10)))
        engagement.milestone_ids[0].with_user(self.coach).action_done()
        invoice = engagement.invoice_ids
        self.assertEqual(invoice.amount_untaxed, 1200 + 200)
        self.assertEqual(extras.invoice_id, invoice)

    def test_programme_is_done_after_its_last_day_once_everything_is_paid(self):
        engagement = self.make_milestone_engagement(deposit=0, percents=(100,))
        engagement.milestone_ids.action_done()
        self.pay(engagement.invoice_ids)
        self.assertEqual(engagement.schedule_line_ids.state, "paid")
        self.assertEqual(engagement.state, "active")  # runs until 30 July
        with freeze_time("2026-07-31 09:00:00"):
            cron = self.env.ref("accomp_billing.ir_cron_invoice_due_lines")
            with self.enter_registry_test_mode():
                cron.method_direct_trigger()
        self.assertEqual(engagement.state, "done")
