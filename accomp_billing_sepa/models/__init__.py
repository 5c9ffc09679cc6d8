from . import (
    account_banking_mandate,
    account_edi_xml_cii,
    accomp_engagement,
    account_move,
    account_payment,
    mail_activity,
    res_company,
    res_config_settings,
)
