import { registry } from "@web/core/registry";

/**
 * Opens the Programmes app from the apps menu of the real web client and
 * checks that its offers list is displayed.
 */
registry.category("web_tour.tours").add("accomp_billing_menu_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open the Programmes app",
            trigger: ".o-dropdown-item[data-menu-xmlid='accomp_billing.accomp_menu_root']",
            run: "click",
        },
        {
            content: "The app's top menu is shown",
            trigger: ".o_main_navbar .o_menu_brand:contains(Programmes)",
        },
        {
            content: "Open the offers",
            trigger: ".o_main_navbar button[data-menu-xmlid='accomp_billing.accomp_menu_config']",
            run: "click",
        },
        {
            content: "Click Offers",
            trigger: ".o-dropdown-item[data-menu-xmlid='accomp_billing.accomp_offer_menu']",
            run: "click",
        },
        {
            content: "The offers list is displayed",
            trigger: ".o_breadcrumb .active:contains(Offers)",
        },
    ],
});
