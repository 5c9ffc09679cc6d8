from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

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
        return [("state", "not in", ("draft", "cancelled"))]

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
        values = self._get_page_view_values(
            engagement_sudo,
            access_token,
            {
                "engagement": engagement_sudo,
                "page_name": "programme",
                "rows": engagement_sudo._portal_schedule_rows(),
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
        engagement_sudo = self._programme_sudo(engagement_id, access_token)
        if not engagement_sudo:
            return request.redirect("/my")
        usage = engagement_sudo.usage_ids.filtered(lambda u: u.id == usage_id)
        if answer in ("approve", "decline") and usage:
            usage._client_answer(
                answer == "approve", self._portal_client(engagement_sudo)
            )
        return request.redirect(engagement_sudo.get_portal_url())

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
        engagement_sudo = self._programme_sudo(engagement_id, access_token)
        if not engagement_sudo:
            return request.redirect("/my")
        milestone = engagement_sudo.milestone_ids.filtered(
            lambda m: m.id == milestone_id
        )
        milestone._accept_signoff(self._portal_client(engagement_sudo))
        return request.redirect(engagement_sudo.get_portal_url())

    def _programme_sudo(self, engagement_id, access_token=None):
        """The programme, as superuser, if the visitor may see it (their own, or
        the e-mail's access token); an empty recordset otherwise."""
        try:
            return self._document_check_access(
                "accomp.engagement", engagement_id, access_token
            )
        except (AccessError, MissingError):
            return request.env["accomp.engagement"]

    def _portal_client(self, engagement_sudo):
        """Who answers: the logged-in client, else (a token link) the programme's
        client."""
        if request.env.user._is_public():
            return engagement_sudo.partner_id
        return request.env.user.partner_id

    @http.route(
        ["/my/programmes/<int:engagement_id>/payment_method/remove"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_programme_remove_payment_method(self, engagement_id, **kw):
        """The client stops the automatic debit of their programme."""
        engagement_sudo = self._programme_sudo(engagement_id)
        if not engagement_sudo:
            return request.redirect("/my")
        engagement_sudo._portal_remove_payment_method()
        return request.redirect(engagement_sudo.get_portal_url())
