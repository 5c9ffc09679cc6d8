"""Each role walks the main screens of the French demo in a real browser.

The demo (its French company, clients, programmes at every stage) is loaded in
the test's transaction; every page, every tab of a form and the gear menu are
read as the user sees them. A page fails on a traceback or error dialog, on a
dollar sign, or on any English text of this addon that the French catalogue
translates (a text shown exactly as one of its ``msgid``)."""

import json
import logging
from pathlib import Path

from odoo.tests import HttpCase, tagged
from odoo.tools import convert_file
from odoo.tools.translate import PoFileReader

ENGAGEMENTS = "/odoo/action-accomp_billing.accomp_engagement_action"
OFFERS = "/odoo/action-accomp_billing.accomp_offer_action"
SCHEDULE = "/odoo/action-accomp_billing.accomp_schedule_line_action"
PO_FILE = Path(__file__).parents[1] / "i18n" / "fr.po"

# Reads the page once Odoo has rendered it, then every tab of a form and the
# gear menu; hands what it read to Python (see ``walk``).
WALK_JS = """
(async () => {
    const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    for (let i = 0; i < 150; i++) {
        await wait(100);
        const view = ".o_action_manager .o_view_controller, .o_error_dialog";
        if (document.querySelector(view)
            && !document.querySelector(".o_loading_indicator")) {
            break;
        }
    }
    await wait(400);
    const report = {texts: [], errors: []};
    const read = (where) => {
        const dialog = document.querySelector(".o_error_dialog");
        if (dialog) {
            const text = dialog.innerText.slice(0, 300);
            report.errors.push(where + ": error dialog: " + text);
        }
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode;
            if (node.parentElement.closest("script, style")) {
                continue;
            }
            const value = node.nodeValue.trim().replace(/\\s+/g, " ");
            if (value) {
                report.texts.push([where, value]);
            }
        }
        for (const input of document.querySelectorAll("[placeholder]")) {
            report.texts.push([where, input.getAttribute("placeholder")]);
        }
    };
    read("page");
    const tabs = ".o_form_view .o_notebook_headers .nav-link";
    for (const tab of document.querySelectorAll(tabs)) {
        tab.click();
        await wait(300);
        read("tab " + tab.innerText);
    }
    const gear = document.querySelector(".o_control_panel .o_cp_action_menus button");
    if (gear) {
        gear.click();
        await wait(400);
        read("gear menu");
    }
    report.texts = [...new Map(report.texts.map((t) => [t.join("|"), t])).values()];
    console.log("ACCOMP_WALK " + JSON.stringify(report));
    console.log("test successful");
})();
"""


class _Collect(logging.Handler):
    """Takes the walkthrough's report from the browser's console log."""

    MARK = "ACCOMP_WALK "

    def __init__(self, reports):
        super().__init__()
        self.reports = reports

    def keep(self, record):
        message = record.getMessage()
        if message.startswith(self.MARK):
            self.reports.append(json.loads(message[len(self.MARK) :]))
            return False
        return True

    def emit(self, record):
        pass


@tagged("post_install", "-at_install")
class TestWalkthrough(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        convert_file(
            cls.env,
            "accomp_billing",
            "demo/accomp_billing_demo.xml",
            {},
            mode="init",
            noupdate=True,
        )
        english = set()
        with PO_FILE.open("rb") as po:
            for entry in PoFileReader(po):
                # "Coach:" is "Coach :" in French: compare without the colon
                source = entry["src"].strip().rstrip(":").strip()
                value = entry["value"].strip().rstrip(":").strip()
                if (
                    value
                    and source != value
                    and not any(c in source for c in "%{}\n<")
                    and any(c.isalpha() for c in source)
                ):
                    english.add(source)
        cls.english = sorted(english)

    def ref(self, name):
        return self.env.ref(f"accomp_billing.{name}")

    def walk(self, login, pages):
        english = set(self.english)
        problems = []
        # the browser's console goes to this logger: keep the page's report
        # out of the test output, read it here
        logger = logging.getLogger(f"{type(self).__module__}.{type(self).__name__}")
        logger = logger.getChild(self._testMethodName).getChild("browser")
        # the console's lines are INFO: read them whatever the "odoo" loggers'
        # level (the test configuration's --log-level)
        level = logger.level
        logger.setLevel(logging.INFO)
        self.addCleanup(logger.setLevel, level)
        for page in pages:
            reports = []
            handler = _Collect(reports)
            logger.addFilter(handler.keep)
            logger.addHandler(handler)
            try:
                self.browser_js(page, WALK_JS, login=login, timeout=90)
            finally:
                logger.removeFilter(handler.keep)
                logger.removeHandler(handler)
            self.assertEqual(len(reports), 1, f"{page} was read")
            report = reports[0]
            problems += [f"{page} {error}" for error in report["errors"]]
            seen = set()
            for where, text in report["texts"]:
                bare = text.rstrip(":").strip()
                if "$" in text:
                    problems.append(f"{page} {where}: a dollar sign: {text}")
                if bare in english and (where, bare) not in seen:
                    seen.add((where, bare))
                    problems.append(f"{page} {where}: untranslated: {bare}")
        if problems:
            self.fail("\n".join(problems))

    def engagement_page(self, name):
        engagement = self.ref(name + "_demo")
        return f"{ENGAGEMENTS}/{engagement.id}"

    def invoice_page(self, engagement):
        invoice = self.ref(engagement + "_demo").invoice_ids.filtered(
            lambda m: m.state == "posted"
        )[:1]
        self.assertTrue(invoice, f"the demo's {engagement} has a posted invoice")
        return f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}"

    def test_admin_walks_the_demo(self):
        """The firm's manager: programmes (list, kanban, every stage's form),
        schedule, sessions, review, offers, dunning levels, an invoice."""
        engagements = ENGAGEMENTS
        self.walk(
            "admin",
            [
                engagements,
                engagements + "?view_type=kanban",
                self.engagement_page("accomp_engagement_envol"),
                self.engagement_page("accomp_engagement_transformation"),
                self.engagement_page("accomp_engagement_suivi"),
                self.engagement_page("accomp_engagement_retard"),
                self.engagement_page("accomp_engagement_resilie"),
                self.engagement_page("accomp_engagement_fini"),
                self.engagement_page("accomp_engagement_mentorat_draft"),
                SCHEDULE,
                SCHEDULE + "?view_type=pivot",
                "/odoo/action-accomp_billing.accomp_usage_action",
                "/odoo/action-accomp_billing.account_move_action_accomp_review",
                OFFERS,
                f"{OFFERS}/{self.ref('accomp_offer_cap_demo').id}",
                "/odoo/action-accomp_billing.accomp_dunning_level_action",
                self.invoice_page("accomp_engagement_envol"),
            ],
        )

    def test_coach_walks_the_demo(self):
        """A coach: their programmes, a form with sessions, one with phases."""
        self.walk(
            "coach",
            [
                "/odoo/action-accomp_billing.accomp_engagement_action",
                self.engagement_page("accomp_engagement_envol"),
                self.engagement_page("accomp_engagement_transformation"),
                "/odoo/action-accomp_billing.accomp_usage_action",
            ],
        )

    def test_accountant_walks_the_demo(self):
        """The accountant, from the Programmes app: the programmes, the review
        list, a late and a terminated programme (their ledger), the schedule,
        the forecast, the next billing run, an invoice."""
        accountant = self.env["res.users"].search([("login", "=", "comptable")])
        menus = self.env["ir.ui.menu"].with_user(accountant)._visible_menu_ids()
        for menu in (
            "accomp_menu_root",
            "accomp_engagement_menu",
            "accomp_review_menu",
            "accomp_schedule_line_menu",
            "accomp_forecast_menu",
            "accomp_billing_run_preview_menu",
        ):
            self.assertIn(self.ref(menu).id, menus, menu)
        self.assertEqual(
            accountant.action_id.id, self.ref("accomp_engagement_action").id
        )
        self.walk(
            "comptable",
            [
                "/odoo",  # lands on the programmes
                "/odoo/action-accomp_billing.account_move_action_accomp_review",
                "/odoo/action-accomp_billing.accomp_engagement_action",
                self.engagement_page("accomp_engagement_retard"),
                self.engagement_page("accomp_engagement_resilie"),
                SCHEDULE,
                "/odoo/action-accomp_billing.accomp_forecast_action",
                "/odoo/action-accomp_billing.accomp_billing_run_preview_action",
                self.invoice_page("accomp_engagement_retard"),
            ],
        )

    def test_the_client_pays_with_the_demo_provider(self):
        """Claire Martin (``claire``) opens her programme in the portal: its
        unpaid invoice has a Pay button, and the invoice offers Odoo's demo
        provider in test mode (nothing is charged)."""
        engagement = self.ref("accomp_engagement_envol_demo")
        self.assertEqual(
            engagement.partner_id, self.ref("res_partner_claire_martin_demo")
        )
        unpaid = engagement.invoice_ids.filtered(
            lambda m: m.state == "posted" and m.payment_state == "not_paid"
        )
        self.assertTrue(unpaid, "the demo leaves Claire an invoice to pay")
        self.authenticate("claire", "claire")
        page = self.url_open(f"/my/programmes/{engagement.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_accomp_pay", page.text)
        self.assertIn("Payer", page.text)  # in French
        invoice = self.url_open(f"/my/invoices/{unpaid[:1].id}")
        self.assertEqual(invoice.status_code, 200)
        self.assertIn('data-provider-code="demo"', invoice.text)
        self.assertIn('data-provider-state="test"', invoice.text)
