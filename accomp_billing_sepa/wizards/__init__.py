from . import accomp_sepa_return
