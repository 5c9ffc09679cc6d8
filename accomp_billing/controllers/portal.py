from urllib.parse import urlencode

from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.tools import consteq

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class AccompPortal(CustomerPortal):
    """The client's programmes: /my/programmes and /my/programmes/<id>."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "programme_count" in counters:
            Engagement = request.env["accomp.engagement"]
            values["programme_count"] = (
                Engagement.search_count(self._programmes_domain())
                if Engagement.has_access("read")
                else 0
            )
        return values

    def _programmes_domain(self):
        # a programme the client withdrew from stays in their space
        return [
            ("state", "!=", "draft"),
            "|",
            ("state", "!=", "cancelled"),
            ("date_withdrawn", "!=", False),
        ]

    def _programme_sortings(self):
        return {
            "date": {"label": request.env._("Start date"), "order": "date_start desc"},
            "next": {"label": request.env._("Next due date"), "order": "next_date_due"},
            "name": {"label": request.env._("Reference"), "order": "name"},
        }

    @http.route(
        ["/my/programmes", "/my/programmes/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_programmes(self, page=1, sortby="date", **kw):
        Engagement = request.env["accomp.engagement"]
        sortings = self._programme_sortings()
        sortby = sortby if sortby in sortings else "date"
        domain = self._programmes_domain()
        count = Engagement.search_count(domain)
        pager = portal_pager(
            url="/my/programmes",
            url_args={"sortby": sortby},
            total=count,
            page=page,
            step=self._items_per_page,
        )
        programmes = Engagement.search(
            domain,
            order=sortings[sortby]["order"],
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        request.session["my_programmes_history"] = programmes.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "programmes": programmes.sudo(),  # found with the client's rights
                "page_name": "programme",
                "pager": pager,
                "default_url": "/my/programmes",
                "searchbar_sortings": sortings,
                "sortby": sortby,
            }
        )
        return request.render("accomp_billing.portal_my_programmes", values)

    @http.route(
        ["/my/programmes/<int:engagement_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_programme(self, engagement_id, access_token=None, **kw):
        engagement_sudo = self._programme_sudo(engagement_id, access_token)
        if not engagement_sudo:
            return request.redirect("/my")
        answering = self._portal_may_answer(engagement_sudo, access_token)
        values = self._get_page_view_values(
            engagement_sudo,
            access_token,
            {
                "engagement": engagement_sudo,
                "page_name": "programme",
                "rows": engagement_sudo._portal_schedule_rows(),
                # who may answer for the client (approve, sign off, choose the
                # debit): the client's contacts; staff only read
                "portal_answers": answering,
                # the client's saved methods (logged in), offered to debit
                # this programme
                "payment_tokens": engagement_sudo._portal_payment_tokens()
                if answering and not request.env.user._is_public()
                else engagement_sudo.env["payment.token"],
                "documents": engagement_sudo.invoice_ids.filtered(
                    lambda m: m.state == "posted"
                ).sorted("invoice_date", reverse=True),
            },
            "my_programmes_history",
            False,
            **kw,
        )
        return request.render("accomp_billing.portal_my_programme", values)

    @http.route(
        ["/my/programmes/<int:engagement_id>/extras/<int:usage_id>/<string:answer>"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_programme_extra_answer(
        self, engagement_id, usage_id, answer, access_token=None, **kw
    ):
        """The client approves or declines an extra."""
        engagement_sudo, client = self._programme_client_sudo(
            engagement_id, access_token
        )
        usage = engagement_sudo.usage_ids.filtered(lambda u: u.id == usage_id)
        if answer not in ("approve", "decline") or not usage:
            raise NotFound()
        usage._client_answer(answer == "approve", client)
        return request.redirect(self._programme_url(engagement_sudo, access_token))

    @http.route(
        ["/my/programmes/<int:engagement_id>/milestones/<int:milestone_id>/sign"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_programme_milestone_sign(
        self, engagement_id, milestone_id, access_token=None, **kw
    ):
        """The client signs a done phase off: it is invoiced."""
        engagement_sudo, client = self._programme_client_sudo(
            engagement_id, access_token
        )
        milestone = engagement_sudo.milestone_ids.filtered(
            lambda m: m.id == milestone_id
        )
        if not milestone:
            raise NotFound()
        milestone._accept_signoff(client)
        return request.redirect(self._programme_url(engagement_sudo, access_token))

    @http.route(
        ["/my/programmes/<int:engagement_id>/amendments/<int:amendment_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_programme_amendment(
        self, engagement_id, amendment_id, access_token=None, report_type=None, **kw
    ):
        """An amendment: what changes, the schedule before and after, Accept /
        Decline while it waits for the client; its PDF."""
        engagement_sudo = self._programme_sudo(engagement_id, access_token)
        amendment = engagement_sudo.amendment_ids.filtered(
            lambda a: a.id == amendment_id and a.state != "draft"
        )
        if not amendment:
            raise NotFound()
        if report_type in ("pdf", "html", "text"):
            return self._show_report(
                model=amendment,
                report_type=report_type,
                report_ref="accomp_billing.action_report_amendment",
                download=kw.get("download") == "true",
            )
        pdf = self._programme_url(
            engagement_sudo,
            access_token,
            f"/amendments/{amendment_id}",
            report_type="pdf",
        )
        return self._programme_page(
            engagement_sudo,
            access_token,
            "accomp_billing.portal_my_programme_amendment",
            {
                "amendment": amendment,
                "pdf_url": pdf,
                "portal_answers": self._portal_may_answer(
                    engagement_sudo, access_token
                ),
            },
        )

    @http.route(
        [
            "/my/programmes/<int:engagement_id>/amendments/<int:amendment_id>"
            "/<string:answer>"
        ],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_programme_amendment_answer(
        self, engagement_id, amendment_id, answer, access_token=None, **kw
    ):
        """The client accepts (it applies) or declines an amendment."""
        engagement_sudo, client = self._programme_client_sudo(
            engagement_id, access_token
        )
        amendment = engagement_sudo.amendment_ids.filtered(
            lambda a: a.id == amendment_id
        )
        if answer not in ("accept", "decline") or not amendment:
            raise NotFound()
        if answer == "accept":
            amendment.action_accept(client)
        else:
            amendment.action_decline(client)
        return request.redirect(
            self._programme_url(
                engagement_sudo, access_token, f"/amendments/{amendment_id}"
            )
        )

    # ------------------------------------------------------------------
    # Consumers (C. conso): withdrawal, express start, online termination
    # ------------------------------------------------------------------
    def _consumer_page(self, engagement_id, access_token, template, values):
        engagement_sudo, client = self._programme_client_sudo(
            engagement_id, access_token
        )
        if not engagement_sudo.is_consumer:
            raise NotFound()
        return self._programme_page(
            engagement_sudo, access_token, template, values(engagement_sudo)
        )

    def _programme_page(self, engagement_sudo, access_token, template, values):
        """Render a page below the programme's (``template``, with ``values``):
        the portal layout, the programme, the visitor's access token and the
        way back to the programme."""
        page = self._prepare_portal_layout_values()
        page.update(
            {
                "engagement": engagement_sudo,
                "page_name": "programme",
                "access_token": access_token,
                "back_url": self._programme_url(engagement_sudo, access_token),
                **values,
            }
        )
        return request.render(template, page)

    @http.route(
        ["/my/programmes/<int:engagement_id>/withdraw"],
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_programme_withdraw(self, engagement_id, access_token=None, **kw):
        """*Renoncer au contrat ici* → *Confirmer la rétractation*."""
        if request.httprequest.method == "POST":
            engagement_sudo, client = self._programme_client_sudo(
                engagement_id, access_token
            )
            engagement_sudo.action_withdraw(client)
            return request.redirect(self._programme_url(engagement_sudo, access_token))

        def values(engagement_sudo):
            if not engagement_sudo._withdrawal_open():
                raise NotFound()
            plan = engagement_sudo._withdrawal_plan()
            return {"totals": engagement_sudo._termination_totals(plan)}

        return self._consumer_page(
            engagement_id,
            access_token,
            "accomp_billing.portal_programme_withdraw",
            values,
        )

    @http.route(
        ["/my/programmes/<int:engagement_id>/express_start"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_programme_express_start(
        self, engagement_id, access_token=None, confirm=None, **kw
    ):
        """The consumer asks to start before the end of the withdrawal period
        (the box they ticked, its wording kept)."""
        engagement_sudo, client = self._programme_client_sudo(
            engagement_id, access_token
        )
        if confirm:
            engagement_sudo.action_request_express_start(client)
        return request.redirect(self._programme_url(engagement_sudo, access_token))

    @http.route(
        ["/my/programmes/<int:engagement_id>/terminate"],
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_programme_terminate(self, engagement_id, access_token=None, **kw):
        """*Résilier votre contrat*: the end date and what is still billed, then
        confirm."""
        if request.httprequest.method == "POST":
            engagement_sudo, client = self._programme_client_sudo(
                engagement_id, access_token
            )
            engagement_sudo.action_request_termination(client)
            return request.redirect(self._programme_url(engagement_sudo, access_token))

        def values(engagement_sudo):
            try:
                engagement_sudo._check_can_terminate()
            except UserError:
                raise NotFound() from None
            plan = engagement_sudo._online_termination_plan()
            return {
                "plan": plan,
                "totals": engagement_sudo._termination_totals(plan),
            }

        return self._consumer_page(
            engagement_id,
            access_token,
            "accomp_billing.portal_programme_terminate",
            values,
        )

    def _programme_sudo(self, engagement_id, access_token=None):
        """The programme, as superuser, if the visitor may see it (their own, or
        the e-mail's access token) and it was sold (neither a draft nor
        cancelled); an empty recordset otherwise."""
        try:
            engagement_sudo = self._document_check_access(
                "accomp.engagement", engagement_id, access_token
            )
        except (AccessError, MissingError):
            return request.env["accomp.engagement"]
        if engagement_sudo.state == "draft" or (
            engagement_sudo.state == "cancelled" and not engagement_sudo.date_withdrawn
        ):
            return request.env["accomp.engagement"]
        return engagement_sudo

    def _programme_client_sudo(self, engagement_id, access_token=None):
        """(programme as superuser, the client answering) when the visitor may
        answer for the client: one of the client's own contacts, logged in, or
        an anonymous visitor holding the programme's access token (the e-mail's
        link). Staff who can read the programme, and anyone else, get a 403:
        consent is the client's. Unknown or unsold programmes give a 404."""
        engagement_sudo = self._programme_sudo(engagement_id, access_token)
        if not engagement_sudo:
            raise NotFound()
        client = self._portal_may_answer(engagement_sudo, access_token)
        if not client:
            raise Forbidden()
        return engagement_sudo, client

    def _portal_may_answer(self, engagement_sudo, access_token=None):
        """The partner answering for the programme's client, or None: the
        logged-in user when they are one of the client's contacts; the client
        for an anonymous visitor with the programme's access token."""
        user = request.env.user
        if user._is_public():
            if access_token and consteq(
                engagement_sudo.access_token or "", access_token
            ):
                return engagement_sudo.partner_id
            return None
        client = engagement_sudo.partner_id.commercial_partner_id
        if user.partner_id.commercial_partner_id == client:
            return user.partner_id
        return None

    def _programme_url(self, engagement_sudo, access_token=None, suffix="", **query):
        """The programme's page (or ``suffix`` below it), with the visitor's
        access token when they came with one."""
        url = f"/my/programmes/{engagement_sudo.id}{suffix}"
        if access_token:
            query["access_token"] = access_token
        return f"{url}?{urlencode(query)}" if query else url

    @http.route(
        ["/my/programmes/<int:engagement_id>/payment_method/remove"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_programme_remove_payment_method(self, engagement_id, **kw):
        """The client stops the automatic debit of their programme."""
        engagement_sudo, _client = self._programme_client_sudo(engagement_id)
        engagement_sudo._portal_remove_payment_method()
        return request.redirect(self._programme_url(engagement_sudo))

    @http.route(
        ["/my/programmes/<int:engagement_id>/payment_method/use"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_programme_use_payment_method(self, engagement_id, token_id=None, **kw):
        """The client chooses one of their saved payment methods to debit this
        programme's instalments (this programme only)."""
        engagement_sudo, client = self._programme_client_sudo(engagement_id)
        try:
            token_id = int(token_id)
        except (TypeError, ValueError):
            raise NotFound() from None
        token = engagement_sudo._portal_payment_tokens().filtered(
            lambda t: t.id == token_id
        )
        if not token:
            raise NotFound()
        engagement_sudo._portal_use_payment_method(token, client)
        return request.redirect(self._programme_url(engagement_sudo))
