"""19.0.1.2.0: the new terms (most a coach logs per entry, extras reviewed
above an amount) get their defaults on the offers and programmes sold before."""


def migrate(cr, version):
    if not version:
        return
    for table in ("accomp_offer", "accomp_engagement"):
        cr.execute(
            f"UPDATE {table} SET usage_max_qty = 100 WHERE usage_max_qty IS NULL"  # noqa: S608
        )
        cr.execute(
            f"UPDATE {table} SET extras_review_amount = 1000 "  # noqa: S608
            "WHERE extras_review_amount IS NULL"
        )
