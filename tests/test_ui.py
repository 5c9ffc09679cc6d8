from odoo.tests import HttpCase


class TestUi(HttpCase):
    def test_menu_tour(self):
        """The real web client loads in Chromium and the Programmes app opens."""
        self.start_tour("/odoo", "accomp_billing_menu_tour", login="admin")
