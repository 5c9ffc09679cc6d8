from datetime import date

from odoo.fields import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class AccompCase(AccountTestInvoicingCommon):
    """A company with a chart of accounts, a client, a coach and offer helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        # the accounting test user is the billing manager
        cls.env.user.group_ids += cls.env.ref("accomp_billing.group_accomp_manager")
        cls.company.partner_id.tz = "Europe/Paris"
        cls.client = cls.env["res.partner"].create(
            {"name": "Claire Martin", "lang": "en_US"}
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Coaching", "type": "service", "taxes_id": [Command.clear()]}
        )

    @classmethod
    def make_offer(cls, **vals):
        defaults = {
            "name": "Programme Envol",
            "billing_model": "instalments",
            "billing_cycle": "monthly",
            "amount_total": 3000,
            "instalment_count": 6,
            "product_id": cls.product.id,
            "company_id": cls.company.id,
            "currency_id": cls.company.currency_id.id,
        }
        return cls.env["accomp.offer"].create({**defaults, **vals})

    @classmethod
    def make_engagement(cls, offer, date_start=date(2026, 1, 31), confirm=True, **vals):
        engagement = cls.env["accomp.engagement"].create(
            {
                "partner_id": cls.client.id,
                "offer_id": offer.id,
                "date_start": date_start,
                "company_id": cls.company.id,
                **vals,
            }
        )
        if confirm:
            engagement.action_confirm()
        return engagement

    def invoice_due(self, date_ref, **kwargs):
        return self.env["accomp.schedule.line"]._invoice_due_lines(
            date_ref=date_ref, **kwargs
        )

    def schedule(self, engagement):
        """(kind, date_due, amount) of the engagement's lines, in order."""
        return [
            (line.kind, line.date_due, line.amount)
            for line in engagement.schedule_line_ids.sorted(
                lambda line: (line.sequence, line.id)
            )
        ]
