#!/usr/bin/env python3
"""The invoicing as it runs in production, on a database of 100 000 programmes.

    production.py CONFIG DB [--programmes 100000] [--history 10000]
                  [--sizes 1000 10000 100000] [--rounds 1] [--append FILE]
                  [--paired [--mode post] [--slice 60] [--minutes 600]
                            [--at-once]]
                                                             (make bench runs it)

A base database (``DB_base``) is built once from DB (the benchmark's database,
its accounting installed) and kept while its shape and the addons' tables are
the same: ``--programmes`` confirmed programmes of quarterly instalments over a
year (``--history`` of them started four months ago, their past instalments
invoiced by the scheduler: the history; the others start in the months to
come), ANALYZEd. Each measurement runs on its own copy of that base (a
PostgreSQL template copy, dropped after): its due events are made in one
process, then timed in another that starts as a cron worker does and commits
per batch of 50 as production does, so PostgreSQL refreshes its statistics as
it goes:

* Odoo's native batch: ``create()`` + ``_post()`` of 50 invoices, committed;
* OCA contract 19.0: its invoicing cron on as many contracts due today, then
  the posting of what it made, committed (its cron is one transaction);
* accomp_billing: its scheduled action's run (``_invoice_due_lines`` with the
  cron's own progress, committed per batch) on as many programmes due today,
  in each invoice mode (post; post and send; post and send to clients without
  an e-mail address) up to 10 000, in the "post" mode above.

With ``--rounds N`` each size is measured N times, the systems taking turns
within each round (native, contract, ours, then again), and each system's best
run is kept: the machine's spread (up to half, from one hour to the next on
this machine kind) falls on every system alike instead of on whichever ran in a slow
minute. The spread of each system's runs (slowest / fastest) is reported.

With ``--paired`` (``--mode``, ``--slice 60``, ``--minutes``), the native batch
and the scheduler run on one copy where the next instalment of ``size`` of the
base's programmes falls due today (nothing created: the database keeps its
100 000 programmes), the native batch invoicing the same clients; they take
turns by slices of 60 s, the scheduler's slice being its cron's run with that
time limit (as a cron stopped by its limit runs again). Whatever the machine
does from one minute to the next falls on both: the ratio is read slice pair
by slice pair as well as over the whole run. The slices are kept in
``.state/paired-SIZE.json`` as they go (``production.py report-paired SIZE``
reads a run that was stopped).

With ``--paired --at-once``, the two run at the same time instead, each on its
own copy of that prepared database (a template copy: the same clients, the
same due events), each in its own process started as a cron worker: the
minute the machine runs slow falls on both at once, and a run of 100 000 takes
half the time of taking turns. Both are timed over the window where both were
running (the first to finish ends it: the other then runs alone), and minute by
minute within it; on 2 cores the two processes and PostgreSQL share the
machine, so the per-invoice times are those of a loaded machine, comparable
between the systems and from one size to the next of the same kind of run.

Reported: per-invoice time and invoices/s at each size, the ratios against the
native batch (≥ 1.0×) and OCA contract (≥ 1.3×), how per-invoice time grows
from the smallest size (flat: within 15 %), and within a run the last tenth of
the batches against the first tenth.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date

import bench  # scripts/
from bench import BATCH, env_for, registry_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSTEMS = ("native", "contract", *bench.MODES)
# above this size, the scheduler is measured in its "post" mode only (each
# mode at 100 000 would take hours on this machine kind)
LARGEST_ALL_MODES = 10000


def schema_of(config, db):
    """A fingerprint of the addons' tables in ``db``: a base whose tables
    differ from those of the freshly installed benchmark database is rebuilt
    (a change of code alone keeps it)."""
    import hashlib

    registry = registry_for(config, db)
    with registry.cursor() as cr:
        cr.execute(
            """SELECT table_name, column_name, data_type
                 FROM information_schema.columns
                WHERE table_name LIKE 'accomp%%' OR table_name = 'account_move'
                ORDER BY 1, 2"""
        )
        rows = cr.fetchall()
    from odoo import sql_db

    sql_db.close_db(db)
    return hashlib.sha1(repr(rows).encode()).hexdigest()[:12]


def admin_cursor(config):
    """A cursor on the server's maintenance database (CREATE / DROP DATABASE)."""
    import odoo
    from odoo import sql_db

    odoo.tools.config.parse_config(["-c", config, "--log-level=warn"])
    return sql_db.db_connect("postgres").cursor()


def copy_database(config, source, target):
    from odoo import sql_db
    from odoo.tools import SQL

    sql_db.close_db(source)
    with admin_cursor(config) as cr:
        cr._cnx.autocommit = True
        cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(target)))
        cr.execute(
            SQL(
                "CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY",
                SQL.identifier(target),
                SQL.identifier(source),
            )
        )


def drop_database(config, name):
    from odoo import sql_db
    from odoo.tools import SQL

    sql_db.close_db(name)
    with admin_cursor(config) as cr:
        cr._cnx.autocommit = True
        cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(name)))


def base_shape(args):
    return f"{args.programmes}:{args.history}:{schema_of(args.config, args.db)}"


def base_is_current(config, base, shape):
    with admin_cursor(config) as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (base,))
        if not cr.fetchone():
            return False
    registry = registry_for(config, base)
    with registry.cursor() as cr:
        cr.execute(
            "SELECT value FROM ir_config_parameter WHERE key = 'accomp_bench.base'"
        )
        row = cr.fetchone()
    from odoo import sql_db

    sql_db.close_db(base)
    return bool(row) and row[0] == shape


def fill(config, db, first, count, history):
    """Programmes ``first`` … ``first + count`` of the base (one process of
    the build): the first ``history`` overall started four months ago."""
    from dateutil.relativedelta import relativedelta

    registry = registry_for(config, db)
    today = date.today()
    with registry.cursor() as cr:
        env = env_for(cr)
        offer = env["accomp.offer"].search([("name", "=", "Bench quarterly year")])
        for start in range(first, first + count, 1000):
            numbers = range(start, min(start + 1000, first + count))
            partners = env["res.partner"].create(
                [{"name": f"Base client {n}"} for n in numbers]
            )
            engagements = env["accomp.engagement"].create(
                [
                    {
                        "partner_id": partner.id,
                        "offer_id": offer.id,
                        "date_start": (
                            today - relativedelta(months=4)
                            if n < history
                            else today + relativedelta(months=1 + n % 11)
                        ),
                    }
                    for n, partner in zip(numbers, partners, strict=True)
                ]
            )
            engagements.action_confirm()
            cr.commit()  # pylint: disable=invalid-commit
            env.invalidate_all()
            sys.stderr.write(f"base: {start + len(numbers) - first}/{count}\n")


def build_base(args, base):
    """The base database: a copy of the benchmark's, its programmes made by
    two processes, the history invoiced by two cron workers, ANALYZEd."""
    sys.stderr.write(f"building {base}: {args.programmes:,} programmes\n")
    copy_database(args.config, args.db, base)
    registry = registry_for(args.config, base)
    bench.prepare(registry, 0, 0)  # the bench's taxed product and offer
    with registry.cursor() as cr:
        env = env_for(cr)
        product = env["accomp.offer"].search([("name", "=", "Bench programme")])
        env["accomp.offer"].create(
            {
                "name": "Bench quarterly year",
                "billing_model": "instalments",
                "billing_cycle": "quarterly",
                "duration_months": 12,
                "instalment_count": 4,
                "amount_total": 2400,
                "product_id": product.product_id.id,
                "invoice_mode": "auto_post",
            }
        )
        # the yearly ranges of the sequences, made before two processes would
        # race to make them (Odoo's unique range per sequence and year)
        today = date.today()
        for sequence in env["ir.sequence"].search([("use_date_range", "=", True)]):
            for year in range(today.year - 1, today.year + 3):
                sequence._get_current_sequence(date(year, 6, 1))
        cr.commit()  # pylint: disable=invalid-commit
    half = args.programmes // 2
    parts = [(0, half), (half, args.programmes - half)]
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "fill", args.config, base]
            + [str(first), str(count), str(args.history)]
        )
        for first, count in parts
    ]
    if any(proc.wait() for proc in procs):
        raise SystemExit("the base could not be built")
    # the history: the past instalments, by two cron workers sharing the run
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "measure", args.config, base, "history", "0"],
            stdout=subprocess.DEVNULL,
        )
        for _n in range(2)
    ]
    if any(proc.wait() for proc in procs):
        raise SystemExit("the history could not be invoiced")
    registry = registry_for(args.config, base)
    with registry.cursor() as cr:
        env = env_for(cr)
        env["ir.config_parameter"].set_param("accomp_bench.base", base_shape(args))
        cr.commit()  # pylint: disable=invalid-commit
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE")
    from odoo import sql_db

    sql_db.close_db(base)


def prepare_due(env, system, size, mailed):
    """What falls due today in this copy: ``size`` contracts, programmes, or
    (native) nothing but the clients."""
    partners = env["res.partner"].create(
        [
            {
                "name": f"Due client {n}",
                "email": f"due{n}@example.com" if mailed else False,
            }
            for n in range(size)
        ]
    )
    if system == "contract":
        bench.make_contracts(env, size, partners.ids, bench_product(env).id)
    elif system != "native":
        offer = env["accomp.offer"].search([("name", "=", "Bench programme")])
        offer.invoice_mode = bench.MODES[system][0]
        bench.make_engagements(env, size, partners.ids, offer.id).action_confirm()
    return partners


def prepare_paired(env, size, mode):
    """``size`` programmes of the base fall due today: the next instalment of
    each (the 1st of the month in a firm of that size), in invoice ``mode``,
    and the native batch invoices the same clients. Nothing is created: the
    database keeps its 100 000 programmes."""
    engagements = env["accomp.engagement"].search(
        [("state", "=", "active")], order="id", limit=size
    )
    if len(engagements) < size:
        raise SystemExit(f"the base holds {len(engagements)} programmes, not {size}")
    lines = env["accomp.schedule.line"].search_fetch(
        [
            ("engagement_id", "in", engagements.ids),
            ("state", "=", "planned"),
            ("invoice_id", "=", False),
        ],
        ["engagement_id"],
        order="date_due, id",
    )
    first = {}
    for line in lines:
        first.setdefault(line.engagement_id.id, line.id)
    lines.browse(list(first.values())).write({"date_due": date.today()})
    invoice_mode, mailed = bench.MODES[mode]
    # the programme's terms and the clients' addresses, set as if sold so
    # (nothing stored depends on them but the normalized address)
    env.cr.execute(
        "UPDATE accomp_engagement SET invoice_mode = %s WHERE id = ANY(%s)",
        (invoice_mode, engagements.ids),
    )
    if mailed:
        env.cr.execute(
            """UPDATE res_partner SET email = 'due' || id || '@example.com',
                      email_normalized = 'due' || id || '@example.com'
                WHERE id = ANY(%s)""",
            (engagements.partner_id.ids,),
        )
    env.invalidate_all()
    env["ir.config_parameter"].set_param(
        "accomp_bench.paired", ",".join(map(str, engagements.partner_id.ids))
    )


def bench_product(env):
    return env["accomp.offer"].search([("name", "=", "Bench programme")]).product_id


def prepare(config, db, system, size):
    """What falls due in this copy, made and committed in a process of its
    own (the day the programmes were sold), then VACUUM ANALYZEd as
    autovacuum would have done before their billing day."""
    registry = registry_for(config, db)
    with registry.cursor() as cr:
        if system.startswith("paired:"):
            prepare_paired(env_for(cr), size, system.split(":", 1)[1])
        else:
            prepare_due(
                env_for(cr),
                system,
                size,
                system in bench.MODES and bench.MODES[system][1],
            )
        cr.commit()  # pylint: disable=invalid-commit
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE")


def run_scheduler(env, on_commit):
    """The scheduled action's whole run, as its cron runs it; ``on_commit(n)``
    after each committed batch of ``n`` due events."""
    from odoo.addons.base.models.ir_cron import IrCron

    commit_progress = IrCron._commit_progress

    def marked(cron, processed=0, **kwargs):
        result = commit_progress(cron, processed, **kwargs)
        on_commit(processed)
        return result

    IrCron._commit_progress = marked
    try:
        bench.run_as_its_cron(
            env,
            "accomp_billing.ir_cron_invoice_due_lines",
            "accomp.schedule.line",
            "_invoice_due_lines",
            seconds=86400,
        )
    finally:
        IrCron._commit_progress = commit_progress


def measure(config, db, system, size):
    """One measurement in this process on this prepared copy: the invoicing
    committed per batch (timed), in a process that starts as a cron worker
    does (measured: the native batch keeps the same pace either way). Prints
    {"elapsed", "invoices", "batches": [seconds of each batch]}."""
    registry = registry_for(config, db)
    marks = []
    with registry.cursor() as cr:
        env = env_for(cr)
        if system == "native":
            partners = env["res.partner"].search(
                [("name", "=like", "Due client %")], order="id"
            )
        last_move = env["account.move"].search([], order="id desc", limit=1).id or 0
        started = time.perf_counter()
        marks.append(started)
        if system == "native":
            product = bench_product(env)
            day = date.today()
            for start in range(0, size, BATCH):
                native_batch(env, partners[start : start + BATCH], product, day)
                marks.append(time.perf_counter())
        elif system == "contract":
            env["contract.contract"].cron_recurring_create_invoice()
            env["account.move"].search(
                [("id", ">", last_move), ("move_type", "=", "out_invoice")]
            )._post()
            cr.commit()  # pylint: disable=invalid-commit
            marks.append(time.perf_counter())
        else:  # the scheduled action, as its cron runs it
            run_scheduler(env, lambda _processed: marks.append(time.perf_counter()))
            marks.append(time.perf_counter())
        elapsed = time.perf_counter() - started
        cr.execute(
            "SELECT count(*) FROM account_move WHERE id > %s AND state = 'posted'"
            " AND move_type = 'out_invoice'",
            (last_move,),
        )
        invoices = cr.fetchone()[0]
    batches = [b - a for a, b in zip(marks, marks[1:], strict=False) if b - a > 0]
    sys.stdout.write(
        json.dumps({"elapsed": elapsed, "invoices": invoices, "batches": batches})
        + "\n"
    )


def our_invoices(cr):
    cr.execute(
        "SELECT count(*) FROM account_move WHERE state = 'posted'"
        " AND move_type = 'out_invoice' AND accomp_engagement_id IS NOT NULL"
    )
    return cr.fetchone()[0]


def paired_partner_ids(env):
    """The clients of a paired run, in the order the native batch takes them."""
    param = env["ir.config_parameter"].get_param("accomp_bench.paired")
    return [int(n) for n in param.split(",")]


def native_batch(env, partners, product, day):
    """Odoo's native batch: these clients' invoices created, posted, committed."""
    env["account.move"].create(
        [bench.native_vals(partner, product, day) for partner in partners]
    )._post()
    env.cr.commit()  # pylint: disable=invalid-commit
    env.invalidate_all()


def paired_file(size):
    return os.path.join(ROOT, ".state", f"paired-{size}.json")


def measure_paired(config, db, size, slice_seconds, minutes):
    """The native batch and the scheduler on one copy, taking turns by slices
    of ``slice_seconds`` (the scheduler: its cron's run with that time limit,
    as a cron stopped by its limit and run again) until both have invoiced
    their ``size`` clients or ``minutes`` have passed: whatever the machine
    does from one minute to the next falls on both. Prints {"slices":
    [[system, invoices, seconds], ...]}."""
    registry = registry_for(config, db)
    slices = []
    with registry.cursor() as cr:
        env = env_for(cr)
        partner_ids = paired_partner_ids(env)
        product = bench_product(env)
        day = date.today()
        native_done = 0
        ours_before = our_invoices(cr)
        ours_done = 0
        stop_at = time.monotonic() + 60 * minutes
        while time.monotonic() < stop_at and (native_done < size or ours_done < size):
            if native_done < size:
                started = time.perf_counter()
                count = 0
                while (
                    native_done < size and time.perf_counter() - started < slice_seconds
                ):
                    partners = env["res.partner"].browse(
                        partner_ids[native_done : native_done + BATCH]
                    )
                    native_batch(env, partners, product, day)
                    native_done += len(partners)
                    count += len(partners)
                slices.append(["native", count, time.perf_counter() - started])
            if ours_done < size:
                started = time.perf_counter()
                bench.run_as_its_cron(
                    env,
                    "accomp_billing.ir_cron_invoice_due_lines",
                    "accomp.schedule.line",
                    "_invoice_due_lines",
                    seconds=slice_seconds,
                )
                elapsed = time.perf_counter() - started
                env.invalidate_all()
                done = our_invoices(cr) - ours_before
                slices.append(["scheduler", done - ours_done, elapsed])
                if done == ours_done:
                    raise SystemExit(f"the scheduler stopped at {done} of {size}")
                ours_done = done
            with open(paired_file(size), "w") as handle:  # read should it stop
                json.dump(slices, handle)
    sys.stdout.write(json.dumps({"slices": slices}) + "\n")


def measure_at_once(config, db, system, size, go_file):
    """One system of an at-once run on its copy: ready once its registry is
    loaded, started when ``go_file`` exists. Prints {"marks": [[time of a
    committed batch (epoch), invoices so far], ...], "invoices"}."""
    registry = registry_for(config, db)
    marks = []
    with registry.cursor() as cr:
        env = env_for(cr)
        partner_ids = paired_partner_ids(env)[:size]
        product = bench_product(env)
        day = date.today()
        ours_before = our_invoices(cr)
        cr.commit()  # pylint: disable=invalid-commit
        with open(f"{go_file}.{system}", "w"):
            pass  # ready
        while not os.path.exists(go_file):
            time.sleep(0.05)
        marks.append([time.time(), 0])
        if system == "native":
            for start in range(0, size, BATCH):
                partners = env["res.partner"].browse(partner_ids[start : start + BATCH])
                native_batch(env, partners, product, day)
                marks.append([time.time(), marks[-1][1] + len(partners)])
        else:  # one due event per programme: one invoice

            def mark(processed):
                if processed:
                    marks.append([time.time(), marks[-1][1] + processed])

            run_scheduler(env, mark)
        invoices = our_invoices(cr) - ours_before if system != "native" else size
    sys.stdout.write(json.dumps({"marks": marks, "invoices": invoices}) + "\n")


def run_at_once(args, base, size):
    """Prepare one copy, copy it, run the native batch on one and the
    scheduler on the other at the same time; {system: its measure}."""
    first, second = f"{args.db}_run", f"{args.db}_run2"
    go_file = os.path.join(ROOT, ".state", f"at-once-{size}.go")
    for path in (go_file, f"{go_file}.native", f"{go_file}.scheduler"):
        if os.path.exists(path):
            os.remove(path)
    try:
        prepare_copy(args, base, first, [f"paired:{args.mode}", str(size)])
        copy_database(args.config, first, second)
        procs = {
            system: subprocess.Popen(
                [sys.executable, __file__, "measure-at-once", args.config, db]
                + [system, str(size), go_file],
                stdout=subprocess.PIPE,
                text=True,
            )
            for system, db in (("native", second), ("scheduler", first))
        }
        while not all(
            os.path.exists(f"{go_file}.{system}") for system in procs
        ):  # both registries loaded
            if any(proc.poll() is not None for proc in procs.values()):
                raise SystemExit("an at-once worker stopped before the start")
            time.sleep(0.1)
        with open(go_file, "w"):
            pass
        results = {}
        for system, proc in procs.items():
            out, _err = proc.communicate()
            if proc.returncode:
                raise SystemExit(f"the at-once {system} run failed")
            results[system] = json.loads(out.strip().splitlines()[-1])
    finally:
        drop_database(args.config, second)
        drop_database(args.config, first)
    with open(os.path.join(ROOT, ".state", f"at-once-{size}.json"), "w") as handle:
        json.dump(results, handle)
    if results["scheduler"]["invoices"] != size:
        raise SystemExit(f"the scheduler invoiced {results['scheduler']['invoices']}")
    return results


def done_by(marks, moment):
    """Invoices committed by ``moment`` (epoch) in a run's marks."""
    done = 0
    for at, count in marks:
        if at > moment:
            break
        done = count
    return done


def report_at_once(size, results):
    """The at-once run's line: each system's pace over the window where both
    ran, the ratio minute by minute within it, and each system's pace over
    its whole run (the later one ran alone at its end)."""
    verdict = bench.verdict
    native, ours = results["native"]["marks"], results["scheduler"]["marks"]
    start = max(native[0][0], ours[0][0])
    end = min(native[-1][0], ours[-1][0])
    window = end - start
    n_done, o_done = done_by(native, end), done_by(ours, end)
    ratio = o_done / n_done
    minutes = []
    moment = start
    while moment + 60 <= end:
        n = done_by(native, moment + 60) - done_by(native, moment)
        o = done_by(ours, moment + 60) - done_by(ours, moment)
        if n and o:
            minutes.append(o / n)
        moment += 60
    minutes.sort()
    spread = (
        f"{len(minutes)}: {minutes[0]:.2f}× / {minutes[len(minutes) // 2]:.2f}× "
        f"/ {minutes[-1]:.2f}×"
        if minutes
        else "—"
    )
    growth = {}
    for system, marks in (("native", native), ("scheduler", ours)):
        batches = [
            (b[0] - a[0]) / (b[1] - a[1])
            for a, b in zip(marks, marks[1:], strict=False)
            if b[0] <= end and b[1] > a[1]
        ]
        tenth = in_run_growth(batches)
        growth[system] = "—" if tenth is None else f"{tenth:.2f}×"
    whole = {
        system: marks[-1][1] / (marks[-1][0] - marks[0][0])
        for system, marks in (("native", native), ("scheduler", ours))
    }
    return (
        f"| {size:,} | {window / 60:.0f} min: native {n_done:,}, scheduler "
        f"{o_done:,} | {n_done / window:.1f} | {1000 * window / n_done:.1f} "
        f"| {o_done / window:.1f} | {1000 * window / o_done:.1f} "
        f"| {ratio:.2f}× {verdict(ratio >= 1.0)} | {spread} "
        f"| {growth['native']} | {growth['scheduler']} "
        f"| {whole['native']:.1f} / {whole['scheduler']:.1f} |"
    )


AT_ONCE_HEADER = (
    "| due | window where both ran: invoiced | native inv/s | native ms/inv "
    "| scheduler inv/s | scheduler ms/inv | scheduler vs native (≥ 1.0×) "
    "| minutes: lowest / median / highest | native, last tenth vs first "
    "| scheduler, last tenth vs first | whole run inv/s: native / scheduler |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def prepare_copy(args, base, copy, prepare_args):
    """``copy``: the base copied, its due events made in a process of its own."""
    copy_database(args.config, base, copy)
    subprocess.run(
        [sys.executable, __file__, "prepare", args.config, copy, *prepare_args],
        stdout=subprocess.DEVNULL,
        check=True,
    )


def prepare_and_measure(args, base, prepare_args, measure_args):
    """Prepare a fresh copy of the base in one process, measure it in
    another (as a cron worker starts), drop it; the measure's JSON line."""
    copy = f"{args.db}_run"
    try:
        prepare_copy(args, base, copy, prepare_args)
        out = subprocess.run(
            [sys.executable, __file__, measure_args[0], args.config, copy]
            + measure_args[1:],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        drop_database(args.config, copy)
    return json.loads(out.strip().splitlines()[-1])


def run_paired(args, base, size):
    return prepare_and_measure(
        args,
        base,
        [f"paired:{args.mode}", str(size)],
        ["measure-paired", str(size), str(args.slice), str(args.minutes)],
    )["slices"]


def report_paired(size, slices):
    """The paired run's line: each system's pace over its slices, and the
    ratio slice pair by slice pair (the n-th native slice and the n-th of the
    scheduler ran within the same two minutes)."""
    verdict = bench.verdict
    runs = {"native": [], "scheduler": []}
    for system, invoices, seconds in slices:
        # (the scheduler's slices were once labelled by its mode, "post")
        runs["native" if system == "native" else "scheduler"].append(
            (invoices, seconds)
        )
    totals = {
        system: (sum(n for n, _s in done), sum(s for _n, s in done))
        for system, done in runs.items()
    }
    pairs = sorted(
        (o[0] / o[1]) / (n[0] / n[1])
        for n, o in zip(runs["native"], runs["scheduler"], strict=False)
        if n[0] and o[0]
    )
    (n_count, n_elapsed), (o_count, o_elapsed) = totals["native"], totals["scheduler"]
    ratio = (o_count / o_elapsed) / (n_count / n_elapsed)
    growth = {}
    for system, done in runs.items():
        tenth = in_run_growth([seconds / count for count, seconds in done if count])
        growth[system] = "—" if tenth is None else f"{tenth:.2f}×"
    finished = (
        ""
        if n_count == o_count == size
        else f" (invoiced: native {n_count:,}, scheduler {o_count:,})"
    )
    spread = (
        f"{len(pairs)}: {pairs[0]:.2f}× / {pairs[len(pairs) // 2]:.2f}× "
        f"/ {pairs[-1]:.2f}×"
        if pairs
        else "—"
    )
    return (
        f"| {size:,}{finished} | {n_count / n_elapsed:.1f} "
        f"| {1000 * n_elapsed / n_count:.1f} | {o_count / o_elapsed:.1f} "
        f"| {1000 * o_elapsed / o_count:.1f} | {ratio:.2f}× {verdict(ratio >= 1.0)} "
        f"| {spread} | {growth['native']} | {growth['scheduler']} |"
    )


PAIRED_HEADER = (
    "| due | native inv/s | native ms/inv | scheduler inv/s | scheduler ms/inv "
    "| scheduler vs native (≥ 1.0×) | slice pairs: lowest / median / highest "
    "| native, last tenth vs first | scheduler, last tenth vs first |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def run_one(args, base, system, size):
    result = prepare_and_measure(
        args, base, [system, str(size)], ["measure", system, str(size)]
    )
    if result["invoices"] != size:
        raise SystemExit(f"{system} at {size}: {result['invoices']} invoices")
    return result


def in_run_growth(batches):
    """The last tenth of a run's batches against its first tenth."""
    tenth = max(1, len(batches) // 10)
    if len(batches) < 10:
        return None
    return (sum(batches[-tenth:]) / tenth) / (sum(batches[:tenth]) / tenth)


def report(args, rows, systems):
    verdict = bench.verdict
    lines = [
        f"In production's way, on a database of {args.programmes:,} programmes "
        f"({args.history:,} with invoiced history, the others to come): each "
        "measurement on its own copy, in its own process, committed per batch of "
        f"{BATCH} (OCA contract: its cron's one transaction); each system's "
        "best of its runs, the systems taking turns.",
        "",
        "| due | system | invoices/s | ms/invoice | vs Odoo (≥ 1.0×) "
        "| vs contract (≥ 1.3×) | ms/invoice vs the first size (≤ 1.15×) "
        "| last tenth of the run vs first | runs (slowest / fastest) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    first = {}
    for size in args.sizes:
        native = rows.get(("native", size))
        contract = rows.get(("contract", size))
        for system in systems:
            row = rows.get((system, size))
            if not row:
                continue
            per = 1000 * row["elapsed"] / size
            first.setdefault(system, per)
            ours = system in bench.MODES
            vs_native = (
                f"{native['elapsed'] / row['elapsed']:.2f}× "
                f"{verdict(native['elapsed'] / row['elapsed'] >= 1.0)}"
                if ours and native
                else "—"
            )
            vs_contract = (
                f"{contract['elapsed'] / row['elapsed']:.2f}× "
                f"{verdict(contract['elapsed'] / row['elapsed'] >= 1.3)}"
                if ours and contract
                else "—"
            )
            growth = per / first[system]
            tenth = in_run_growth(row["batches"])
            lines.append(
                f"| {size:,} | {'accomp_billing, ' + system if ours else system} | "
                f"{size / row['elapsed']:.1f} | {per:.1f} | {vs_native} | "
                f"{vs_contract} | {growth:.2f}× {verdict(growth <= 1.15)} | "
                f"{f'{tenth:.2f}×' if tenth else '—'} | "
                f"{len(row['runs'])} ({max(row['runs']) / min(row['runs']):.2f}×) |"
            )
    return "\n".join(lines)


def main(argv):
    if argv and argv[0] == "fill":
        config, db, first, count, history = argv[1:6]
        fill(config, db, int(first), int(count), int(history))
        return 0
    if argv and argv[0] == "prepare":
        config, db, system, size = argv[1:5]
        prepare(config, db, system, int(size))
        return 0
    if argv and argv[0] == "report-paired":  # a paired run that was stopped
        with open(paired_file(int(argv[1]))) as handle:
            sys.stdout.write(
                PAIRED_HEADER
                + "\n"
                + report_paired(int(argv[1]), json.load(handle))
                + "\n"
            )
        return 0
    if argv and argv[0] == "measure-paired":
        config, db, size, slice_seconds, minutes = argv[1:6]
        measure_paired(config, db, int(size), float(slice_seconds), float(minutes))
        return 0
    if argv and argv[0] == "measure-at-once":
        config, db, system, size, go_file = argv[1:6]
        measure_at_once(config, db, system, int(size), go_file)
        return 0
    if argv and argv[0] == "measure":
        config, db, system, size = argv[1:5]
        measure(config, db, system, int(size))
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("db")
    parser.add_argument("--programmes", type=int, default=100000)
    parser.add_argument("--history", type=int, default=10000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=SYSTEMS)
    parser.add_argument(
        "--rounds", type=int, default=1, help="runs of each system, best kept"
    )
    parser.add_argument(
        "--paired",
        action="store_true",
        help="the native batch and the scheduler (--mode) on one copy, taking turns",
    )
    parser.add_argument(
        "--mode", default="post", choices=bench.MODES, help="invoice mode, paired"
    )
    parser.add_argument(
        "--at-once",
        action="store_true",
        help="paired: the two at the same time, each on its own copy",
    )
    parser.add_argument("--slice", type=float, default=60, help="seconds per turn")
    parser.add_argument(
        "--minutes", type=float, default=600, help="a paired run stops after this"
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--append", help="append the table to this Markdown file")
    args = parser.parse_args(argv)
    base = f"{args.db}_base"
    if args.rebuild or not base_is_current(args.config, base, base_shape(args)):
        build_base(args, base)
    systems = [
        s
        for s in args.systems
        if s != "contract" or bench.contract_installed(registry_for(args.config, base))
    ]
    if args.paired and args.at_once:
        return main_at_once(args, base)
    if args.paired:
        return main_paired(args, base)
    rows = {}
    for size in args.sizes:
        for turn in range(args.rounds):
            for system in systems:
                if (
                    size > LARGEST_ALL_MODES
                    and system in bench.MODES
                    and system != "post"
                ):
                    continue  # the modes differ by a cost per invoice, seen below
                sys.stderr.write(
                    f"production: {system} at {size:,}, run {turn + 1}/{args.rounds}\n"
                )
                result = run_one(args, base, system, size)
                sys.stderr.write(f"  {size / result['elapsed']:.1f} inv/s\n")
                best = rows.get((system, size))
                runs = (best["runs"] if best else []) + [result["elapsed"]]
                if not best or result["elapsed"] < best["elapsed"]:
                    best = result
                rows[(system, size)] = dict(best, runs=runs)
                table = report(args, rows, systems)
                write_partial(args, table)
    return write_table(args, table)


def write_partial(args, table):
    """What is measured so far, should a long run stop."""
    if args.append:
        with open(args.append + ".partial", "w") as handle:
            handle.write(table + "\n")


def write_table(args, table):
    sys.stdout.write(table + "\n")
    if args.append:
        with open(args.append, "a") as handle:
            handle.write("\n" + table + "\n")
        os.remove(args.append + ".partial")
    return 0


def main_paired(args, base):
    lines = [
        f"Paired, on a database of {args.programmes:,} programmes "
        f"({args.history:,} with invoiced history): the next instalment of as "
        f"many programmes falls due today, invoice mode “{args.mode}”; on one "
        "copy, Odoo's native batch invoices the same clients, the two taking "
        "turns by slices of "
        f"{args.slice:.0f} s (the scheduler: its cron's run with that time "
        f"limit), each committed per batch of {BATCH}.",
        "",
        PAIRED_HEADER,
    ]
    for size in args.sizes:
        sys.stderr.write(f"production: paired at {size:,}\n")
        slices = run_paired(args, base, size)
        lines.append(report_paired(size, slices))
        sys.stderr.write(lines[-1] + "\n")
        write_partial(args, "\n".join(lines))
    return write_table(args, "\n".join(lines))


def main_at_once(args, base):
    lines = [
        f"At once, on a database of {args.programmes:,} programmes "
        f"({args.history:,} with invoiced history): the next instalment of as "
        f"many programmes falls due today, invoice mode “{args.mode}”; that "
        "copy copied again, Odoo's native batch invoices the same clients on "
        "one while the scheduler runs on the other, at the same time, each in "
        f"its own process, committed per batch of {BATCH}; timed over the "
        "window where both ran.",
        "",
        AT_ONCE_HEADER,
    ]
    for size in args.sizes:
        sys.stderr.write(f"production: at once at {size:,}\n")
        lines.append(report_at_once(size, run_at_once(args, base, size)))
        sys.stderr.write(lines[-1] + "\n")
        write_partial(args, "\n".join(lines))
    return write_table(args, "\n".join(lines))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
