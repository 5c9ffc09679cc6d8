"""Programme invoices collected by SEPA direct debit: the pre-notification they
state, the debit date they respect, and what the direct-debit run adds to the
company's draft SEPA payment order."""

import datetime

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, format_amount, format_date

# payment lines that still stand for a debit (OCA's payment line state is its
# order's): an invoice holding one is not added again, nor dunned meanwhile
DEBIT_UNDER_WAY = ("draft", "open", "generated")
DEBIT_STANDING = (*DEBIT_UNDER_WAY, "uploaded")


class AccountMove(models.Model):
    _inherit = "account.move"

    def _accomp_sepa_debited(self):
        """Whether this programme invoice is collected by SEPA direct debit: the
        company's SEPA payment mode and a mandate."""
        self.ensure_one()
        mode = self.company_id.accomp_sepa_payment_mode_id
        return bool(
            self.move_type == "out_invoice"
            and self.accomp_engagement_id
            and mode
            and self.payment_mode_id == mode
            and self.mandate_id
        )

    @api.depends("bank_partner_id", "payment_mode_id")
    def _compute_partner_bank_id(self):
        """A SEPA-debited invoice still names the account the debits are
        credited to (the e-invoice's BT-84): OCA leaves it empty for a payment
        method that needs no bank account."""
        res = super()._compute_partner_bank_id()
        for move in self:
            if not move.partner_bank_id and move._accomp_sepa_debited():
                move.partner_bank_id = (
                    move.payment_mode_id.fixed_journal_id.bank_account_id
                )
        return res

    def _accomp_payment_notice(self):
        """The pre-notification of the SEPA debit (SEPA rulebook): amount, date,
        debited account, mandate reference (RUM) and creditor identifier (ICS),
        printed on the invoice and written in its e-mail."""
        notice = super()._accomp_payment_notice()
        if not self._accomp_sepa_debited() or self.mandate_id.state != "valid":
            return notice
        if self.state == "posted" and self.payment_state not in ("not_paid", "partial"):
            return notice
        amount = self.amount_residual if self.state == "posted" else self.amount_total
        return self.env._(
            "SEPA direct debit: %(amount)s will be debited on %(date)s from the "
            "account %(account)s — mandate reference (RUM) %(reference)s, SEPA "
            "creditor identifier (ICS) %(creditor)s.",
            amount=format_amount(self.env, amount, self.currency_id),
            date=format_date(self.env, self.invoice_date_due),
            account=self.mandate_id._accomp_masked_account(),
            reference=self.mandate_id.unique_mandate_reference,
            creditor=self.company_id._accomp_sepa_creditor_identifier(),
        )

    # ------------------------------------------------------------------
    # The debit date respects the pre-notification
    # ------------------------------------------------------------------
    def _post(self, soft=True):
        """A SEPA-debited programme invoice is never due before its
        pre-notification period (counted from the day it is posted and sent)
        has run: its due date moves to that day when its terms say earlier."""
        for move in self.filtered(
            lambda m: m.state == "draft" and m._accomp_sepa_debited()
        ):
            company = move.company_id
            earliest = company._accomp_today() + datetime.timedelta(
                days=company.accomp_sepa_prenotification_days
            )
            if (move.invoice_date_due or earliest) < earliest:
                move.write(
                    {"invoice_payment_term_id": False, "invoice_date_due": earliest}
                )
        return super()._post(soft=soft)

    @api.model
    def _accomp_overdue_domain(self, days_by_company=None):
        """An invoice whose SEPA debit is under way (in a payment order not yet
        uploaded) is not overdue: it is being collected."""
        return super()._accomp_overdue_domain(days_by_company) & Domain(
            "id", "not any!", self._accomp_sepa_moves_in_orders(DEBIT_UNDER_WAY)
        )

    @api.model
    def _accomp_sepa_moves_in_orders(self, states):
        """SQL: the moves with a payment line in an order of ``states``. In SQL:
        whoever reads the overdue flag (a coach) needs no right on payment
        orders."""
        self.env["account.payment.line"].flush_model(["order_id", "move_line_id"])
        self.env["account.payment.order"].flush_model(["state"])
        return SQL(
            "SELECT aml.move_id FROM account_payment_line pl"
            " JOIN account_move_line aml ON aml.id = pl.move_line_id"
            " JOIN account_payment_order po ON po.id = pl.order_id"
            " WHERE po.state IN %s",
            tuple(states),
        )

    # ------------------------------------------------------------------
    # The direct-debit run
    # ------------------------------------------------------------------
    @api.model
    def _accomp_sepa_to_debit_domain(self, days_by_company):
        """Posted, unpaid programme invoices of a valid mandate, due within their
        company's SEPA lead time, with no debit standing for them."""
        per_company = []
        for company, day in days_by_company.items():
            mode = company.accomp_sepa_payment_mode_id
            if not mode:
                continue
            horizon = day + datetime.timedelta(days=company.accomp_sepa_lead_days)
            per_company.append(
                Domain(
                    [
                        ("company_id", "=", company.id),
                        ("payment_mode_id", "=", mode.id),
                        ("invoice_date_due", "<=", horizon),
                    ]
                )
            )
        if not per_company:
            return Domain.FALSE
        return (
            self._accomp_unpaid_domain()
            & Domain.OR(per_company)
            & Domain(
                [
                    ("accomp_charge_stopped", "=", False),
                    ("mandate_id.state", "=", "valid"),
                    ("accomp_engagement_id.sepa_suspended", "=", False),
                ]
            )
            & Domain(
                "id", "not any!", self._accomp_sepa_moves_in_orders(DEBIT_STANDING)
            )
        )

    def _accomp_sepa_add_to_order(self):
        """Add this invoice to its company's draft SEPA payment order (OCA's
        ``create_account_payment_line``), once.

        Exactly once whatever reruns and workers: the invoice's row is updated
        first, so a worker that read it before another's committed line fails
        to serialize and is retried on a fresh snapshot, where it sees the line;
        the payment mode's row is locked while the draft order is looked up, so
        two workers never open two orders.

        :return: whether a debit line was added"""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET write_date = write_date WHERE id = %s", self.id
            )
        )
        self.invalidate_recordset(["payment_state", "amount_residual"])
        self.line_ids.invalidate_recordset(["payment_line_ids", "reconciled"])
        engagement = self.accomp_engagement_id
        if (
            self.payment_state not in ("not_paid", "partial")
            or self.accomp_charge_stopped
            or self.mandate_id.state != "valid"
            or engagement.sepa_suspended
            or self.line_ids.payment_line_ids.filtered(
                lambda line: line.state in DEBIT_STANDING
            )
        ):
            return False
        if not self.is_move_sent and self.sending_data:
            # queued: Odoo's sending takes the pre-notification to the client,
            # the next run debits it (waiting, not a failure)
            return False
        if not self.is_move_sent:
            raise UserError(
                self.env._(
                    "%(invoice)s was not sent to the client: its pre-notification "
                    "(amount, date, mandate) must reach them before the debit. "
                    "Send it; it is debited on the next run.",
                    invoice=self.name,
                )
            )
        self._accomp_sepa_draft_order()
        self.create_account_payment_line()
        return True

    def _accomp_sepa_draft_order(self):
        """The company's draft SEPA payment order, opened if there is none, under
        a lock of the payment mode (see :meth:`_accomp_sepa_add_to_order`)."""
        mode = self.payment_mode_id
        self.env.cr.execute(
            SQL("SELECT id FROM account_payment_mode WHERE id = %s FOR UPDATE", mode.id)
        )
        Order = self.env["account.payment.order"]
        order = Order.search(self.get_account_payment_domain(mode), limit=1)
        if not order:
            # a new order is seen by the next worker: it fails to serialize on
            # the mode's row and looks again
            self.env.cr.execute(
                SQL(
                    "UPDATE account_payment_mode SET write_date = write_date"
                    " WHERE id = %s",
                    mode.id,
                )
            )
            order = Order.create(self._prepare_new_payment_order(mode))
        return order
