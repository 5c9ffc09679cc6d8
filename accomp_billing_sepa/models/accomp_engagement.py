"""A programme collected by SEPA direct debit: its mandate, the invoices that
carry it, the scheduled direct-debit run, the client's signature and revocation
in the portal, and what two returned debits do."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount

from .account_move import DEBIT_UNDER_WAY

COLLECTION_METHODS = [
    ("manual", "Invoice by invoice"),
    ("token", "Saved payment method"),
    ("sepa", "SEPA direct debit"),
]


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    mandate_id = fields.Many2one(
        "account.banking.mandate",
        string="SEPA mandate",
        domain="[('partner_id', 'child_of', commercial_partner_id),"
        " ('company_id', '=', company_id), ('state', '=', 'valid')]",
        copy=False,
        tracking=True,
        index="btree_not_null",
        help="The client's SEPA direct debit mandate: the programme's invoices are "
        "debited under it through the company's SEPA payment orders. A programme "
        "is collected either by SEPA or by a saved payment method, never both.",
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", string="Client entity"
    )
    sepa_suspended = fields.Boolean(
        string="SEPA debits suspended",
        copy=False,
        tracking=True,
        help="Two debits were returned under this programme's mandate: no other is "
        "made until a billing manager lifts the suspension.",
    )
    collection_method = fields.Selection(
        COLLECTION_METHODS,
        string="Collected by",
        compute="_compute_collection_method",
    )

    @api.depends("mandate_id", "payment_token_id", "sepa_suspended")
    def _compute_collection_method(self):
        for engagement in self:
            if engagement.mandate_id and not engagement.sepa_suspended:
                engagement.collection_method = "sepa"
            elif engagement.payment_token_id:
                engagement.collection_method = "token"
            else:
                engagement.collection_method = "manual"

    @api.constrains("mandate_id", "payment_token_id", "partner_id", "company_id")
    def _check_mandate(self):
        """One way of collecting a programme, and the client's own mandate in
        the programme's company."""
        for engagement in self.filtered("mandate_id"):
            mandate = engagement.sudo().mandate_id
            if engagement.payment_token_id:
                raise ValidationError(
                    self.env._(
                        "%(name)s is collected either by SEPA direct debit or by a "
                        "saved payment method, not both: remove one.",
                        name=engagement.display_name,
                    )
                )
            if (
                mandate.partner_id.commercial_partner_id
                != engagement.partner_id.commercial_partner_id
                or mandate.company_id != engagement.company_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(name)s: the mandate %(mandate)s belongs to another client "
                        "or company; only %(client)s's own can be debited.",
                        name=engagement.display_name,
                        mandate=mandate.display_name,
                        client=engagement.partner_id.commercial_partner_id.name,
                    )
                )

    @api.onchange("mandate_id")
    def _onchange_mandate_id(self):
        if self.mandate_id:
            self.payment_token_id = False

    @api.depends("mandate_id.state", "sepa_suspended")
    def _compute_billing_warning(self):
        return super()._compute_billing_warning()

    def _billing_problems(self):
        problems = super()._billing_problems()
        if not self.mandate_id:
            return problems
        company = self.company_id
        if self.mandate_id.state != "valid":
            problems.append(self.env._("the SEPA mandate is no longer valid"))
        if not company.accomp_sepa_payment_mode_id:
            problems.append(
                self.env._("no SEPA payment mode in the settings: not debited")
            )
        elif not company._accomp_sepa_creditor_identifier():
            problems.append(self.env._("no SEPA creditor identifier (ICS)"))
        if self.sepa_suspended:
            problems.append(
                self.env._("SEPA debits suspended after two returned debits")
            )
        return problems

    def _failure_texts(self):
        summaries, messages = super()._failure_texts()
        summaries["sepa"] = self.env._("SEPA debit not prepared")
        messages["sepa"] = self.env._("The SEPA debit was not prepared: %(error)s")
        return summaries, messages

    def _sepa_collected(self):
        """Whether this programme's new invoices are debited by SEPA."""
        self.ensure_one()
        return bool(
            self.mandate_id.state == "valid"
            and not self.sepa_suspended
            and self.company_id.accomp_sepa_payment_mode_id
        )

    def _complete_invoice_values(self, vals, events):
        """An invoice of a SEPA-collected programme carries the company's SEPA
        payment mode and the mandate (OCA's fields): the payment order takes it
        from there."""
        res = super()._complete_invoice_values(vals, events)
        if vals.get("move_type") == "out_invoice" and self._sepa_collected():
            vals["payment_mode_id"] = self.company_id.accomp_sepa_payment_mode_id.id
            vals["mandate_id"] = self.mandate_id.id
        return res

    # ------------------------------------------------------------------
    # The scheduled action
    # ------------------------------------------------------------------
    @api.model
    def _prepare_direct_debits(self, date_ref=None):
        """Add every posted, unpaid programme invoice due within its company's
        SEPA lead time to the company's draft SEPA payment order, once per
        invoice whatever reruns, workers or interruptions; each invoice on its
        own (a failure is reported on its programme, the others go on).

        :return: the invoices added (account.move)"""
        Move = self.env["account.move"]
        days = self.env["res.company"]._accomp_days(date_ref)
        invoices = Move.search(
            Move._accomp_sepa_to_debit_domain(days), order="invoice_date_due, id"
        )
        added = Move

        def step(invoice):
            nonlocal added
            if invoice._accomp_sepa_add_to_order():
                added |= invoice

        self.env["ir.cron"]._accomp_each(
            invoices,
            step,
            "sepa",
            engagement_of=lambda invoice: invoice.accomp_engagement_id,
        )
        return added

    @api.model
    def _cron_prepare_direct_debits(self):
        self._prepare_direct_debits()

    # ------------------------------------------------------------------
    # The client's mandate, signed and revoked in the portal
    # ------------------------------------------------------------------
    def _sepa_check_can_sign(self):
        self.ensure_one()
        if self.state not in ("active", "suspended"):
            raise UserError(
                self.env._(
                    "%(name)s is not in progress: nothing is debited any more.",
                    name=self.display_name,
                )
            )
        if not self.company_id.accomp_sepa_payment_mode_id:
            raise UserError(
                self.env._(
                    "%(company)s does not collect by SEPA direct debit.",
                    company=self.company_id.name,
                )
            )

    def _sepa_mandate_text(self):
        """The SEPA Core mandate's wording the client accepts (EPC rulebook)."""
        self.ensure_one()
        creditor = self.company_id.name
        return self.env._(
            "By signing this mandate form, you authorise (A) %(creditor)s to send "
            "instructions to your bank to debit your account and (B) your bank to "
            "debit your account in accordance with the instructions from "
            "%(creditor)s. As part of your rights, you are entitled to a refund "
            "from your bank under the terms and conditions of your agreement with "
            "your bank. A refund must be claimed within 8 weeks starting from the "
            "date on which your account was debited.",
            creditor=creditor,
        )

    def _sepa_sign_mandate(self, signatory, iban, holder, ip_address=None):
        """The client signs a recurrent SEPA Core mandate for this programme:
        their bank account (``iban``, validated) held by ``holder``; the
        signature's time, IP and wording are kept, the mandate replaces a saved
        payment method on this programme and its PDF is e-mailed to the client.

        :return: the mandate (account.banking.mandate)"""
        self.ensure_one()
        self._sepa_check_can_sign()
        holder = (holder or "").strip()
        if not holder or len(holder) > 70:
            raise UserError(
                self.env._("Give the account holder's name (70 characters at most).")
            )
        client = self.partner_id.commercial_partner_id
        bank = self._sepa_bank_account(client, iban, holder)
        now = fields.Datetime.now()
        # in the company's time zone: the mandate's own check that it is not
        # signed in the future reads the same day as its signature date (just
        # after midnight in Paris, the server's UTC day is still yesterday)
        mandate = (
            self.env["account.banking.mandate"]
            .with_context(tz=self.company_id._accomp_tz())
            .create(
                {
                    "company_id": self.company_id.id,
                    "partner_bank_id": bank.id,
                    "format": "sepa",
                    "type": "recurrent",
                    "recurrent_sequence_type": "first",
                    "scheme": "CORE",
                    "signature_date": self.company_id._accomp_today(),
                    "state": "valid",
                    "accomp_signed_on": now,
                    "accomp_signed_ip": ip_address,
                    "accomp_signed_by_id": signatory.id,
                    "accomp_mandate_text": self._sepa_mandate_text(),
                }
            )
        )
        previous = self.payment_token_id
        self.write(
            {
                "payment_token_id": False,
                "mandate_id": mandate.id,
                "sepa_suspended": False,
            }
        )
        self.message_post(
            body=self.env._(
                "%(client)s signed the SEPA mandate %(reference)s online (account "
                "%(account)s)%(replaced)s: the instalments are debited under it.",
                client=signatory.name,
                reference=mandate.unique_mandate_reference,
                account=mandate._accomp_masked_account(),
                replaced=self.env._(
                    ", instead of %(method)s", method=previous.display_name
                )
                if previous
                else "",
            ),
            subtype_xmlid="mail.mt_note",
        )
        template = self.env.ref("accomp_billing_sepa.mail_template_mandate_signed")
        mandate.with_context(accomp_engagement=self.name).message_post_with_source(
            template, subtype_xmlid="mail.mt_comment"
        )
        mandate.is_sent = True
        return mandate

    def _sepa_bank_account(self, client, iban, holder):
        """The client's bank account of ``iban`` (created if new)."""
        from odoo.addons.base_iban.models.res_partner_bank import (  # noqa: PLC0415
            normalize_iban,
            validate_iban,
        )

        try:
            validate_iban(iban or "")
        except ValidationError:
            raise UserError(
                self.env._("This IBAN is not valid: check it on your bank's details.")
            ) from None
        number = normalize_iban(iban)
        Bank = self.env["res.partner.bank"]
        bank = Bank.search(
            [
                ("partner_id", "=", client.id),
                ("sanitized_acc_number", "=", number),
            ],
            limit=1,
        )
        if bank:
            if not bank.active:
                bank.active = True
            return bank
        return Bank.create(
            {"partner_id": client.id, "acc_number": number, "acc_holder_name": holder}
        )

    def _sepa_revoke_mandate(self, signatory):
        """The client revokes this programme's mandate: it is cancelled, the
        debits not yet in a bank file are withdrawn from their payment order, the
        programme is paid invoice by invoice from now on, and the billing manager
        gets a to-do for the invoices left to collect."""
        self.ensure_one()
        mandate = self.mandate_id
        if not mandate:
            raise UserError(
                self.env._("%(name)s has no SEPA mandate.", name=self.display_name)
            )
        lines = mandate.payment_line_ids.filtered(lambda line: line.state == "draft")
        lines.unlink()
        if mandate.state in ("draft", "valid"):
            mandate.cancel()
        self.mandate_id = False
        open_invoices = self.invoice_ids.filtered_domain(
            self.env["account.move"]._accomp_unpaid_domain()
        )
        exported = open_invoices.filtered(
            lambda m: m.line_ids.payment_line_ids.filtered(
                lambda line: line.state in DEBIT_UNDER_WAY
            )
        )
        self.message_post(
            body=self.env._(
                "%(client)s revoked the SEPA mandate %(reference)s: no other debit "
                "is made; the instalments are paid invoice by invoice.",
                client=signatory.name,
                reference=mandate.unique_mandate_reference,
            ),
            subtype_xmlid="mail.mt_note",
            partner_ids=self._billing_managers().partner_id.ids,
        )
        note = self.env._(
            "Open invoices to collect another way: %(invoices)s (%(amount)s).",
            invoices=", ".join(open_invoices.mapped("name")) or "—",
            amount=format_amount(
                self.env, sum(open_invoices.mapped("amount_residual")), self.currency_id
            ),
        )
        if exported:
            note += " " + self.env._(
                "Already in a confirmed payment order: %(invoices)s — take them out "
                "of the file before it goes to the bank.",
                invoices=", ".join(exported.mapped("name")),
            )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("SEPA mandate revoked by the client"),
            note=note,
            user_id=(self._billing_managers()[:1] or self.user_id or self.env.user).id,
        )
        return mandate

    def _sepa_debit_returned(self, payment, invoices):
        """Log a returned debit of this programme; suspend its SEPA debits at
        the second return under the same mandate."""
        self.ensure_one()
        mine = invoices.filtered(lambda m: m.accomp_engagement_id == self)
        mandate = payment.payment_line_ids.mandate_id[:1]
        reason = dict(
            self.env["account.payment"]
            ._fields["accomp_return_reason"]
            ._description_selection(self.env)
        )[payment.accomp_return_reason]
        self.message_post(
            body=self.env._(
                "The SEPA debit of %(invoices)s (%(amount)s) was returned by the "
                "bank: %(reason)s. The invoice is due again; dunning takes over.",
                invoices=", ".join(mine.mapped("name")),
                amount=format_amount(self.env, payment.amount, payment.currency_id),
                reason=reason,
            ),
            subtype_xmlid="mail.mt_note",
            partner_ids=self._billing_managers().partner_id.ids,
        )
        returns = self.env["account.payment"].search_count(
            [
                ("accomp_return_reason", "!=", False),
                ("payment_line_ids.mandate_id", "=", mandate.id),
            ]
        )
        if mandate and returns >= 2 and not self.sepa_suspended:
            self.sepa_suspended = True
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("SEPA debits suspended"),
                note=self.env._(
                    "%(count)s debits under the mandate %(reference)s were returned: "
                    "no other is made. Call the client, then lift the suspension or "
                    "collect another way.",
                    count=returns,
                    reference=mandate.unique_mandate_reference,
                ),
                user_id=(
                    self._billing_managers()[:1] or self.user_id or self.env.user
                ).id,
            )

    def _portal_use_payment_method(self, token, partner):
        """The client chose a saved payment method instead of their mandate:
        the programme is no longer debited by SEPA (the mandate stays valid)."""
        if self.mandate_id:
            self.message_post(
                body=self.env._(
                    "The programme is no longer debited under the SEPA mandate "
                    "%(reference)s.",
                    reference=self.mandate_id.unique_mandate_reference,
                ),
                subtype_xmlid="mail.mt_note",
            )
            self.mandate_id = False
        return super()._portal_use_payment_method(token, partner)

    def action_lift_sepa_suspension(self):
        """The billing manager lets SEPA debits resume (the client confirmed the
        account, or signed again)."""
        self._check_manager()
        for engagement in self.filtered("sepa_suspended"):
            engagement.sepa_suspended = False
        return True
