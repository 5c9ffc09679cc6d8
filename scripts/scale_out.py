#!/usr/bin/env python3
"""Scale-out: 1, 2 and 4 cron workers (separate OS processes, as Odoo's
``--workers`` / ``--max-cron-threads`` or several servers on one database run
them) sharing one invoicing run of the same due events.

    scale_out.py CONFIG DB [--events 2000] [--workers 1 2 4]   (make bench runs it)

For each number of workers, on committed data (the benchmark's database): as
many one-event programmes as ``--events`` are confirmed and committed, every
worker loads its registry, then all start at once the scheduler's invoicing run
as its cron runs it (its own progress, committed per batch, a batch that fails
to serialize retried on a fresh snapshot). Reported: invoices per second from
the start to the last worker's end, how the invoices were shared, the batches
retried, the raw errors that reached a worker (0 expected), and SQL checks: no
billing event on two invoices, none left.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import bench  # scripts/: the benchmark's database, offer and programmes
from bench import env_for, registry_for


def prepare(config, db, events):
    """``events`` confirmed one-event programmes of the benchmark's offer (an
    upfront programme, posted automatically), due today, committed."""
    registry = registry_for(config, db)
    _partners, _product, offer_id = bench.prepare(registry, 0, 0)
    with registry.cursor() as cr:
        env = env_for(cr)
        partners = env["res.partner"].create(
            [{"name": f"Scale-out client {n}"} for n in range(events)]
        )
        engagements = bench.make_engagements(env, events, partners.ids, offer_id)
        engagements.action_confirm()
        cr.commit()  # pylint: disable=invalid-commit
        cr.execute("ANALYZE")
        return engagements.ids


def worker(config, db, go_file, result_file, kind="cron"):
    """One cron worker: ready, then at the signal the invoicing run as its cron
    runs it; what it committed, retried and when, into ``result_file``.
    ``kind`` "direct": the same run called directly instead (one transaction,
    as from a shell or a server action), committed at its end."""
    from unittest.mock import patch

    import psycopg2

    registry = registry_for(config, db)  # the addons path first

    from odoo.addons.accomp_billing.models import accomp_schedule_line_invoicing
    from odoo.addons.accomp_billing.models import ir_cron as accomp_ir_cron
    from odoo.addons.base.models.ir_cron import IrCron

    Line = accomp_schedule_line_invoicing.AccompScheduleLine
    counts = {"invoiced": 0, "pending": 0, "retried": 0}
    invoice_batch, commit_progress, info = (
        Line._invoice_batch,
        IrCron._commit_progress,
        accomp_ir_cron._logger.info,
    )

    def counted_batch(model, *args, **kwargs):
        batch, created = invoice_batch(model, *args, **kwargs)
        counts["pending"] += len(created)
        return batch, created

    def counted_commit(cron, *args, **kwargs):
        result = commit_progress(cron, *args, **kwargs)
        counts["invoiced"] += counts["pending"]
        counts["pending"] = 0
        return result

    def counted_info(message, *args, **kwargs):
        if "retried" in message:
            counts["retried"] += 1
            counts["pending"] = 0  # rolled back
        return info(message, *args, **kwargs)

    for target, name, replacement in (
        (Line, "_invoice_batch", counted_batch),
        (IrCron, "_commit_progress", counted_commit),
        (accomp_ir_cron._logger, "info", counted_info),
    ):
        patch.object(target, name, replacement).start()
    error = None
    with registry.cursor() as cr:
        env = env_for(cr)
        env["accomp.schedule.line"].search_count([])  # a warm registry
        with open(result_file + ".ready", "w") as handle:
            handle.write("1")
        while not os.path.exists(go_file):
            time.sleep(0.005)
        started = time.time()
        try:
            if kind == "direct":
                created = env["accomp.schedule.line"]._invoice_due_lines()
                cr.commit()  # pylint: disable=invalid-commit
                counts["invoiced"] += len(created)
            else:
                bench.run_as_its_cron(
                    env,
                    "accomp_billing.ir_cron_invoice_due_lines",
                    "accomp.schedule.line",
                    "_invoice_due_lines",
                )
        except psycopg2.Error as exc:  # a raw error: the worker died of it
            error = f"{type(exc).__name__}: {exc}".splitlines()[0]
            cr.rollback()
        ended = time.time()
    with open(result_file, "w") as handle:
        json.dump(
            {
                "pid": os.getpid(),
                "invoiced": counts["invoiced"],
                "retried": counts["retried"],
                "started": started,
                "ended": ended,
                "error": error,
            },
            handle,
        )


CHECKS = {
    "duplicates": """
        SELECT count(*) FROM (
            SELECT aml.accomp_schedule_line_id
              FROM account_move_line aml
             WHERE aml.accomp_schedule_line_id IS NOT NULL
               AND aml.parent_state != 'cancel'
             GROUP BY 1 HAVING count(*) > 1) d""",
    "left": """
        SELECT count(*) FROM accomp_schedule_line l
          JOIN accomp_engagement e ON e.id = l.engagement_id
         WHERE l.state = 'planned' AND l.date_due <= CURRENT_DATE
           AND e.state = 'active' AND e.id IN %s""",
}


def run(config, db, events, workers, direct=False):
    """``workers`` cron workers (the last one a direct run when ``direct``)."""
    ids = prepare(config, db, events)
    workdir = tempfile.mkdtemp(prefix="accomp-scale-out-")
    go_file = os.path.join(workdir, "go")
    results = [os.path.join(workdir, f"worker{n}.json") for n in range(workers)]
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "worker", config, db, go_file, result]
            + (["direct"] if direct and n == workers - 1 else []),
            stderr=open(result + ".log", "w"),  # noqa: SIM115
        )
        for n, result in enumerate(results)
    ]
    while not all(os.path.exists(r + ".ready") for r in results):
        time.sleep(0.05)
    go = time.time()
    with open(go_file, "w") as handle:
        handle.write("go")
    for proc in procs:
        proc.wait(timeout=3600)
    done = []
    for result in results:
        with open(result) as handle:
            done.append(json.load(handle))
    raw_errors = 0
    for result in results:
        with open(result + ".log", errors="replace") as handle:
            raw_errors += sum(line.startswith("psycopg2.errors.") for line in handle)
    registry = registry_for(config, db)
    with registry.cursor() as cr:
        checks = {}
        for name, query in CHECKS.items():
            cr.execute(query, (tuple(ids),) if "%s" in query else None)
            checks[name] = cr.fetchone()[0]
    elapsed = max(r["ended"] for r in done) - go
    return {
        "workers": f"{workers - 1} + 1 direct run" if direct else workers,
        "events": events,
        "elapsed": elapsed,
        "rate": sum(r["invoiced"] for r in done) / elapsed,
        "shares": sorted((r["invoiced"] for r in done), reverse=True),
        "retried": sum(r["retried"] for r in done),
        "died": sum(1 for r in done if r["error"]) + raw_errors,
        "errors": [r["error"] for r in done if r["error"]],
        **checks,
    }


def report(rows):
    base = rows[0]["rate"]
    lines = [
        f"Scale-out ({os.cpu_count()} cores): cron workers (separate processes) "
        f"sharing one run of {rows[0]['events']:,} due events, committed per batch.",
        "",
        "| cron workers | invoices/s | vs 1 worker | invoices per worker | batches "
        "retried | workers died | duplicates | left |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = row["rate"] / base
        target = (
            {2: 1.7}.get(row["workers"]) if isinstance(row["workers"], int) else None
        )
        verdict = (
            f" {'PASS' if ratio >= target else 'FAIL'} (≥ {target}×)" if target else ""
        )
        lines.append(
            f"| {row['workers']} | {row['rate']:.1f} | {ratio:.2f}×{verdict} | "
            f"{' / '.join(str(s) for s in row['shares'])} | {row['retried']} | "
            f"{row['died']} | {row['duplicates']} | {row['left']} |"
        )
    errors = sorted({e for row in rows for e in row["errors"]})
    if errors:
        lines += ["", "Raw errors: " + "; ".join(errors)]
    return "\n".join(lines)


def main(argv):
    if argv and argv[0] == "worker":
        worker(*argv[1:6])
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("db")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--append", help="append the table to this Markdown file")
    parser.add_argument(
        "--direct",
        action="store_true",
        help="also one cron worker beside a direct run of the same invoicing",
    )
    args = parser.parse_args(argv)
    rows = []
    for workers in args.workers:
        sys.stderr.write(f"scale-out: {workers} workers on {args.events} events\n")
        rows.append(run(args.config, args.db, args.events, workers))
    if args.direct:
        sys.stderr.write(
            f"scale-out: a cron worker and a direct run on {args.events}\n"
        )
        rows.append(run(args.config, args.db, args.events, 2, direct=True))
    table = report(rows)
    sys.stdout.write(table + "\n")
    if args.append:
        with open(args.append, "a") as handle:
            handle.write("\n" + table + "\n")
    failures = sum(r["duplicates"] + r["left"] + r["died"] for r in rows)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
