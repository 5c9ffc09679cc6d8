{
    "name": "Accompagnements — vente par devis",
    "summary": "Sell programmes from quotations: confirming the order starts the "
    "programme, whose invoices show on the order.",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/accomp-billing/accomp_billing",
    "author": "accomp_billing developers",
    "license": "LGPL-3",
    "development_status": "Beta",
    "maintainers": ["accomp-billing"],
    "depends": ["accomp_billing", "sale"],
    "data": [
        "views/product_template_views.xml",
        "views/sale_order_views.xml",
        "views/accomp_engagement_views.xml",
        "views/sale_order_templates.xml",
    ],
    "demo": ["demo/accomp_billing_sale_demo.xml"],
    "auto_install": True,
    "installable": True,
}
