import { registry } from "@web/core/registry";

/**
 * A consumer terminates their contract online in three steps: the function,
 * the summary (last day, what is still billed), the confirmation.
 */
registry.category("web_tour.tours").add("accomp_billing_termination_tour", {
    steps: () => [
        {
            content: "Terminate your contract, from the programme",
            trigger: "a.o_accomp_terminate",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The last day and what is still billed are shown",
            trigger: ".o_accomp_portal_terminate_page li:contains(Last day)",
        },
        {
            content: "Confirm",
            trigger: "button.o_accomp_confirm_termination",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The programme says it is terminated",
            trigger: ".o_accomp_portal_terminated",
        },
    ],
});
