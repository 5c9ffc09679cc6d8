from . import product_template
from . import accomp_engagement
from . import accomp_schedule_line
from . import sale_order
from . import sale_order_line
from . import accomp_amendment
