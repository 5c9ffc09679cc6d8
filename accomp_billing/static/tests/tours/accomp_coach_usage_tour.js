import { registry } from "@web/core/registry";

function logSession(n) {
    return [
        {
            content: `Log session ${n}`,
            trigger: ".o_form_view button[name=action_log_usage]",
            run: "click",
        },
        {
            content: "The session type is the programme's",
            trigger: ".modal .o_field_widget[name=product_id] input:value(Séance individuelle)",
        },
        {
            content: `Save session ${n}`,
            trigger: ".modal-footer button:contains(Log)",
            run: "click",
        },
        {
            content: `Session ${n} is listed`,
            trigger: `.o_field_widget[name=usage_ids] .o_data_row:nth-child(${n})`,
        },
    ];
}

/**
 * A coach logs three sessions on a programme that includes two: the third is
 * billed as an extra at once.
 */
registry.category("web_tour.tours").add("accomp_billing_coach_usage_tour", {
    steps: () => [
        {
            content: "Open the client's engagement",
            trigger: ".o_data_row .o_data_cell:contains(Sessions client)",
            run: "click",
        },
        {
            content: "Open the sessions",
            trigger: ".o_notebook .nav-link:contains(Sessions)",
            run: "click",
        },
        {
            content: "Open the dialog, then change one's mind",
            trigger: ".o_form_view button[name=action_log_usage]",
            run: "click",
        },
        {
            content: "The dialog is open",
            trigger: ".modal .o_field_widget[name=product_id] input:value(Séance individuelle)",
        },
        {
            content: "Close it without logging",
            trigger: ".modal-header button.btn-close",
            run: "click",
        },
        {
            content: "Nothing was logged",
            trigger: ".o_field_widget[name=usage_ids]:not(:has(.o_data_row))",
        },
        ...logSession(1),
        ...logSession(2),
        {
            content: "Two sessions used out of two, nothing billed",
            trigger: ".o_field_widget[name=usage_ids]:not(:has(.badge:contains(Billed)))",
        },
        ...logSession(3),
        {
            content: "One session is billed as an extra",
            trigger: ".o_field_widget[name=usage_ids] .o_data_row .badge:contains(Billed)",
        },
        {
            content: "The extras billed show on the engagement",
            trigger: ".o_field_widget[name=extras_amount]:contains(150.00)",
        },
        {
            content: "The extra's invoice is on the engagement",
            trigger: "button[name=action_view_invoices] .o_stat_value:contains(1)",
        },
    ],
});
