"""Early termination: the plan (pure arithmetic in ``tools/termination.py``),
then one final invoice and one pro rata credit note through the invoicing path."""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date

from ..tools import termination


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    date_terminated = fields.Date(
        string="Terminated On",
        copy=False,
        readonly=True,
        help="Day the early termination was recorded; its last day is the end date.",
    )

    termination_notice = fields.Char(
        compute="_compute_termination_notice",
        help="Said on the programme until its last day once it is terminated.",
    )

    @api.depends("date_terminated", "date_end", "state")
    def _compute_termination_notice(self):
        for engagement in self:
            engagement.termination_notice = (
                self.env._(
                    "Terminated on %(date)s: its last day is %(end)s.",
                    date=format_date(self.env, engagement.date_terminated),
                    end=format_date(self.env, engagement.date_end),
                )
                if engagement.date_terminated
                and engagement.state in ("active", "suspended")
                else False
            )

    def action_terminate(self):
        """Early termination: the wizard shows what it will do before it does it."""
        self._check_manager()
        self.ensure_one()
        self._check_can_terminate()
        return self._open_wizard(
            "accomp.terminate.wizard",
            self.env._("Terminate %(name)s", name=self.display_name),
        )

    def _check_can_terminate(self):
        self.ensure_one()
        if self.state not in ("active", "suspended"):
            raise UserError(
                self.env._(
                    "Only a programme in progress can be terminated (%(name)s).",
                    name=self.display_name,
                )
            )
        if self.date_terminated:
            raise UserError(
                self.env._(
                    "%(name)s was already terminated on %(date)s: its last day is "
                    "%(end)s.",
                    name=self.display_name,
                    date=format_date(self.env, self.date_terminated),
                    end=format_date(self.env, self.date_end),
                )
            )

    def _termination_plan(self, request_date, fee_type, fee_value, last_day=None):
        """What terminating on ``request_date`` does (pure read, no write): the
        last day, the events billed now, the ones cancelled, the fee and the
        credits for what was invoiced and will not be delivered
        (``tools/termination.py``). ``last_day`` forces the last day (a
        consumer's withdrawal: today); a consumer whose renewal notice was not
        sent stops at once and free from the renewal on."""
        self.ensure_one()
        fee_type, fee_value, free_day = self._consumer_termination_terms(
            request_date, fee_type, fee_value
        )
        last_day = last_day or free_day
        Line = self.env["accomp.schedule.line"]
        terms = termination.Terms(
            billing_model=self.billing_model,
            date_start=self.date_start,
            date_end=self.date_end or None,
            notice_days=self.notice_days,
            billing_cycle=self.billing_cycle,
            commitment_months=self.commitment_months,
            recurring_amount=self.recurring_amount,
        )
        last = last_day or termination.last_day(terms, request_date, fee_type)
        plan = termination.plan(
            [line._termination_event() for line in self.schedule_line_ids],
            terms,
            last,
            fee_type,
            fee_value,
            self.currency_id.rounding,
        )
        return {
            "date_end": plan.date_end,
            "to_bill": Line.browse(plan.to_bill),
            # {line: amount} billed pro rata (value delivered not paid for yet)
            "prorated": {
                Line.browse(key): float(amount) for key, amount in plan.prorated.items()
            },
            "to_cancel": Line.browse(plan.to_cancel),
            "remaining": float(plan.remaining),
            "fee": float(plan.fee),
            "credits": [
                (Line.browse(key), float(amount)) for key, amount in plan.credits
            ],
        }

    def _termination_totals(self, plan):
        """The plan's figures incl. VAT, as the final invoice and the credit note
        will show them: billed, cancelled, fee, credited."""
        self.ensure_one()

        def incl(amount, line=None):
            return self._termination_amounts(amount, line)[1]

        return {
            "billed": sum(
                incl(plan["prorated"].get(line, line.amount), line)
                for line in plan["to_bill"]
            )
            + incl(plan["fee"]),
            # what the schedule no longer bills: its events cancelled, the part
            # of those billed pro rata left out
            "cancelled": sum(incl(line.amount, line) for line in plan["to_cancel"])
            + sum(
                incl(line.amount - amount, line)
                for line, amount in plan["prorated"].items()
            ),
            # the remaining commitment, the basis of a fee in percent
            "commitment": incl(plan["remaining"]),
            "fee": incl(plan["fee"]),
            "credited": sum(incl(amount, line) for line, amount in plan["credits"]),
        }

    def _termination_amounts(self, amount, line=None):
        """(untaxed, incl. VAT) of ``amount`` of ``line`` (the fee when no line)
        as the final invoice or the credit note will say: an extras event in
        full keeps its quantity and unit price."""
        self.ensure_one()
        if line and line.kind == "extras" and amount == line.amount:
            quantity, price = line._invoice_price()
        else:
            quantity, price = 1.0, amount
        product = line._invoice_product() if line else self._invoiced_product()
        return self._taxed_amounts(price, quantity, product)

    def _terminate(self, plan):
        """Apply a termination plan in one step: cancel, bill what is due and the
        fee on one final invoice, credit what will not be delivered."""
        self.ensure_one()
        self._check_manager()
        self.lock_for_update()  # two terminations at once: the second waits, then fails
        self.invalidate_recordset(["date_terminated"])
        self._check_can_terminate()
        Line = self.env["accomp.schedule.line"]
        today = self.company_id._accomp_today()
        plan["to_cancel"]._write_state("cancelled")
        for line, amount in plan["prorated"].items():
            line.amount = amount
        to_bill = plan["to_bill"]
        if plan["fee"] > 0:
            to_bill |= Line.create(
                {
                    "engagement_id": self.id,
                    "kind": "termination",
                    "amount": plan["fee"],
                    "date_due": today,
                    "sequence": 2000,
                }
            )
        to_bill = to_bill._lock_billable()
        to_bill.date_due = today
        credit_vals = self._prepare_termination_credit(plan, today)
        totals = self._termination_totals(plan)
        final_vals = self.with_context(
            accomp_termination_credited=totals["credited"]
        )._prepare_invoice_with_lines(
            [line._prepare_invoice_line_values() for line in to_bill],
            "out_invoice",
            today,
        )
        moves = self._create_invoices([final_vals, credit_vals])
        final = moves.filtered(lambda m: m.move_type == "out_invoice")
        refund = moves - final
        self._reconcile_credit(refund)
        self.with_context(accomp_allow_frozen_write=True).write(
            {"date_end": plan["date_end"], "date_terminated": today}
        )
        self.message_post(
            body=self.env._(
                "Programme terminated: last day %(date)s, %(cancelled)s incl. VAT "
                "no longer billed, final invoice %(final)s, credit note %(refund)s.",
                date=format_date(self.env, plan["date_end"]),
                cancelled=format_amount(
                    self.env,
                    totals["cancelled"],
                    self.currency_id,
                ),
                final=final.name or "-",
                refund=refund.name or "-",
            ),
            subtype_xmlid="mail.mt_note",
        )
        return final, refund

    def _prepare_termination_credit(self, plan, date):
        """Values of the pro rata credit note (``None`` when nothing is credited),
        crediting the invoices that billed the undelivered days."""
        self.ensure_one()
        return self._prepare_credit_note(
            plan["credits"],
            date,
            lambda env, line: env._(
                "Pro rata credit, not delivered after %(date)s: %(label)s",
                date=format_date(env, plan["date_end"]),
                label=line._invoice_label(),
            ),
            lambda env, names: env._(
                "Credit note of invoice(s) %(invoices)s: the part of the "
                "programme %(programme)s that will not be delivered after its "
                "termination (last day %(date)s).",
                invoices=names,
                programme=self.name,
                date=format_date(env, plan["date_end"]),
            ),
        )

    def _prepare_credit_note(self, credits, date, line_name, reason):
        """Values of a credit note of ``credits`` [(event, amount)] (``None``
        when nothing is credited), in the client's language: each line linked
        to the event and attempt it credits and named ``line_name(env, event)``;
        the note names the invoices it credits (its PDF; its Factur-X lists
        them as BT-25) and says ``reason(env, invoice names)``."""
        self.ensure_one()
        env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
        product = self._invoiced_product()
        vals = self._prepare_invoice_with_lines(
            [
                {
                    "product_id": (line._invoice_product() or product).id,
                    "accomp_credited_line_id": line.id,
                    "accomp_attempt": line.attempt,
                    "name": line_name(env, line),
                    "quantity": 1,
                    "price_unit": amount,
                }
                for line, amount in credits
            ],
            "out_refund",
            date,
        )
        if vals:
            reversed_invoices = self.env["account.move"].union(
                *(line.invoice_id for line, _amount in credits)
            )
            if len(reversed_invoices) == 1:
                vals["reversed_entry_id"] = reversed_invoices.id
                vals["partner_id"] = reversed_invoices.partner_id.id
            names = ", ".join(reversed_invoices.sorted("invoice_date").mapped("name"))
            vals["ref"] = env._("Credit of %(invoices)s", invoices=names)
            vals["narration"] = (Markup("<p>%s</p>") % reason(env, names)) + (
                vals.get("narration") or Markup("")
            )
        return vals

    def _reconcile_credit(self, refund):
        """A credit note for invoices still unpaid settles them."""
        if not refund or refund.state != "posted":
            return
        receivable = refund.line_ids.filtered(
            lambda aml: aml.account_id.account_type == "asset_receivable"
        )
        unpaid = self.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice"
            and m.state == "posted"
            and m.payment_state in ("not_paid", "partial")
        ).line_ids.filtered(
            lambda aml: aml.account_id in receivable.account_id and not aml.reconciled
        )
        if unpaid:
            (receivable | unpaid).reconcile()
