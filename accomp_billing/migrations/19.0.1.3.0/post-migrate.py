"""19.0.1.3.0: a programme the client withdrew from stays in their space (the
portal rule is noupdate data); programmes sold before are concluded on the day
they started."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    rule = env.ref(
        "accomp_billing.accomp_engagement_rule_portal", raise_if_not_found=False
    )
    if rule:
        rule.domain_force = (
            "[('partner_id', 'child_of', [user.commercial_partner_id.id]), "
            "('state', '!=', 'draft'), '|', ('state', '!=', 'cancelled'), "
            "('date_withdrawn', '!=', False)]"
        )
    cr.execute(
        "UPDATE accomp_engagement SET date_concluded = date_start "
        "WHERE date_concluded IS NULL AND state != 'draft'"
    )
