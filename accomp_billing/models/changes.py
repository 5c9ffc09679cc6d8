"""Which of a write's values really change a record: Odoo's forms send back
unchanged values, which a lock on sold or billed fields must let through."""


def changed_fields(record, vals, fnames):
    """The names among ``fnames`` whose value in ``vals`` differs from
    ``record``'s (compared as Odoo caches them: ids, dates, commands)."""
    record.ensure_one()
    return [
        fname
        for fname in fnames
        if fname in vals
        and record._fields[fname].convert_to_cache(vals[fname], record)
        != record._fields[fname].convert_to_cache(record[fname], record)
    ]
