"""Programme invoices sent by Odoo's own machinery (``account.move.send``): the
PDF and the client's electronic format (Factur-X for French clients), with the
programme's e-mail template, in the background through ``sending_data`` and
Odoo's "Send invoices automatically" scheduled action."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.base.models.ir_actions_report import _wkhtml

from .ir_cron import RETRIED_ERRORS


class AccountMove(models.Model):
    _inherit = "account.move"

    accomp_awaiting_email = fields.Boolean(
        string="Waiting for the client's e-mail",
        copy=False,
        readonly=True,
        help="Posted to be sent automatically, but the client has no e-mail "
        "address: sent by the next run once it is set.",
    )

    def _get_mail_template(self):
        """Programme invoices, one or a batch, are sent with the programme's
        template."""
        if self and all(
            move.accomp_engagement_id and move.move_type == "out_invoice"
            for move in self
        ):
            return (
                self.env.ref(
                    "accomp_billing.mail_template_programme_invoice",
                    raise_if_not_found=False,
                )
                or super()._get_mail_template()
            )
        return super()._get_mail_template()

    def _accomp_queue_sending(self, posted=False):
        """Queue these posted invoices for Odoo's sending. An invoice whose client
        has no e-mail address stays posted: its programme gets one to-do ("add the
        client's e-mail"), and the next run sends it once the address is set.

        :param posted: these invoices were just posted (the scheduler's run):
            those created waiting for the client's e-mail are told too (else an
            invoice already waiting is not told twice)"""
        Send = self.env["account.move.send"]
        ready = waiting = self.browse()
        for move in self:
            methods = Send._get_default_sending_methods(move)
            if "email" in methods and not move.partner_id.email:
                waiting |= move
                continue
            ready |= move
        # told once per invoice, for the whole batch at once: one note per
        # programme, one to-do per programme
        if not posted:
            waiting = waiting.filtered(lambda move: not move.accomp_awaiting_email)
        if waiting:
            # most were created waiting (no second write of each invoice)
            waiting.filtered(
                lambda move: not move.accomp_awaiting_email
            ).accomp_awaiting_email = True
            errors = {}
            for move in waiting:
                errors.setdefault(move.accomp_engagement_id, []).append(move)
            waiting.accomp_engagement_id._notify_failure(
                "sending",
                {
                    engagement.id: self.env._(
                        "%(invoice)s is posted; add an e-mail address to "
                        "%(client)s and it is sent by the next run.",
                        invoice=", ".join(move.name for move in moves),
                        client=moves[0].partner_id.display_name,
                    )
                    for engagement, moves in errors.items()
                },
            )
        # one write per author (account.move.write checks each call's moves);
        # the scheduler's invoices are created queued
        by_author = {}
        for move in ready.filtered(lambda move: not move.sending_data):
            by_author.setdefault(move.invoice_user_id or self.env.user, []).append(
                move.id
            )
        for author, move_ids in by_author.items():
            self.browse(move_ids).write(
                {
                    "sending_data": {
                        "author_user_id": author.id,
                        "author_partner_id": author.partner_id.id,
                    }
                }
            )
        if ready:
            ready.filtered("accomp_awaiting_email").accomp_awaiting_email = False
            cron = self.env.ref(
                "account.ir_cron_account_move_send", raise_if_not_found=False
            )
            if not (cron and cron.sudo().active):
                # queued, but nothing would send them: said, until it is active
                for engagement in ready.accomp_engagement_id:
                    engagement._notify_failure(
                        "sending",
                        self.env._(
                            "%(invoices)s wait to be sent, but Odoo's scheduled "
                            "action “Send invoices automatically” is inactive: "
                            "activate it (Settings > Technical > Scheduled "
                            "Actions).",
                            invoices=", ".join(
                                ready.filtered(
                                    lambda m, e=engagement: m.accomp_engagement_id == e
                                ).mapped("name")
                            ),
                        ),
                        summary=self.env._("Activate the sending of invoices"),
                    )
                return ready
            ready.accomp_engagement_id._clear_failure("sending")
            cron.sudo()._trigger()
        return ready

    @api.model
    def _cron_account_move_send(self, job_count=None):
        """Odoo's "Send invoices automatically", by steps of Odoo's own PDF
        batch (``account.pdf_generation_batch``, 80) instead of 10 invoices:
        each step renders its PDFs in one wkhtmltopdf call, whose start-up and
        report styles cost as much as ten invoices, and the scheduler queues its
        invoices by the hundred. Each step still commits its progress."""
        if job_count is None:
            job_count = self._accomp_pdf_batch_size()
        return super()._cron_account_move_send(job_count=job_count)

    @api.model
    def _accomp_pdf_batch_size(self):
        """Invoices rendered in one wkhtmltopdf call: Odoo's own PDF batch,
        or one when wkhtmltopdf lacks its patched Qt: such a build cannot join
        documents, and Odoo refuses the whole batch at its first warning (a
        style it could not load), which would make every PDF twice."""
        if not _wkhtml().is_patched_qt:
            return 1
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("account.pdf_generation_batch", "80")
        )

    # ------------------------------------------------------------------
    # Every posted programme invoice has its legal documents
    # ------------------------------------------------------------------
    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        if posted.filtered("accomp_engagement_id"):
            # its PDF (and Factur-X) are made in the background, sent or not
            self.env.ref(
                "accomp_billing.ir_cron_invoice_documents", raise_if_not_found=False
            ).sudo()._trigger()
        return posted

    @api.model
    def _accomp_documents_missing(self):
        """Posted programme invoices and credit notes without their legal PDF,
        that Odoo's sending will not make (not queued for it), by id."""
        self.flush_model(["accomp_engagement_id", "state", "move_type", "sending_data"])
        self.env["ir.attachment"].flush_model(["res_model", "res_field", "res_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id FROM account_move m
                 WHERE m.accomp_engagement_id IS NOT NULL
                   AND m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
                   AND m.sending_data IS NULL
                   AND NOT EXISTS (
                       SELECT 1 FROM ir_attachment a
                        WHERE a.res_model = 'account.move'
                          AND a.res_field = 'invoice_pdf_report_file'
                          AND a.res_id = m.id)
              ORDER BY m.id
                """
            )
        )
        return self.browse(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _accomp_generate_documents(self):
        """Make the legal PDF (PDF/A-3 with its Factur-X for French business
        clients) of every posted programme invoice that has none, through Odoo's
        own ``account.move.send`` without sending anything: the client, the
        accountant and the portal download the invoice, never a pro forma. By
        batches of one company's invoices (Odoo's PDF batch, one wkhtmltopdf
        call each, ``ir.cron._accomp_each``): a batch that fails is made
        again invoice by invoice, a failure is reported on its programme (one
        to-do), the others are made; each invoice is tried once per run."""
        done = self.browse()
        size = self._accomp_pdf_batch_size()
        for moves in self._accomp_documents_missing().grouped("company_id").values():
            done |= self.env["ir.cron"]._accomp_each(
                moves,
                lambda batch: batch._accomp_make_documents(),
                "documents",
                engagement_of=lambda move: move.accomp_engagement_id,
                size=size,
            )
        return done

    def _accomp_make_documents(self):
        """These invoices' legal documents, but those another worker makes."""
        moves = self.try_lock_for_update().filtered(
            lambda move: not move.invoice_pdf_report_id
        )
        if not moves:
            return
        try:
            self.env["account.move.send"]._generate_and_send_invoices(
                moves, sending_methods=[], allow_raising=True
            )
            if not all(moves.mapped("invoice_pdf_report_id")):
                raise UserError(self.env._("no PDF was made"))
        except RETRIED_ERRORS:
            raise
        except Exception as error:  # noqa: BLE001 - a report, an EDI export...
            raise UserError(
                self.env._(
                    "%(invoice)s: its PDF could not be made: %(error)s",
                    invoice=", ".join(moves.mapped("name")),
                    error=error,
                )
            ) from error

    @api.model
    def _cron_accomp_generate_documents(self):
        self._accomp_generate_documents()

    @api.model
    def _accomp_send_awaiting(self):
        """Send the invoices that waited for their client's e-mail address."""
        waiting = self.search(
            [
                ("accomp_awaiting_email", "=", True),
                ("state", "=", "posted"),
                ("partner_id.email", "!=", False),
            ]
        )
        return self.env["ir.cron"]._accomp_each(
            waiting,
            lambda move: move._accomp_queue_sending(),
            "sending",
            engagement_of=lambda move: move.accomp_engagement_id,
            clear=False,  # queueing closes the to-do itself
        )
