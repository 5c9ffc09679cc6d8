from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

# Links to programme billing events: written by the addon's invoicing path only.
BILLING_LINK_FIELDS = {
    "accomp_schedule_line_id",
    "accomp_credited_line_id",
    "accomp_attempt",
    "accomp_late_invoice_id",
    "accomp_fee_type",
    "accomp_interest_until",
}


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    accomp_schedule_line_id = fields.Many2one(
        "accomp.schedule.line",
        string="Billing Event",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="restrict",
        help="The billing event this invoice line bills.",
    )
    accomp_credited_line_id = fields.Many2one(
        "accomp.schedule.line",
        string="Credited Billing Event",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="restrict",
        help="The billing event this credit note line credits.",
    )
    accomp_attempt = fields.Integer(
        string="Billing Attempt",
        copy=False,
        readonly=True,
        help="Which invoicing attempt of its billing event the line bills or "
        "credits (a credited event billed again starts a new attempt).",
    )

    # Exactly-once invoicing: each attempt of a billing event is on at most one
    # invoice line that is not cancelled, whatever runs concurrently (cron,
    # "Invoice now", reruns). "Bill again" after a credit note is a new attempt.
    _accomp_schedule_line_attempt_uniq = models.UniqueIndex(
        "(accomp_schedule_line_id, COALESCE(accomp_attempt, 1)) "
        "WHERE accomp_schedule_line_id IS NOT NULL AND parent_state != 'cancel'",
        "This billing event is already invoiced.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_billing_link_source(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_billing_link_source(vals)
        return super().write(vals)

    def _copy_data_extend_business_fields(self, values):
        """A programme invoice's line reversed into a credit note credits the
        billing event and attempt it billed (as ``sale`` copies its order
        lines)."""
        res = super()._copy_data_extend_business_fields(values)
        if (
            self.env.context.get("accomp_reversal")
            and self.accomp_schedule_line_id
            and self.move_id.move_type == "out_invoice"
        ):
            values["accomp_credited_line_id"] = self.accomp_schedule_line_id.id
            values["accomp_attempt"] = self.accomp_attempt or 1
        return res

    @api.model
    def _check_billing_link_source(self, vals):
        """A billing event's invoice link comes from the addon's invoicing path
        (``accomp_invoicing`` in the context), never from a hand-made line."""
        if self.env.context.get("accomp_invoicing"):
            return
        if any(vals.get(fname) for fname in BILLING_LINK_FIELDS):
            raise AccessError(
                self.env._(
                    "Invoice lines are linked to a programme's billing events by the "
                    "programme's invoicing only."
                )
            )

    @api.constrains("accomp_schedule_line_id", "accomp_credited_line_id", "move_id")
    def _check_billing_event_document(self):
        """A billing event is billed (or credited) only on a document of its own
        engagement, client and company, whoever writes the link."""
        for line in self:
            event = line.accomp_schedule_line_id or line.accomp_credited_line_id
            if not event:
                continue
            move = line.move_id
            engagement = event.engagement_id
            expected_type = (
                "out_invoice" if line.accomp_schedule_line_id else "out_refund"
            )
            if (
                move.move_type != expected_type
                or move.accomp_engagement_id != engagement
                or move.commercial_partner_id
                != engagement.partner_id.commercial_partner_id
                or move.company_id != engagement.company_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(event)s of %(programme)s can only be billed or credited on "
                        "a document of that programme, its client and its company.",
                        event=event.name,
                        programme=engagement.display_name,
                    )
                )
