"""19.0.1.2.0: the new terms (most a coach logs per entry, extras reviewed
above an amount) get their defaults on the offers and programmes sold before."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "UPDATE accomp_offer SET usage_max_qty = 100 WHERE usage_max_qty IS NULL"
    )
    cr.execute(
        "UPDATE accomp_offer SET extras_review_amount = 1000 "
        "WHERE extras_review_amount IS NULL"
    )
    cr.execute(
        "UPDATE accomp_engagement SET usage_max_qty = 100 WHERE usage_max_qty IS NULL"
    )
    cr.execute(
        "UPDATE accomp_engagement SET extras_review_amount = 1000 "
        "WHERE extras_review_amount IS NULL"
    )
