from . import controllers
from . import models
from . import reports
from . import tools
from . import wizards

# isort: split
# the demo's story, after the models it extends (as account/demo)
from . import demo


def _post_init_hook(env):
    """Companies whose French chart was loaded before this addon: the generic
    "Programme" product bills with their services tax."""
    for company in env["res.company"].search([]):
        if company.chart_template:
            env["account.chart.template"]._accomp_set_services_tax(company)
