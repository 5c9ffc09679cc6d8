"""French consumer law for programmes sold to private persons (C. conso):
withdrawal within 14 days (L221-18), online termination (L215-1-1), the tacit
renewal notice (loi Chatel, L215-1) and the consumer mediator (L616-1).
Business clients are never offered any of it."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date, format_datetime

WITHDRAWAL_DAYS = 14  # L221-18
# the renewal notice goes out between 3 months and 1 month before the last day
# to refuse the renewal (L215-1)
RENEWAL_NOTICE_FROM = relativedelta(months=3)
RENEWAL_NOTICE_UNTIL = relativedelta(months=1)


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    is_consumer = fields.Boolean(
        string="Consumer",
        compute="_compute_is_consumer",
        store=True,
        readonly=False,
        precompute=True,
        help="A private person (no VAT number nor SIREN): French consumer law "
        "applies (withdrawal, online termination, renewal notice, mediator).",
    )
    sold_at_distance = fields.Boolean(
        string="Sold at a distance",
        default=True,
        help="Concluded online or by e-mail (not face to face on the firm's "
        "premises): the consumer may withdraw within 14 days.",
    )
    date_concluded = fields.Date(
        string="Concluded on",
        copy=False,
        help="Day the contract was concluded: confirmation, or the quotation's "
        "signature.",
    )
    withdrawal_deadline = fields.Date(
        string="Withdrawal until",
        compute="_compute_withdrawal_deadline",
        store=True,
        help="Last day a consumer who concluded at a distance may withdraw (14 "
        "days after the conclusion).",
    )
    express_start_requested = fields.Boolean(
        string="Start requested before the end of the withdrawal period",
        readonly=True,
        copy=False,
    )
    date_express_start_request = fields.Datetime(
        string="Start requested on", readonly=True, copy=False
    )
    date_withdrawn = fields.Datetime(string="Withdrawn on", readonly=True, copy=False)
    date_termination_requested = fields.Datetime(
        string="Termination requested online on", readonly=True, copy=False
    )
    date_renewal_deadline = fields.Date(
        string="Refuse the renewal until",
        compute="_compute_date_renewal_deadline",
        store=True,
        help="Consumer subscription: last day to refuse its tacit renewal (end of "
        "the commitment less the notice).",
    )
    date_renewal_notice_sent = fields.Date(
        string="Renewal notice sent on", readonly=True, copy=False
    )
    renewal_free_termination = fields.Boolean(
        string="Free termination (renewal notice not sent)",
        compute="_compute_renewal_free_termination",
        help="The renewal notice was not sent in time: from the renewal the "
        "client may stop at any time, without fee, and is refunded pro rata.",
    )

    @api.depends("partner_id")
    def _compute_is_consumer(self):
        for engagement in self:
            if engagement.state not in (False, "draft"):
                continue
            client = engagement.partner_id.commercial_partner_id
            engagement.is_consumer = bool(client) and not (
                client.is_company or client.vat or client.company_registry
            )

    @api.depends("is_consumer", "sold_at_distance", "date_concluded")
    def _compute_withdrawal_deadline(self):
        for engagement in self:
            engagement.withdrawal_deadline = (
                engagement.date_concluded + timedelta(days=WITHDRAWAL_DAYS)
                if engagement.is_consumer
                and engagement.sold_at_distance
                and engagement.date_concluded
                else False
            )

    @api.depends("is_consumer", "billing_model", "commitment_end_date", "notice_days")
    def _compute_date_renewal_deadline(self):
        for engagement in self:
            engagement.date_renewal_deadline = (
                engagement.commitment_end_date
                - timedelta(days=engagement.notice_days or 0)
                if engagement.is_consumer
                and engagement.billing_model == "subscription"
                and engagement.commitment_end_date
                else False
            )

    @api.depends("date_renewal_deadline", "date_renewal_notice_sent")
    def _compute_renewal_free_termination(self):
        for engagement in self:
            deadline = engagement.date_renewal_deadline
            engagement.renewal_free_termination = bool(
                deadline
                and not engagement.date_renewal_notice_sent
                and engagement.company_id._accomp_today()
                > deadline - RENEWAL_NOTICE_UNTIL
            )

    # ------------------------------------------------------------------
    # Withdrawal (L221-18)
    # ------------------------------------------------------------------
    def _withdrawal_open(self, today=None):
        """Whether the client may still withdraw today."""
        self.ensure_one()
        today = today or self.company_id._accomp_today()
        return bool(
            self.withdrawal_deadline
            and today <= self.withdrawal_deadline
            and self.state in ("active", "suspended")
            and not self.date_withdrawn
            and not self.date_terminated
        )

    def _check_withdrawal(self):
        self.ensure_one()
        if not (self.is_consumer and self.sold_at_distance):
            raise UserError(
                self.env._(
                    "%(name)s was not sold at a distance to a consumer: there is "
                    "no withdrawal period.",
                    name=self.display_name,
                )
            )
        if self.date_withdrawn:
            raise UserError(
                self.env._(
                    "%(name)s was already withdrawn from on %(date)s.",
                    name=self.display_name,
                    date=format_datetime(self.env, self.date_withdrawn),
                )
            )
        if not self._withdrawal_open():
            raise UserError(
                self.env._(
                    "The withdrawal period of %(name)s ended on %(date)s.",
                    name=self.display_name,
                    date=format_date(self.env, self.withdrawal_deadline),
                )
            )

    def _withdrawal_plan(self):
        """What withdrawing today does: every planned event cancelled; what was
        invoiced credited, all of it, or but the value delivered to this day
        when the client asked to start before the end of the period."""
        self.ensure_one()
        today = self.company_id._accomp_today()
        if self.express_start_requested:
            # they owe what was delivered to this day: billed if not yet
            return self._termination_plan(today, "none", 0, last_day=today)
        lines = self.schedule_line_ids
        invoiced = lines.filtered(lambda line: line.state in ("invoiced", "paid"))
        owed = {line: line._termination_event().amount for line in invoiced}
        return {
            "date_end": today,
            "to_bill": lines.browse(),
            "prorated": {},
            "to_cancel": lines.filtered(
                lambda line: line.state in ("planned", "draft")
            ),
            "remaining": 0.0,
            "fee": 0.0,
            "credits": [
                (line, float(amount)) for line, amount in owed.items() if amount > 0
            ],
        }

    def action_withdraw(self, partner=None):
        """The consumer withdraws (portal, until the deadline): the programme is
        cancelled, what they do not owe credited on one credit note, and an
        acknowledgement e-mailed to them."""
        for engagement in self:
            engagement._check_withdrawal()
            plan = engagement._withdrawal_plan()
            _final, refund = engagement._terminate(plan)
            now = fields.Datetime.now()
            engagement.with_context(accomp_state_change=True).write(
                {"state": "cancelled", "date_withdrawn": now}
            )
            paid = engagement.invoice_ids.filtered(
                lambda m: m.move_type == "out_invoice"
                and m.payment_state in ("paid", "in_payment", "partial")
            )
            if refund and paid:
                # refunded within 14 days (L221-24): the billing manager pays it
                engagement.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=fields.Date.add(
                        engagement.company_id._accomp_today(), days=WITHDRAWAL_DAYS
                    ),
                    summary=self.env._("Refund the withdrawn client"),
                    note=self.env._(
                        "%(client)s withdrew: refund %(amount)s (credit note "
                        "%(refund)s) within 14 days.",
                        client=engagement.partner_id.name,
                        amount=format_amount(
                            self.env, refund.amount_total, refund.currency_id
                        ),
                        refund=refund.name,
                    ),
                    user_id=(engagement.user_id or self.env.user).id,
                )
            engagement.message_post(
                body=self.env._(
                    "%(client)s withdrew from the contract on %(date)s (within the "
                    "14 days): the programme is cancelled.",
                    client=(partner or engagement.partner_id).name,
                    date=format_datetime(self.env, now),
                ),
                subtype_xmlid="mail.mt_note",
            )
            engagement._post_consumer_mail(
                "accomp_billing.mail_template_withdrawal_ack"
            )
        return True

    def action_request_express_start(self, partner=None):
        """The consumer asks to start before the end of the withdrawal period
        (L221-25): they will owe the value delivered if they withdraw."""
        for engagement in self:
            if not engagement._withdrawal_open():
                raise UserError(
                    self.env._(
                        "%(name)s has no withdrawal period running.",
                        name=engagement.display_name,
                    )
                )
            if engagement.express_start_requested:
                continue
            now = fields.Datetime.now()
            engagement.write(
                {"express_start_requested": True, "date_express_start_request": now}
            )
            engagement.message_post(
                body=self.env._(
                    "%(client)s asked on %(date)s to start before the end of the "
                    "withdrawal period: “%(wording)s”",
                    client=(partner or engagement.partner_id).name,
                    date=format_datetime(self.env, now),
                    wording=engagement._express_start_wording(),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _express_start_wording(self):
        return self.env._(
            "I expressly ask that my programme starts before the end of the 14-day "
            "withdrawal period, and I acknowledge that if I withdraw I will owe the "
            "value of what was delivered until then."
        )

    # ------------------------------------------------------------------
    # Online termination (L215-1-1) and the renewal (L215-1)
    # ------------------------------------------------------------------
    def _consumer_termination_terms(self, request_date, fee_type, fee_value):
        """(fee type, fee value, last day or None) of a termination asked on
        ``request_date``: the programme's own, but free and at once from the
        renewal when the renewal notice was not sent in time."""
        self.ensure_one()
        if (
            self.renewal_free_termination
            and self.commitment_end_date
            and request_date > self.commitment_end_date
        ):
            return "none", 0, request_date
        return fee_type, fee_value, None

    def _online_termination_plan(self):
        """The termination a consumer asks for online today, on the terms."""
        self.ensure_one()
        fee_value = (
            self.termination_fee_percent
            if self.termination_fee_type == "percent"
            else self.termination_fee_amount
        )
        return self._termination_plan(
            self.company_id._accomp_today(),
            self.termination_fee_type or "none",
            fee_value,
        )

    def action_request_termination(self, partner=None):
        """The consumer terminates online (three clicks): on the programme's
        terms, through the one termination path; an acknowledgement states the
        end date and what is still billed."""
        for engagement in self:
            if not engagement.is_consumer:
                raise UserError(
                    self.env._(
                        "%(name)s is a business client's programme: it is "
                        "terminated with the firm.",
                        name=engagement.display_name,
                    )
                )
            engagement._check_can_terminate()
            plan = engagement._online_termination_plan()
            engagement._terminate(plan)
            engagement.date_termination_requested = fields.Datetime.now()
            engagement._post_consumer_mail(
                "accomp_billing.mail_template_termination_ack"
            )
        return True

    @api.model
    def _send_renewal_notices(self, date_ref=None):
        """The tacit renewal notice of consumer subscriptions, once, between 3
        months and 1 month before the last day to refuse the renewal."""
        candidates = self.search(
            [
                ("is_consumer", "=", True),
                ("billing_model", "=", "subscription"),
                ("state", "in", ("active", "suspended")),
                ("date_end", "=", False),
                ("date_renewal_deadline", "!=", False),
                ("date_renewal_notice_sent", "=", False),
            ]
        )

        def due(engagement):
            today = date_ref or engagement.company_id._accomp_today()
            deadline = engagement.date_renewal_deadline
            return (
                deadline - RENEWAL_NOTICE_FROM
                <= today
                <= deadline - RENEWAL_NOTICE_UNTIL
            )

        def send(engagement):
            engagement.date_renewal_notice_sent = (
                date_ref or engagement.company_id._accomp_today()
            )
            engagement._post_consumer_mail(
                "accomp_billing.mail_template_renewal_notice"
            )

        return self.env["ir.cron"]._accomp_each(
            candidates.filtered(due), send, "renewal"
        )

    def _post_consumer_mail(self, template_xmlid):
        """An e-mail to the client on a durable medium, kept in the chatter."""
        self.ensure_one()
        self._portal_ensure_token()
        self.message_post_with_source(
            template_xmlid,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
