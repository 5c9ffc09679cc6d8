"""The one invoicing path of a programme.

Every document the addon creates (scheduled invoices, milestones, extras, late
fees, the termination's final invoice and credit note) is built here and created
by :meth:`_create_invoices`:

* :meth:`_prepare_invoice_values` builds the header (like ``sale.order`` and OCA
  contract's ``_prepare_invoice``);
* ``accomp.schedule.line._prepare_invoice_line_values`` builds the line of a
  billing event; the late fees and the termination credit build theirs next to
  their business rules;
* :meth:`_prepare_invoice_with_lines` puts them together;
* :meth:`_create_invoices` creates the moves in batch per company and posts them
  per the engagement's ``invoice_mode`` (:meth:`_post_invoices`).

Extension modules override the builders: returning an empty dictionary from a
line builder drops that line, an invoice left without lines is not created, and
adding ``Command.create`` entries to ``invoice_line_ids`` adds lines.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import format_amount, format_date


class AccompEngagement(models.Model):
    _inherit = "accomp.engagement"

    awaiting_deposit = fields.Boolean(
        compute="_compute_awaiting_deposit",
        store=True,
        help="Starts only when the deposit is paid: nothing else is invoiced before.",
    )

    billing_warning = fields.Char(
        compute="_compute_billing_warning",
        help="What would block or spoil this programme's next invoices: said "
        "before it is confirmed, a phase marked done or a billing run.",
    )

    @api.depends(
        "state",
        "partner_id.email",
        "partner_id.vat",
        "partner_id.company_registry",
        "partner_id.is_company",
        "payment_exception",
        "payment_token_id",
        "invoice_mode",
    )
    def _compute_billing_warning(self):
        for engagement in self:
            problems = (
                engagement._billing_problems()
                if engagement.state in ("draft", "active", "suspended")
                and engagement.partner_id
                else []
            )
            engagement.billing_warning = "; ".join(problems) or False

    @api.depends("start_on_deposit_paid", "schedule_line_ids.state")
    def _compute_awaiting_deposit(self):
        for engagement in self:
            deposit = engagement.schedule_line_ids.filtered(
                lambda line: line.kind == "deposit" and line.state != "cancelled"
            )
            engagement.awaiting_deposit = bool(
                engagement.start_on_deposit_paid
                and deposit
                and any(line.state != "paid" for line in deposit)
            )

    def _billing_problems(self):
        """What would block or spoil this programme's next invoices (the
        "Next billing run" screen lists them before the run)."""
        self.ensure_one()
        problems = []
        partner = self.partner_id.commercial_partner_id
        company = self.company_id
        if self.invoice_mode == "auto_send" and not self.partner_id.email:
            problems.append(self.env._("no e-mail: the invoice cannot be sent"))
        if (
            partner.is_company
            and (partner.country_id or company.country_id).code == "FR"
            and not partner.company_registry
        ):
            problems.append(
                self.env._(
                    "French business client without SIREN (mandatory on its "
                    "invoices since September 2026)"
                )
            )
        elif partner.is_company and not (partner.vat or partner.company_registry):
            problems.append(self.env._("business client without VAT number or SIREN"))
        if not company._accomp_payment_term(self.partner_id):
            problems.append(self.env._("no payment terms: due on receipt"))
        if self.payment_exception:
            problems.append(self.env._("an automatic debit is still pending"))
        token = self.sudo().payment_token_id
        if token and not token.active:
            problems.append(self.env._("the saved payment method is no longer valid"))
        if self.env["account.tax"]._accomp_goods_taxes(
            self._invoiced_product(), company
        ):
            problems.append(
                self.env._("a goods tax on the invoiced product: use a services tax")
            )
        return problems

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_invoice_now(self):
        """Invoice the lines of these engagements that are due today (company day)."""
        self._check_manager()
        lines = self.schedule_line_ids
        lines.check_access("write")
        invoices = lines._invoice_due_lines(engagements=self)
        if not invoices:
            raise UserError(self.env._("Nothing is due yet: no invoice was generated."))
        return self.action_view_invoices(invoices)

    def action_view_invoices(self, invoices=None):
        invoices = self.invoice_ids if invoices is None else invoices
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", invoices.ids)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        form_view = self.env.ref("account.view_move_form")
        if not self.env.user.has_group("account.group_account_invoice"):
            # a coach: a read-only summary that needs no accounting rights
            form_view = self.env.ref(
                "accomp_billing.account_move_view_form_accomp_coach"
            )
            action["search_view_id"] = False
            action["views"] = [
                (
                    self.env.ref(
                        "accomp_billing.account_move_view_list_accomp_coach"
                    ).id,
                    "list",
                ),
                (form_view.id, "form"),
            ]
        if len(invoices) == 1:
            action["views"] = [(form_view.id, "form")]
            action["res_id"] = invoices.id
        return action

    # ------------------------------------------------------------------
    # Builders (extension hooks)
    # ------------------------------------------------------------------
    def _prepare_invoice_values(self, move_type="out_invoice", invoice_date=None):
        """Header of a customer invoice (``out_invoice``) or credit note
        (``out_refund``) of this programme, without lines: the client's invoice
        address, currency, payment terms (the client's, else the company's
        programme terms), origin, salesperson and legal mentions.

        Extension hook: return more or other values; ``invoice_line_ids`` is
        filled by :meth:`_prepare_invoice_with_lines`."""
        self.ensure_one()
        company = self.company_id
        partner = self.partner_id
        invoice_date = invoice_date or company._accomp_today()
        terms = company._accomp_payment_term(partner)
        vals = {
            "move_type": move_type,
            # a client without contacts is its own invoice address (child_ids
            # is read for the whole batch at once, address_get per client)
            "partner_id": (
                partner.address_get(["invoice"])["invoice"]
                if partner.child_ids
                else partner.id
            ),
            "company_id": company.id,
            "currency_id": self.currency_id.id,
            "invoice_date": invoice_date,
            "invoice_origin": self.name,
            "fiscal_position_id": self.fiscal_position_id.id,
            "invoice_user_id": (self.user_id or self.env.user).id,
            "invoice_payment_term_id": terms.id,
            "accomp_engagement_id": self.id,
            "narration": self._invoice_legal_mentions(),
            "invoice_line_ids": [],
        }
        if not terms:
            # without payment terms an invoice is due on its own date (Odoo
            # would take the day it is generated, a run catching up later)
            vals["invoice_date_due"] = invoice_date
        return vals

    def _invoiced_product(self):
        """The product the programme's events are invoiced with: the offer's,
        else the generic "Programme" service."""
        self.ensure_one()
        return self.product_id or self.env.ref(
            "accomp_billing.product_programme", raise_if_not_found=False
        )

    def _taxed_amounts(self, price_unit, quantity, product):
        """(untaxed, total incl. VAT) of an invoice line of this programme: the
        product's taxes mapped by the client's fiscal position, as on its
        invoices."""
        self.ensure_one()
        company = self.company_id or self.env.company
        currency = self.currency_id or company.currency_id
        if self.partner_id and self._is_eu_b2b():
            # reverse charge: the invoice bears no VAT (its 0 % AE tax)
            untaxed, _total = self.env["account.tax"]._accomp_price_amounts(
                price_unit, quantity, product, company, currency
            )
            return untaxed, untaxed
        return self.env["account.tax"]._accomp_price_amounts(
            price_unit,
            quantity,
            product,
            company,
            currency,
            self.fiscal_position_id,
            self.partner_id,
        )

    def _prepare_invoice_with_lines(self, line_vals_list, move_type, invoice_date):
        """The header of :meth:`_prepare_invoice_values` with these lines; the
        empty dictionaries (lines an extension dropped) are left out, and
        ``None`` is returned when no line is left."""
        self.ensure_one()
        line_vals_list = [vals for vals in line_vals_list if vals]
        if not line_vals_list:
            return None
        vals = self._prepare_invoice_values(move_type, invoice_date)
        vals["invoice_line_ids"] = list(vals.get("invoice_line_ids") or []) + [
            Command.create(line_vals) for line_vals in line_vals_list
        ]
        events = self.env["accomp.schedule.line"].browse(
            line_vals["accomp_schedule_line_id"]
            for line_vals in line_vals_list
            if line_vals.get("accomp_schedule_line_id")
        )
        self._complete_invoice_values(vals, events)
        return vals

    def _complete_invoice_values(self, vals, events):
        """Extension hook, once the lines are known: ``vals`` (the invoice's
        values, changed in place) bills ``events`` (accomp.schedule.line). The
        addon's own completion is called here, not stacked by import order."""
        self.ensure_one()
        self._complete_french_invoice_values(vals, events)

    # ------------------------------------------------------------------
    # Creation and posting
    # ------------------------------------------------------------------
    @api.model
    def _create_invoices(self, vals_list):
        """Create programme invoices and credit notes (values from
        :meth:`_prepare_invoice_with_lines`; ``None`` entries are skipped) in one
        batch per company and type, then post them per ``invoice_mode``.

        :return: the moves created (account.move)"""
        Move = self.env["account.move"]
        groups = {}
        for vals in filter(None, vals_list):
            groups.setdefault((vals["company_id"], vals["move_type"]), []).append(vals)
        self._prepare_sending_values(vals_list)
        moves = Move
        for (company_id, move_type), group in groups.items():
            created = (
                Move.with_company(company_id)
                .with_context(
                    default_move_type=move_type,
                    accomp_invoicing=True,
                    # the "created" note is logged below in one batch, not
                    # posted (and notified) invoice by invoice
                    mail_create_nolog=True,
                )
                .create(group)
            )
            created._message_log_batch(
                bodies={move.id: move._creation_message() for move in created}
            )
            moves |= created
        moves = moves.with_env(self.env)
        self._post_invoices(moves)
        return moves

    @api.model
    def _prepare_sending_values(self, vals_list):
        """Invoices to post and send are created queued for Odoo's sending
        (``sending_data``), or waiting for their client's e-mail address
        (``accomp_awaiting_email``), instead of by a second write of each batch
        once posted: :meth:`account.move._accomp_queue_sending` tells the
        programmes whose client has no address and corrects the few guessed
        wrong (a client sent another way than by e-mail)."""
        invoices = [
            vals
            for vals in filter(None, vals_list)
            if vals["move_type"] == "out_invoice"
            and vals.get("accomp_engagement_id")
            and vals.get("partner_id")
        ]
        engagements = self.browse(vals["accomp_engagement_id"] for vals in invoices)
        clients = self.env["res.partner"].browse(
            vals["partner_id"] for vals in invoices
        )
        authors = self.env["res.users"].browse(
            vals.get("invoice_user_id") or self.env.uid for vals in invoices
        )
        for vals, engagement, client, author in zip(
            invoices, engagements, clients, authors, strict=True
        ):
            if engagement.invoice_mode != "auto_send":
                continue
            if client.email:
                vals["sending_data"] = {
                    "author_user_id": author.id,
                    "author_partner_id": author.partner_id.id,
                }
            else:
                vals["accomp_awaiting_email"] = True

    def _notify_extras_review(self, invoices):
        """Invoices left as drafts because their extras are above the
        programme's review amount: the billing managers are told."""
        for engagement in self:
            for invoice in invoices.filtered(
                lambda m, e=engagement: m.accomp_engagement_id == e
            ):
                engagement.message_post(
                    body=self.env._(
                        "The invoice of %(date)s bills %(amount)s of extras (excl. "
                        "VAT), more than the %(limit)s above which this programme's "
                        "extras are reviewed: it is left as a draft. Check the "
                        "sessions, then post and send it.",
                        date=format_date(self.env, invoice.invoice_date),
                        amount=format_amount(
                            self.env,
                            invoice._accomp_extras_untaxed(),
                            invoice.currency_id,
                        ),
                        limit=format_amount(
                            self.env,
                            engagement.extras_review_amount,
                            engagement.currency_id,
                        ),
                    ),
                    subtype_xmlid="mail.mt_note",
                    partner_ids=engagement._billing_managers().partner_id.ids,
                )

    @api.model
    def _post_invoices(self, moves):
        """Post and send what the programmes' ``invoice_mode`` says: ``review``
        leaves drafts for the accountant, ``auto_post`` posts, ``auto_send``
        posts and hands the invoices to Odoo's own sending (in the background,
        see ``account.move._accomp_queue_sending``)."""
        to_post = moves.filtered(
            lambda m: m.accomp_engagement_id.invoice_mode in ("auto_post", "auto_send")
        )
        held = to_post._accomp_extras_to_review()
        to_post -= held
        held.accomp_engagement_id._notify_extras_review(held)
        # a draft held for review is posted and sent by a person
        held.filtered(lambda m: m.sending_data or m.accomp_awaiting_email).write(
            {"sending_data": False, "accomp_awaiting_email": False}
        )
        if to_post:
            to_post._post(soft=False)
        to_post.filtered(
            lambda m: m.accomp_engagement_id.invoice_mode == "auto_send"
        )._accomp_queue_sending(posted=True)
        return to_post
