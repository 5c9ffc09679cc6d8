import logging
from functools import partial

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Command, Domain
from odoo.tools import format_amount, format_date

from ..tools import recovery
from .ir_cron import RETRIED_ERRORS

_logger = logging.getLogger(__name__)

DEBIT_REFERENCE = "%s-P%s"  # invoice name, attempt: stable, unique per attempt


class AccountMove(models.Model):
    _inherit = "account.move"

    accomp_engagement_id = fields.Many2one(
        "accomp.engagement",
        string="Programme",
        index="btree_not_null",
        readonly=True,
        check_company=True,
        help="The programme this invoice (or credit note) bills.",
    )
    accomp_dunning_ids = fields.One2many(
        "accomp.dunning.history", "invoice_id", string="Dunning", readonly=True
    )
    accomp_charge_stopped = fields.Boolean(
        string="Automatic debit stopped",
        copy=False,
        readonly=True,
        help="The bank or the client refused the debit: it is not tried again.",
    )

    @api.constrains("accomp_engagement_id", "partner_id", "company_id")
    def _check_accomp_engagement(self):
        """A programme's documents are for its client, in its company."""
        for move in self.filtered("accomp_engagement_id"):
            engagement = move.accomp_engagement_id
            if (
                move.commercial_partner_id
                != engagement.partner_id.commercial_partner_id
                or move.company_id != engagement.company_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(move)s belongs to the programme %(programme)s: it must be "
                        "addressed to %(client)s, in %(company)s.",
                        move=move.display_name,
                        programme=engagement.display_name,
                        client=engagement.partner_id.commercial_partner_id.name,
                        company=engagement.company_id.name,
                    )
                )

    def action_open_accomp_engagement(self):
        """From the invoice back to its programme."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "accomp.engagement",
            "res_id": self.accomp_engagement_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # Amounts in the invoice's own terms
    # ------------------------------------------------------------------
    def _accomp_payment_notice(self):
        """How this programme invoice will be paid, when it is not paid by the
        client invoice by invoice: one sentence printed on the invoice and
        written in its e-mail (e.g. the SEPA debit's pre-notification), or an
        empty string.

        Extension hook: the collection addons return their own."""
        self.ensure_one()
        return ""

    def _accomp_extras_untaxed(self):
        """Untaxed amount of this programme invoice's extras lines."""
        self.ensure_one()
        return sum(
            self.invoice_line_ids.filtered(
                lambda aml: aml.accomp_schedule_line_id.kind == "extras"
            ).mapped("price_subtotal")
        )

    def _accomp_extras_to_review(self):
        """The programme invoices whose extras are above their programme's
        review amount: left as drafts for a person to check."""
        return self.filtered(
            lambda move: move.accomp_engagement_id.extras_review_amount
            and move.currency_id.compare_amounts(
                move._accomp_extras_untaxed(),
                move.accomp_engagement_id.extras_review_amount,
            )
            > 0
        )

    def _accomp_amounts_paid(self):
        """Money received for each of these invoices and credit notes, by the
        id of the document (incl. VAT, in its currency): for a posted invoice
        what is settled less what credit notes settled (credited, not paid);
        for a posted credit note the money paid back to the client (settled
        less what it settled of invoices); 0 for the others. What credit notes
        settled is read once for the whole batch, only for the documents that
        something settled."""
        paid = dict.fromkeys(self._origin.ids, 0.0)
        settled_ids = []
        for move in self._origin.filtered(lambda m: m.state == "posted"):
            if move.payment_state in ("paid", "in_payment"):
                paid[move.id] = move.amount_total
            else:
                paid[move.id] = move.amount_total - move.amount_residual
            if not move.currency_id.is_zero(paid[move.id]):
                settled_ids.append(move.id)
        settled = self.browse(settled_ids)
        invoices = settled.filtered(lambda move: move.move_type != "out_refund")
        Partial = self.env["account.partial.reconcile"]
        if invoices:
            # the invoices' receivable settled by credit notes
            for match in Partial.search_fetch(
                [
                    ("debit_move_id.move_id", "in", invoices.ids),
                    ("debit_move_id.account_type", "=", "asset_receivable"),
                    ("credit_move_id.move_id.move_type", "=", "out_refund"),
                ],
                ["debit_move_id", "debit_amount_currency"],
            ):
                paid[match.debit_move_id.move_id.id] -= match.debit_amount_currency
        if settled - invoices:
            # the credit notes' part that settled invoices
            for match in Partial.search_fetch(
                [
                    ("credit_move_id.move_id", "in", (settled - invoices).ids),
                    ("debit_move_id.move_id.move_type", "=", "out_invoice"),
                ],
                ["credit_move_id", "credit_amount_currency"],
            ):
                paid[match.credit_move_id.move_id.id] -= match.credit_amount_currency
        return {move_id: max(amount, 0.0) for move_id, amount in paid.items()}

    def _reverse_moves(self, default_values_list=None, cancel=False):
        """A credit note made from a programme invoice (Odoo's "Credit note"
        button) credits its billing events: each reversed line is linked to the
        event and attempt of the line it reverses, line by line
        (``account.move.line._copy_data_extend_business_fields``)."""
        reverse_moves = super(
            AccountMove, self.with_context(accomp_reversal=True, accomp_invoicing=True)
        )._reverse_moves(default_values_list, cancel)
        return reverse_moves.with_env(self.env)

    # ------------------------------------------------------------------
    # Domains
    # ------------------------------------------------------------------
    @api.model
    def _accomp_unpaid_domain(self):
        """Posted programme invoices not fully paid."""
        return Domain(
            [
                ("accomp_engagement_id", "!=", False),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )

    @api.model
    def _accomp_due_domain(self, days_by_company=None):
        """Unpaid programme invoices due on or before their company's day: the
        automatic debit charges an invoice on its due date."""
        days = days_by_company or self.env["res.company"]._accomp_days()
        return self._accomp_unpaid_domain() & Domain.OR(
            Domain("company_id", "=", company.id)
            & Domain("invoice_date_due", "<=", day)
            for company, day in days.items()
        )

    @api.model
    def _accomp_overdue_domain(self, days_by_company=None):
        """The one definition of an overdue programme invoice: posted, not fully
        paid, and due strictly before its company's local day (an invoice due
        today is not late yet). Used by the engagement's *Overdue* flag and
        filter, the automatic resume after dunning, and the dunning itself.

        :param days_by_company: {company: day}; default: each company's today"""
        days = days_by_company or self.env["res.company"]._accomp_days()
        return self._accomp_unpaid_domain() & Domain.OR(
            Domain("company_id", "=", company.id) & Domain("invoice_date_due", "<", day)
            for company, day in days.items()
        )

    # ------------------------------------------------------------------
    # Automatic debit
    # ------------------------------------------------------------------
    def _accomp_charge_transactions(self):
        """The automatic debits (one per attempt) of these invoices."""
        return self.sudo().transaction_ids.filtered(
            lambda tx: any(
                tx.reference.startswith(DEBIT_REFERENCE % (move.name, ""))
                for move in self
                if move in tx.invoice_ids
            )
        )

    @api.model
    def _accomp_collect_payments(self, date_ref=None):
        """Charge the saved payment method of every due, unpaid programme invoice
        whose attempt is scheduled (due date, then the company's retry days),
        each invoice on its own: a failure is reported on its programme and the
        others are charged."""
        days = self.env["res.company"]._accomp_days(date_ref)
        domain = self._accomp_due_domain(days) & Domain(
            [
                ("accomp_charge_stopped", "=", False),
                ("accomp_engagement_id.payment_token_id", "!=", False),
                ("accomp_engagement_id.payment_exception", "=", False),
            ]
        )
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        Cron = self.env["ir.cron"]
        invoices = self.search(domain, order="invoice_date_due, id")
        if in_cron:
            Cron._commit_progress(remaining=len(invoices))
        for invoice in invoices:
            # an invoice whose step fails to serialize against another worker
            # is taken again on a fresh snapshot (every step re-checks)
            go_on = Cron._accomp_retry_serialization(
                partial(invoice._accomp_collect_step, days[invoice.company_id])
            )
            if not go_on:
                break

    def _accomp_collect_step(self, today):
        """One invoice's debit, committed by the scheduler: whether to go on."""
        self._accomp_collect(today)
        if self.env.context.get("ir_cron_progress_id"):
            return self.env["ir.cron"]._commit_progress(1)
        return True

    def _accomp_collect(self, today, force=False):
        """One charge attempt for this invoice if one is due (``force``: now).

        Three steps, each isolated: the attempt is reserved (payment exception
        set, and committed in the scheduler) and its transaction created, then
        the provider is called, then the outcome is recorded. A failure before
        the provider call clears the exception (nothing was charged); a failure
        during the call leaves it set with a to-do: the outcome is unknown until
        someone checks (``action_check_payment_status``)."""
        self.ensure_one()
        engagement = self.accomp_engagement_id
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        try:
            with self.env.cr.savepoint():
                tx = self._accomp_start_charge(today, force)
        except RETRIED_ERRORS:
            raise  # another worker: not the programme's failure (retried)
        except Exception as error:  # noqa: BLE001 - any failure is reported
            _logger.exception("%s: automatic debit could not start", self.name)
            engagement._notify_failure("collection", error)
            return False
        if not tx:
            return False
        if in_cron:
            self.env["ir.cron"]._commit_progress()
        try:
            with self.env.cr.savepoint():
                tx._charge_with_token()
        except Exception as error:  # noqa: BLE001 - the provider's, of any kind
            _logger.exception("%s: automatic debit %s failed", self.name, tx.reference)
            engagement._notify_failure(
                "collection",
                self.env._(
                    "the payment provider did not answer for %(reference)s "
                    "(%(error)s). Check the payment with the provider, then use "
                    "“Check payment status”: no other debit is tried until then.",
                    reference=tx.reference,
                    error=error,
                ),
            )
            return tx
        if in_cron:
            self.env["ir.cron"]._commit_progress()  # the provider's answer is kept

        def record():
            with self.env.cr.savepoint():
                self._accomp_handle_charge(tx, today)

        try:
            # recording the outcome is retried on its own: the charge is done
            self.env["ir.cron"]._accomp_retry_serialization(record)
        except RETRIED_ERRORS:
            raise
        except Exception as error:  # noqa: BLE001 - reported, checked by hand
            _logger.exception("%s: debit outcome not recorded", self.name)
            engagement._notify_failure("collection", error)
        return tx

    def _accomp_start_charge(self, today, force=False):
        """Reserve the next charge attempt of this invoice, if one is due: lock
        the engagement, set its payment exception and create the transaction.

        :return: the payment.transaction to charge, or None"""
        engagement = self.accomp_engagement_id
        if not engagement.try_lock_for_update():
            return None  # another worker is on it
        engagement.invalidate_recordset(["payment_exception", "payment_token_id"])
        self.invalidate_recordset(["payment_state", "amount_residual"])
        token = engagement.sudo().payment_token_id  # payment data: not the user's
        if (
            engagement.payment_exception
            or not token
            or self.accomp_charge_stopped
            or self.payment_state not in ("not_paid", "partial")
        ):
            return None
        previous = self._accomp_charge_transactions()
        if previous.filtered(lambda tx: tx.state in ("draft", "pending", "authorized")):
            return None  # outcome still unknown
        if force:
            attempt = len(previous) + 1
        else:
            attempt = recovery.next_attempt(
                self.invoice_date_due,
                len(previous),
                self.company_id._accomp_retry_days(),
                today,
            )
        if not attempt:
            return None
        engagement.payment_exception = True
        return (
            self.env["payment.transaction"]
            .sudo()
            .create(self._accomp_prepare_transaction_values(token, attempt))
        )

    def _accomp_prepare_transaction_values(self, token, attempt):
        self.ensure_one()
        return {
            "provider_id": token.provider_id.id,
            "payment_method_id": token.payment_method_id.id,
            "token_id": token.id,
            "reference": DEBIT_REFERENCE % (self.name, attempt),
            "amount": self.amount_residual,
            "currency_id": self.currency_id.id,
            "partner_id": token.partner_id.id,
            "operation": "offline",
            "invoice_ids": [Command.set(self.ids)],
        }

    def _accomp_handle_charge(self, tx, today):
        """Record the outcome of a charge on the engagement."""
        self.ensure_one()
        engagement = self.accomp_engagement_id
        amount = format_amount(self.env, tx.amount, tx.currency_id)
        if tx.state == "done":
            tx._post_process()  # Odoo's: payment created, invoice reconciled
            body = self.env._(
                "%(invoice)s paid by automatic debit (%(amount)s, %(reference)s).",
                invoice=self.name,
                amount=amount,
                reference=tx.reference,
            )
            engagement._clear_failure("collection")
        elif tx.state in ("pending", "authorized"):
            engagement.message_post(
                body=self.env._(
                    "Automatic debit of %(invoice)s (%(reference)s) is pending: it "
                    "will not be tried again until the bank answers.",
                    invoice=self.name,
                    reference=tx.reference,
                ),
                subtype_xmlid="mail.mt_note",
            )
            return  # the exception stays: the outcome is unknown
        elif tx.state == "cancel" or not tx.token_id.active:
            self.accomp_charge_stopped = True
            body = self.env._(
                "Automatic debit of %(invoice)s refused (%(reference)s): %(reason)s. "
                "It will not be tried again; the reminders follow.",
                invoice=self.name,
                reference=tx.reference,
                reason=tx.state_message or self.env._("declined"),
            )
            engagement._notify_failure("collection", body)
        else:
            body = self._accomp_declined_message(tx)
        engagement.payment_exception = False
        engagement.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _accomp_declined_message(self, tx):
        """What a declined debit says: the next try, or that none is left."""
        retry_days = self.company_id._accomp_retry_days()
        attempts = len(self._accomp_charge_transactions())
        values = {
            "invoice": self.name,
            "reference": tx.reference,
            "reason": tx.state_message or "",
        }
        if attempts > len(retry_days):
            return self.env._(
                "Automatic debit of %(invoice)s failed (%(reference)s): "
                "%(reason)s. No retry left; the reminders follow.",
                **values,
            )
        next_try = fields.Date.add(self.invoice_date_due, days=retry_days[attempts - 1])
        return self.env._(
            "Automatic debit of %(invoice)s failed (%(reference)s): "
            "%(reason)s. Next try on %(date)s.",
            date=format_date(self.env, next_try),
            **values,
        )

    # ------------------------------------------------------------------
    # Dunning
    # ------------------------------------------------------------------
    @api.model
    def _accomp_dun_overdue_invoices(self, date_ref=None):
        """Fire, in order and once per invoice, every dunning level an overdue
        programme invoice has reached, even the ones a stopped scheduler missed.
        Each invoice on its own: a failing level (a broken e-mail template, say)
        is reported on its programme and the other invoices are reminded."""
        days = self.env["res.company"]._accomp_days(date_ref)
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        invoices = self.search(self._accomp_overdue_domain(days))
        levels = self.env["accomp.dunning.level"].search([])
        if in_cron:
            self.env["ir.cron"]._commit_progress(remaining=len(invoices))
        for invoice in invoices:
            go_on = self.env["ir.cron"]._accomp_retry_serialization(
                partial(invoice._accomp_dun_step, levels, days[invoice.company_id])
            )
            if not go_on:
                break

    def _accomp_dun_step(self, levels, today):
        """One invoice's reminders, committed by the scheduler: whether to go on."""
        self._accomp_dun(levels, today)
        if self.env.context.get("ir_cron_progress_id"):
            return self.env["ir.cron"]._commit_progress(1)
        return True

    def _accomp_dun(self, levels, today):
        """Fire the ``levels`` this invoice has reached and not had yet."""
        self.ensure_one()
        days_late = (today - self.invoice_date_due).days
        due_levels = levels.filtered(
            lambda level: level.delay_days <= days_late
            and (not level.company_id or level.company_id == self.company_id)
            and level not in self.accomp_dunning_ids.level_id
        )
        if not due_levels or not self.try_lock_for_update():
            return
        engagement = self.accomp_engagement_id
        try:
            with self.env.cr.savepoint():
                for level in due_levels:
                    level._execute(self, today)
        except RETRIED_ERRORS:
            raise  # another worker: not the programme's failure (retried)
        except Exception as error:  # noqa: BLE001 - a template, a mail server...
            _logger.exception("%s: dunning failed", self.name)
            engagement._notify_failure(
                "dunning",
                self.env._("%(invoice)s: %(error)s", invoice=self.name, error=error),
            )
        else:
            engagement._clear_failure("dunning")
            if any(due_levels.mapped("retry_payment")):
                self._accomp_collect(today, force=True)

    # ------------------------------------------------------------------
    # Scheduled actions
    # ------------------------------------------------------------------
    @api.model
    def _cron_accomp_collect_payments(self):
        self._accomp_collect_payments()

    @api.model
    def _cron_accomp_dunning(self):
        self._accomp_dun_overdue_invoices()
