from . import accomp_offer
