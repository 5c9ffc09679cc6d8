"""Two scheduler workers at once, on real committed data and real transactions:
every billing event ends up on exactly one invoice."""

import threading
import time
from datetime import date
from functools import partial
from unittest.mock import patch

import psycopg2

from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name

from odoo.addons.accomp_billing.models import (
    ir_cron as accomp_ir_cron,
)


@tagged("post_install", "-at_install")
class CommittedDataCase(BaseCase):
    """Not a TransactionCase: the data must be committed for other transactions
    to see it. Everything created here (``self.ids``) is removed at the end."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        # Odoo's own test runner (``--test-tags``) holds the registries' lock
        # while it runs the tests: the workers' threads would wait on it to
        # open an environment. The registry is loaded; as Odoo's test mode
        # does, they look it up without the lock.
        lock = patch.object(Registry, "_lock", DummyRLock())
        lock.start()
        cls.addClassCleanup(lock.stop)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            engagements = env["accomp.engagement"].browse(self.ids["engagements"])
            engagements.usage_ids.unlink()
            engagements.invoice_ids.unlink()
            engagements.action_cancel()
            engagements.unlink()
            for model, key in (
                ("accomp.offer", "offer"),
                ("res.partner", "partner"),
                ("product.product", "product"),
            ):
                env[model].browse(self.ids.get(key)).unlink()


class TestTwoWorkers(CommittedDataCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            if not env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
            ):
                env["account.chart.template"].try_loading(
                    "generic_coa", company, install_demo=False
                )
            partner = env["res.partner"].create({"name": "Concurrency client"})
            offer = env["accomp.offer"].create(
                {
                    "name": "Concurrency offer",
                    "billing_model": "instalments",
                    "amount_total": 1200,
                    "instalment_count": 12,
                    "invoice_mode": "review",  # drafts, so that the test can clean up
                }
            )
            engagements = env["accomp.engagement"].create(
                [
                    {
                        "partner_id": partner.id,
                        "offer_id": offer.id,
                        "date_start": date(2026, 1, 1),
                    }
                    for _i in range(4)
                ]
            )
            engagements.action_confirm()
            self.ids = {
                "partner": partner.id,
                "offer": offer.id,
                "engagements": engagements.ids,
            }
        self.addCleanup(self._cleanup)

    def test_two_workers_at_once_never_invoice_twice(self):
        barrier = threading.Barrier(2)
        results = {}
        ScheduleLine = self.registry["accomp.schedule.line"]  # the model's class
        original = ScheduleLine._generate_invoices

        def slow_create(lines, today):
            invoices = original(lines, today)
            time.sleep(0.5)  # hold the row locks while the other worker runs
            return invoices

        def worker(name):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait(timeout=10)
                    invoices = env["accomp.schedule.line"]._invoice_due_lines(
                        date_ref=date(2026, 6, 30),
                        engagements=env["accomp.engagement"].browse(
                            self.ids["engagements"]
                        ),
                    )
                    results[name] = len(invoices)
            except psycopg2.errors.SerializationFailure:
                results[name] = "serialization failure (retried by the scheduler)"

        with patch.object(ScheduleLine, "_generate_invoices", slow_create):
            threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            engagements = env["accomp.engagement"].browse(self.ids["engagements"])
            lines = engagements.schedule_line_ids.filtered(
                lambda line: line.date_due <= date(2026, 6, 30)
            )
            self.assertEqual(len(lines), 24)  # 6 months x 4 engagements
            invoice_lines = env["account.move.line"].search(
                [("accomp_schedule_line_id", "in", lines.ids)]
            )
            self.assertEqual(
                len(invoice_lines), 24, "each due line on exactly one invoice"
            )
            self.assertEqual(
                len(set(invoice_lines.mapped("accomp_schedule_line_id"))), 24
            )
            self.assertEqual(len(engagements.invoice_ids), 24)
        # one worker invoiced everything; the other found the lines locked (SKIP
        # LOCKED) or, had it read them before the commit, failed to serialize
        outcomes = list(results.values())
        self.assertEqual(len(outcomes), 2, results)
        self.assertIn(24, outcomes, results)
        outcomes.remove(24)
        self.assertTrue(
            outcomes[0] == 0 or "serialization" in str(outcomes[0]), results
        )

    def test_a_direct_run_leaves_what_another_worker_committed_meanwhile(self):
        """A direct run (one transaction: a shell, a server action) began
        before a worker invoiced and committed a programme: locking that
        programme fails to serialize, and the run is not ours to retry. It
        leaves that programme to the worker and locks the others."""
        first, second = self.ids["engagements"][:2]
        with self.registry.cursor() as direct_cr:
            direct = api.Environment(direct_cr, SUPERUSER_ID, {})
            direct_cr.execute("SELECT 1 FROM accomp_engagement LIMIT 1")  # snapshot
            with self.registry.cursor() as other_cr:
                other_cr.execute(
                    "UPDATE accomp_engagement SET write_date = now() WHERE id = %s",
                    (first,),
                )
            Engagement = direct["accomp.engagement"]
            with self.assertRaises(psycopg2.errors.SerializationFailure):
                with direct_cr.savepoint():
                    Engagement.browse(first).try_lock_for_update()
            locked = direct["ir.cron"]._accomp_try_lock(
                Engagement.browse([first, second])
            )
            self.assertEqual(locked, Engagement.browse(second))
            direct_cr.rollback()

    def test_two_cron_workers_share_a_run_without_a_raw_error(self):
        """Two scheduler workers (each committing per batch, as the cron does)
        run the same invoicing at once. Worker "b" reads its first batch while
        "a" invoices it, and goes on once "a" has committed: its snapshot is
        older than "a"'s work, which PostgreSQL refuses to serialize. The batch
        is done again on a fresh snapshot: they share the run, nothing is
        billed twice or missed, no worker dies."""
        results, errors, retries = {}, [], []
        a_invoicing, a_committed = threading.Event(), threading.Event()
        ScheduleLine = self.registry["accomp.schedule.line"]  # the model's class
        generate = ScheduleLine._generate_invoices
        search = ScheduleLine.search
        IrCron = self.registry["ir.cron"]  # the model's class
        commit_progress = IrCron._commit_progress
        b_waited = []

        def slow_generate(lines, today):
            invoices = generate(lines, today)
            if threading.current_thread().name == "a":
                a_invoicing.set()
                time.sleep(0.5)  # hold the locks while "b" reads
            return invoices

        def racing_search(model, domain, *args, **kwargs):
            if (
                threading.current_thread().name == "b"
                and kwargs.get("limit") == 2
                and not b_waited
            ):
                b_waited.append(True)
                a_invoicing.wait(timeout=30)
                found = search(model, domain, *args, **kwargs)
                a_committed.wait(timeout=30)  # "a" commits what "b" has read
                return found
            return search(model, domain, *args, **kwargs)

        def tracked_commit(cron, *args, **kwargs):
            result = commit_progress(cron, *args, **kwargs)
            if threading.current_thread().name == "a" and a_invoicing.is_set():
                a_committed.set()
            return result

        def worker(name):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    cron = env.ref("accomp_billing.ir_cron_invoice_due_lines")
                    # as Odoo runs a scheduled action: its budget and its own progress
                    cron, progress = cron.with_context(
                        cron_id=cron.id, cron_end_time=time.monotonic() + 60
                    )._add_progress()
                    cr.commit()  # pylint: disable=invalid-commit
                    env = cron.env
                    invoices = env["accomp.schedule.line"]._invoice_due_lines(
                        date_ref=date(2026, 6, 30),
                        engagements=env["accomp.engagement"].browse(
                            self.ids["engagements"]
                        ),
                        batch_size=2,
                    )
                    results[name] = len(invoices)
                    progress.unlink()
            except Exception as error:  # noqa: BLE001 - reported by the assertion
                errors.append(error)

        logger = accomp_ir_cron._logger
        info = logger.info

        def tracked_info(message, *args, **kwargs):
            if "retried" in message:
                retries.append(args)
            return info(message, *args, **kwargs)

        with (
            patch.object(ScheduleLine, "_generate_invoices", slow_generate),
            patch.object(ScheduleLine, "search", racing_search),
            patch.object(IrCron, "_commit_progress", tracked_commit),
            patch.object(logger, "info", tracked_info),
        ):
            threads = [
                threading.Thread(target=worker, args=(n,), name=n) for n in ("a", "b")
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)

        self.assertFalse(errors, "no worker died")
        self.assertTrue(retries, "the batch that could not serialize was retried")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            engagements = env["accomp.engagement"].browse(self.ids["engagements"])
            lines = engagements.schedule_line_ids.filtered(
                lambda line: line.date_due <= date(2026, 6, 30)
            )
            invoice_lines = env["account.move.line"].search(
                [("accomp_schedule_line_id", "in", lines.ids)]
            )
            self.assertEqual(len(lines), 24)
            self.assertEqual(len(invoice_lines), 24, "each due line once")
            self.assertEqual(
                len(set(invoice_lines.mapped("accomp_schedule_line_id"))), 24
            )
            # what each worker invoiced adds up to the run: the work was shared
            self.assertEqual(results.get("a", 0) + results.get("b", 0), 24, results)
            self.assertTrue(results["a"] and results["b"], results)
            for engagement in engagements:
                self.assertEqual(len(engagement.invoice_ids), 6)


class TestTwoCoachesAtOnce(CommittedDataCase):
    """Two sessions logged at the same moment on an engagement that has one
    included session left: one of them is an extra, never both included."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            product = env["product.product"].create(
                {"name": "Concurrency session", "type": "service", "list_price": 90}
            )
            partner = env["res.partner"].create({"name": "Concurrency client"})
            offer = env["accomp.offer"].create(
                {
                    "name": "Concurrency sessions",
                    "billing_model": "instalments",
                    "amount_total": 600,
                    "extras_policy": "next_invoice",  # no invoice to clean up
                    "allowance_ids": [
                        Command.create({"product_id": product.id, "included_qty": 1})
                    ],
                }
            )
            engagement = env["accomp.engagement"].create(
                {
                    "partner_id": partner.id,
                    "offer_id": offer.id,
                    "date_start": date(2026, 1, 1),
                }
            )
            engagement.action_confirm()
            self.ids = {
                "product": product.id,
                "partner": partner.id,
                "offer": offer.id,
                "engagements": engagement.ids,
            }
        self.addCleanup(self._cleanup)

    def test_two_sessions_at_once_take_the_last_included_one_once(self):
        barrier = threading.Barrier(2)
        errors = []
        Engagement = self.registry["accomp.engagement"]  # the model's class
        original = Engagement._plan_extras

        def slow_plan(engagement):
            time.sleep(0.5)  # both transactions have read the usage by now
            return original(engagement)

        def log_session(env):
            env["accomp.usage"].create(
                {
                    "engagement_id": self.ids["engagements"][0],
                    "product_id": self.ids["product"],
                    "date": date(2026, 2, 1),
                }
            )

        def worker():
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait(timeout=10)
                    # what Odoo does with every RPC: retry on serialization failure
                    retrying(partial(log_session, env), env)
            except Exception as error:  # noqa: BLE001 - reported by the assertion
                errors.append(error)

        with patch.object(Engagement, "_plan_extras", slow_plan):
            threads = [threading.Thread(target=worker) for _i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)

        self.assertFalse(errors)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            engagement = env["accomp.engagement"].browse(self.ids["engagements"][0])
            self.assertEqual(len(engagement.usage_ids), 2)
            self.assertEqual(
                sorted(engagement.usage_ids.mapped("billable_qty")), [0.0, 1.0]
            )
            extras = engagement.schedule_line_ids.filtered(
                lambda line: line.kind == "extras"
            )
            self.assertEqual(extras.amount, 90)


class TestTwoAmendmentsAtOnce(CommittedDataCase):
    """Two amendments of one programme applied at the same moment: the second
    waits for the first, then plans on what it did; the schedule sums to the
    price both give."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": "Concurrency client"})
            offer = env["accomp.offer"].create(
                {
                    "name": "Concurrency offer",
                    "billing_model": "instalments",
                    "amount_total": 3000,
                    "instalment_count": 6,
                    "invoice_mode": "review",
                }
            )
            engagement = env["accomp.engagement"].create(
                {
                    "partner_id": partner.id,
                    "offer_id": offer.id,
                    "date_start": date(2026, 1, 1),
                }
            )
            engagement.action_confirm()
            amendments = env["accomp.amendment"].create(
                [
                    {
                        "engagement_id": engagement.id,
                        "kind": "extend",
                        "months": 1,
                        "amount": 500,
                        "date_effective": date(2026, 1, 1),
                        "requires_acceptance": False,
                    }
                    for _i in range(2)
                ]
            )
            self.ids = {
                "partner": partner.id,
                "offer": offer.id,
                "engagements": engagement.ids,
                "amendments": amendments.ids,
            }
        self.addCleanup(self._cleanup)

    def test_the_second_amendment_waits_and_applies_on_the_first(self):
        barrier = threading.Barrier(2)
        errors = []
        Amendment = self.registry["accomp.amendment"]  # the model's class
        original = Amendment._plan

        def slow_plan(amendment):
            plan = original(amendment)
            time.sleep(0.5)  # the other one tries meanwhile
            return plan

        def apply(env, amendment_id):
            env["accomp.amendment"].browse(amendment_id).action_apply()

        def worker(amendment_id):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait(timeout=10)
                    # what Odoo does with every RPC: retry on serialization failure
                    retrying(partial(apply, env, amendment_id), env)
            except Exception as error:  # noqa: BLE001 - reported by the assertion
                errors.append(error)

        with patch.object(Amendment, "_plan", slow_plan):
            threads = [
                threading.Thread(target=worker, args=(amendment_id,))
                for amendment_id in self.ids["amendments"]
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)

        self.assertFalse(errors)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            engagement = env["accomp.engagement"].browse(self.ids["engagements"])
            amendments = engagement.amendment_ids
            self.assertEqual(amendments.mapped("state"), ["applied", "applied"])
            live = engagement.schedule_line_ids.filtered(
                lambda line: line.state != "cancelled"
            )
            # 3 000 + 500 + 500 in 8 events: neither amendment lost nor counted twice
            self.assertEqual(engagement.price_total, 4000)
            self.assertEqual(len(live), 8)
            self.assertAlmostEqual(sum(live.mapped("amount")), 4000)
            self.assertEqual(engagement.duration_months, 8)
