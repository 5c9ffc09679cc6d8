from odoo.exceptions import ValidationError
from odoo.modules.module import get_manifest
from odoo.tests import TransactionCase


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
        crons = crons.filtered(lambda c: c.get_external_id()[c.id].startswith("accomp"))
        self.assertEqual(len(crons), 4)  # invoicing, documents, debits, dunning
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
