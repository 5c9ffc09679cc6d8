"""The demo's story, played when the demo data is loaded (demo/*.xml): a French
coaching firm's programmes at the stages its ledger shows. In French: the
addon's French terms are loaded first, so that chatter and labels read as the
firm's would."""

import base64
import io

from dateutil.relativedelta import relativedelta
from PIL import Image, ImageDraw, ImageFont

from odoo import api, models
from odoo.fields import Command

DEMO_PENDING = "accomp_billing.demo_scenario_pending"


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    @api.model
    def _demo_schedule(self):
        """Called by the demo data. The story needs the whole registry (the
        French chart may come from a module installed in the same step, as the
        Apps menu does): unless the registry is ready, it is played once every
        module is loaded (``_register_hook``)."""
        if self.env.registry.ready:
            return self._demo_scenario()
        self.env["ir.config_parameter"].sudo().set_param(DEMO_PENDING, "1")
        return True

    def _register_hook(self):
        res = super()._register_hook()
        parameters = self.env["ir.config_parameter"].sudo()
        if parameters.get_param(DEMO_PENDING):
            parameters.set_param(DEMO_PENDING, False)
            self._demo_scenario()
        return res

    @api.model
    def _demo_prepare_company(self):
        """The demo's firm, before its records are loaded: its own French
        company when the French localization is installed (or is being, in the
        same step), else the database's own company, in its own currency."""
        if self.env.ref(
            "accomp_billing.res_company_envol_demo", raise_if_not_found=False
        ):
            return True
        if self._demo_is_french():
            company = self.env["res.company"].create(
                {
                    "name": "Cabinet Envol Conseil",
                    "street": "18 rue des Archives",
                    "zip": "75004",
                    "city": "Paris",
                    "country_id": self.env.ref("base.fr").id,
                    "currency_id": self.env.ref("base.EUR").id,
                    "email": "facturation@cabinet-envol.example.com",
                    "phone": "+33 1 42 72 18 30",
                    "website": "https://cabinet-envol.example.com",
                    "company_registry": "82345678500018",
                    "vat": "FR72823456785",
                    "accomp_legal_form": "SAS",
                    "accomp_share_capital": 10000,
                    "accomp_trade_register": "RCS Paris",
                }
            )
        else:
            company = self.env.ref("base.main_company")
        # the demo's records name the firm and its currency by these
        self.env["ir.model.data"].create(
            [
                {
                    "module": "accomp_billing",
                    "name": name,
                    "model": record._name,
                    "res_id": record.id,
                    "noupdate": True,
                }
                for name, record in (
                    ("res_company_envol_demo", company),
                    ("demo_currency", company.currency_id),
                )
            ]
        )
        return True

    @api.model
    def _demo_is_french(self):
        return bool(
            self.env["ir.module.module"].search_count(
                [
                    ("name", "=", "l10n_fr_account"),
                    ("state", "in", ("installed", "to install", "to upgrade")),
                ]
            )
        )

    @api.model
    def _demo_scenario(self):
        lang = self.env["res.lang"]._get_data(code="fr_FR")
        if lang:
            self.env["ir.module.module"]._load_module_terms(
                ["accomp_billing"], ["fr_FR"], overwrite=True
            )
        company = self.env.ref("accomp_billing.res_company_envol_demo")
        self = self.with_context(
            lang="fr_FR" if lang else self.env.lang,
            allowed_company_ids=company.ids,
        ).with_company(company)
        self._demo_company(company)
        # the drafts were created before the products got their VAT
        drafts = self.search([("state", "=", "draft")])

        for fname in (
            "amount_untaxed",
            "amount_tax",
            "amount_total",
            "amount_residual",
        ):
            self.env.add_to_compute(self._fields[fname], drafts)
        today = company._accomp_today()

        def ref(name):
            return self.env.ref(f"accomp_billing.{name}_demo").with_env(self.env)

        sold = self.browse()
        for name in (
            "accomp_engagement_premium",
            "accomp_engagement_envol",
            "accomp_engagement_cap",
            "accomp_engagement_transformation",
            "accomp_engagement_suivi",
            "accomp_engagement_dirigeant",
            "accomp_engagement_fini",
            "accomp_engagement_retard",
            "accomp_engagement_resilie",
            "accomp_engagement_suspendu",
        ):
            sold |= ref(name)
        for engagement in sold:  # concluded when they started, not today
            engagement.date_concluded = engagement.date_start
        sold.action_confirm()
        Line = self.env["accomp.schedule.line"]
        # the scheduler ran every day: each event invoiced on the day it fell due
        for day in sorted(
            {
                line.date_due
                for line in sold.schedule_line_ids
                if line.date_due and line.date_due <= today
            }
        ):
            Line._invoice_due_lines(date_ref=day, engagements=sold)
        Line._invoice_due_lines(date_ref=today, engagements=sold)

        # the client paid, a week after each invoice (but Cabinet Roux)
        late = ref("accomp_engagement_retard")
        for engagement in sold - late:
            invoices = engagement.invoice_ids.filtered(
                lambda m: m.state == "posted"
                and m.invoice_date <= today - relativedelta(days=10)
            )
            for invoice in invoices:
                self._demo_pay(invoice, invoice.invoice_date + relativedelta(days=7))

        # the coach's work: sessions (the 4th is an extra), a phase done
        envol = ref("accomp_engagement_envol")
        coach = ref("user_coach_camille")
        Usage = self.env["accomp.usage"].with_user(coach)
        session, call = ref("product_seance"), ref("product_appel")
        start = envol.date_start
        for days, product, note in (
            (7, session, "Séance de lancement : objectifs"),
            (21, session, ""),
            (35, session, ""),
            (49, session, "Séance supplémentaire avant l'entretien d'embauche"),
            (55, call, "Appel imprévu"),
        ):
            day = start + relativedelta(days=days)
            if day <= today:
                Usage.create(
                    {
                        "engagement_id": envol.id,
                        "product_id": product.id,
                        "date": day,
                        "description": note,
                    }
                )
        ref("accomp_engagement_transformation").milestone_ids.sorted()[:1].with_user(
            coach
        ).action_done()

        # Cabinet Roux did not pay: the reminders went out, on their days
        due = late.invoice_ids[:1].invoice_date_due
        if due:
            for days in (3, 10):
                if due + relativedelta(days=days) <= today:
                    self.env["account.move"]._accomp_dun_overdue_invoices(
                        date_ref=due + relativedelta(days=days)
                    )

        # programmes that change: Julien Moreau took a pack of three more
        # sessions (accepted in his space), Claire Martin is offered two more
        # months before her new job (waiting for her answer)
        Amendment = self.env["accomp.amendment"]
        pack = Amendment.create(
            {
                "engagement_id": ref("accomp_engagement_cap").id,
                "kind": "add_allowance",
                "product_id": session.id,
                "quantity": 3,
                "amount": 360,
                "note": "Trois séances de plus pour préparer les entretiens.",
            }
        )
        pack.action_apply()
        pack.action_accept(pack.partner_id)
        Amendment.create(
            {
                "engagement_id": envol.id,
                "kind": "extend",
                "months": 2,
                "amount": 1000,
                "note": "Deux mois de plus pour accompagner la prise de poste.",
            }
        ).action_apply()

        # Sophie Bernard asked to pause her programme: suspended for now
        ref("accomp_engagement_suspendu").action_suspend()

        # Atelier Dupont ends its yearly programme early, with 30 days' notice
        resilie = ref("accomp_engagement_resilie")
        resilie._terminate(
            resilie._termination_plan(today - relativedelta(days=5), "percent", 10)
        )

        # and the programme that ended last month is done
        self._close_finished_programmes()
        # the accountant's monthly closing: last month's cut-off, computed,
        # ready to post
        self.env["accomp.cutoff"].create(
            {
                "date": today.replace(day=1) - relativedelta(days=1),
                "company_id": company.id,
            }
        ).action_compute()
        self._demo_payment_provider(company)
        self._demo_creation_messages()
        self._demo_one_firm(company)
        return True

    @api.model
    def _demo_one_firm(self, company):
        """The demo is one firm: its people work in it alone (no switcher with
        the localizations' sample companies), and the login page shows its logo
        (read from the superuser's company when nobody is logged in)."""
        users = (
            self.env.ref("base.user_admin")
            | self.env.ref("accomp_billing.user_coach_camille_demo")
            | self.env.ref("accomp_billing.user_accountant_demo")
        )
        users.sudo().write(
            {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        )
        root = self.env.ref("base.user_root").sudo()
        root.write(
            {"company_ids": [Command.link(company.id)], "company_id": company.id}
        )

    @api.model
    def _demo_creation_messages(self):
        """The demo's records were created before the French terms were loaded:
        their "… created" notes say it in French, as the firm's would."""
        self.env["ir.model"].invalidate_model(["name"])  # read before the terms
        for model in ("accomp.offer", "accomp.engagement"):
            records = self.env[model].search([])
            notes = self.env["mail.message"].search(
                [
                    ("model", "=", model),
                    ("res_id", "in", records.ids),
                    ("message_type", "=", "notification"),
                    "|",
                    ("body", "ilike", " created"),
                    ("body", "ilike", " créé"),
                ]
            )
            for note in notes:
                note.body = records.browse(note.res_id)._creation_message()

    @api.model
    def _demo_payment_provider(self, company):
        """Odoo's demo provider, in test mode, for the firm: the client pays an
        invoice, saves a card and sees the automatic debit (nothing is charged)."""
        provider = self.env.ref(
            "payment.payment_provider_demo", raise_if_not_found=False
        )
        if not provider:
            return
        provider = provider.sudo()
        if provider.company_id != company:
            provider = provider.copy({"company_id": company.id})
        provider.write({"state": "test", "is_published": True})

    @api.model
    def _demo_pay(self, invoice, day):
        if invoice.payment_state not in ("not_paid", "partial"):
            return
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": day})._create_payments()

    @api.model
    def _demo_company(self, company):
        """A French firm's invoices: services at 20 % VAT due on receipts, its
        IBAN, its identity in the header and footer, 30-day payment terms."""
        french = self._demo_is_french()
        if not company.chart_template:
            # the French chart when the French localization is installed, else
            # Odoo's generic one (never a module installed from here)
            self.env["account.chart.template"].try_loading(
                "fr" if french else "generic_coa", company, install_demo=False
            )
        taxes = self.env["account.chart.template"].with_company(company)
        service_vat = taxes.ref("tva_normale_encaissement", raise_if_not_found=False)
        if service_vat:
            products = (
                self.env.ref("accomp_billing.product_programme")
                | self.env.ref("accomp_billing.product_seance_demo")
                | self.env.ref("accomp_billing.product_appel_demo")
                | self.env.ref("accomp_billing.product_message_demo")
            )
            products.write({"taxes_id": [Command.set(service_vat.ids)]})
            income = taxes.ref("pcg_706", raise_if_not_found=False)
            if income:  # services supplied, not goods sold
                products.with_company(company).property_account_income_id = income
        if french and not company.partner_id.bank_ids:
            self.env["res.partner.bank"].create(
                {
                    "acc_number": "FR7630006000011234567890189",
                    "partner_id": company.partner_id.id,
                }
            )
        layout = self.env["base.document.layout"].with_company(company)
        vals = {
            "report_footer": layout._default_report_footer(),
            "company_details": layout._default_company_details(),
            "accomp_payment_term_id": self.env.ref(
                "account.account_payment_term_30days"
            ).id,
        }
        if french:  # the firm's own company: its logo, Paris, its mediator
            company.partner_id.tz = "Europe/Paris"
            vals.update(
                logo=self._demo_logo(),
                # the consumer mediator the firm adheres to (C. conso L612-1)
                accomp_mediator_name="CM2C — Centre de la Médiation de la "
                "Consommation de Conciliateurs de Justice",
                accomp_mediator_url="https://www.cm2c.net",
            )
        company.write(vals)

    @api.model
    def _demo_logo(self):
        """The firm's logo, drawn here: no binary file in the repository."""
        image = Image.new("RGB", (480, 140), (255, 255, 255))
        draw = ImageDraw.Draw(image)
        draw.rounded_rectangle((8, 14, 120, 126), radius=22, fill=(113, 75, 103))
        try:
            font = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
            big, small = ImageFont.truetype(font, 64), ImageFont.truetype(font, 30)
        except OSError:
            big = small = ImageFont.load_default()
        draw.text((36, 30), "E", font=big, fill=(255, 255, 255))
        draw.text((138, 28), "Cabinet Envol", font=small, fill=(113, 75, 103))
        draw.text((138, 72), "Conseil & coaching", font=small, fill=(90, 90, 90))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return base64.b64encode(buffer.getvalue())
