#!/usr/bin/env python3
"""Fault-injection soak: exactly-once invoicing, charging and dunning under
kill -9 and concurrent workers, checked with SQL.

    scripts/setup.sh soak [--minutes N] [--engagements N]     (make soak)

On a committed database (``accomp_soak``, rebuilt each time) with a few hundred
engagements of every billing model due, separate OS processes run the real
scheduled actions (``ir.cron._process_jobs``: invoicing, automatic debit with
Odoo's demo provider, dunning), the "Invoice due events now" button and "Mark as
done", two or three at once; the conductor kills some of them with SIGKILL at
random moments, again and again. Then one clean run finishes the work and SQL
checks that no billing event is on two live invoices, no due event was missed,
invoice totals equal the invoiced events, no debit attempt was charged twice,
no invoice is in two live SEPA debits nor left out of the order (a third of the
programmes are collected by SEPA direct debit: the scheduled run and a second
cron worker fill OCA's payment order) and no dunning level fired twice.

Two invoicing workers share a run: the scheduled action in one process and, in
another, the same invoicing run as a second cron worker (its own progress,
committed per batch). Each committed batch appends what it invoiced to a share
file; the report says how the work was shared, how many batches were retried
after a serialization failure, and how many raw errors reached a log (0).
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from functools import partial

import bench  # scripts/: a scheduled action run as its cron runs it
from dateutil.relativedelta import relativedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JOBS = (
    "cron",
    "cron",
    "cron_invoicing",
    "sepa",
    "invoice_now",
    "mark_done",
    "log_usage",
)
# a traceback's last line: an error that reached a log unhandled (a retried
# one is only logged by PostgreSQL's client as a bad query)
RAW_ERRORS = (
    "psycopg2.errors.SerializationFailure",
    "psycopg2.errors.DeadlockDetected",
    "psycopg2.errors.LockNotAvailable",
)


def odoo_env(config, db):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", config, "--log-level=warn"])
    registry = Registry(db)
    return registry


# ----------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------
def prepare(config, db, count):
    import odoo
    from odoo.fields import Command

    registry = odoo_env(config, db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env.company
        if not env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        ):
            env["account.chart.template"].try_loading(
                "generic_coa", company, install_demo=False
            )
        # the reminders' e-mails without their PDF (a formal notice renders one
        # with wkhtmltopdf, which needs a running server): exactly-once is about
        # the reminders, not the report
        env["accomp.dunning.level"].search([]).mail_template_id.write(
            {"report_template_ids": [Command.clear()]}
        )
        # due on the invoice date: old unpaid invoices are overdue
        company.accomp_payment_term_id = env.ref(
            "account.account_payment_term_immediate"
        )
        provider = env.ref("payment.payment_provider_demo")
        provider.write({"state": "test", "company_id": company.id})
        method = env.ref("payment_demo.payment_method_demo")
        session = env["product.product"].create(
            {"name": "Soak session", "type": "service", "list_price": 90}
        )
        start = date.today() - relativedelta(months=5)
        offers = env["accomp.offer"].create(
            [
                {
                    "name": "Soak instalments",
                    "billing_model": "instalments",
                    "amount_total": 1200,
                    "instalment_count": 6,
                    "deposit_percent": 30,
                    "invoice_mode": "auto_post",
                    "extras_policy": "next_invoice",
                    "allowance_ids": [
                        Command.create({"product_id": session.id, "included_qty": 1})
                    ],
                },
                {
                    "name": "Soak upfront",
                    "billing_model": "upfront",
                    "amount_total": 900,
                    "invoice_mode": "auto_post",
                },
                {
                    "name": "Soak subscription",
                    "billing_model": "subscription",
                    "recurring_amount": 200,
                    "commitment_months": 3,
                    "invoice_mode": "auto_post",
                    "extras_policy": "immediate",
                    "allowance_ids": [
                        Command.create({"product_id": session.id, "included_qty": 0})
                    ],
                },
                {
                    "name": "Soak milestones",
                    "billing_model": "milestones",
                    "amount_total": 3000,
                    "deposit_percent": 20,
                    "invoice_mode": "auto_post",
                    "milestone_template_ids": [
                        Command.create({"name": f"Phase {n}", "percent": p})
                        for n, p in ((1, 30), (2, 40), (3, 30))
                    ],
                },
            ]
        )
        # a third pays by SEPA direct debit: its programme posts and sends
        # its invoices, which pre-notify the debit
        partners = env["res.partner"].create(
            [
                {
                    "name": f"Soak client {n}",
                    "is_company": n % 2 == 0,
                    "email": f"soak{n}@example.com" if by_sepa(n) else False,
                }
                for n in range(count)
            ]
        )
        engagements = env["accomp.engagement"].create(
            [
                {
                    "partner_id": partner.id,
                    "offer_id": offers[n % len(offers)].id,
                    "date_start": start + relativedelta(days=n % 28),
                    **({"invoice_mode": "auto_send"} if by_sepa(n) else {}),
                }
                for n, partner in enumerate(partners)
            ]
        )
        engagements.action_confirm()
        # a third pays by automatic debit; some debits are declined
        for n, engagement in enumerate(engagements):
            if n % 3:
                continue
            engagement.payment_token_id = env["payment.token"].create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": method.id,
                    "partner_id": engagement.partner_id.id,
                    "provider_ref": f"soak-{n}",
                    "payment_details": "4242",
                    "demo_simulated_state": "error" if n % 9 == 0 else "done",
                }
            )
        # another third is collected by SEPA direct debit (accomp_billing_sepa):
        # the scheduled run adds their due invoices to the payment order
        prepare_sepa(env, company, engagements)
        # some invoices are months old: the debits and reminders have work to do
        env["accomp.schedule.line"]._invoice_due_lines(
            date_ref=start + relativedelta(months=1),
            engagements=engagements.filtered(lambda e: e.id % 4 == 0),
        )
        # other processes must see the data
        cr.commit()  # pylint: disable=invalid-commit
    return count


def by_sepa(n):
    """Whether the n-th programme of the soak pays by SEPA direct debit."""
    return n % 3 == 1


def prepare_sepa(env, company, engagements):
    """The company's SEPA payment mode and a mandate for every third programme
    (those without a saved card, sold posting and sending their invoices: the
    client's pre-notification): debited one day after their invoice's date,
    added to the order within 5 days of it."""
    from odoo.fields import Command

    # the company's IBAN (its bank journal gets it from the setup)
    company.partner_id.bank_ids = [
        Command.create({"acc_number": "FR7630006000011234567890189"})
    ]
    company.write(
        {
            "sepa_creditor_identifier": "FR78ZZZ424242",
            "accomp_sepa_prenotification_days": 1,
            "accomp_sepa_lead_days": 5,
        }
    )
    company.action_accomp_sepa_setup()
    for n, engagement in enumerate(engagements):
        if not by_sepa(n):
            continue
        bank = env["res.partner.bank"].create(
            {
                "partner_id": engagement.partner_id.id,
                "acc_number": "FR1420041010050500013M02606",
            }
        )
        engagement.mandate_id = env["account.banking.mandate"].create(
            {
                "partner_bank_id": bank.id,
                "company_id": company.id,
                "signature_date": date.today(),
                "state": "valid",
            }
        )


# the invoices queued for Odoo's own sending (not run here) are sent: their
# debits are pre-notified; those queued since wait for the next SEPA run
MARK_SENT = (
    "UPDATE account_move SET is_move_sent = true, sending_data = NULL"
    " WHERE mandate_id IS NOT NULL AND state = 'posted' AND NOT is_move_sent"
    " AND sending_data IS NOT NULL"
)


# ----------------------------------------------------------------------------
# Workers (separate OS processes)
# ----------------------------------------------------------------------------
def track_share(job, share_file):
    """Append to ``share_file``, at each committed batch, the invoices this
    process made since the last commit (``invoiced``) and the batches it had
    to retry after a serialization failure (``retried``)."""
    from unittest.mock import patch

    from odoo.addons.accomp_billing.models import accomp_schedule_line_invoicing
    from odoo.addons.accomp_billing.models import ir_cron as accomp_ir_cron
    from odoo.addons.base.models.ir_cron import IrCron

    Line = accomp_schedule_line_invoicing.AccompScheduleLine
    logger = accomp_ir_cron._logger
    pending = {"invoiced": 0, "retried": 0}
    invoice_batch, commit_progress, info = (
        Line._invoice_batch,
        IrCron._commit_progress,
        logger.info,
    )

    def counted_batch(model, *args, **kwargs):
        batch, created = invoice_batch(model, *args, **kwargs)
        pending["invoiced"] += len(created)
        return batch, created

    def counted_commit(cron, *args, **kwargs):
        result = commit_progress(cron, *args, **kwargs)
        if any(pending.values()):
            with open(share_file, "a", encoding="utf-8") as handle:
                handle.write(
                    f"{job} {os.getpid()} {pending['invoiced']} {pending['retried']}\n"
                )
            pending.update(invoiced=0, retried=0)
        return result

    def counted_info(message, *args, **kwargs):
        if "retried" in message:
            pending["retried"] += 1
            pending["invoiced"] = 0  # the step's work was rolled back
        return info(message, *args, **kwargs)

    for target, name, replacement in (
        (Line, "_invoice_batch", counted_batch),
        (IrCron, "_commit_progress", counted_commit),
        (logger, "info", counted_info),
    ):
        patch.object(target, name, replacement).start()


def worker(config, db, job, seed, share_file=None):
    import odoo
    from odoo.service.model import retrying

    from odoo.addons.base.models.ir_cron import IrCron

    random.seed(seed)
    registry = odoo_env(config, db)
    if share_file and job in ("cron", "cron_invoicing"):
        track_share(job, share_file)
    if job == "cron":
        # the soak's own nudge (the jobs due now) races the running crons'
        # bookkeeping of the same rows: retried like a request
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            retrying(
                partial(
                    cr.execute,
                    "UPDATE ir_cron SET nextcall = now() - interval '1 minute', "
                    "active = true WHERE id IN (SELECT res_id FROM ir_model_data "
                    "WHERE module IN ('accomp_billing', 'accomp_billing_sepa') "
                    "AND model = 'ir.cron')",
                ),
                env,
            )
            retrying(partial(cr.execute, MARK_SENT), env)
        IrCron._process_jobs(db)
        return
    if job == "cron_invoicing":
        # a second cron worker running the same invoicing run at once (its own
        # progress, committed per batch, as Odoo runs a scheduled action)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            # as Odoo runs a scheduled action: its budget and its own progress
            bench.run_as_its_cron(
                env,
                "accomp_billing.ir_cron_invoice_due_lines",
                "accomp.schedule.line",
                "_invoice_due_lines",
                seconds=600,
            )
        return

    if job == "sepa":
        # a second cron worker on the SEPA run at once (its own progress)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            retrying(partial(cr.execute, MARK_SENT), env)
            bench.run_as_its_cron(
                env,
                "accomp_billing_sepa.ir_cron_prepare_direct_debits",
                "accomp.engagement",
                "_prepare_direct_debits",
                seconds=600,
            )
        return

    def request(env):
        """One user action, as a request runs it."""
        Engagement = env["accomp.engagement"]
        active = Engagement.search([("state", "=", "active")])
        if not active:
            return
        if job == "invoice_now":
            picked = active.browse(random.sample(active.ids, min(20, len(active))))
            try:
                picked.action_invoice_now()
            except odoo.exceptions.UserError:
                return  # nothing due for those: the button says so
        elif job == "mark_done":
            todo = env["accomp.milestone"].search(
                [("state", "=", "todo"), ("engagement_id.state", "=", "active")],
                limit=5,
                order="id",
            )
            todo.action_done()
        elif job == "log_usage":
            with_allowance = active.filtered("allowance_ids")[:40]
            for engagement in random.sample(
                list(with_allowance), min(5, len(with_allowance))
            ):
                env["accomp.usage"].create(
                    {
                        "engagement_id": engagement.id,
                        "product_id": engagement.allowance_ids[0].product_id.id,
                        "date": date.today(),
                    }
                )

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        # Odoo runs a request in its own transaction, retried (5 times) when it
        # fails to serialize against another one, and commits it
        retrying(partial(request, env), env)


# ----------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------
CHECKS = {
    "duplicates": """
        SELECT count(*) FROM (
            SELECT aml.accomp_schedule_line_id, COALESCE(aml.accomp_attempt, 1)
              FROM account_move_line aml
             WHERE aml.accomp_schedule_line_id IS NOT NULL
               AND aml.parent_state != 'cancel'
             GROUP BY 1, 2 HAVING count(*) > 1) d""",
    "missed": """
        SELECT count(*) FROM accomp_schedule_line l
          JOIN accomp_engagement e ON e.id = l.engagement_id
         WHERE l.state = 'planned' AND l.date_due <= CURRENT_DATE
           AND e.state = 'active'
           AND (l.kind = 'deposit' OR NOT e.awaiting_deposit)""",
    "totals_mismatch": """
        SELECT count(*) FROM (
            SELECT l.id FROM accomp_schedule_line l
              JOIN account_move_line aml ON aml.accomp_schedule_line_id = l.id
                   AND aml.parent_state = 'posted'
                   AND COALESCE(aml.accomp_attempt, 1) = l.attempt
             WHERE l.state IN ('invoiced', 'paid')
             GROUP BY l.id, l.amount, l.kind, l.quantity, l.price_unit
            HAVING abs(sum(aml.price_subtotal)
                       - CASE WHEN l.kind = 'extras'
                              THEN round((l.quantity * l.price_unit)::numeric, 2)
                              ELSE l.amount END) > 0.005) m""",
    "events_without_invoice": """
        SELECT count(*) FROM accomp_schedule_line l
         WHERE l.state IN ('invoiced', 'paid') AND l.invoice_id IS NULL""",
    "debits_charged_twice": """
        SELECT count(*) FROM (
            SELECT rel.invoice_id
              FROM payment_transaction tx
              JOIN account_invoice_transaction_rel rel ON rel.transaction_id = tx.id
             WHERE tx.state = 'done' AND tx.operation = 'offline'
             GROUP BY 1 HAVING count(*) > 1) d""",
    # an invoice in two live SEPA debits (payment lines of orders not cancelled)
    "sepa_debited_twice": """
        SELECT count(*) FROM (
            SELECT aml.move_id
              FROM account_payment_line pl
              JOIN account_move_line aml ON aml.id = pl.move_line_id
              JOIN account_payment_order po ON po.id = pl.order_id
             WHERE po.state != 'cancel'
             GROUP BY 1 HAVING count(*) > 1) d""",
    # a sent, unpaid SEPA invoice due within the lead time, left out of the order
    "sepa_missed": """
        SELECT count(*) FROM account_move m
          JOIN account_banking_mandate bm ON bm.id = m.mandate_id
         WHERE m.state = 'posted' AND m.move_type = 'out_invoice'
           AND m.accomp_engagement_id IS NOT NULL AND m.is_move_sent
           AND m.payment_state IN ('not_paid', 'partial')
           AND bm.state = 'valid'
           AND m.invoice_date_due <= CURRENT_DATE + 5
           AND NOT EXISTS (
               SELECT 1 FROM account_payment_line pl
                 JOIN account_move_line aml ON aml.id = pl.move_line_id
                WHERE aml.move_id = m.id)""",
    "dunning_twice": """
        SELECT count(*) FROM (
            SELECT invoice_id, level_id FROM accomp_dunning_history
             GROUP BY 1, 2 HAVING count(*) > 1) d""",
}


def check(config, db):
    registry = odoo_env(config, db)
    with registry.cursor() as cr:
        results = {}
        for name, query in CHECKS.items():
            cr.execute(query)
            results[name] = cr.fetchone()[0]
        cr.execute(
            "SELECT count(*) FROM account_move WHERE accomp_engagement_id IS NOT NULL"
        )
        results["invoices"] = cr.fetchone()[0]
        cr.execute(
            "SELECT count(*) FROM payment_transaction WHERE operation = 'offline'"
        )
        results["debits"] = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM accomp_dunning_history")
        results["reminders"] = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM account_payment_line")
        results["sepa_debits"] = cr.fetchone()[0]
    return results


# ----------------------------------------------------------------------------
# Conductor
# ----------------------------------------------------------------------------
def spawn(config, db, job, seed, share_file, log):
    return subprocess.Popen(
        [sys.executable, __file__, "worker", config, db, job, str(seed), share_file],
        stdout=log,
        stderr=log,
        start_new_session=True,
    )


def shares(share_file):
    """{job: invoices committed}, batches retried."""
    invoiced, retried = {}, 0
    if os.path.exists(share_file):
        with open(share_file, encoding="utf-8") as handle:
            for line in handle:
                job, _pid, count, retries = line.split()
                invoiced[job] = invoiced.get(job, 0) + int(count)
                retried += int(retries)
    return invoiced, retried


def conduct(config, db, minutes, count):
    random.seed(20261121)
    t0 = time.time()
    prepare(config, db, count)
    workdir = tempfile.mkdtemp(prefix="accomp-soak-")
    share_file = os.path.join(workdir, "share.txt")
    log_path = os.path.join(workdir, "workers.log")
    runs = kills = pairs = died = shared = 0
    deadline = time.time() + minutes * 60
    with open(log_path, "ab") as log:
        first = True
        while time.time() < deadline:
            width = random.choice((1, 2, 2, 3))
            jobs = [random.choice(JOBS) for _i in range(width)]
            if first or random.random() < 0.3:
                # the scheduled action and a second cron worker share a run;
                # the first time on the whole backlog, to its end (no kill)
                jobs[:2] = ["cron", "cron_invoicing"]
            paired = {"cron", "cron_invoicing"} <= set(jobs)
            shared += paired
            procs = [
                spawn(config, db, job, random.randrange(10**6), share_file, log)
                for job in jobs
            ]
            runs += len(jobs)
            pairs += len(jobs) > 1
            time.sleep(random.uniform(1.5, 6.0))  # a worker needs ~3 s to start
            killed = set()
            for proc in procs:
                if first:
                    break
                if proc.poll() is None and random.random() < 0.8:
                    os.killpg(proc.pid, signal.SIGKILL)
                    killed.add(proc.pid)
            for proc in procs:
                try:
                    proc.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    killed.add(proc.pid)
                    proc.wait()
                if proc.pid not in killed and proc.returncode:
                    died += 1
            kills += len(killed)
            first = False
    # one clean run finishes what the killed ones left
    for _i in range(3):
        worker(config, db, "cron", 0)
    results = check(config, db)
    with open(log_path, encoding="utf-8", errors="replace") as handle:
        raw_errors = sum(line.startswith(RAW_ERRORS) for line in handle)
    invoiced, retried = shares(share_file)
    failures = sum(
        results[name] for name in CHECKS if name not in ("invoices", "debits")
    )
    if not results["sepa_debits"]:
        failures += 1  # the SEPA run must have had work
    failures += died + raw_errors
    sys.stdout.write(
        f"{runs} runs, {kills} kills, {pairs} concurrent groups, "
        f"{results['duplicates']} duplicates, {results['missed']} missed "
        f"({results['invoices']} invoices, {results['debits']} debits, "
        f"{results['reminders']} reminders; totals mismatches "
        f"{results['totals_mismatch']}, events without invoice "
        f"{results['events_without_invoice']}, debits charged twice "
        f"{results['debits_charged_twice']}, reminders twice "
        f"{results['dunning_twice']}; {results['sepa_debits']} SEPA debit lines, "
        f"{results['sepa_debited_twice']} invoices debited twice, "
        f"{results['sepa_missed']} left out) in {time.time() - t0:.0f} s\n"
        f"two invoicing workers at once {shared} times: scheduled action "
        f"{invoiced.get('cron', 0)} invoices, second cron worker "
        f"{invoiced.get('cron_invoicing', 0)}; {retried} batches retried after a "
        f"serialization failure, {raw_errors} raw errors in the workers' logs, "
        f"{died} workers died\n"
    )
    return 1 if failures else 0


def main(argv):
    if argv and argv[0] == "worker":
        config, db, job, seed, share_file = argv[1:6]
        worker(config, db, job, int(seed), share_file)
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("db")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--engagements", type=int, default=300)
    args = parser.parse_args(argv)
    return conduct(args.config, args.db, args.minutes, args.engagements)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
