import { registry } from "@web/core/registry";

/**
 * The client signs a SEPA mandate for their programme: from the programme's
 * page, a wrong IBAN first (refused, nothing signed), then theirs, the wording
 * accepted; the programme then says its instalments are debited.
 */
registry.category("web_tour.tours").add("accomp_billing_sepa_mandate_tour", {
    steps: () => [
        {
            content: "Pay by SEPA direct debit, from the programme",
            trigger: "a.o_accomp_sepa_sign",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The mandate's wording is shown with the creditor identifier",
            trigger: ".o_accomp_portal_mandate_page:contains(FR78ZZZ424242) .o_accomp_mandate_text:contains(8 weeks)",
        },
        {
            content: "A mistyped IBAN",
            trigger: "input[name=iban]",
            run: "edit FR14 2004 1010 0505 0001 3M02 607",
        },
        {
            content: "Accept",
            trigger: "input[name=accept]",
            run: "check",
        },
        {
            content: "Sign",
            trigger: "button.o_accomp_mandate_sign",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Refused: the IBAN is not valid",
            trigger: ".o_accomp_mandate_error:contains(IBAN is not valid)",
        },
        {
            content: "The right IBAN",
            trigger: "input[name=iban]",
            run: "edit FR14 2004 1010 0505 0001 3M02 606",
        },
        {
            content: "Accept again",
            trigger: "input[name=accept]",
            run: "check",
        },
        {
            content: "Sign",
            trigger: "button.o_accomp_mandate_sign",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The programme is debited from the account, masked",
            trigger: ".o_accomp_portal_sepa:contains(FR14 **** 2606)",
        },
    ],
});
