from . import portal
from . import cutoff
