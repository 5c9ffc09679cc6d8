"""The year-end cut-off an accountant books: per programme, what was invoiced
(posted invoices less credit notes, untaxed) against what was delivered
(``tools/delivery.py``, untaxed) on a date. Billed ahead is deferred income
(*produits constatés d'avance*, 487), delivered not billed is accrued income
(*factures à établir*, 418): one entry on the date, reversed the next day."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import format_amount, format_date


class AccompCutoff(models.Model):
    _name = "accomp.cutoff"
    _description = "Programme Cut-off"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    date = fields.Date(
        string="Cut-off date",
        required=True,
        default=lambda self: self._default_date(),
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [("draft", "Draft"), ("posted", "Posted")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )
    line_ids = fields.One2many(
        "accomp.cutoff.line", "cutoff_id", string="Programmes", readonly=True
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        default=lambda self: self.env["account.journal"].search(
            [("type", "=", "general"), ("company_id", "=", self.env.company.id)],
            limit=1,
        ),
    )
    move_id = fields.Many2one(
        "account.move", string="Entry", readonly=True, copy=False, check_company=True
    )
    reverse_move_id = fields.Many2one(
        "account.move", string="Reversal", readonly=True, copy=False, check_company=True
    )
    amount_invoiced = fields.Monetary(
        string="Invoiced (excl. VAT)", compute="_compute_totals", store=True
    )
    amount_delivered = fields.Monetary(
        string="Delivered (excl. VAT)", compute="_compute_totals", store=True
    )
    amount_deferred = fields.Monetary(
        string="Deferred income (PCA)",
        compute="_compute_totals",
        store=True,
        help="Billed, not yet delivered: credited to the deferred income account "
        "(487) on the cut-off date.",
    )
    amount_accrued = fields.Monetary(
        string="Accrued income (FAE)",
        compute="_compute_totals",
        store=True,
        help="Delivered, not yet billed: debited to the invoices-to-issue account "
        "(418) on the cut-off date.",
    )

    _posted_once = models.UniqueIndex(
        "(company_id, date) WHERE state = 'posted'",
        "A cut-off is posted once per company and date.",
    )

    @api.model
    def _default_date(self):
        """The last closing: 31 December of last year."""
        today = self.env.company._accomp_today()
        return today.replace(month=1, day=1) - timedelta(days=1)

    @api.depends("date", "company_id")
    def _compute_name(self):
        for cutoff in self:
            cutoff.name = self.env._(
                "Cut-off at %(date)s", date=format_date(self.env, cutoff.date)
            )

    @api.depends(
        "line_ids.amount_invoiced",
        "line_ids.amount_delivered",
        "line_ids.amount_deferred",
        "line_ids.amount_accrued",
    )
    def _compute_totals(self):
        for cutoff in self:
            for fname in (
                "amount_invoiced",
                "amount_delivered",
                "amount_deferred",
                "amount_accrued",
            ):
                cutoff[fname] = sum(cutoff.line_ids.mapped(fname))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_compute(self):
        """(Re)compute the programmes' lines on the date."""
        for cutoff in self:
            cutoff._check_draft()
            cutoff.line_ids.unlink()
            self.env["accomp.cutoff.line"].create(cutoff._prepare_lines())
        return True

    def _prepare_lines(self):
        self.ensure_one()
        engagements = (
            self.env["accomp.engagement"]
            .with_company(self.company_id)
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("state", "not in", ("draft", "cancelled")),
                    ("date_start", "<=", self.date),
                ]
            )
        )
        currency = self.currency_id
        values = []
        for engagement in engagements:
            invoiced = engagement._amount_invoiced_on(self.date)
            delivered = engagement._amount_delivered_on(self.date)
            if currency.is_zero(invoiced) and currency.is_zero(delivered):
                continue
            gap = currency.round(invoiced - delivered)
            values.append(
                {
                    "cutoff_id": self.id,
                    "engagement_id": engagement.id,
                    "amount_invoiced": invoiced,
                    "amount_delivered": delivered,
                    "amount_deferred": max(gap, 0.0),
                    "amount_accrued": max(-gap, 0.0),
                    "account_id": engagement._income_account().id,
                }
            )
        return values

    def action_post(self):
        """Book the cut-off: one entry on the date, its reversal the next day."""
        for cutoff in self:
            cutoff.lock_for_update()  # posted twice at once: the second fails
            cutoff.invalidate_recordset(["state"])
            cutoff._check_draft()
            if not cutoff.line_ids:
                raise UserError(
                    self.env._(
                        "%(name)s has nothing to book: compute it first.",
                        name=cutoff.name,
                    )
                )
            if self.search_count(
                [
                    ("company_id", "=", cutoff.company_id.id),
                    ("date", "=", cutoff.date),
                    ("state", "=", "posted"),
                ]
            ):
                raise UserError(
                    self.env._(
                        "A cut-off at %(date)s is already posted for %(company)s.",
                        date=format_date(self.env, cutoff.date),
                        company=cutoff.company_id.name,
                    )
                )
            move = self.env["account.move"].create(cutoff._prepare_move())
            move.action_post()
            reversal = move._reverse_moves(
                [
                    {
                        "date": cutoff.date + timedelta(days=1),
                        "ref": self.env._(
                            "Reversal of %(name)s", name=move.ref or cutoff.name
                        ),
                    }
                ]
            )
            reversal.action_post()
            cutoff.write(
                {"state": "posted", "move_id": move.id, "reverse_move_id": reversal.id}
            )
            cutoff.message_post(
                body=self.env._(
                    "Posted: deferred income %(deferred)s, accrued income "
                    "%(accrued)s (entry %(move)s, reversed on %(date)s by "
                    "%(reversal)s).",
                    deferred=format_amount(
                        self.env, cutoff.amount_deferred, cutoff.currency_id
                    ),
                    accrued=format_amount(
                        self.env, cutoff.amount_accrued, cutoff.currency_id
                    ),
                    move=move.name,
                    date=format_date(self.env, reversal.date),
                    reversal=reversal.name,
                )
            )
        return True

    def _check_draft(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("%(name)s is already posted.", name=self.name))

    def _accounts(self):
        """(deferred income, accrued income) accounts of the company."""
        company = self.company_id
        deferred, accrued = company._accomp_cutoff_accounts()
        if not (deferred and accrued):
            raise UserError(
                self.env._(
                    "Set the deferred income (487) and invoices-to-issue (418) "
                    "accounts of %(company)s in the settings (Programmes) first.",
                    company=company.name,
                )
            )
        if not self.journal_id:
            raise UserError(self.env._("Choose the journal of the cut-off entry."))
        return deferred, accrued

    def _prepare_move(self):
        """One line per programme against its income account, balanced by the
        deferred (credit) and accrued (debit) totals."""
        self.ensure_one()
        deferred_account, accrued_account = self._accounts()
        env = self.env
        lines = []
        for line in self.line_ids:
            # billed ahead: out of income (debit); delivered not billed: into it
            for kind, amount, side in (
                ("PCA", line.amount_deferred, "debit"),
                ("FAE", line.amount_accrued, "credit"),
            ):
                if amount:
                    lines.append(
                        Command.create(
                            {
                                "name": f"{kind} {line.engagement_id.name}",
                                "account_id": line.account_id.id,
                                "partner_id": line.engagement_id.partner_id.id,
                                side: amount,
                            }
                        )
                    )
        if self.amount_deferred:
            lines.append(
                Command.create(
                    {
                        "name": env._("Deferred income (PCA)"),
                        "account_id": deferred_account.id,
                        "credit": self.amount_deferred,
                    }
                )
            )
        if self.amount_accrued:
            lines.append(
                Command.create(
                    {
                        "name": env._("Accrued income (FAE)"),
                        "account_id": accrued_account.id,
                        "debit": self.amount_accrued,
                    }
                )
            )
        if not lines:
            raise UserError(
                self.env._(
                    "%(name)s books nothing: every programme's invoices match what "
                    "was delivered.",
                    name=self.name,
                )
            )
        return {
            "move_type": "entry",
            "journal_id": self.journal_id.id,
            "date": self.date,
            "ref": self.name,
            "company_id": self.company_id.id,
            "line_ids": lines,
        }

    def action_export_xlsx(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/accomp/cutoff/{self.id}/xlsx",
            "target": "download",
        }

    def action_print(self):
        return self.env.ref("accomp_billing.action_report_cutoff").report_action(self)


class AccompCutoffLine(models.Model):
    _name = "accomp.cutoff.line"
    _description = "Programme Cut-off Line"
    _order = "cutoff_id, partner_id, engagement_id"

    cutoff_id = fields.Many2one(
        "accomp.cutoff", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="cutoff_id.company_id", store=True)
    currency_id = fields.Many2one(related="cutoff_id.currency_id")
    engagement_id = fields.Many2one(
        "accomp.engagement", string="Programme", required=True, ondelete="restrict"
    )
    partner_id = fields.Many2one(
        related="engagement_id.partner_id", string="Client", store=True
    )
    account_id = fields.Many2one("account.account", string="Income account")
    amount_invoiced = fields.Monetary(string="Invoiced (excl. VAT)")
    amount_delivered = fields.Monetary(string="Delivered (excl. VAT)")
    amount_deferred = fields.Monetary(string="Deferred income (PCA)")
    amount_accrued = fields.Monetary(string="Accrued income (FAE)")
