"""Seams a maintainer can trust: within each addon, a method of a model is
defined once, so that no behaviour depends on the order the files are imported
in (``models/__init__.py``); the addon's own steps are called explicitly."""

from odoo.tests import TransactionCase, tagged

ADDONS = ("accomp_billing", "accomp_billing_sale")


@tagged("post_install", "-at_install")
class TestSeams(TransactionCase):
    def test_one_definition_per_method_within_an_addon(self):
        stacked = []
        for model_name in self.env.registry:
            cls = type(self.env[model_name])
            for addon in ADDONS:
                prefix = f"odoo.addons.{addon}."
                owners = {}
                for klass in cls.__mro__:
                    if not klass.__module__.startswith(prefix):
                        continue
                    for name, value in vars(klass).items():
                        if callable(value) and not name.startswith("__"):
                            owners.setdefault(name, []).append(klass.__module__)
                stacked += [
                    f"{model_name}.{name}: {', '.join(modules)}"
                    for name, modules in owners.items()
                    if len(modules) > 1
                ]
        self.assertEqual(stacked, [], "\n".join(stacked))

    def test_the_french_completion_runs_whatever_the_import_order(self):
        """The delivery date and the last invoice's recap are the addon's own
        steps, called by the invoicing hook itself."""
        Engagement = type(self.env["accomp.engagement"])
        hook = next(
            klass
            for klass in Engagement.__mro__
            if "_complete_invoice_values" in vars(klass)
            and klass.__module__.startswith("odoo.addons.accomp_billing.")
        )
        self.assertIn(
            "_complete_french_invoice_values",
            hook._complete_invoice_values.__code__.co_names,
        )
