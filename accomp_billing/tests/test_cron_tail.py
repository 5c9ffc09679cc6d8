"""The invoicing run's daily chores — closing finished programmes, ending
pauses, accepting expired sign-offs, sending the invoices that waited for an
e-mail — take each record on its own: one programme that fails gets one to-do
and the others' chores are done, by the real scheduled action."""

from datetime import date
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import freeze_time

from .common import AccompCase, ProvokedFailure


class TestCronTail(AccompCase):
    def run_cron(self, day):
        with freeze_time(f"{day} 09:00:00"), self.enter_registry_test_mode():
            self.env.ref(
                "accomp_billing.ir_cron_invoice_due_lines"
            ).method_direct_trigger()
        self.env.invalidate_all()

    def failure(self, engagement, kind):
        return engagement.activity_ids.filtered(lambda a: a.accomp_failure == kind)

    def test_one_failing_programme_does_not_stop_the_others_chores(self):
        offer = self.make_milestone_offer(
            milestone_signoff=True, signoff_days=7, deposit=0, percents=(50, 50)
        )
        # pauses that ended, phases waiting for a sign-off past the delay
        paused = [
            self.make_engagement(self.make_offer(), date_start=date(2026, 1, 1))
            for _ in range(2)
        ]
        for engagement in paused:
            with freeze_time("2026-01-05 09:00:00"):
                engagement._pause(10)
        signed = [
            self.make_engagement(offer, date_start=date(2026, 1, 1)) for _ in range(2)
        ]
        phases = [engagement.milestone_ids.sorted()[0] for engagement in signed]
        with freeze_time("2026-01-10 09:00:00"):
            for phase in phases:
                phase.action_done()
        # one client without e-mail: the invoice waits, then the address is set
        mailless = self.env["res.partner"].create({"name": "Sans Mail"})
        waiting = [
            self.make_engagement(
                self.make_offer(billing_model="upfront", invoice_mode="auto_send"),
                partner_id=mailless.id,
                date_start=date(2026, 1, 2),
            )
        ]
        self.run_cron(date(2026, 1, 2))
        self.assertTrue(waiting[0].invoice_ids.accomp_awaiting_email)
        mailless.email = "sans.mail@example.com"

        broken_pause, broken_phase = paused[0], phases[0]
        Engagement = type(self.env["accomp.engagement"])
        Milestone = type(self.env["accomp.milestone"])
        write, accept = Engagement.write, Milestone._accept_signoff

        def failing_write(records, vals):
            if "pause_until" in vals and broken_pause in records:
                raise ProvokedFailure("the pause cannot end")
            return write(records, vals)

        def failing_accept(records):
            if broken_phase in records:
                raise ProvokedFailure("the sign-off cannot be accepted")
            return accept(records)

        with (
            patch.object(Engagement, "write", failing_write),
            patch.object(Milestone, "_accept_signoff", failing_accept),
        ):
            self.run_cron(date(2026, 1, 20))

        # the others' chores are done
        self.assertFalse(paused[1].pause_until)
        self.assertEqual(phases[1].signoff_state, "accepted")
        self.assertEqual(phases[1].invoice_id.state, "posted")
        self.assertFalse(waiting[0].invoice_ids.accomp_awaiting_email)
        self.assertTrue(waiting[0].invoice_ids.sending_data, "queued for sending")
        # the failing ones wait, each with one to-do on its programme
        self.assertTrue(broken_pause.pause_until)
        self.assertEqual(broken_phase.signoff_state, "waiting")
        self.assertEqual(len(self.failure(broken_pause, "pause")), 1)
        self.assertEqual(len(self.failure(signed[0], "signoff")), 1)
        self.assertIn("the sign-off cannot be accepted", signed[0].failure_message)
        self.assertFalse(self.failure(paused[1], "pause"))
        # the next run succeeds and closes the to-dos
        self.run_cron(date(2026, 1, 21))
        self.assertFalse(broken_pause.pause_until)
        self.assertEqual(broken_phase.signoff_state, "accepted")
        self.assertFalse(self.failure(broken_pause, "pause"))
        self.assertFalse(self.failure(signed[0], "signoff"))

    def test_a_programme_that_cannot_close_does_not_keep_the_others_open(self):
        offer = self.make_offer(
            billing_model="upfront",
            duration_months=1,
            allowance_ids=[Command.clear()],
        )
        engagements = [
            self.make_engagement(offer, date_start=date(2026, 1, 1)) for _ in range(2)
        ]
        with freeze_time("2026-01-05 09:00:00"):  # paid before their last day
            self.pay(self.invoice_due(date(2026, 1, 1)))
            self.env.flush_all()
        self.assertEqual({e.state for e in engagements}, {"active"})
        Engagement = type(self.env["accomp.engagement"])
        close = Engagement._close_finished

        def failing_close(records):
            if engagements[0] in records:
                raise ProvokedFailure("cannot close")
            return close(records)

        with patch.object(Engagement, "_close_finished", failing_close):
            self.run_cron(date(2026, 3, 1))
        self.assertEqual(engagements[0].state, "active")
        self.assertEqual(engagements[1].state, "done")
        self.assertEqual(len(self.failure(engagements[0], "closing")), 1)
