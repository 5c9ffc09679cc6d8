{
    "name": "Accompagnements — facturation des programmes",
    "summary": "Bill multi-month coaching, consulting and training programmes: "
    "upfront, instalments, milestones or subscription with commitment.",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/accomp-billing/accomp_billing",
    "author": "accomp_billing developers",
    "license": "LGPL-3",
    "depends": ["account", "mail", "portal", "payment", "account_payment"],
    "data": [
        "security/accomp_billing_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/product_data.xml",
        "data/ir_cron.xml",
        "views/accomp_offer_views.xml",
        "views/accomp_engagement_views.xml",
        "views/accomp_schedule_line_views.xml",
        "views/accomp_usage_views.xml",
        "views/account_move_views.xml",
        "views/accomp_billing_menus.xml",
        "views/res_config_settings_views.xml",
    ],
    "demo": [
        "demo/accomp_billing_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "accomp_billing/static/tests/tours/**/*",
        ],
    },
    "application": True,
    "installable": True,
}
