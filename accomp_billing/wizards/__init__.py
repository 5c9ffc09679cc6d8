from . import accomp_pause_wizard
from . import accomp_terminate_wizard
from . import accomp_usage_log_wizard
from . import accomp_action_confirm
from . import accomp_billing_run_preview
