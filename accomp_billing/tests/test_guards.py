"""Every money path guarded on the server, written as the attacks and careless
inputs that got through: each one fails on the code before these guards."""

from datetime import date

import psycopg2

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, freeze_time, new_test_user
from odoo.tools import SQL, mute_logger

from .common import AccompCase


@freeze_time("2026-03-10 09:00:00")
class TestMoneyPaths(AccompCase):
    def test_terminating_twice_never_credits_twice(self):
        engagement = self.make_engagement(self.make_offer())
        self.invoice_due(date(2026, 2, 28))

        def terminate():
            wizard = Form(
                self.env["accomp.terminate.wizard"].with_context(
                    default_engagement_id=engagement.id
                )
            ).save()
            wizard.action_confirm()

        terminate()
        self.assertEqual(engagement.state, "active")  # until its last day
        with self.assertRaisesRegex(UserError, "already terminated"):
            terminate()
        refunds = engagement.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(len(refunds), 1)

    def test_a_sold_engagement_is_never_planned_twice(self):
        session = self.env["product.product"].create(
            {"name": "Séance", "type": "service"}
        )
        engagement = self.make_engagement(
            self.make_offer(
                billing_model="subscription",
                recurring_amount=400,
                commitment_months=6,
                allowance_ids=[
                    Command.create({"product_id": session.id, "included_qty": 4})
                ],
            )
        )
        with self.assertRaisesRegex(UserError, "changes only through its actions"):
            engagement.write({"state": "draft"})
        with self.assertRaisesRegex(UserError, "changes only through its actions"):
            engagement.sudo().write({"state": "done"})
        # even if a bug put it back to draft, confirming again plans nothing
        engagement._write_state("draft")
        with self.assertRaisesRegex(UserError, "planned once"):
            engagement.action_confirm()
        self.assertEqual(len(engagement.schedule_line_ids), 6)
        with self.assertRaisesRegex(UserError, "created as a draft"):
            self.env["accomp.engagement"].create(
                {
                    "partner_id": self.client.id,
                    "offer_id": engagement.offer_id.id,
                    "date_start": date(2026, 1, 1),
                    "state": "active",
                }
            )

    def test_extras_whose_invoice_was_cancelled_are_not_billed_twice(self):
        session = self.env["product.product"].create(
            {"name": "Séance", "type": "service", "list_price": 100, "taxes_id": []}
        )
        offer = self.make_offer(
            invoice_mode="review",
            extras_policy="immediate",
            allowance_ids=[
                Command.create({"product_id": session.id, "included_qty": 1})
            ],
        )
        engagement = self.make_engagement(offer, user_id=self.coach.id)

        def log(day):
            return (
                self.env["accomp.usage"]
                .with_user(self.coach)
                .create(
                    {
                        "engagement_id": engagement.id,
                        "product_id": session.id,
                        "date": day,
                    }
                )
            )

        def extras_lines():
            return engagement.schedule_line_ids.filtered(lambda x: x.kind == "extras")

        log(date(2026, 3, 1))  # included
        log(date(2026, 3, 2))  # an extra, invoiced at once (a draft)
        first = extras_lines().invoice_id
        self.assertEqual(first.amount_untaxed, 100)
        first.with_user(self.accountant).button_cancel()
        log(date(2026, 3, 3))  # a second extra
        live = extras_lines().filtered(lambda x: x.state != "cancelled")
        self.assertEqual(len(live), 1, "one event bills both extras")
        self.assertEqual((live.quantity, live.amount), (2, 200))
        self.invoice_due(date(2026, 12, 31))  # the scheduler finds nothing more
        billed = extras_lines().invoice_line_ids.filtered(
            lambda aml: aml.parent_state != "cancel"
        )
        self.assertEqual(sum(billed.mapped("quantity")), 2)

    def test_a_billing_event_cannot_be_moved_to_another_clients_invoice(self):
        alice = self.make_engagement(self.make_offer())
        instalment = alice.schedule_line_ids.sorted("sequence")[0]
        bob = self.env["res.partner"].create({"name": "Bob Durand"})
        vals = {
            "move_type": "out_invoice",
            "partner_id": bob.id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Hijack",
                        "price_unit": 1,
                        "accomp_schedule_line_id": instalment.id,
                    }
                )
            ],
        }
        with self.assertRaisesRegex(AccessError, "programme's invoicing only"):
            self.env["account.move"].with_user(self.accountant).create(vals)
        # even through the invoicing path, only on Alice's own programme invoice
        with self.assertRaisesRegex(ValidationError, "only be billed or credited"):
            self.env["account.move"].with_context(accomp_invoicing=True).create(vals)
        with self.assertRaisesRegex(ValidationError, "must be addressed to"):
            self.env["account.move"].with_user(self.accountant).create(
                {
                    "move_type": "out_invoice",
                    "partner_id": bob.id,
                    "accomp_engagement_id": alice.id,
                }
            )
        invoice = self.invoice_due(date(2026, 1, 31))
        self.assertEqual(invoice.partner_id, self.client)
        self.assertEqual(instalment.invoice_id, invoice)

    def test_a_coach_cannot_move_a_session_to_another_programme(self):
        session = self.env["product.product"].create(
            {"name": "Séance", "type": "service", "list_price": 100}
        )
        offer = self.make_offer(
            allowance_ids=[
                Command.create({"product_id": session.id, "included_qty": 1})
            ]
        )
        mine = self.make_engagement(offer, user_id=self.coach.id)
        theirs = self.make_engagement(offer, user_id=self.other_coach.id)
        usage = (
            self.env["accomp.usage"]
            .with_user(self.coach)
            .create(
                {
                    "engagement_id": mine.id,
                    "product_id": session.id,
                    "date": date(2026, 3, 1),
                }
            )
        )
        with self.assertRaisesRegex(AccessError, "stays on the programme"):
            usage.with_user(self.coach).write({"engagement_id": theirs.id})
        # a billing manager may move it: both allowances follow
        usage.with_user(self.manager).write({"engagement_id": theirs.id})
        self.assertEqual(theirs.used_qty, 1)
        self.assertEqual(mine.used_qty, 0)

    def test_only_the_clients_own_card_is_charged(self):
        provider = self.env.ref("payment.payment_provider_demo").sudo()
        provider.write({"state": "test", "company_id": self.company.id})
        method = self.env.ref("payment_demo.payment_method_demo")
        bob = self.env["res.partner"].create({"name": "Bob Durand"})

        def token(partner):
            return (
                self.env["payment.token"]
                .sudo()
                .create(
                    {
                        "provider_id": provider.id,
                        "payment_method_id": method.id,
                        "partner_id": partner.id,
                        "provider_ref": f"demo-{partner.id}",
                        "payment_details": "4242",
                    }
                )
            )

        engagement = self.make_engagement(self.make_offer())
        with self.assertRaisesRegex(ValidationError, "belongs to another client"):
            engagement.payment_token_id = token(bob)
        # Bob pays Alice's invoice online and saves his card: it pays this
        # invoice, but never becomes Alice's automatic debit
        invoice = self.invoice_due(date(2026, 1, 31))
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": method.id,
                    "reference": "bob-pays-alice",
                    "amount": invoice.amount_residual,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": bob.id,
                    "operation": "online_direct",
                    "tokenize": True,
                    "invoice_ids": [Command.set(invoice.ids)],
                }
            )
        )
        tx._process(
            "demo",
            {
                "reference": tx.reference,
                "simulated_state": "done",
                "payment_details": "1111",
            },
        )
        tx._post_process()
        self.assertTrue(tx.token_id)
        self.assertFalse(engagement.payment_token_id)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        engagement.payment_token_id = token(self.client)  # her own: fine


class TestCrossCompany(AccompCase):
    """A billing manager of company B, with access to B only, against company A's
    records of every model that has a company."""

    def test_a_second_companys_manager_cannot_touch_company_a(self):
        company_b = self.setup_other_company(name="Cabinet Lyon")["company"]
        manager_b = new_test_user(
            self.env,
            login="manager_lyon",
            groups="accomp_billing.group_accomp_manager",
            company_id=company_b.id,
            company_ids=[company_b.id],
        )
        session = self.env["product.product"].create(
            {"name": "Séance", "type": "service"}
        )
        offer = self.make_offer(
            billing_model="milestones",
            milestone_template_ids=[
                Command.create({"name": "Diagnostic", "percent": 100})
            ],
            allowance_ids=[
                Command.create({"product_id": session.id, "included_qty": 2})
            ],
        )
        engagement = self.make_engagement(offer, date_start=date(2026, 1, 1))
        with freeze_time("2026-02-01 09:00:00"):
            self.env["accomp.usage"].create(
                {
                    "engagement_id": engagement.id,
                    "product_id": session.id,
                    "date": date(2026, 1, 15),
                }
            )
            engagement.milestone_ids.action_done()
        invoice = engagement.invoice_ids
        invoice.invoice_date_due = date(2026, 1, 1)
        with freeze_time("2026-02-01 09:00:00"):
            self.env["account.move"]._accomp_dun_overdue_invoices(date(2026, 2, 1))
        level = self.env.ref("accomp_billing.dunning_level_friendly").copy(
            {"company_id": self.company.id, "name": "Company A only"}
        )
        records = {
            "accomp.offer": offer,
            "accomp.offer.milestone": offer.milestone_template_ids,
            "accomp.offer.allowance": offer.allowance_ids,
            "accomp.engagement": engagement,
            "accomp.engagement.allowance": engagement.allowance_ids,
            "accomp.schedule.line": engagement.schedule_line_ids[:1],
            "accomp.milestone": engagement.milestone_ids,
            "accomp.usage": engagement.usage_ids,
            "accomp.dunning.level": level,
            "accomp.dunning.history": invoice.accomp_dunning_ids[:1],
        }
        for model, record in records.items():
            with self.subTest(model=model):
                self.assertTrue(record, model)
                as_b = record.with_user(manager_b)
                self.assertFalse(
                    self.env[model]
                    .with_user(manager_b)
                    .search([("id", "=", record.id)])
                )
                with self.assertRaises(AccessError):
                    as_b.read(["id"])
                with self.assertRaises(AccessError):
                    as_b.write({"sequence": 99} if "sequence" in as_b._fields else {})
                with self.assertRaises(AccessError):
                    as_b.unlink()
        # creating in company A from company B is refused too
        with self.assertRaises(AccessError):
            self.env["accomp.offer.milestone"].with_user(manager_b).create(
                {"offer_id": offer.id, "name": "Intrusion", "percent": 0}
            )
        other_session = self.env["product.product"].create(
            {"name": "Appel", "type": "service"}
        )
        with self.assertRaises(AccessError):
            self.env["accomp.offer.allowance"].with_user(manager_b).create(
                {"offer_id": offer.id, "product_id": other_session.id}
            )
        with self.assertRaises(AccessError):
            self.env["accomp.dunning.level"].with_user(manager_b).create(
                {"name": "Intrusion", "delay_days": 5, "company_id": self.company.id}
            )
        with self.assertRaises(AccessError):
            self.env["accomp.dunning.history"].with_user(manager_b).create(
                {
                    "invoice_id": invoice.id,
                    "level_id": level.id,
                    "date": date(2026, 2, 1),
                }
            )
        # the shared default levels (no company) stay visible to company B
        self.assertTrue(
            self.env["accomp.dunning.level"].with_user(manager_b).search([])
        )


@freeze_time("2026-03-10 09:00:00")
class TestBadInput(AccompCase):
    """Bad input gets a clear, translated error; no traceback, no raw database
    error."""

    def wizard(self, engagement, **vals):
        return self.env["accomp.terminate.wizard"].create(
            {"engagement_id": engagement.id, **vals}
        )

    def test_termination_fees_and_dates(self):
        engagement = self.make_engagement(self.make_offer())
        with self.assertRaisesRegex(ValidationError, "0 to 100"):
            self.wizard(engagement, fee_type="percent", fee_percent=500)
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.wizard(engagement, fee_type="fixed", fee_amount=-100)
        with self.assertRaisesRegex(ValidationError, "between its first"):
            self.wizard(engagement, request_date=date(2025, 12, 1))
        draft = self.make_engagement(self.make_offer(), confirm=False)
        with self.assertRaisesRegex(UserError, "Only a programme in progress"):
            self.wizard(draft)
        cancelled = self.make_engagement(self.make_offer())
        cancelled.action_cancel()
        with self.assertRaisesRegex(UserError, "Only a programme in progress"):
            self.wizard(cancelled)

    def test_pause_and_duration_bounds(self):
        engagement = self.make_engagement(self.make_offer())
        with self.assertRaisesRegex(ValidationError, "from 1 to 366 days"):
            self.env["accomp.pause.wizard"].create(
                {"engagement_id": engagement.id, "days": 10_000_000}
            )
        with self.assertRaisesRegex(ValidationError, "from 1 to 366 days"):
            engagement._pause(10_000_000)
        with self.assertRaisesRegex(ValidationError, "from 1 to 120 months"):
            self.make_offer(duration_months=100_000)
        with self.assertRaisesRegex(ValidationError, "at most 120 months"):
            self.make_offer(
                billing_model="subscription",
                recurring_amount=100,
                commitment_months=999,
            )

    def test_milestone_shares_whichever_model_writes_them(self):
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.make_offer(
                billing_model="milestones",
                milestone_template_ids=[
                    Command.create({"name": "A", "percent": 150}),
                    Command.create({"name": "B", "percent": -50}),
                ],
            )
        offer = self.make_offer(
            billing_model="milestones",
            milestone_template_ids=[
                Command.create({"name": "A", "percent": 40}),
                Command.create({"name": "B", "percent": 60}),
            ],
        )
        with self.assertRaisesRegex(ValidationError, "add up to 110"):
            offer.milestone_template_ids[0].percent = 50
        with self.assertRaisesRegex(ValidationError, "add up to 160"):
            self.env["accomp.offer.milestone"].create(
                {"offer_id": offer.id, "name": "C", "percent": 60}
            )
        # the offer form may change several shares at once
        offer.write(
            {
                "milestone_template_ids": [
                    Command.update(offer.milestone_template_ids[0].id, {"percent": 70}),
                    Command.update(offer.milestone_template_ids[1].id, {"percent": 30}),
                ]
            }
        )
        self.assertEqual(offer.milestone_template_ids.mapped("percent"), [70, 30])

    def test_an_offer_in_an_inactive_currency(self):
        chf = self.env.ref("base.CHF")
        chf.active = False
        with self.assertRaisesRegex(ValidationError, "is not active"):
            self.make_offer(currency_id=chf.id)

    def test_the_database_refuses_what_the_forms_refuse(self):
        """Below the Python checks, the database's own constraints: a write
        that skips the ORM (a script, an import, a migration) is refused too."""
        engagement = self.make_engagement(self.make_offer())
        usage = self.env["accomp.usage"].create(
            {
                "engagement_id": engagement.id,
                "product_id": self.product.id,
                "date": date(2026, 3, 1),
            }
        )
        level = self.env["accomp.dunning.level"].create(
            {"name": "Late", "delay_days": 5}
        )
        self.env.flush_all()
        for table, assignment, record in (
            ("accomp_usage", "quantity = 0", usage),
            ("accomp_schedule_line", "amount = 0", engagement.schedule_line_ids[0]),
            ("accomp_engagement", "date_end = date_start - 1", engagement),
            ("accomp_dunning_level", "delay_days = -1", level),
        ):
            with (
                self.subTest(table=table),
                mute_logger("odoo.sql_db"),
                self.assertRaises(psycopg2.errors.CheckViolation),
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute(
                    SQL(
                        "UPDATE %s SET %s WHERE id = %s",
                        SQL.identifier(table),
                        SQL(assignment),
                        record.id,
                    )
                )

    def test_database_checks_answer_with_a_translated_message(self):
        engagement = self.make_engagement(self.make_offer())
        with self.assertRaisesRegex(ValidationError, "quantity used must be positive"):
            self.env["accomp.usage"].create(
                {
                    "engagement_id": engagement.id,
                    "product_id": self.product.id,
                    "date": date(2026, 3, 1),
                    "quantity": 0,
                }
            )
        with self.assertRaisesRegex(ValidationError, "amount of a billing event"):
            self.env["accomp.schedule.line"].create(
                {"engagement_id": engagement.id, "amount": 0}
            )
        with self.assertRaisesRegex(ValidationError, "cannot be before its start"):
            self.env["accomp.engagement"].create(
                {
                    "partner_id": self.client.id,
                    "offer_id": engagement.offer_id.id,
                    "date_start": date(2026, 3, 1),
                    "date_end": date(2026, 1, 1),
                }
            )
        with self.assertRaisesRegex(ValidationError, "before the due date"):
            self.env["accomp.dunning.level"].create({"name": "Early", "delay_days": -1})
