"""The billing events' invoicing: the scheduler's locked, exactly-once run,
"Invoice now", the extras joining the next invoice, failures isolated per
engagement; the invoices themselves are built by the engagement's invoicing path
(``accomp_engagement_invoicing.py``)."""

import logging
from functools import partial

import psycopg2

from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

_logger = logging.getLogger(__name__)

INVOICE_BATCH_SIZE = 50


class AccompScheduleLine(models.Model):
    _inherit = "accomp.schedule.line"

    # ------------------------------------------------------------------
    # Invoicing
    # ------------------------------------------------------------------
    @api.model
    def _due_lines_domain(self, days_by_company, engagements=None):
        domain = Domain.OR(
            Domain("company_id", "=", company.id) & Domain("date_due", "<=", today)
            for company, today in days_by_company.items()
        )
        domain &= Domain(
            [
                ("state", "=", "planned"),
                ("invoice_id", "=", False),
                ("engagement_id.state", "=", "active"),
            ]
        )
        # a programme that starts on its deposit bills nothing else before
        domain &= Domain("kind", "=", "deposit") | Domain(
            "engagement_id.awaiting_deposit", "=", False
        )
        if engagements is not None:
            domain &= Domain("engagement_id", "in", engagements.ids)
        return domain

    @api.model
    def _invoice_due_lines(
        self, date_ref=None, engagements=None, batch_size=None, dry_run=False
    ):
        """Invoice every planned line due on or before ``date_ref`` (default: each
        company's local today), in batches committed with ``ir.cron._commit_progress``
        when run by the scheduler. Lines are locked (SKIP LOCKED) and re-checked
        before invoicing, and a unique index on the invoice lines makes a second
        invoice for a schedule line impossible: reruns and concurrent runs never
        duplicate. An engagement that fails is reported on its chatter and does not
        stop the batch.

        :param date_ref: a date, or None for each company's local day
        :param engagements: restrict to these engagements (the "Invoice now" button)
        :param dry_run: write nothing, return the billing events that would be
            invoiced (with the extras waiting for them); subscription periods
            the run would plan first are not among them
        :return: the invoices created (account.move), or the events (dry run)
        """
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        if in_cron and not dry_run and "accomp_failure_digest" not in self.env.context:
            # the billing managers hear of the run's new failures once, at
            # its end (one notice per company and kind, not one per batch)
            Engagement = self.env["accomp.engagement"]
            digest = {}
            try:
                invoices = self.with_context(
                    accomp_failure_digest=digest
                )._invoice_due_lines(date_ref, engagements, batch_size)
            except Exception:
                # the batches committed before the failure are told all the
                # same (the scheduler owns its transaction, see
                # ``ir.cron._accomp_retry_serialization``)
                self.env.cr.rollback()
                Engagement._send_gathered_failure_notices(digest)
                self.env.cr.commit()  # pylint: disable=invalid-commit
                raise
            Engagement._send_gathered_failure_notices(digest)
            return invoices.with_env(self.env)
        days = self.env["res.company"]._accomp_days(
            date_ref, engagements.company_id if engagements is not None else None
        )
        if dry_run:
            return self.search(
                self._due_lines_domain(days, engagements)
            )._with_pending_extras(lock=False)
        batch_size = batch_size or INVOICE_BATCH_SIZE
        domain = self._due_lines_domain(days, engagements)

        Cron = self.env["ir.cron"]

        def renew():
            self.env["accomp.engagement"]._renew_subscriptions(days, engagements)
            if in_cron:
                Cron._commit_progress(remaining=self.search_count(domain))

        def invoice_batch(last_id):
            batch, created = self._invoice_batch(
                domain & Domain("id", ">", last_id), batch_size, days
            )
            # the scheduler commits each batch (its flush included: a batch
            # that cannot serialize is retried whole)
            go_on = Cron._commit_progress(len(batch)) if in_cron and batch else True
            return batch, created, go_on

        # a step that fails to serialize against another worker is done again
        # on a fresh snapshot (by the scheduler, which owns its transaction)
        retry = Cron._accomp_retry_serialization
        retry(renew)
        invoices = self.env["account.move"]
        last_id = 0
        while True:
            # keyset pagination: each batch starts after the last one (a line
            # another worker holds is skipped by the lock, not read again)
            batch, created, go_on = retry(partial(invoice_batch, last_id))
            if not batch:
                break
            last_id = batch[-1].id
            invoices |= created
            if not go_on:
                break
            if in_cron:
                # committed: the cache of this batch is not needed any more
                self.env.invalidate_all()
        return invoices

    @api.model
    def _invoice_batch(self, domain, batch_size, days):
        """Invoice the next ``batch_size`` due lines of ``domain`` (by id), with
        every due line of their programmes: a worker owns whole programmes
        (locked, SKIP LOCKED), so that two workers sharing a run never write
        the same programme's totals.

        :return: (the batch's lines, the invoices created)"""
        batch = self.search(domain, order="id", limit=batch_size)
        if not batch:
            return batch, self.env["account.move"]
        # the programmes another worker holds are left to it: it invoices all
        # their due lines
        mine = self.env["ir.cron"]._accomp_try_lock(batch.engagement_id)
        lines = batch.filtered(lambda line: line.engagement_id in mine)
        lines |= self.search(
            self._due_lines_domain(days, mine) & Domain("id", "not in", lines.ids)
        )
        lines = lines._lock_billable()._with_pending_extras()
        return batch, lines._create_invoices(days)

    def _invoice_now(self):
        """Invoice these lines at once (a milestone done, an extra to bill now),
        through the same locked, exactly-once path as the scheduler."""
        lines = self.filtered(lambda line: line.engagement_id.state == "active")
        lines = lines._lock_billable()._with_pending_extras()
        return lines._create_invoices(
            self.env["res.company"]._accomp_days(companies=lines.company_id)
        )

    def _lock_billable(self):
        """Lock these lines (SKIP LOCKED: a line another transaction holds is
        left to it) and keep those still to invoice once locked: planned and on
        no live invoice. Every invoicing path goes through here."""
        locked = self.env["ir.cron"]._accomp_try_lock(self)
        locked.invalidate_recordset(["state", "invoice_id"])
        return locked.filtered(
            lambda line: line.state == "planned" and not line.invoice_id
        )

    def _with_pending_extras(self, lock=True):
        """Add the extras waiting for the next invoice of these lines' engagements
        (``next_invoice`` policy), locked like the lines themselves."""
        engagements = self.filtered(lambda line: line.kind != "extras").engagement_id
        engagements = engagements.filtered(lambda e: e.extras_policy == "next_invoice")
        if not engagements:
            return self
        pending = self.search(
            [
                ("engagement_id", "in", engagements.ids),
                ("kind", "=", "extras"),
                ("state", "=", "planned"),
                ("invoice_id", "=", False),
                ("id", "not in", self.ids),
            ]
        )
        return self | (pending._lock_billable() if lock else pending)

    def _invoice_groups(self):
        """The lines each invoice bills: one invoice per scheduled line, the
        extras waiting for the next invoice joining the first one; other extras
        on one invoice per period (or per day they fell due)."""
        groups = []
        for engagement, lines in self.grouped("engagement_id").items():
            scheduled = lines.filtered(
                lambda line: line.kind not in ("extras", "adjustment")
            ).sorted(lambda line: (line.date_due, line.sequence, line.id))
            adjustments = lines.filtered(lambda line: line.kind == "adjustment")
            extras = lines - scheduled - adjustments
            own = [line for line in scheduled]
            if own and engagement.extras_policy == "next_invoice":
                own[0] |= extras
                extras = extras.browse()
            # an amendment's adjustment is billed with the event due that day
            for adjustment in adjustments:
                same_day = next(
                    (
                        i
                        for i, group in enumerate(own)
                        if group[0].date_due == adjustment.date_due
                    ),
                    None,
                )
                if same_day is None:
                    own.append(adjustment)
                else:
                    own[same_day] |= adjustment
            groups += own
            groups += extras.grouped(
                lambda line: (line.period_start, line.date_due)
            ).values()
        return groups

    def _create_invoices(self, days_by_company):
        """Invoice these (locked) lines: all at once, or, when that fails,
        engagement by engagement so that one bad programme does not stop the
        others; it gets a chatter message and one to-do, closed once it is
        invoiced again."""
        if not self:
            return self.env["account.move"]
        try:
            with self.env.cr.savepoint():
                invoices = self._generate_invoices(days_by_company)
        except (UserError, ValidationError, psycopg2.IntegrityError):
            _logger.info("Batch invoicing failed, retrying engagement by engagement")
        else:
            self.engagement_id._clear_failure("invoicing")
            return invoices
        invoices = self.env["account.move"]
        for engagement, lines in self.grouped("engagement_id").items():
            try:
                with self.env.cr.savepoint():
                    invoices |= lines._generate_invoices(days_by_company)
            except psycopg2.IntegrityError:
                _logger.info(
                    "%s: already invoiced by a concurrent run", engagement.name
                )
            except (UserError, ValidationError) as error:
                _logger.warning("%s: invoicing failed: %s", engagement.name, error)
                engagement._notify_failure("invoicing", error.args[0])
            else:
                engagement._clear_failure("invoicing")
        return invoices

    def _generate_invoices(self, days_by_company):
        """One invoice per group of :meth:`_invoice_groups`, through the
        engagement's invoicing path, dated on each company's day."""
        # read once for the batch what each invoice reads per programme: the
        # client (invoice address, language, payment terms), the programme's
        # other events (last-invoice recap), the sessions an extra bills
        engagements = self.engagement_id
        partners = engagements.partner_id
        partners.fetch()
        partners.fetch(["child_ids"])
        partners.commercial_partner_id.fetch()
        for company in self.company_id:
            partners.with_company(company).fetch(["property_payment_term_id"])
        engagements.fetch(["schedule_line_ids"])
        engagements.schedule_line_ids.fetch(["state", "kind"])
        self.fetch(["usage_ids"])
        return self.env["accomp.engagement"]._create_invoices(
            [
                group.engagement_id._prepare_invoice_with_lines(
                    [line._prepare_invoice_line_values() for line in group],
                    "out_invoice",
                    days_by_company[group.company_id],
                )
                for group in self._invoice_groups()
            ]
        )

    def _prepare_invoice_line_values(self):
        """Values of the invoice line billing this event (extension hook: return
        an empty dictionary to leave the event off the invoice)."""
        self.ensure_one()
        product = self._invoice_product()
        quantity, price_unit = self._invoice_price()
        return {
            "display_type": "product",
            "product_id": product.id if product else False,
            "name": self._invoice_label(),
            "quantity": quantity,
            "price_unit": price_unit,
            "accomp_schedule_line_id": self.id,
            "accomp_attempt": self.attempt,
        }

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------
    @api.model
    def _cron_invoice_due_lines(self):
        self._invoice_due_lines()
        Engagement = self.env["accomp.engagement"]
        # the daily chores: each record on its own, committed, retried against
        # another worker, a failure one to-do on its programme
        # (``ir.cron._accomp_each``)
        Engagement._close_finished_programmes()
        Engagement._end_finished_pauses()
        self.env["accomp.milestone"]._accept_expired_signoffs()
        Engagement._send_renewal_notices()
        self.env["account.move"]._accomp_send_awaiting()
