import { registry } from "@web/core/registry";

/**
 * An accountant opens the invoices to review, selects the programme's draft
 * and posts it.
 */
registry.category("web_tour.tours").add("accomp_billing_review_tour", {
    steps: () => [
        {
            content: "Select the draft of the programme",
            trigger: ".o_data_row:contains(Review client) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Post it",
            trigger: ".o_control_panel button[name=action_post]",
            run: "click",
        },
        {
            content: "Nothing is left to review",
            trigger: ".o_view_nocontent, .o_list_view:not(:has(.o_data_row))",
        },
    ],
});
