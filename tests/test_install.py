import subprocess
import sys
import tempfile
import zipfile
from contextlib import closing
from pathlib import Path

from odoo import sql_db
from odoo.exceptions import ValidationError
from odoo.modules.module import get_manifest
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, config


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_addon_installed_with_menu_and_groups(self):
        module = self.env["ir.module.module"].search([("name", "=", "accomp_billing")])
        self.assertEqual(module.state, "installed")
        self.assertEqual(
            module.latest_version, get_manifest("accomp_billing")["version"]
        )
        root = self.env.ref("accomp_billing.accomp_menu_root")
        self.assertEqual(root.name, "Programmes")
        self.assertIn(
            self.env.ref("accomp_billing.accomp_offer_menu"), root.child_id.child_id
        )
        self.assertIn(
            self.env.ref("accomp_billing.accomp_engagement_menu"), root.child_id
        )
        cron = self.env.ref("accomp_billing.ir_cron_invoice_due_lines")
        self.assertTrue(cron.active)
        self.assertEqual(cron.code.strip(), "model._cron_invoice_due_lines()")
        crons = self.env["ir.cron"].search([("code", "like", "model._cron_")])
        crons = crons.filtered(
            lambda c: c.get_external_id()[c.id].startswith("accomp_billing.")
        )
        self.assertEqual(len(crons), 4)  # invoicing, documents, debits, dunning
        sepa = self.env.ref("accomp_billing_sepa.ir_cron_prepare_direct_debits")
        self.assertEqual(sepa.code.strip(), "model._cron_prepare_direct_debits()")
        self.assertEqual(crons.user_id, self.env.ref("base.user_root"))
        admin = self.env.ref("base.user_admin")
        self.assertTrue(admin.has_group("accomp_billing.group_accomp_manager"))
        self.assertTrue(admin.has_group("accomp_billing.group_accomp_coach"))

    def test_offer_create_and_deposit_check(self):
        offer = self.env["accomp.offer"].create(
            {
                "name": "Programme Envol",
                "billing_model": "upfront",
                "amount_total": 3000,
            }
        )
        self.assertEqual(offer.company_id, self.env.company)
        self.assertEqual(offer.currency_id, self.env.company.currency_id)
        with self.assertRaises(ValidationError), self.cr.savepoint():
            offer.deposit_percent = 120


@tagged("post_install", "-at_install")
class TestWheels(TransactionCase):
    def test_each_addon_builds_a_wheel_the_oca_way(self):
        """``pip install ./accomp_billing`` works: each addon has its
        pyproject.toml (whool), and its wheel carries the addon, its French
        terms and its requirements (Odoo 19, the sale bridge on the addon)."""
        root = Path(__file__).parents[1]
        addons = ("accomp_billing", "accomp_billing_sale", "accomp_billing_sepa")
        with tempfile.TemporaryDirectory() as out:
            subprocess.run(
                [sys.executable, "-m", "pip", "wheel", "--no-deps"]
                + ["--no-build-isolation", "-q", "-w", out]
                + [str(root / addon) for addon in addons],
                check=True,
                capture_output=True,
            )
            contents = {}
            for wheel in Path(out).glob("*.whl"):
                with zipfile.ZipFile(wheel) as archive:
                    names = archive.namelist()
                    metadata = next(n for n in names if n.endswith("/METADATA"))
                    contents[wheel.name.split("-")[0]] = (
                        names,
                        archive.read(metadata).decode(),
                    )
        self.assertEqual(sorted(contents), [f"odoo_addon_{a}" for a in addons])
        for addon in addons:
            names, metadata = contents[f"odoo_addon_{addon}"]
            self.assertIn(f"odoo/addons/{addon}/__manifest__.py", names)
            self.assertIn(f"odoo/addons/{addon}/i18n/fr.po", names)
            self.assertIn("Requires-Dist: odoo==19.0.*", metadata)
        for addon in ("accomp_billing_sale", "accomp_billing_sepa"):
            self.assertIn(
                "Requires-Dist: odoo-addon-accomp_billing==19.0.*",
                contents[f"odoo_addon_{addon}"][1],
            )
        self.assertIn(
            "Requires-Dist: odoo-addon-account_banking_sepa_direct_debit==19.0.*",
            contents["odoo_addon_accomp_billing_sepa"][1],
        )


@tagged("post_install", "-at_install")
class TestOcaWheels(TransactionCase):
    def test_oca_s_sepa_addons_are_pinned_and_left_odoo_s_own_pins_alone(self):
        """OCA's SEPA wheels (``--no-deps``) are the pinned ones, and Odoo's own
        PDF library is still the pinned 2.x (3.x renders no PDF: the invoice PDF
        tests of accomp_billing_sepa render with these addons installed)."""
        from importlib.metadata import version  # noqa: PLC0415

        root = Path(__file__).parents[1]
        pins = {}
        for path in ("requirements-oca.txt", "requirements.txt"):
            for line in (root / path).read_text().splitlines():
                if "==" in line and not line.startswith("#"):
                    name, pinned = line.split("==")
                    pins[name.strip()] = pinned.strip()
        oca = [name for name in pins if name.startswith("odoo-addon-")]
        self.assertEqual(len(oca), 5)
        for name in [*oca, "PyPDF2", "Unidecode"]:
            self.assertEqual(version(name), pins[name], name)
        self.assertTrue(version("PyPDF2").startswith("2."))
        modules = self.env["ir.module.module"].search(
            [
                (
                    "name",
                    "in",
                    ("account_banking_sepa_direct_debit", "accomp_billing_sepa"),
                )
            ]
        )
        self.assertEqual(set(modules.mapped("state")), {"installed"})


RUNNER_TAGS = ",".join(
    (
        "/accomp_billing:TestRecovery",
        "/accomp_billing:TestMoneyPaths.test_terminating_twice_never_credits_twice",
        "/accomp_billing_sale:TestSaleBridgeAttacks"
        ".test_a_down_payment_is_refused_the_deposit_is_the_programme_s",
        "/accomp_billing_sepa:TestSepaRuns.test_a_revoked_mandate_stops_new_lines",
    )
)


@tagged("post_install", "-at_install")
class TestOneStepInstall(TransactionCase):
    """As the Apps menu installs addons: all three at once, with demo data, on a new
    database — French (with the French localization in the same step) or not.
    Each database gets the demo's programmes and their invoices, and Odoo's own
    test runner (``--test-tags``, as OCA's CI and Odoo's runbot run addons) finds
    and runs the addons' tests there."""

    def test_the_demo_loads_in_one_step_on_a_french_and_a_non_french_database(self):
        odoo_bin = Path(sys.executable).parent / "odoo"
        modules = {
            "accomp_onestep_fr": "accomp_billing,accomp_billing_sale,"
            "accomp_billing_sepa,l10n_fr_account",
            "accomp_onestep_other": "accomp_billing,accomp_billing_sale,"
            "accomp_billing_sepa",
        }
        for db in modules:
            self._drop(db)
            self.addCleanup(self._drop, db)
        installs = {
            db: subprocess.Popen(
                [str(odoo_bin), "-c", config.rcfile, "-d", db, "-i", addons]
                + ["--with-demo", "--stop-after-init"]
                # Odoo's test runner serves HTTP: each install on its own port
                + ["--http-port", str(8190 + index)]
                + ["--db-filter=.*", "--test-enable", "--test-tags", RUNNER_TAGS]
                + ["--log-handler=odoo.tests.result:INFO", "--log-level=warn"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for index, (db, addons) in enumerate(modules.items())
        }
        charts, currencies, sepa = {}, {}, {}
        for db, install in installs.items():
            _out, errors = install.communicate(timeout=900)
            self.assertEqual(install.returncode, 0, errors[-2000:])
            self.assertNotIn("demo data failed to install", errors)
            # pure planners, a money path of each addon: found, run, green
            # (the SEPA test is a French one: skipped without the French chart)
            ran = 6 if db == "accomp_onestep_fr" else 5
            self.assertIn(
                f"0 failed, 0 error(s) of {ran} tests when loading database", errors
            )
            with closing(sql_db.db_connect(db).cursor()) as cr:
                cr.execute(
                    "SELECT count(*) FILTER (WHERE state != 'draft') FROM "
                    "accomp_engagement"
                )
                sold = cr.fetchone()[0]
                cr.execute(
                    "SELECT count(*) FROM account_move WHERE state = 'posted' "
                    "AND accomp_engagement_id IS NOT NULL"
                )
                invoices = cr.fetchone()[0]
                cr.execute(
                    "SELECT chart_template FROM res_company c JOIN res_users u "
                    "ON u.company_id = c.id WHERE u.login = 'admin'"
                )
                charts[db] = cr.fetchone()[0]
                # the programmes are in the firm's company and currency
                cr.execute(
                    "SELECT count(DISTINCT e.company_id), min(cur.name), "
                    "count(DISTINCT e.currency_id), "
                    "bool_and(e.currency_id = c.currency_id), "
                    "bool_and(e.company_id = (SELECT res_id FROM ir_model_data "
                    "WHERE module = 'base' AND name = 'main_company')) "
                    "FROM accomp_engagement e "
                    "JOIN res_company c ON c.id = e.company_id "
                    "JOIN res_currency cur ON cur.id = e.currency_id"
                )
                currencies[db] = cr.fetchone()
                # SEPA (in euros only): a mandate signed online, its programme's
                # open invoice in the draft SEPA payment order
                cr.execute(
                    "SELECT (SELECT count(*) FROM account_banking_mandate "
                    "WHERE accomp_signed_on IS NOT NULL), "
                    "(SELECT count(*) FROM account_payment_line pl "
                    "JOIN account_move_line aml ON aml.id = pl.move_line_id "
                    "JOIN account_move m ON m.id = aml.move_id "
                    "WHERE m.accomp_engagement_id IS NOT NULL)"
                )
                sepa[db] = cr.fetchone()
            self.assertGreaterEqual(sold, 10, db)
            self.assertGreater(invoices, 10, db)
        self.assertEqual(
            charts, {"accomp_onestep_fr": "fr", "accomp_onestep_other": "generic_coa"}
        )
        # French: the firm's own company, in euro; not French: the database's
        # own company, in its own currency
        self.assertEqual(currencies["accomp_onestep_fr"], (1, "EUR", 1, True, False))
        self.assertEqual(currencies["accomp_onestep_other"], (1, "USD", 1, True, True))
        self.assertEqual(
            sepa, {"accomp_onestep_fr": (1, 1), "accomp_onestep_other": (0, 0)}
        )

    def _drop(self, db):
        sql_db.close_db(db)
        with closing(sql_db.db_connect("postgres").cursor()) as cr:
            cr._cnx.autocommit = True
            cr.execute(SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(db)))
