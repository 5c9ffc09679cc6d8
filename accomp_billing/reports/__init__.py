from . import accomp_forecast
