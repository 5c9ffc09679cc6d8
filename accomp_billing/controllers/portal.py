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
        try:
            engagement_sudo = self._document_check_access(
                "accomp.engagement", engagement_id, access_token
            )
        except (AccessError, MissingError):
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
        ["/my/programmes/<int:engagement_id>/payment_method/remove"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_programme_remove_payment_method(self, engagement_id, **kw):
        """The client stops the automatic debit of their programme."""
        try:
            engagement_sudo = self._document_check_access(
                "accomp.engagement", engagement_id
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        engagement_sudo._portal_remove_payment_method()
        return request.redirect(engagement_sudo.get_portal_url())
