from contextlib import contextmanager
from datetime import date

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import Form, freeze_time, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class ProvokedFailure(UserError):
    """A failure a test provokes: not a message of the addon (not translated)."""


@tagged("post_install", "-at_install")
class AccompCase(AccountTestInvoicingCommon):
    """A company with a chart of accounts, a client, the four roles (billing
    manager = the accounting test user, coaches, accountant) and helpers to make
    offers and engagements, invoice what is due and pay invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        # the accounting test user is the billing manager
        cls.env.user.group_ids += cls.env.ref("accomp_billing.group_accomp_manager")
        cls.manager = cls.env.user
        cls.company.partner_id.tz = "Europe/Paris"
        cls.client = cls.env["res.partner"].create(
            {"name": "Claire Martin", "lang": "en_US"}
        )
        # French VAT, 20 %: prices stated without tax (the default), or with it
        cls.vat20 = cls.env["account.tax"].create(
            {
                "name": "TVA 20 %",
                "amount": 20,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        cls.vat20_included = cls.vat20.copy(
            {"name": "TVA 20 % TTC", "price_include_override": "tax_included"}
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Coaching",
                "type": "service",
                "taxes_id": [Command.set(cls.vat20.ids)],
            }
        )
        cls.product_included = cls.env["product.product"].create(
            {
                "name": "Coaching TTC",
                "type": "service",
                "taxes_id": [Command.set(cls.vat20_included.ids)],
            }
        )
        cls.product_untaxed = cls.env["product.product"].create(
            {"name": "Coaching (no VAT)", "type": "service", "taxes_id": []}
        )
        coach_group = "accomp_billing.group_accomp_coach"
        cls.coach = new_test_user(cls.env, login="coach_anne", groups=coach_group)
        cls.other_coach = new_test_user(
            cls.env, login="coach_bruno", groups=coach_group
        )
        cls.accountant = new_test_user(
            cls.env, login="accountant_eve", groups="account.group_account_invoice"
        )

    def assertRaisesRegex(self, expected_exception, expected_regex, *args, **kwargs):
        """Like Odoo's ``assertRaises``: the failed call is rolled back (to a
        savepoint), as the request that made it would be."""
        if args or kwargs:
            return super().assertRaisesRegex(
                expected_exception, expected_regex, *args, **kwargs
            )
        return self._assert_raises_regex_rolled_back(expected_exception, expected_regex)

    @contextmanager
    def _assert_raises_regex_rolled_back(self, expected_exception, expected_regex):
        with self.assertRaises(expected_exception) as context:
            yield context
        self.assertRegex(str(context.exception), expected_regex)

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
    def make_milestone_offer(cls, deposit=30, percents=(40, 60), **vals):
        """A milestones offer (3 000 € HT by default): a deposit, then phases
        sharing the rest ("Diagnostic", "Plan d'action", "Bilan")."""
        names = ("Diagnostic", "Plan d'action", "Bilan")
        return cls.make_offer(
            billing_model="milestones",
            deposit_percent=deposit,
            milestone_template_ids=[
                Command.create({"name": name, "percent": percent, "sequence": i})
                for i, (name, percent) in enumerate(zip(names, percents, strict=False))
            ],
            **vals,
        )

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

    def terminate(self, engagement, request_date, **wizard_vals):
        """Terminate through the wizard as a billing manager does, on
        ``request_date``: (last day, billed, cancelled, fee, credited) as the
        wizard showed them before confirming."""
        with freeze_time(f"{request_date} 09:00:00"):
            wizard = Form(
                self.env["accomp.terminate.wizard"].with_context(
                    default_engagement_id=engagement.id
                )
            )
            wizard.request_date = request_date
            for fname, value in wizard_vals.items():
                setattr(wizard, fname, value)
            wizard = wizard.save()
            summary = (
                wizard.date_end,
                wizard.amount_billed,
                wizard.amount_cancelled,
                wizard.amount_fee,
                wizard.amount_credited,
            )
            wizard.action_confirm()
        return summary

    def pay(self, invoices, amount=None, payment_date=None, **vals):
        """Register a payment of ``invoices`` through Odoo's payment wizard
        (in full by default, one payment per invoice)."""
        if amount is not None:
            vals["amount"] = amount
        if payment_date is not None:
            vals["payment_date"] = payment_date
        vals.setdefault("group_payment", False)
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create(vals)
            ._create_payments()
        )

    def schedule(self, engagement):
        """(kind, date_due, amount) of the engagement's lines, in order."""
        return [
            (line.kind, line.date_due, line.amount)
            for line in engagement.schedule_line_ids.sorted(
                lambda line: (line.sequence, line.id)
            )
        ]
