"""Getting paid: the saved payment method, the payment exception, overdue
invoices, and how the scheduled actions report a failure on a programme."""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import formatLang, html2plaintext

# programmes named in one notice to the billing managers; the others are
# found by the programmes' filter "Scheduled action failed"
FAILURE_NOTICE_NAMED = 50


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    payment_token_id = fields.Many2one(
        "payment.token",
        string="Payment Method",
        domain="[('partner_id', 'child_of', partner_id),"
        " ('company_id', '=', company_id)]",
        check_company=True,
        copy=False,
    )
    payment_exception = fields.Boolean(
        copy=False,
        tracking=True,
        help="An automatic debit is under way or its outcome is unknown: no other "
        "debit is attempted until it is cleared.",
    )
    failure_message = fields.Text(
        string="Scheduled actions failing",
        compute="_compute_failure_message",
        help="What the scheduled actions could not do on this programme (billing, "
        "debit, sending, dunning), until their next success.",
    )
    dunning_ids = fields.One2many(
        "accomp.dunning.history", "engagement_id", string="Dunning", readonly=True
    )
    is_overdue = fields.Boolean(
        compute="_compute_is_overdue", search="_search_is_overdue", string="Overdue"
    )
    payment_count = fields.Integer(
        string="Payments",
        compute="_compute_payment_count",
        groups="account.group_account_invoice",
    )
    dunning_count = fields.Integer(string="Reminders", compute="_compute_dunning_count")

    @api.depends("invoice_ids.payment_state")
    def _compute_payment_count(self):
        for engagement in self:
            engagement.payment_count = len(engagement._payments())

    @api.depends("dunning_ids")
    def _compute_dunning_count(self):
        for engagement in self:
            engagement.dunning_count = len(engagement.dunning_ids)

    def _payments(self):
        """The client's payments reconciled with this programme's documents."""
        return self.invoice_ids.filtered(
            lambda move: move.state == "posted"
        )._get_reconciled_payments()

    def action_view_payments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_account_payments"
        )
        action["domain"] = [("id", "in", self._payments().ids)]
        action["context"] = {"create": False}
        return action

    def action_view_dunning(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reminders of %(name)s", name=self.display_name),
            "res_model": "accomp.dunning.history",
            "view_mode": "list",
            "domain": [("engagement_id", "=", self.id)],
            "context": {"create": False},
        }

    @api.constrains("payment_token_id", "partner_id", "company_id")
    def _check_payment_token(self):
        """Only the client's own saved payment method, in the programme's company,
        is ever charged for it."""
        for engagement in self.filtered("payment_token_id"):
            token = engagement.sudo().payment_token_id
            if (
                token.partner_id.commercial_partner_id
                != engagement.partner_id.commercial_partner_id
                or token.company_id != engagement.company_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(name)s: the payment method %(token)s belongs to another "
                        "client or company; only %(client)s's own can be charged.",
                        name=engagement.display_name,
                        token=token.display_name,
                        client=engagement.partner_id.commercial_partner_id.name,
                    )
                )

    @api.depends("invoice_ids.payment_state", "invoice_ids.invoice_date_due")
    def _compute_is_overdue(self):
        overdue = self.search([("id", "in", self.ids), ("is_overdue", "=", True)])
        for engagement in self:
            engagement.is_overdue = engagement in overdue

    def _search_is_overdue(self, operator, value):
        if operator != "in":
            return NotImplemented
        domain = Domain(
            "invoice_ids", "any", self.env["account.move"]._accomp_overdue_domain()
        )
        if True in value and False in value:
            return Domain.TRUE
        return domain if True in value else ~domain

    def _overdue_invoices(self, today=None):
        """This programme's overdue invoices (see
        ``account.move._accomp_overdue_domain``) on ``today``, its company's day
        by default."""
        self.ensure_one()
        day = today or self.company_id._accomp_today()
        return self.invoice_ids.filtered_domain(
            self.env["account.move"]._accomp_overdue_domain({self.company_id: day})
        )

    def action_check_payment_status(self):
        """After a debit whose outcome was unknown: record what the provider
        answered since, and lift the payment exception once nothing is pending.

        A debit the provider never answered (the call failed) is recorded as
        failed: check with the provider first that nothing was charged; the next
        retry then follows the usual schedule."""
        self._check_manager()
        for engagement in self:
            debits = engagement.sudo().invoice_ids._accomp_charge_transactions()
            unanswered = debits.filtered(lambda tx: tx.state == "draft")
            for tx in unanswered:
                tx._set_error(
                    self.env._(
                        "No answer from the provider; checked by %(user)s.",
                        user=self.env.user.name,
                    )
                )
            debits.filtered(
                lambda tx: tx.state in ("done", "error", "cancel")
                and not tx.is_post_processed
            )._post_process()
            pending = debits.filtered(lambda tx: tx.state in ("pending", "authorized"))
            if pending:
                engagement.message_post(
                    body=self.env._(
                        "Still pending at the provider: %(references)s. No other "
                        "debit is tried until it answers.",
                        references=", ".join(pending.mapped("reference")),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
                continue
            engagement.payment_exception = False
            engagement._clear_failure("collection")
            engagement.message_post(
                body=self.env._(
                    "Payment status checked: no debit is pending; automatic debits "
                    "resume."
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # ------------------------------------------------------------------
    # Failures of the scheduled actions
    # ------------------------------------------------------------------
    def _notify_failure(self, kind, error, summary=None):
        """Tell the people in charge that a scheduled action failed on these
        programmes: a chatter message each time, and a single open to-do per kind
        of failure for the coach, closed by :meth:`_clear_failure` when the action
        next succeeds.

        :param kind: a key of ``mail_activity.FAILURE_KINDS``
        :param error: what failed, or {engagement id: what failed} for a batch
        :param summary: the to-do's title, when not the kind's own"""
        summaries, messages = self._failure_texts()
        errors = error if isinstance(error, dict) else dict.fromkeys(self.ids, error)
        known_ids = set(self._failure_activities(kind).mapped("res_id"))
        known = self.filtered(lambda engagement: engagement.id in known_ids)
        if known:
            # the to-do is open: a note each, logged in one batch
            known._message_log_batch(
                bodies={
                    engagement.id: messages[kind] % {"error": errors[engagement.id]}
                    for engagement in known
                },
                message_type="comment",
            )
        new = self - known
        # in the scheduler's run, told with the run's others at its end
        if len(new) > 1 or (new and "accomp_failure_digest" in self.env.context):
            new._notify_new_failures(kind, errors, summary or summaries[kind], messages)
            return
        for engagement in new:
            # a new failure is told to the billing managers too (a red banner
            # on the programme shows it until it heals): it never hides
            # behind the coach's to-do alone
            engagement.message_post(
                body=messages[kind] % {"error": errors[engagement.id]},
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                partner_ids=engagement._billing_managers().partner_id.ids,
            )
            engagement.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary or summaries[kind],
                note=str(errors[engagement.id]),
                user_id=(
                    engagement.user_id or engagement.create_uid or self.env.user
                ).id,
                accomp_failure=kind,
            )

    def _notify_new_failures(self, kind, errors, summary, messages):
        """New failures of a whole batch (a run failing on many programmes,
        e.g. clients without an e-mail address): a note on each programme and
        its to-do, written in one batch each, and the billing managers told
        which programmes in one notice per company (not one e-mail per
        programme to them and one to the coach): once for the scheduler's
        whole run, at its end (``accomp.schedule.line._invoice_due_lines``),
        else now."""
        digest = self.env.context.get("accomp_failure_digest")
        for company in self.company_id:
            engagements = self.filtered(lambda e, c=company: e.company_id == c)
            managers = engagements[:1]._billing_managers().partner_id
            bodies = {
                engagement.id: messages[kind] % {"error": errors[engagement.id]}
                for engagement in engagements
            }
            engagements._message_log_batch(
                bodies=bodies,
                message_type="comment",
                partner_ids=managers.ids,
            )
            if digest is None:
                engagements._send_failure_notice(managers, summary, errors)
        if digest is not None:
            self._gather_failure_notice(digest, kind, summary)
        todo = self.env.ref("mail.mail_activity_data_todo")
        model = self.env["ir.model"]._get(self._name)
        today = fields.Date.context_today(self)
        # the coach sees the to-do in their activities; no e-mail each
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(
            [
                {
                    "activity_type_id": todo.id,
                    "summary": summary,
                    "note": str(errors[engagement.id]),
                    "automated": True,
                    "date_deadline": today,
                    "res_model_id": model.id,
                    "res_id": engagement.id,
                    "user_id": (
                        engagement.user_id or engagement.create_uid or self.env.user
                    ).id,
                    "accomp_failure": kind,
                }
                for engagement in self
            ]
        )

    def _gather_failure_notice(self, digest, kind, summary):
        """Keep these programmes for the notice at the end of the run (what
        failed is read then from their to-dos)."""
        digest.setdefault((kind, summary), set()).update(self.ids)

    @api.model
    def _send_gathered_failure_notices(self, digest):
        """The run's notices (:meth:`_gather_failure_notice`): one per
        company and kind of failure, naming the programmes whose to-do is
        still open (a step rolled back and retried, which may have left
        the programme to another worker, tells only what was kept)."""
        for (kind, summary), ids in digest.items():
            todos = self.browse(list(ids))._failure_activities(kind)
            notes = {todo.res_id: todo.note for todo in todos}
            engagements = self.browse(sorted(notes))
            for company in engagements.company_id:
                failing = engagements.filtered(lambda e, c=company: e.company_id == c)
                failing._send_failure_notice(
                    failing[:1]._billing_managers().partner_id,
                    summary,
                    {
                        engagement.id: html2plaintext(notes[engagement.id] or "")
                        for engagement in failing[:FAILURE_NOTICE_NAMED]
                    },
                )
        digest.clear()

    def _send_failure_notice(self, managers, summary, errors):
        """Tell ``managers`` (partners) that these programmes failed, naming
        the first ``FAILURE_NOTICE_NAMED`` (``errors``: {programme id: what
        failed}, of those at least); the others are found by the
        programmes' filter "Scheduled action failed"."""
        if not (managers and self):
            return
        named = self[:FAILURE_NOTICE_NAMED]
        items = Markup().join(
            Markup("<li>%s — %s</li>")
            % (engagement.display_name, errors[engagement.id])
            for engagement in named
        )
        more = Markup()
        if len(self) > len(named):
            more = Markup("<p>%s</p>") % self.env._(
                "…and %(count)s more: filter the programmes by “Scheduled action "
                "failed”.",
                count=formatLang(self.env, len(self) - len(named), digits=0),
            )
        self.env["accomp.engagement"].message_notify(
            partner_ids=managers.ids,
            subject=self.env._(
                "%(summary)s: %(count)s programmes",
                summary=summary,
                count=formatLang(self.env, len(self), digits=0),
            )
            if len(self) > 1
            else self.env._("%(summary)s: 1 programme", summary=summary),
            body=Markup("<p>%s</p><ul>%s</ul>%s") % (summary, items, more),
        )

    def _failure_texts(self):
        """({kind: the to-do's title}, {kind: the chatter message, with
        ``%(error)s``}) of each kind of failure (``mail_activity.FAILURE_KINDS``).

        Extension hook: an addon adding a kind adds its texts."""
        summaries = {
            "sending": self.env._("Add the client's e-mail"),
            "invoicing": self.env._("Billing failed"),
            "collection": self.env._("Automatic debit failed"),
            "dunning": self.env._("Dunning failed"),
            "documents": self.env._("Invoice PDF not made"),
            "closing": self.env._("Closing failed"),
            "pause": self.env._("Ending the pause failed"),
            "signoff": self.env._("Accepting the sign-off failed"),
            "renewal": self.env._("Renewal notice not sent"),
        }
        messages = {
            "sending": self.env._("Invoice not sent: %(error)s"),
            "invoicing": self.env._("Automatic invoicing failed: %(error)s"),
            "collection": self.env._("Automatic debit failed: %(error)s"),
            "dunning": self.env._("Dunning failed: %(error)s"),
            "documents": self.env._("Invoice PDF not made: %(error)s"),
            "closing": self.env._("Closing the programme failed: %(error)s"),
            "pause": self.env._("Ending the pause failed: %(error)s"),
            "signoff": self.env._("Accepting the expired sign-off failed: %(error)s"),
            "renewal": self.env._("The renewal notice was not sent: %(error)s"),
        }
        return summaries, messages

    def _billing_managers(self):
        """The billing managers of this programme's company (internal users)."""
        self.ensure_one()
        return (
            self.env.ref("accomp_billing.group_accomp_manager")
            .sudo()
            .all_user_ids.filtered(
                lambda user: not user.share and self.company_id in user.company_ids
            )
        )

    @api.depends("activity_ids.accomp_failure", "activity_ids.note")
    def _compute_failure_message(self):
        failures = self._failure_activities(None)
        for engagement in self:
            notes = failures.filtered(lambda a, e=engagement: a.res_id == e.id)
            engagement.failure_message = "\n".join(
                self.env._(
                    "%(summary)s: %(note)s",
                    summary=activity.summary,
                    note=html2plaintext(activity.note or ""),
                )
                for activity in notes
            )

    def _clear_failure(self, kind):
        """Close the to-do of a failure of ``kind``: the action succeeded."""
        activities = self._failure_activities(kind)
        if activities:
            activities.action_feedback(
                feedback=self.env._("Solved: the next run succeeded.")
            )

    def _failure_activities(self, kind):
        """The open failure to-dos of these programmes, of ``kind`` (every kind
        when None)."""
        ids = [i for i in self.ids if isinstance(i, int)]
        if not ids:
            return self.env["mail.activity"]
        domain = [("res_model", "=", self._name), ("res_id", "in", ids)]
        domain.append(
            ("accomp_failure", "=", kind) if kind else ("accomp_failure", "!=", False)
        )
        return self.env["mail.activity"].sudo().search(domain)
