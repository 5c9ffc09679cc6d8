from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.accomp_billing.controllers.portal import AccompPortal


class AccompSepaPortal(AccompPortal):
    """The client signs and revokes the SEPA mandate of a programme."""

    @http.route(
        ["/my/programmes/<int:engagement_id>/mandate"],
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_programme_mandate(
        self, engagement_id, access_token=None, iban=None, holder=None, **kw
    ):
        """*Payer par prélèvement SEPA*: IBAN, account holder, the mandate's
        wording to accept; signing keeps the time and IP, e-mails the PDF."""
        engagement_sudo, client = self._programme_client_sudo(
            engagement_id, access_token
        )
        try:
            engagement_sudo._sepa_check_can_sign()
        except UserError:
            raise NotFound() from None
        error = None
        if request.httprequest.method == "POST":
            try:
                if not kw.get("accept"):
                    raise UserError(
                        request.env._("Tick the box to accept the mandate.")
                    )
                with request.env.cr.savepoint():
                    engagement_sudo._sepa_sign_mandate(
                        client,
                        iban,
                        holder,
                        ip_address=request.httprequest.remote_addr,
                    )
            except UserError as exc:
                error = exc.args[0]
            else:
                return request.redirect(
                    self._programme_url(engagement_sudo, access_token)
                )
        return self._programme_page(
            engagement_sudo,
            access_token,
            "accomp_billing_sepa.portal_programme_mandate",
            {
                "mandate_text": engagement_sudo._sepa_mandate_text(),
                "error": error,
                "iban": iban or "",
                "holder": holder
                if holder is not None
                else engagement_sudo.partner_id.commercial_partner_id.name,
            },
        )

    @http.route(
        ["/my/programmes/<int:engagement_id>/mandate/revoke"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_programme_mandate_revoke(self, engagement_id, access_token=None, **kw):
        """The client revokes the programme's mandate: debits stop."""
        engagement_sudo, client = self._programme_client_sudo(
            engagement_id, access_token
        )
        if not engagement_sudo.mandate_id:
            raise NotFound()
        engagement_sudo._sepa_revoke_mandate(client)
        return request.redirect(self._programme_url(engagement_sudo, access_token))
