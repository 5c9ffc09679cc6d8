#!/usr/bin/env python3
"""Benchmark: the invoicing scheduler against Odoo's own batch invoicing.

    scripts/setup.sh bench [--sizes 1000 10000] [--rounds 2]      (make bench)

On a dedicated database (``accomp_bench``, rebuilt each time, pre-filled with
invoice history and ANALYZEd so the planner behaves as in production), the same
data shapes are invoiced, in alternating order, best of N rounds, each round
rolled back:

* Odoo's native batch: ``account.move.create(vals_list)`` + ``_post()`` per 50;
* OCA contract 19.0 (``requirements-bench.txt``, when it installs): its
  invoicing cron on as many contracts, then ``_post()`` of what it created;
* accomp_billing's scheduler: ``_invoice_due_lines()`` on as many due events,
  run as the cron runs it (a batch, its progress, its cache dropped), with the
  process's memory sampled after each batch;

then engagement confirmation per second, the dry run and the forecast on as
many programmes, and sending: invoices rendered (PDF + Factur-X) and e-mailed
by Odoo's own batch sending called directly, against the same number queued by
the scheduler (``invoice_mode`` ``auto_send``) and sent by Odoo's "Send invoices
automatically" cron. Prints a table with the rates, queries/invoice and the
ratios, PASS/FAIL against the targets (it never fails ``make test``), and
writes it to docs/benchmarks.md.
"""

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import time
from datetime import date

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 50


def registry_for(config, db):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", config, "--log-level=warn"])
    return Registry(db)


def env_for(cr):
    import odoo

    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def prepare(registry, size, history):
    """Clients, a taxed product, one upfront offer; past invoices as history
    (kept when the database already has them: a rerun on the same database
    measures the same shapes)."""
    from odoo.fields import Command

    with registry.cursor() as cr:
        env = env_for(cr)
        company = env.company
        if not env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        ):
            env["account.chart.template"].try_loading(
                "generic_coa", company, install_demo=False
            )
        offer = env["accomp.offer"].search([("name", "=", "Bench programme")])
        partners = env["res.partner"].search(
            [("name", "=like", "Bench client %")], order="id"
        )
        if offer:
            product = offer.product_id
            offer.invoice_mode = "auto_post"
            history = 0
        else:
            tax = env["account.tax"].create(
                {"name": "Bench VAT 20 %", "amount": 20, "type_tax_use": "sale"}
            )
            product = env["product.product"].create(
                {
                    "name": "Bench coaching",
                    "type": "service",
                    "taxes_id": [Command.set(tax.ids)],
                }
            )
            offer = env["accomp.offer"].create(
                {
                    "name": "Bench programme",
                    "billing_model": "upfront",
                    "amount_total": 1200,
                    "product_id": product.id,
                    "invoice_mode": "auto_post",
                }
            )
        partners |= env["res.partner"].create(
            [
                {"name": f"Bench client {n}"}
                for n in range(len(partners), max(size, 100))
            ]
        )
        # history: posted invoices, so that sequences and indexes are not empty
        for start in range(0, history, BATCH):
            moves = env["account.move"].create(
                [
                    native_vals(partners[n % len(partners)], product, date(2025, 6, 1))
                    for n in range(start, min(start + BATCH, history))
                ]
            )
            moves._post()
        # the history stays: every measured round rolls back to it
        cr.commit()  # pylint: disable=invalid-commit
        cr.execute("ANALYZE")
        return partners.ids, product.id, offer.id


def native_vals(partner, product, day):
    from odoo.fields import Command

    return {
        "move_type": "out_invoice",
        "partner_id": partner.id,
        "invoice_date": day,
        "invoice_line_ids": [
            Command.create(
                {
                    "product_id": product.id,
                    "name": "Instalment 1/1 — Bench programme",
                    "quantity": 1,
                    "price_unit": 1200,
                }
            )
        ],
    }


def run_native(registry, size, partner_ids, product_id):
    with registry.cursor() as cr:
        env = env_for(cr)
        partners = env["res.partner"].browse(partner_ids)
        product = env["product.product"].browse(product_id)
        day = date.today()
        cr.sql_log_count = 0
        started = time.perf_counter()
        for start in range(0, size, BATCH):
            moves = env["account.move"].create(
                [
                    native_vals(partners[n], product, day)
                    for n in range(start, min(start + BATCH, size))
                ]
            )
            moves._post()
            env.flush_all()
        elapsed = time.perf_counter() - started
        queries = cr.sql_log_count
        cr.rollback()
    return elapsed, queries


def make_engagements(env, size, partner_ids, offer_id):
    return env["accomp.engagement"].create(
        [
            {
                "partner_id": partner_ids[n],
                "offer_id": offer_id,
                "date_start": date.today(),
            }
            for n in range(size)
        ]
    )


def rss_mb():
    """Resident memory of this process now (not its peak)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextlib.contextmanager
def as_the_cron(env, samples):
    """Run the scheduler as its cron does (progress per batch, cache dropped
    after each), without committing: the round is rolled back. The memory is
    sampled after each batch."""
    Cron = type(env["ir.cron"])
    original = Cron._commit_progress

    def commit_progress(self, processed=0, *, remaining=None, deactivate=False):
        if processed:
            samples.append(rss_mb())
        return True

    Cron._commit_progress = commit_progress
    try:
        yield env(context=dict(env.context, ir_cron_progress_id=-1))
    finally:
        Cron._commit_progress = original


def run_as_its_cron(env, xmlid, model, method, seconds=3600):
    """``env[model].method()`` as the scheduled action ``xmlid`` runs it:
    with its own progress, so that each ``_commit_progress`` commits its
    batch; committed at the end."""
    cron = env.ref(xmlid)
    cron, _progress = cron.with_context(
        cron_id=cron.id, cron_end_time=time.monotonic() + seconds
    )._add_progress()
    env.cr.commit()  # pylint: disable=invalid-commit
    result = getattr(cron.env[model], method)()
    env.cr.commit()  # pylint: disable=invalid-commit
    return result


MODES = {
    # invoice mode of the offer, whether the clients have an e-mail address
    "post": ("auto_post", False),
    "post+send": ("auto_send", True),
    "post+send, no e-mail": ("auto_send", False),
}


def run_ours(registry, size, partner_ids, offer_id, mode="post"):
    with registry.cursor() as cr:
        env = env_for(cr)
        env["accomp.offer"].browse(offer_id).invoice_mode = MODES[mode][0]
        engagements = make_engagements(env, size, partner_ids, offer_id)
        confirm_started = time.perf_counter()
        engagements.action_confirm()
        env.flush_all()
        confirm = time.perf_counter() - confirm_started
        Line = env["accomp.schedule.line"]
        dry_started = time.perf_counter()
        due = Line._invoice_due_lines(dry_run=True)
        dry = time.perf_counter() - dry_started
        forecast_started = time.perf_counter()
        Forecast = env["accomp.forecast"]
        Forecast._read_group([], ["date:month", "status"], ["amount_total:sum"])
        Forecast.search_fetch([], ["date", "engagement_id", "amount_total"], limit=80)
        forecast = time.perf_counter() - forecast_started
        env.invalidate_all()
        samples = [rss_mb()]
        cr.sql_log_count = 0
        started = time.perf_counter()
        with as_the_cron(env, samples) as cron_env:
            invoices = cron_env["accomp.schedule.line"]._invoice_due_lines(
                batch_size=BATCH
            )
            cron_env.flush_all()
        elapsed = time.perf_counter() - started
        queries = cr.sql_log_count
        assert len(invoices) == size == len(due), (len(invoices), size, len(due))
        cr.rollback()
    # memory growth over the run's second half (the first batches warm the
    # caches of the registry: templates, taxes, accounts)
    half = samples[len(samples) // 2 :]
    growth = half[-1] - half[0] if len(half) > 1 else 0.0
    return elapsed, queries, confirm, dry, forecast, growth


def contract_installed(registry):
    with registry.cursor() as cr:
        return bool(
            env_for(cr)["ir.module.module"].search_count(
                [("name", "=", "contract"), ("state", "=", "installed")]
            )
        )


def make_contracts(env, size, partner_ids, product_id):
    """``size`` monthly OCA contracts of one line, due today."""
    from odoo.fields import Command

    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", env.company.id)], limit=1
    )
    day = date.today()
    env["contract.contract"].create(
        [
            {
                "name": f"Bench contract {n}",
                "partner_id": partner_ids[n],
                "contract_type": "sale",
                "journal_id": journal.id,
                "line_recurrence": False,
                "recurring_rule_type": "monthly",
                "recurring_interval": 1,
                "recurring_invoicing_type": "pre-paid",
                "date_start": day,
                "recurring_next_date": day,
                "contract_line_ids": [
                    Command.create(
                        {
                            "product_id": product_id,
                            "name": "Instalment 1/1 — Bench programme",
                            "quantity": 1,
                            "price_unit": 1200,
                        }
                    )
                ],
            }
            for n in range(size)
        ]
    )


def run_contract(registry, size, partner_ids, product_id):
    """OCA contract's invoicing cron on ``size`` monthly contracts due today,
    then the posting of the invoices it created (drafts)."""
    with registry.cursor() as cr:
        env = env_for(cr)
        make_contracts(env, size, partner_ids, product_id)
        env.flush_all()
        last_id = env["account.move"].search([], order="id desc", limit=1).id
        cr.sql_log_count = 0
        started = time.perf_counter()
        env["contract.contract"].cron_recurring_create_invoice()
        moves = env["account.move"].search(
            [("id", ">", last_id), ("move_type", "=", "out_invoice")]
        )
        moves._post()
        env.flush_all()
        elapsed = time.perf_counter() - started
        queries = cr.sql_log_count
        assert len(moves) == size, (len(moves), size)
        cr.rollback()
    return elapsed, queries


def run_sending(registry, count, partner_ids, offer_id, which):
    """Render (PDF + Factur-X) and e-mail ``count`` programme invoices: with
    Odoo's batch sending called directly ("native"), or queued by the
    scheduler and sent by Odoo's cron, step by step as it runs ("ours"); the
    PDFs with their styles, fetched from the Odoo server ``report.url`` names."""
    with registry.cursor() as cr:
        env = env_for(cr)
        env["accomp.offer"].browse(offer_id).invoice_mode = (
            "auto_send" if which == "ours" else "auto_post"
        )
        engagements = make_engagements(env, count, partner_ids, offer_id)
        engagements.action_confirm()
        env["accomp.schedule.line"]._invoice_due_lines(batch_size=BATCH)
        env.flush_all()
        # only these programmes' invoices (a rerun's database may hold others)
        invoices = env["account.move"].search(
            [("accomp_engagement_id", "in", engagements.ids)]
        )
        started = time.perf_counter()
        if which == "ours":
            # as the cron runs it, but its progress must not commit: rolled back
            with as_the_cron(env, []) as cron_env:
                Move = cron_env["account.move"]
                while Move.search_count([("sending_data", "!=", False)]):
                    Move._cron_account_move_send()  # as its cron calls it
                    cron_env.flush_all()
        else:
            env["account.move.send"]._generate_and_send_invoices(
                invoices, sending_methods=["email"]
            )
            env.flush_all()
        elapsed = time.perf_counter() - started
        sent = env["mail.mail"].search_count(
            [("model", "=", "account.move"), ("res_id", "in", invoices.ids)]
        )
        pdfs = len(invoices.filtered("invoice_pdf_report_id"))
        assert sent == pdfs == count, (which, sent, pdfs, count)
        cr.rollback()
    return elapsed


@contextlib.contextmanager
def odoo_server(config, db, port=8199):
    """An Odoo server of this database on ``port`` (no cron), for as long as
    the block runs: the client's pages, and the styles wkhtmltopdf fetches."""
    import requests

    server = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "odoo"),
            "-c",
            config,
            "-d",
            db,
            f"--db-filter=^{db}$",
            "--http-port",
            str(port),
            "--log-level=warn",
            "--max-cron-threads=0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _i in range(120):
            try:
                requests.get(f"{base}/web/login", timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=60)


def prepare_senders(registry, partner_ids, report_url):
    """The sending round needs clients with an e-mail, the company the
    identity Factur-X asks for (e-mail, phone, IBAN), and the address of the
    server the PDFs' styles come from (as in production)."""
    with registry.cursor() as cr:
        env = env_for(cr)
        env["ir.config_parameter"].set_param("report.url", report_url)
        company = env.company
        company.write({"email": "bench@example.com", "phone": "+33 1 23 45 67 89"})
        if not company.partner_id.bank_ids:
            env["res.partner.bank"].create(
                {
                    "acc_number": "FR7630006000011234567890189",
                    "partner_id": company.partner_id.id,
                }
            )
        for partner in env["res.partner"].browse(partner_ids):
            partner.email = f"client{partner.id}@example.com"
        cr.commit()  # pylint: disable=invalid-commit


def prepare_mailed(registry, size):
    """As many clients with an e-mail address (the "post and send" mode)."""
    with registry.cursor() as cr:
        env = env_for(cr)
        partners = env["res.partner"].search(
            [("name", "=like", "Bench mailed client %")], order="id"
        )
        partners |= env["res.partner"].create(
            [
                {"name": f"Bench mailed client {n}", "email": f"mailed{n}@example.com"}
                for n in range(len(partners), size)
            ]
        )
        cr.commit()  # pylint: disable=invalid-commit
        return partners.ids


def best(results):
    return min(results, key=lambda result: result[0])


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("db")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--history", type=int, default=2000)
    parser.add_argument(
        "--send", type=int, default=100, help="invoices rendered and sent per round"
    )
    parser.add_argument(
        "--modes",
        nargs="+",
        default=list(MODES),
        choices=list(MODES),
        help="invoice modes measured (each against the same native batch)",
    )
    args = parser.parse_args(argv)
    registry = registry_for(args.config, args.db)
    partner_ids, product_id, offer_id = prepare(registry, max(args.sizes), args.history)
    with_contract = contract_installed(registry)
    mailed_ids = prepare_mailed(registry, max(args.sizes))
    rows = []
    for size in args.sizes:
        runs = {"native": [], "contract": [], **{mode: [] for mode in args.modes}}
        for round_ in range(args.rounds):
            order = ["native", *args.modes] + (["contract"] if with_contract else [])
            if round_ % 2:
                order.reverse()
            for which in order:
                sys.stderr.write(f"{size} round {round_ + 1}: {which}\n")
                if which == "native":
                    runs[which].append(
                        run_native(registry, size, partner_ids, product_id)
                    )
                elif which == "contract":
                    runs[which].append(
                        run_contract(registry, size, partner_ids, product_id)
                    )
                else:
                    clients = mailed_ids if MODES[which][1] else partner_ids
                    runs[which].append(
                        run_ours(registry, size, clients, offer_id, which)
                    )
        n_time, n_queries = best(runs["native"])
        contract = best(runs["contract"]) if runs["contract"] else None
        for mode in args.modes:
            o_time, o_queries, confirm, dry, forecast, growth = best(runs[mode])
            row = {
                "size": size,
                "mode": mode,
                "native_rate": size / n_time,
                "native_qpi": n_queries / size,
                "ours_rate": size / o_time,
                "ours_qpi": o_queries / size,
                "ratio": n_time / o_time,
                "confirm_rate": size / confirm,
                "dry": dry,
                "forecast": forecast,
                "growth": growth,
            }
            if contract:
                c_time, c_queries = contract
                row.update(
                    contract_rate=size / c_time,
                    contract_qpi=c_queries / size,
                    contract_ratio=c_time / o_time,
                )
            rows.append(row)
    sending = None
    if args.send:
        sending = measure_sending(args, registry, partner_ids, offer_id)
    table = report(args, rows, sending, with_contract)
    sys.stdout.write(table + "\n")
    with open(os.path.join(ROOT, "docs", "benchmarks.md"), "w") as handle:
        handle.write(
            "# Benchmarks\n\n"
            "`make bench` (scripts/bench.py), latest run:\n\n" + table + "\n"
        )
    return 0


def measure_sending(args, registry, partner_ids, offer_id):
    """Best of the rounds, alternating, with an Odoo server for the styles."""
    native_send, ours_send = [], []
    with odoo_server(args.config, args.db) as base:
        prepare_senders(registry, partner_ids, base)
        for round_ in range(args.rounds):
            order = ("native", "ours") if round_ % 2 == 0 else ("ours", "native")
            for which in order:
                sys.stderr.write(f"sending round {round_ + 1}: {which}\n")
                (native_send if which == "native" else ours_send).append(
                    run_sending(registry, args.send, partner_ids, offer_id, which)
                )
    return min(native_send), min(ours_send)


def verdict(ok):
    return "PASS" if ok else "FAIL"


def report(args, rows, sending, with_contract):
    lines = [
        f"Machine: {platform.node()} — {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{args.history} invoices of history; best of {args.rounds}, alternating.",
        "",
        "| invoices due | mode | Odoo create()+_post() | OCA contract cron + post "
        "| accomp_billing _invoice_due_lines | vs Odoo (≥ 1.0×) "
        "| vs contract (≥ 1.3×) | queries/invoice (≤ 13) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        contract = (
            f"{row['contract_rate']:.1f} inv/s, {row['contract_qpi']:.1f} q/inv"
            if "contract_rate" in row
            else "not installed"
        )
        versus_contract = (
            f"{row['contract_ratio']:.2f}× {verdict(row['contract_ratio'] >= 1.3)}"
            if "contract_ratio" in row
            else "—"
        )
        lines.append(
            f"| {row['size']:,} | {row['mode']} | {row['native_rate']:.1f} inv/s, "
            f"{row['native_qpi']:.1f} q/inv | {contract} | "
            f"{row['ours_rate']:.1f} inv/s, {row['ours_qpi']:.1f} q/inv | "
            f"{row['ratio']:.2f}× {verdict(row['ratio'] >= 1.0)} | "
            f"{versus_contract} | {row['ours_qpi']:.1f} "
            f"{verdict(row['ours_qpi'] <= 13)} |"
        )
    lines += [
        "",
        "| programmes | confirmations/s | dry run (< 2 s) | forecast (< 2 s) "
        "| cron memory, second half of the run (flat) |",
        "|---|---|---|---|---|",
    ]
    for row in [r for r in rows if r["mode"] == rows[0]["mode"]]:
        lines.append(
            f"| {row['size']:,} | {row['confirm_rate']:.0f} | "
            f"{row['dry']:.2f} s {verdict(row['dry'] < 2)} | "
            f"{row['forecast']:.2f} s {verdict(row['forecast'] < 2)} | "
            f"{row['growth']:+.1f} MB {verdict(abs(row['growth']) < 50)} |"
        )
    for mode in dict.fromkeys(r["mode"] for r in rows):
        of_mode = [r for r in rows if r["mode"] == mode]
        if len(of_mode) > 1:
            first, last = of_mode[0], of_mode[-1]
            flat = first["ours_rate"] / last["ours_rate"]
            lines += [
                "",
                f"Per-invoice time ({mode}) at {last['size']:,} vs {first['size']:,}: "
                f"{flat:.2f}× ({verdict(flat <= 1.15)}, target within 15 %).",
            ]
    if sending:
        native, ours = sending
        ratio = native / ours
        lines += [
            "",
            f"Sending {args.send} invoices (PDF with its styles from a running "
            f"server + Factur-X + e-mail queued): Odoo's "
            f"batch sending {60 * args.send / native:.0f}/min, the scheduler's "
            f"queue through Odoo's cron {60 * args.send / ours:.0f}/min: "
            f"{ratio:.2f}× ({verdict(ratio >= 0.9)}, target within 10 %).",
        ]
    if not with_contract:
        lines += ["", "OCA contract could not be installed: not compared."]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
