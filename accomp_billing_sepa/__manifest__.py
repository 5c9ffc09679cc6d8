{
    "name": "Accompagnements — prélèvement SEPA",
    "summary": "Collect programme instalments by SEPA direct debit: mandates "
    "signed in the portal, pre-notification on the invoice, OCA's pain.008 "
    "payment orders, returned debits handed to dunning.",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/accomp-billing/accomp_billing",
    "author": "accomp_billing developers",
    "license": "LGPL-3",
    "development_status": "Beta",
    "maintainers": ["accomp-billing"],
    "depends": ["accomp_billing", "account_banking_sepa_direct_debit"],
    "data": [
        "security/accomp_billing_sepa_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "data/cii_templates.xml",
        "reports/account_invoice_report.xml",
        "data/mail_template_data.xml",
        "wizards/accomp_sepa_return_views.xml",
        "views/accomp_engagement_views.xml",
        "views/account_banking_mandate_views.xml",
        "views/account_payment_views.xml",
        "views/res_config_settings_views.xml",
        "views/portal_templates.xml",
    ],
    "demo": ["demo/accomp_billing_sepa_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "accomp_billing_sepa/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "_post_init_hook",
    "installable": True,
}
