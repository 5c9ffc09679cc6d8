from . import accomp_forecast
from . import accomp_formal_notice
