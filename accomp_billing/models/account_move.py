import logging

from odoo import api, fields, models
from odoo.fields import Command, Domain
from odoo.tools import format_amount, format_date

from ..tools import recovery

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
    accomp_indemnity_billed = fields.Boolean(copy=False, readonly=True)
    accomp_interest_billed_until = fields.Date(copy=False, readonly=True)

    # ------------------------------------------------------------------
    # Automatic debit
    # ------------------------------------------------------------------
    def _accomp_overdue_domain(self, today):
        return Domain(
            [
                ("accomp_engagement_id", "!=", False),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<=", today),
            ]
        )

    def _accomp_charge_transactions(self):
        self.ensure_one()
        prefix = DEBIT_REFERENCE % (self.name, "")
        return self.sudo().transaction_ids.filtered(
            lambda tx: tx.reference.startswith(prefix)
        )

    @api.model
    def _accomp_collect_payments(self, date_ref=None):
        """Charge the saved payment method of every due, unpaid programme invoice
        whose attempt is scheduled (due date, then the company's retry days).

        The engagement is flagged "payment exception" (and committed, in the
        scheduler) before the provider is called and cleared once the outcome is
        known, so that an unknown outcome is never charged again blindly; each
        attempt has its own stable reference, unique in the database."""
        today = self.env["accomp.schedule.line"]._days_by_company(date_ref)
        domain = self._accomp_overdue_domain(max(today.values())) & Domain(
            [
                ("accomp_charge_stopped", "=", False),
                ("accomp_engagement_id.payment_token_id", "!=", False),
                ("accomp_engagement_id.payment_exception", "=", False),
            ]
        )
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        invoices = self.search(domain, order="invoice_date_due, id")
        if in_cron:
            self.env["ir.cron"]._commit_progress(remaining=len(invoices))
        for invoice in invoices:
            invoice._accomp_collect(today[invoice.company_id])
            if in_cron and not self.env["ir.cron"]._commit_progress(1):
                break

    def _accomp_collect(self, today, force=False):
        """One charge attempt for this invoice if one is due (``force``: now)."""
        self.ensure_one()
        engagement = self.accomp_engagement_id
        if not engagement.try_lock_for_update():
            return False  # another worker is on it
        engagement.invalidate_recordset(["payment_exception", "payment_token_id"])
        self.invalidate_recordset(["payment_state", "amount_residual"])
        token = engagement.sudo().payment_token_id  # payment data: not the user's
        if (
            engagement.payment_exception
            or not token
            or self.accomp_charge_stopped
            or self.payment_state not in ("not_paid", "partial")
        ):
            return False
        previous = self._accomp_charge_transactions()
        if previous.filtered(lambda tx: tx.state in ("draft", "pending", "authorized")):
            return False  # outcome still unknown
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
            return False
        engagement.payment_exception = True
        if self.env.context.get("ir_cron_progress_id"):
            self.env["ir.cron"]._commit_progress()
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(self._accomp_prepare_transaction_values(token, attempt))
        )
        tx._charge_with_token()
        self._accomp_handle_charge(tx, today)
        return tx

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
            engagement._notify_billing_failure(body)
        else:
            retry_days = self.company_id._accomp_retry_days()
            attempts = len(self._accomp_charge_transactions())
            if attempts <= len(retry_days):
                next_try = format_date(
                    self.env,
                    fields.Date.add(
                        self.invoice_date_due, days=retry_days[attempts - 1]
                    ),
                )
                body = self.env._(
                    "Automatic debit of %(invoice)s failed (%(reference)s): "
                    "%(reason)s. Next try on %(date)s.",
                    invoice=self.name,
                    reference=tx.reference,
                    reason=tx.state_message or "",
                    date=next_try,
                )
            else:
                body = self.env._(
                    "Automatic debit of %(invoice)s failed (%(reference)s): "
                    "%(reason)s. No retry left; the reminders follow.",
                    invoice=self.name,
                    reference=tx.reference,
                    reason=tx.state_message or "",
                )
        engagement.payment_exception = False
        engagement.message_post(body=body, subtype_xmlid="mail.mt_note")

    # ------------------------------------------------------------------
    # Dunning
    # ------------------------------------------------------------------
    @api.model
    def _accomp_dun_overdue_invoices(self, date_ref=None):
        """Fire, in order and once per invoice, every dunning level an overdue
        programme invoice has reached, even the ones a stopped scheduler missed."""
        today = self.env["accomp.schedule.line"]._days_by_company(date_ref)
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        invoices = self.search(self._accomp_overdue_domain(max(today.values())))
        levels = self.env["accomp.dunning.level"].search([])
        if in_cron:
            self.env["ir.cron"]._commit_progress(remaining=len(invoices))
        for invoice in invoices:
            company_today = today[invoice.company_id]
            days_late = (company_today - invoice.invoice_date_due).days
            due_levels = levels.filtered(
                lambda level, inv=invoice, d=days_late: level.delay_days <= d
                and (not level.company_id or level.company_id == inv.company_id)
                and level not in inv.accomp_dunning_ids.level_id
            )
            if due_levels and invoice.try_lock_for_update():
                for level in due_levels:
                    level._execute(invoice, company_today)
            if in_cron and not self.env["ir.cron"]._commit_progress(1):
                break

    def _accomp_days_late(self, today):
        """Days the invoice was (or still is) paid late."""
        self.ensure_one()
        if not self.invoice_date_due:
            return 0
        end = today
        if self.payment_state in ("paid", "in_payment"):
            dates = self.line_ids.matched_credit_ids.mapped("max_date")
            end = max(dates) if dates else today
        return max((end - self.invoice_date_due).days, 0)

    # ------------------------------------------------------------------
    # Scheduled actions
    # ------------------------------------------------------------------
    @api.model
    def _cron_accomp_collect_payments(self):
        self._accomp_collect_payments()

    @api.model
    def _cron_accomp_dunning(self):
        self._accomp_dun_overdue_invoices()
