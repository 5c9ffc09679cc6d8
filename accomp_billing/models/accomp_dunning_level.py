from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount, format_date


class AccompDunningLevel(models.Model):
    """One step of the reminders sent for an overdue programme invoice."""

    _name = "accomp.dunning.level"
    _description = "Programme Dunning Level"
    _order = "delay_days, sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to use this level in every company."
    )
    delay_days = fields.Integer(
        string="Days Late", required=True, help="Days after the invoice's due date."
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail",
        domain=[("model", "=", "account.move")],
        help="Sent to the client; a formal notice attaches its PDF through the "
        "template's reports.",
    )
    create_activity = fields.Boolean(
        string="Activity for the billing manager",
        help="A to-do for the person following the programme's billing.",
    )
    activity_user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        domain=[("share", "=", False)],
        help="Who gets the activity; the programme's coach when empty.",
    )
    retry_payment = fields.Boolean(
        string="Retry the payment", help="Charge the saved payment method again."
    )
    suspend_engagement = fields.Boolean(
        string="Suspend the programme",
        help="The programme resumes by itself once every overdue invoice is paid.",
    )

    _delay_positive = models.Constraint(
        "CHECK (delay_days >= 0)", "A dunning level cannot fire before the due date."
    )

    @api.constrains("delay_days")
    def _check_delay_days(self):
        for level in self:
            level._check_delay_value(level.delay_days)

    @api.model
    def _check_delay_value(self, delay_days):
        if delay_days is not None and delay_days < 0:
            raise ValidationError(
                self.env._("A dunning level cannot fire before the due date.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_delay_value(vals.get("delay_days"))
        return super().create(vals_list)

    def _execute(self, invoice, today):
        """Fire this level for ``invoice`` once: recorded first (a unique index
        refuses a second time), then e-mail, activity, suspension. The payment
        retry is made by the caller, outside the level's savepoint
        (``account.move._accomp_dun``)."""
        self.ensure_one()
        engagement = invoice.accomp_engagement_id
        self.env["accomp.dunning.history"].create(
            {"invoice_id": invoice.id, "level_id": self.id, "date": today}
        )
        if self.mail_template_id:
            self.mail_template_id.send_mail(
                invoice.id, email_layout_xmlid="mail.mail_notification_light"
            )
        if self.create_activity:
            engagement.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._(
                    "%(level)s: %(invoice)s", level=self.name, invoice=invoice.name
                ),
                note=self.env._(
                    "%(invoice)s (%(amount)s) is %(days)s days late.",
                    invoice=invoice.name,
                    amount=format_amount(
                        self.env, invoice.amount_residual, invoice.currency_id
                    ),
                    days=(today - invoice.invoice_date_due).days,
                ),
                user_id=(
                    self.activity_user_id or engagement.user_id or self.env.user
                ).id,
            )
        if self.suspend_engagement and engagement.state == "active":
            engagement._write_state("suspended", dunning_suspended=True)
        engagement.message_post(
            body=self.env._(
                "Dunning “%(level)s” for %(invoice)s, due on %(date)s.",
                level=self.name,
                invoice=invoice.name,
                date=format_date(self.env, invoice.invoice_date_due),
            ),
            subtype_xmlid="mail.mt_note",
        )
