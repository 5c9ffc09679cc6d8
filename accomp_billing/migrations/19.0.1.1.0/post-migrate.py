"""19.0.1.1.0: the scheduled actions (noupdate data) run as OdooBot."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE ir_cron
           SET user_id = 1
          FROM ir_model_data imd
         WHERE imd.model = 'ir.cron'
           AND imd.res_id = ir_cron.id
           AND imd.module = 'accomp_billing'
           AND imd.name IN ('ir_cron_invoice_due_lines', 'ir_cron_collect_payments',
                            'ir_cron_dunning')
        """
    )
