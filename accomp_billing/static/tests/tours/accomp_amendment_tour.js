import { registry } from "@web/core/registry";

/**
 * The client opens their programme, follows the amendment waiting for them,
 * reads the schedule before and after, and accepts it.
 */
registry.category("web_tour.tours").add("accomp_billing_amendment_tour", {
    steps: () => [
        {
            content: "The amendment waits for the client's answer",
            trigger: ".o_accomp_portal_amendments:contains(Waiting for your answer) a",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The schedule before the change",
            trigger: ".o_accomp_amendment_before td:contains(Instalment 3/6)",
        },
        {
            content: "The schedule after the change",
            trigger: ".o_accomp_amendment_after td:contains(Instalment 9/9)",
        },
        {
            content: "Accept the amendment",
            trigger: "button.o_accomp_amendment_accept",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The amendment is accepted",
            trigger: ".o_accomp_amendment_accepted:contains(Accepted online)",
        },
    ],
});
