#!/usr/bin/env python3
"""Server time of the screens people open, on the benchmark's database:

    screens.py CONFIG DB [--programmes 50] [--append FILE]   (make bench runs it)

* the programmes list (80 rows) and the form of a programme with 60 billing
  events, read as the web client reads them (``get_views`` then
  ``web_search_read`` / ``web_read`` with the views' fields), by the billing
  manager;
* *Next billing run* (the preview the billing manager opens) and the forecast;
* the client's space: ``/my/programmes`` and one programme's page for a client
  with ``--programmes`` programmes, over HTTP from an Odoo server started here.

Best of 3 each; target under 1 s (2 s for the run preview and the forecast).
"""

import argparse
import sys
import time

import bench  # scripts/
import requests
from bench import env_for, registry_for

PORT = 8199
LOGIN = "screens.client@example.com"


def spec_of(env, model, view_type):
    """The web client's specification of a view: its fields, and the fields
    of the lists it embeds."""
    views = env[model].get_views([(False, view_type)])
    models = views["models"]
    spec = {}
    for name in models[model]["fields"]:
        field = env[model]._fields[name]
        if field.type in ("one2many", "many2many") and field.comodel_name in models:
            spec[name] = {
                "fields": {sub: {} for sub in models[field.comodel_name]["fields"]}
            }
        elif field.type == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def best_of(func, runs=3):
    times = []
    for _i in range(runs):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def prepare(registry, programmes):
    """A client with ``programmes`` programmes and a portal login; a programme
    of 60 monthly billing events. Kept (committed) for a rerun."""
    from odoo.fields import Command

    with registry.cursor() as cr:
        env = env_for(cr)
        user = env["res.users"].search([("login", "=", LOGIN)])
        if not user:
            user = env["res.users"].create(
                {
                    "name": "Screens client",
                    "login": LOGIN,
                    "password": "screens-password",
                    "group_ids": [Command.set([env.ref("base.group_portal").id])],
                }
            )
        client = user.partner_id
        _partners, product_id, offer_id = bench.prepare(registry, 0, 0)
        long_offer = env["accomp.offer"].search([("name", "=", "Screens 60 months")])
        if not long_offer:
            long_offer = env["accomp.offer"].create(
                {
                    "name": "Screens 60 months",
                    "billing_model": "instalments",
                    "billing_cycle": "monthly",
                    "amount_total": 60000,
                    "instalment_count": 60,
                    "product_id": product_id,
                    "invoice_mode": "auto_post",
                }
            )
        Engagement = env["accomp.engagement"]
        mine = Engagement.search([("partner_id", "=", client.id)])
        missing = programmes - len(mine)
        if missing > 0:
            mine |= bench.make_engagements(
                env, missing, [client.id] * missing, offer_id
            )
            mine.filtered(lambda e: e.state == "draft").action_confirm()
        long_programme = Engagement.search([("offer_id", "=", long_offer.id)], limit=1)
        if not long_programme:
            long_programme = bench.make_engagements(env, 1, [client.id], long_offer.id)
            long_programme.action_confirm()
        cr.commit()  # pylint: disable=invalid-commit
        return long_programme.id, (mine - long_programme)[:1].id


def measure_orm(registry, long_id):
    with registry.cursor() as cr:
        env = env_for(cr)
        admin = env.ref("base.user_admin")
        env = env(user=admin.id, context={"lang": "en_US"})
        Engagement = env["accomp.engagement"]
        events = len(Engagement.browse(long_id).schedule_line_ids)
        list_spec = spec_of(env, "accomp.engagement", "list")
        form_spec = spec_of(env, "accomp.engagement", "form")

        def listing():
            env.invalidate_all()
            Engagement.get_views([(False, "list"), (False, "search")])
            Engagement.web_search_read([], list_spec, limit=80)

        def form():
            env.invalidate_all()
            Engagement.get_views([(False, "form")])
            Engagement.browse(long_id).web_read(form_spec)

        def preview():
            env.invalidate_all()
            wizard = env["accomp.billing.run.preview"].create({})
            wizard.web_read(spec_of(env, "accomp.billing.run.preview", "form"))

        def forecast():
            env.invalidate_all()
            Forecast = env["accomp.forecast"]
            Forecast._read_group([], ["date:month", "status"], ["amount_total:sum"])
            Forecast.search_fetch(
                [], ["date", "engagement_id", "amount_total"], limit=80
            )

        result = {
            "programmes": Engagement.search_count([]),
            "events": events,
            "list": best_of(listing),
            "form": best_of(form),
            "preview": best_of(preview),
            "forecast": best_of(forecast),
        }
        cr.rollback()
    return result


def measure_portal(config, db, engagement_id):
    """GET the client's pages on an Odoo server of this database."""
    with bench.odoo_server(config, db, PORT) as base:
        session = requests.Session()
        session.post(
            f"{base}/web/session/authenticate",
            json={"params": {"db": db, "login": LOGIN, "password": "screens-password"}},
            timeout=60,
        )

        def page(path):
            def get():
                response = session.get(base + path, timeout=60)
                assert response.status_code == 200, (path, response.status_code)
                assert "/web/login" not in response.url, (path, "not logged in")

            get()  # warm: assets, templates
            return best_of(get)

        return {
            "portal_list": page("/my/programmes"),
            "portal_page": page(f"/my/programmes/{engagement_id}"),
        }


def report(orm, portal, programmes):
    def verdict(seconds, limit):
        return f"{seconds:.2f} s {'PASS' if seconds < limit else 'FAIL'}"

    return "\n".join(
        [
            f"Screens, server time on {orm['programmes']:,} programmes (best of 3): "
            f"the list (80 rows) {verdict(orm['list'], 1)}, the form of a programme "
            f"with {orm['events']} billing events {verdict(orm['form'], 1)}, "
            f"*Next billing run* {verdict(orm['preview'], 2)}, the forecast "
            f"{verdict(orm['forecast'], 2)}; a client with {programmes} programmes: "
            f"/my/programmes {verdict(portal['portal_list'], 1)}, a programme's page "
            f"{verdict(portal['portal_page'], 1)}.",
        ]
    )


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("db")
    parser.add_argument("--programmes", type=int, default=50)
    parser.add_argument("--append", help="append the result to this Markdown file")
    args = parser.parse_args(argv)
    registry = registry_for(args.config, args.db)
    long_id, short_id = prepare(registry, args.programmes)
    orm = measure_orm(registry, long_id)
    portal = measure_portal(args.config, args.db, short_id)
    text = report(orm, portal, args.programmes)
    sys.stdout.write(text + "\n")
    if args.append:
        with open(args.append, "a") as handle:
            handle.write("\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
