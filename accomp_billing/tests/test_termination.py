"""Early termination in one step (final invoice, pro rata credit note, fee) and
pause / extend."""

from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, freeze_time

from .common import AccompCase


class TestTermination(AccompCase):
    def test_instalments_final_invoice_fee_and_pro_rata_credit(self):
        engagement = self.make_engagement(
            self.make_offer(termination_fee_type="percent", termination_fee_percent=10)
        )
        with freeze_time("2026-02-28 09:00:00"):
            self.invoice_due(date(2026, 2, 28))  # instalments 1 and 2
        summary = self.terminate(engagement, date(2026, 3, 10))
        # notice of 30 days: last day 9 April; the 31 March instalment is due,
        # April to June (1 500 excl. VAT) cancelled, fee 10 % of them. Delivered:
        # 69 days of 181 = 1 143.65; billed 1 500: 356.35 excl. VAT credited.
        # The wizard shows what the documents will say, incl. 20 % VAT.
        self.assertEqual(summary, (date(2026, 4, 9), 780, 1800, 180, 427.62))
        lines = engagement.schedule_line_ids
        self.assertEqual(
            lines.filtered(lambda x: x.state == "cancelled").mapped("date_due"),
            [date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 30)],
        )
        final = engagement.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.invoice_date == date(2026, 3, 10)
        )
        self.assertEqual(len(final), 1)
        self.assertEqual((final.amount_untaxed, final.amount_total), (650, 780))
        self.assertEqual(
            sorted(final.invoice_line_ids.accomp_schedule_line_id.mapped("kind")),
            ["instalment", "termination"],
        )
        refund = engagement.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual((refund.amount_untaxed, refund.amount_total), (356.35, 427.62))
        self.assertEqual(refund.state, "posted")
        march = lines.filtered(lambda x: x.period_start == date(2026, 3, 31))
        self.assertEqual(refund.invoice_line_ids.accomp_credited_line_id, march)
        self.assertEqual((march.amount_credited, march.state), (427.62, "invoiced"))
        self.assertEqual(engagement.date_end, date(2026, 4, 9))
        self.assertEqual(engagement.date_terminated, date(2026, 3, 10))
        # the client owes 1 200 + 780 - 427.62: the credit settles unpaid invoices
        owed = 1980 - 427.62
        self.assertAlmostEqual(
            sum(
                engagement.invoice_ids.filtered(
                    lambda m: m.move_type == "out_invoice"
                ).mapped("amount_residual")
            ),
            owed,
        )
        self.assertAlmostEqual(engagement.amount_total, owed)
        self.assertAlmostEqual(engagement.amount_invoiced, owed)
        self.assertAlmostEqual(engagement.amount_residual, owed)
        self.assertFalse(self.invoice_due(date(2026, 12, 31)))
        # terminating again would credit again: refused
        with self.assertRaisesRegex(UserError, "already terminated"):
            engagement.action_terminate()

    def test_committed_subscription_stops_at_the_end_of_its_commitment(self):
        engagement = self.make_engagement(
            self.make_offer(
                billing_model="subscription",
                recurring_amount=400,
                commitment_months=6,
                notice_days=30,
            ),
            date_start=date(2026, 1, 1),
        )
        with freeze_time("2026-02-01 09:00:00"):
            self.invoice_due(date(2026, 2, 1))  # January and February
        date_end, billed, cancelled, fee, credited = self.terminate(
            engagement, date(2026, 2, 15)
        )
        # the commitment runs to 30 June: March to June are billed now
        self.assertEqual(
            (date_end, billed, fee, credited), (date(2026, 6, 30), 1920, 0, 0)
        )
        self.assertEqual(engagement.date_end, date(2026, 6, 30))
        self.assertEqual(engagement.amount_untaxed, 6 * 400)
        self.assertEqual(engagement.amount_total, 6 * 480)
        self.assertFalse(
            engagement.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        )
        self.assertFalse(self.invoice_due(date(2026, 12, 31)))

    def test_a_coach_cannot_terminate(self):
        engagement = self.make_engagement(self.make_offer(), user_id=self.coach.id)
        with self.assertRaisesRegex(AccessError, "billing manager"):
            engagement.with_user(self.coach).action_terminate()


class TestPause(AccompCase):
    def test_pause_shifts_what_is_to_come_and_ending_early_moves_it_back(self):
        engagement = self.make_engagement(self.make_offer())
        before = self.schedule(engagement)
        with freeze_time("2026-02-10 09:00:00"):
            self.invoice_due(date(2026, 2, 10))
            engagement._pause(30)
        after = self.schedule(engagement)
        self.assertEqual(after[0], before[0])  # invoiced already: unchanged
        self.assertEqual(
            [day for _kind, day, _amount in after[1:]],
            [
                date(2026, 3, 30),
                date(2026, 4, 30),
                date(2026, 5, 30),
                date(2026, 6, 30),
                date(2026, 7, 30),
            ],
        )
        self.assertEqual(sum(a for _k, _d, a in after), 3000)
        self.assertEqual(engagement.date_end, date(2026, 8, 29))
        self.assertEqual(engagement.pause_until, date(2026, 3, 12))
        with freeze_time("2026-02-20 09:00:00"):
            engagement.action_end_pause()  # 20 days early
        self.assertEqual(
            [day for _kind, day, _amount in self.schedule(engagement)[1:]],
            [
                date(2026, 3, 10),
                date(2026, 4, 10),
                date(2026, 5, 10),
                date(2026, 6, 10),
                date(2026, 7, 10),
            ],
        )
        self.assertEqual(engagement.date_end, date(2026, 8, 9))
        self.assertFalse(engagement.pause_until)

    def test_subscriptions_and_double_pauses_are_refused(self):
        subscription = self.make_engagement(
            self.make_offer(billing_model="subscription", recurring_amount=100)
        )
        with self.assertRaises(UserError):
            subscription._pause(10)
        engagement = self.make_engagement(self.make_offer())
        engagement._pause(10)
        with self.assertRaises(UserError):
            engagement._pause(10)

    def test_a_pause_that_ended_by_itself_allows_another_one(self):
        engagement = self.make_engagement(self.make_offer())
        with freeze_time("2026-02-10 09:00:00"):
            engagement._pause(10)
        self.assertEqual(engagement.pause_until, date(2026, 2, 20))
        with freeze_time("2026-02-21 09:00:00"):
            self.env["accomp.schedule.line"]._cron_invoice_due_lines()
        self.assertFalse(engagement.pause_until)
        self.assertFalse(engagement.pause_days)
        with freeze_time("2026-03-05 09:00:00"):
            engagement._pause(5)
        self.assertEqual(engagement.pause_until, date(2026, 3, 10))


class TestTerminationBadInput(AccompCase):
    """Absurd termination requests are refused with a message naming what is
    wrong, never a traceback nor an unbalanced entry."""

    def wizard(self, engagement, **vals):
        form = Form(
            self.env["accomp.terminate.wizard"].with_context(
                default_engagement_id=engagement.id
            )
        )
        for fname, value in vals.items():
            setattr(form, fname, value)
        return form

    def test_a_request_on_31_december_9999_is_refused(self):
        subscription = self.make_engagement(
            self.make_offer(
                billing_model="subscription", recurring_amount=100, commitment_months=3
            )
        )
        self.assertFalse(subscription.date_end)
        form = self.wizard(subscription, request_date=date(9999, 12, 31))
        self.assertIn("must be asked between", form.summary)
        with self.assertRaisesRegex(ValidationError, "must be asked between"):
            form.save()
        self.assertFalse(subscription.date_terminated)
        self.assertEqual(subscription.state, "active")

    def test_a_fixed_fee_of_1e15_is_refused_naming_the_fee(self):
        engagement = self.make_engagement(self.make_offer())
        invoices = engagement.invoice_ids
        form = self.wizard(
            engagement,
            request_date=date(2026, 3, 10),
            fee_type="fixed",
            fee_amount=1e15,
        )
        with self.assertRaisesRegex(
            ValidationError, r"fixed termination fee of .* is more than the whole"
        ):
            form.save()
        self.assertEqual(engagement.invoice_ids, invoices)
        self.assertFalse(engagement.date_terminated)
        # the programme's own total is accepted (3 600 € TTC)
        form = self.wizard(
            engagement,
            request_date=date(2026, 3, 10),
            fee_type="fixed",
            fee_amount=3600,
        )
        self.assertEqual(form.save().amount_fee, 4320)

    def test_the_percent_fee_message_shows_a_single_percent_sign(self):
        engagement = self.make_engagement(self.make_offer())
        form = self.wizard(
            engagement,
            request_date=date(2026, 3, 10),
            fee_type="percent",
            fee_percent=150,
        )
        for lang, expected in (
            ("en_US", "0 to 100 % of the remaining commitment (it is 150 %)"),
            ("fr_FR", "0 à 100 % de l'engagement restant (ici 150 %)"),
        ):
            with self.assertRaises(ValidationError) as caught:
                form.save()
            self.assertNotIn("%%", str(caught.exception))
            if lang == "fr_FR":
                wizard = self.env["accomp.terminate.wizard"].with_context(lang=lang)
                error = wizard.new(
                    {
                        "engagement_id": engagement.id,
                        "request_date": date(2026, 3, 10),
                        "fee_type": "percent",
                        "fee_percent": 150,
                    }
                )._request_error()
                self.assertIn(expected, error)
            else:
                self.assertIn(expected, str(caught.exception))
