import { registry } from "@web/core/registry";

/**
 * The client opens their space, follows the Programmes counter, opens their
 * programme, reads its schedule and reaches the payment of the open invoice.
 */
registry.category("web_tour.tours").add("accomp_billing_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "The Programmes entry shows once its counter is loaded",
            trigger: ".o_portal_index_card a[href='/my/programmes']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open the programme",
            trigger: "tr.o_accomp_portal_programme a:contains(Parcours Transformation)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The schedule shows the deposit, invoiced",
            trigger: ".o_accomp_portal_schedule td:contains(Deposit)",
        },
        {
            content: "What is included is shown",
            trigger: ".o_accomp_portal_included:contains(Séance)",
        },
        {
            content: "Approve the extra session",
            trigger: ".o_accomp_portal_pending_extras button.o_accomp_approve",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The extra is billed",
            trigger: ".o_accomp_portal_schedule td:contains(Extras)",
        },
        {
            content: "Sign off the done phase",
            trigger: "button.o_accomp_sign",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The phase is signed off",
            trigger: ".badge:contains(Signed off)",
        },
        {
            content: "Choose the saved card for this programme's automatic debit",
            trigger: ".o_accomp_portal_tokens button.o_accomp_use_token",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The instalments are debited from it",
            trigger: ".o_accomp_portal_payment_method:contains(Your instalments are debited from)",
        },
        {
            content: "Pay the open invoice",
            trigger: ".o_accomp_portal_schedule a.o_accomp_pay",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The invoice's payment page",
            trigger: "#o_portal_navigation_pay_button, a:contains(Pay Now), button:contains(Pay)",
        },
    ],
});
