"""19.0.1.1.0: one invoice per billing event *and attempt* ("Bill again" after
a credit note): the old single-column unique index gives way to the new one."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("DROP INDEX IF EXISTS account_move_line__accomp_schedule_line_uniq")
