from . import controllers, models, wizards

# isort: split
# the demo's SEPA story, after the models it extends
from . import demo
