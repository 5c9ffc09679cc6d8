import { registry } from "@web/core/registry";

/**
 * A coach opens their client's engagement, marks the first phase done and sees
 * the invoice appear on the engagement.
 */
registry.category("web_tour.tours").add("accomp_billing_coach_milestone_tour", {
    steps: () => [
        {
            content: "Open the client's engagement",
            trigger: ".o_data_row .o_data_cell:contains(Milestone client)",
            run: "click",
        },
        {
            content: "No invoice yet",
            trigger: ".o_form_view:not(:has(button[name=action_view_invoices]:visible))",
        },
        {
            content: "Open the milestones",
            trigger: ".o_notebook .nav-link:contains(Milestones)",
            run: "click",
        },
        {
            content: "Mark the first phase done",
            trigger:
                ".o_field_widget[name=milestone_ids] .o_data_row:first-child:contains(Diagnostic) button[name=action_done]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The phase is done",
            trigger:
                ".o_field_widget[name=milestone_ids] .o_data_row:first-child .badge:contains(Done)",
        },
        {
            content: "The invoice smart button counts one invoice",
            trigger: "button[name=action_view_invoices] .o_stat_value:contains(1)",
        },
        {
            content: "Open it",
            trigger: "button[name=action_view_invoices]",
            run: "click",
        },
        {
            content: "The coach reads the invoice of the phase",
            trigger: ".o_form_view .o_field_widget[name=invoice_line_ids]:contains(Diagnostic)",
        },
    ],
});
