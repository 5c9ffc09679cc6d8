from . import accomp_demo
