"""pytest-odoo glue for the top-level ``tests/`` folder.

Odoo gives test classes their ``test_tags`` / ``test_module`` only when they live
in ``odoo.addons.<module>.tests``; ours live outside the addon, so give them the
same defaults an addon test would get.
"""

from odoo.tests.common import BaseCase

BaseCase.test_tags = {"standard", "at_install"}
BaseCase.test_module = "accomp_billing"
