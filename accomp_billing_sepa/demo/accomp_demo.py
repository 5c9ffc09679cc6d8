"""The demo firm collects by SEPA direct debit: its creditor identifier and
payment mode, a client who signed a mandate online, and that client's open
invoice in the draft SEPA payment order."""

import datetime

from odoo import api, models

DEMO_PENDING = "accomp_billing_sepa.demo_pending"
# Valid IBANs of the demo (fictitious accounts).
CLIENT_IBAN = "FR1420041010050500013M02606"


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    @api.model
    def _demo_sepa(self):
        """Called by the demo data: played after the firm's story (which may be
        played once every module is loaded, see ``_demo_schedule``)."""
        if self.env.registry.ready and not self.env[
            "ir.config_parameter"
        ].sudo().get_param("accomp_billing.demo_scenario_pending"):
            return self._demo_sepa_scenario()
        self.env["ir.config_parameter"].sudo().set_param(DEMO_PENDING, "1")
        return True

    def _register_hook(self):
        res = super()._register_hook()  # the firm's story first
        parameters = self.env["ir.config_parameter"].sudo()
        if parameters.get_param(DEMO_PENDING):
            parameters.set_param(DEMO_PENDING, False)
            self._demo_sepa_scenario()
        return res

    @api.model
    def _demo_sepa_scenario(self):
        company = self.env.ref(
            "accomp_billing.res_company_envol_demo", raise_if_not_found=False
        )
        if not company or company.currency_id != self.env.ref("base.EUR"):
            return True  # SEPA debits are in euros
        lang = "fr_FR" if self.env["res.lang"]._get_data(code="fr_FR") else None
        if lang:
            self.env["ir.module.module"]._load_module_terms(
                ["accomp_billing_sepa"], [lang], overwrite=True
            )
        self = self.with_context(
            lang=lang or self.env.lang, allowed_company_ids=company.ids
        ).with_company(company)
        company = company.with_env(self.env)
        company.sepa_creditor_identifier = "FR78ZZZ424242"
        company.action_accomp_sepa_setup()
        engagement = self.env.ref(
            "accomp_billing.accomp_engagement_transformation_demo"
        )
        if engagement.state != "active" or engagement.mandate_id:
            return True
        client = engagement.partner_id
        mandate = engagement._sepa_sign_mandate(
            client, CLIENT_IBAN, client.name, ip_address="192.0.2.44"
        )
        # the invoice already issued is collected under the new mandate too:
        # due in 30 days, its debit is pre-notified well ahead
        mode = company.accomp_sepa_payment_mode_id
        invoices = engagement.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.state == "posted"
            and m.payment_state == "not_paid"
        )
        invoices.write({"payment_mode_id": mode.id, "mandate_id": mandate.id})
        invoices.is_move_sent = True
        if invoices:
            day = max(invoices.mapped("invoice_date_due"))
            self._prepare_direct_debits(
                date_ref=day - datetime.timedelta(days=company.accomp_sepa_lead_days)
            )
        return True
