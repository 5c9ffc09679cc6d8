#!/usr/bin/env python3
"""Benchmark: the invoicing scheduler against Odoo's own batch invoicing.

    scripts/setup.sh bench [--sizes 1000 10000] [--rounds 2]      (make bench)

On a dedicated database (``accomp_bench``, rebuilt each time, pre-filled with
invoice history and ANALYZEd so the planner behaves as in production), the same
data shapes are invoiced, in alternating order, best of N rounds, each round
rolled back:

* Odoo's native batch: ``account.move.create(vals_list)`` + ``_post()`` per 50;
* accomp_billing's scheduler: ``_invoice_due_lines()`` on as many due events;

then engagement confirmation per second and the dry run. Prints a table with
invoices/s, queries/invoice and the ratios, PASS/FAIL against the targets (it
never fails ``make test``), and writes it to docs/benchmarks.md.
OCA contract and sending throughput are not measured yet (see the README).
"""

import argparse
import os
import platform
import resource
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
    """Clients, a taxed product, one upfront offer; past invoices as history."""
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
        partners = env["res.partner"].create(
            [{"name": f"Bench client {n}"} for n in range(max(size, 100))]
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


def run_ours(registry, size, partner_ids, offer_id):
    with registry.cursor() as cr:
        env = env_for(cr)
        engagements = make_engagements(env, size, partner_ids, offer_id)
        confirm_started = time.perf_counter()
        engagements.action_confirm()
        env.flush_all()
        confirm = time.perf_counter() - confirm_started
        Line = env["accomp.schedule.line"]
        dry_started = time.perf_counter()
        due = Line._invoice_due_lines(dry_run=True)
        dry = time.perf_counter() - dry_started
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        cr.sql_log_count = 0
        started = time.perf_counter()
        invoices = Line._invoice_due_lines(batch_size=BATCH)
        env.flush_all()
        elapsed = time.perf_counter() - started
        queries = cr.sql_log_count
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert len(invoices) == size == len(due), (len(invoices), size, len(due))
        cr.rollback()
    return elapsed, queries, confirm, dry, (rss_after - rss_before) / 1024


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("db")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--history", type=int, default=2000)
    args = parser.parse_args(argv)
    registry = registry_for(args.config, args.db)
    partner_ids, product_id, offer_id = prepare(registry, max(args.sizes), args.history)
    rows = []
    for size in args.sizes:
        native, ours = [], []
        for round_ in range(args.rounds):
            order = ("native", "ours") if round_ % 2 == 0 else ("ours", "native")
            for which in order:
                if which == "native":
                    native.append(run_native(registry, size, partner_ids, product_id))
                else:
                    ours.append(run_ours(registry, size, partner_ids, offer_id))
        n_time, n_queries = min(native)
        o_time, o_queries, confirm, dry, rss = min(ours)
        rows.append(
            {
                "size": size,
                "native_rate": size / n_time,
                "native_qpi": n_queries / size,
                "ours_rate": size / o_time,
                "ours_qpi": o_queries / size,
                "ratio": (size / o_time) / (size / n_time),
                "confirm_rate": size / confirm,
                "dry": dry,
                "rss": rss,
            }
        )
    lines = [
        f"Machine: {platform.node()} — {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{args.history} invoices of history; best of {args.rounds}, alternating.",
        "",
        "| invoices due | Odoo create()+_post() | accomp_billing _invoice_due_lines | "
        "ratio (target ≥ 0.95×) | queries/invoice (target ≤ 13) | "
        "confirmations/s | dry run (target < 2 s) | RSS growth |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio_ok = "PASS" if row["ratio"] >= 0.95 else "FAIL"
        qpi_ok = "PASS" if row["ours_qpi"] <= 13 else "FAIL"
        dry_ok = "PASS" if row["dry"] < 2 else "FAIL"
        lines.append(
            f"| {row['size']:,} | {row['native_rate']:.1f} inv/s, "
            f"{row['native_qpi']:.1f} q/inv | {row['ours_rate']:.1f} inv/s | "
            f"{row['ratio']:.2f}× {ratio_ok} | {row['ours_qpi']:.1f} {qpi_ok} | "
            f"{row['confirm_rate']:.0f} | {row['dry']:.2f} s {dry_ok} | "
            f"{row['rss']:.0f} MB |"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        flat = (1 / last["ours_rate"]) / (1 / first["ours_rate"])
        lines.append("")
        lines.append(
            f"Per-invoice time at {last['size']:,} vs {first['size']:,}: "
            f"{flat:.2f}× ({'PASS' if flat <= 1.10 else 'FAIL'}, target within 10 %)."
        )
    table = "\n".join(lines)
    sys.stdout.write(table + "\n")
    with open(os.path.join(ROOT, "docs", "benchmarks.md"), "w") as handle:
        handle.write(
            "# Benchmarks\n\n"
            "`make bench` (scripts/bench.py), latest run:\n\n" + table + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
