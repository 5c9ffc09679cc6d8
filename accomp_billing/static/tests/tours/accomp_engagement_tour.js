import { registry } from "@web/core/registry";

/**
 * A billing manager opens a draft engagement, reads its schedule preview,
 * confirms it and finds the billing schedule built.
 */
registry.category("web_tour.tours").add("accomp_billing_engagement_tour", {
    steps: () => [
        {
            content: "Open the draft engagement",
            trigger: ".o_data_row .o_data_cell:contains(Tour client)",
            run: "click",
        },
        {
            content: "The schedule is previewed before confirmation",
            trigger: ".o_accomp_schedule_preview tbody tr:nth-child(6) td:contains(Instalment 6/6)",
        },
        {
            content: "Confirm the engagement",
            trigger: ".o_form_view button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The engagement is in progress",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains(In progress)",
        },
        {
            content: "The billing schedule has its six instalments",
            trigger: ".o_field_widget[name=schedule_line_ids] .o_data_row:nth-child(6):contains(Instalment 6/6)",
        },
    ],
});
