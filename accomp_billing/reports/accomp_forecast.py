"""What will be billed and collected, month by month (Reporting > Forecast).

One row per billing event of the programmes' schedules, plus the periods a
renewing subscription will bill beyond the one period its schedule plans ahead
(``projected``), up to ``HORIZON_MONTHS``. Milestones not done yet have no date:
they are the "to be dated" bucket. Amounts are in the current company's
currency (converted at today's rate), like Odoo's sales analysis.

A report model on a query computed at each read (``_table_query``, as
``sale.report``): the company's day, the currencies and the payment terms of
the clients come from the reader's environment."""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..models.accomp_schedule_line import LINE_KINDS
from ..tools.planning import CYCLE_MONTHS

HORIZON_MONTHS = 24

FORECAST_STATUSES = [
    ("projected", "Projected"),
    ("planned", "Planned"),
    ("draft", "To review"),
    ("invoiced", "Invoiced"),
    ("overdue", "Overdue"),
    ("paid", "Paid"),
]


class AccompForecast(models.Model):
    _name = "accomp.forecast"
    _description = "Programme Billing Forecast"
    _auto = False
    _order = "date, engagement_id"
    _rec_name = "engagement_id"
    # flushed before the query reads them
    _depends = {
        "accomp.schedule.line": [
            "engagement_id",
            "kind",
            "state",
            "date_due",
            "period_start",
            "amount",
            "amount_untaxed",
            "amount_total",
            "amount_credited",
            "amount_net",
            "amount_net_untaxed",
            "attempt",
            "invoice_id",
            "company_id",
        ],
        "accomp.engagement": [
            "state",
            "billing_model",
            "billing_cycle",
            "recurring_amount",
            "date_end",
            "partner_id",
            "user_id",
            "company_id",
            "currency_id",
            "offer_id",
        ],
        "account.move": ["invoice_date_due", "amount_residual", "amount_total"],
        "account.move.line": [
            "accomp_credited_line_id",
            "accomp_attempt",
            "price_total",
            "parent_state",
        ],
    }

    date = fields.Date(
        string="Billing Date",
        readonly=True,
        help="Day the event is (or was) invoiced; empty for a milestone not done yet.",
    )
    date_expected_payment = fields.Date(
        string="Expected Payment",
        readonly=True,
        help="The invoice's due date once invoiced, else the billing date plus the "
        "client's payment terms.",
    )
    bucket = fields.Selection(
        [("dated", "Dated"), ("to_be_dated", "To be dated")],
        readonly=True,
        help="Milestones not done yet are to be dated.",
    )
    engagement_id = fields.Many2one(
        "accomp.engagement", string="Programme", readonly=True
    )
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    user_id = fields.Many2one("res.users", string="Coach", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    offer_id = fields.Many2one("accomp.offer", readonly=True)
    kind = fields.Selection(LINE_KINDS, readonly=True)
    status = fields.Selection(FORECAST_STATUSES, readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_untaxed = fields.Monetary(string="Excl. VAT", readonly=True)
    amount_total = fields.Monetary(string="Incl. VAT", readonly=True)
    amount_residual = fields.Monetary(
        string="Left to pay",
        readonly=True,
        help="Incl. VAT: still to invoice, or what its invoice has left to pay "
        "(after payments and credit notes).",
    )

    @property
    def _table_query(self):
        return self._forecast_query()

    @api.model
    def _forecast_query(self):
        companies = self.env.companies
        today = self.env.company._accomp_today()
        currency = self.env.company.currency_id
        return SQL(
            """
            WITH factor(company_id, currency_id, rate) AS (VALUES %(factors)s),
            delay(partner_id, company_id, days) AS (VALUES %(delays)s),
            company_delay(company_id, days) AS (VALUES %(company_delays)s),
            cycle(billing_cycle, months) AS (VALUES %(cycles)s),
            last_period AS (
                SELECT DISTINCT ON (l.engagement_id)
                       l.engagement_id, l.period_start, l.date_due, l.amount,
                       l.amount_untaxed, l.amount_total
                  FROM accomp_schedule_line l
                  JOIN accomp_engagement e ON e.id = l.engagement_id
                 WHERE l.kind = 'subscription'
                   AND l.state NOT IN ('cancelled', 'credited')
                   AND l.period_start IS NOT NULL
                   AND e.billing_model = 'subscription'
                   AND e.state IN ('active', 'suspended')
                   AND e.company_id IN %(company_ids)s
              ORDER BY l.engagement_id, l.period_start DESC, l.id DESC
            ),
            events AS (
                SELECT l.id::bigint * 2 AS id,
                       l.engagement_id,
                       l.kind,
                       l.date_due AS date,
                       CASE
                           WHEN l.state IN ('planned', 'draft', 'paid') THEN l.state
                           WHEN m.invoice_date_due < %(today)s THEN 'overdue'
                           ELSE 'invoiced'
                       END AS status,
                       m.invoice_date_due AS invoice_due,
                       l.amount_net_untaxed AS amount_untaxed,
                       l.amount_net AS amount_total,
                       -- as the schedule line's amount_residual: its share of
                       -- its invoice's residual, less its credit notes' own
                       CASE
                           WHEN m.state = 'posted' THEN
                               COALESCE(l.amount_total * m.amount_residual
                                   / NULLIF(m.amount_total, 0), 0)
                               - COALESCE(cr.residual, 0)
                           ELSE l.amount_net
                       END AS amount_residual
                  FROM accomp_schedule_line l
             LEFT JOIN account_move m ON m.id = l.invoice_id
             LEFT JOIN LATERAL (
                    SELECT SUM(cl.price_total * cm.amount_residual
                               / NULLIF(cm.amount_total, 0)) AS residual
                      FROM account_move_line cl
                      JOIN account_move cm ON cm.id = cl.move_id
                     WHERE cl.accomp_credited_line_id = l.id
                       AND cl.parent_state = 'posted'
                       AND COALESCE(cl.accomp_attempt, 1) = l.attempt
                   ) cr ON TRUE
                 WHERE l.state NOT IN ('cancelled', 'credited')
                   AND l.company_id IN %(company_ids)s
                UNION ALL
                -- the renewals of a subscription, period by period
                SELECT (lp.engagement_id::bigint * 64 + n) * 2 + 1 AS id,
                       lp.engagement_id,
                       'subscription',
                       (lp.date_due + make_interval(months => n * c.months))::date,
                       'projected',
                       NULL,
                       e.recurring_amount * lp.amount_untaxed / NULLIF(lp.amount, 0),
                       e.recurring_amount * lp.amount_total / NULLIF(lp.amount, 0),
                       e.recurring_amount * lp.amount_total / NULLIF(lp.amount, 0)
                  FROM last_period lp
                  JOIN accomp_engagement e ON e.id = lp.engagement_id
                  JOIN cycle c ON c.billing_cycle = e.billing_cycle
                  CROSS JOIN generate_series(1, %(horizon)s) AS n
                 WHERE (lp.period_start + make_interval(months => n * c.months))::date
                           <= %(until)s
                   AND (e.date_end IS NULL OR
                        (lp.period_start + make_interval(months => n * c.months))::date
                           <= e.date_end)
            )
            SELECT ev.id,
                   ev.date,
                   COALESCE(ev.invoice_due, ev.date + COALESCE(d.days, cd.days, 0))
                       AS date_expected_payment,
                   CASE WHEN ev.date IS NULL THEN 'to_be_dated' ELSE 'dated' END
                       AS bucket,
                   ev.engagement_id,
                   e.partner_id,
                   e.user_id,
                   e.company_id,
                   e.offer_id,
                   ev.kind,
                   ev.status,
                   %(currency_id)s AS currency_id,
                   ROUND((ev.amount_untaxed * COALESCE(f.rate, 1))::numeric, 2)
                       AS amount_untaxed,
                   ROUND((ev.amount_total * COALESCE(f.rate, 1))::numeric, 2)
                       AS amount_total,
                   ROUND((ev.amount_residual * COALESCE(f.rate, 1))::numeric, 2)
                       AS amount_residual
              FROM events ev
              JOIN accomp_engagement e ON e.id = ev.engagement_id
         LEFT JOIN factor f ON f.company_id = e.company_id
                           AND f.currency_id = e.currency_id
         LEFT JOIN delay d ON d.partner_id = e.partner_id
                          AND d.company_id = e.company_id
         LEFT JOIN company_delay cd ON cd.company_id = e.company_id
             WHERE e.state != 'cancelled'
            """,
            factors=self._forecast_factors(companies, currency, today),
            delays=self._forecast_delays(companies, today),
            company_delays=SQL(", ").join(
                SQL("(%s, %s)", company.id, self._forecast_term_days(company, today))
                for company in companies
            ),
            cycles=SQL(", ").join(
                SQL("(%s, %s)", cycle, months) for cycle, months in CYCLE_MONTHS.items()
            ),
            company_ids=tuple(companies.ids),
            today=today,
            until=today + relativedelta(months=HORIZON_MONTHS),
            horizon=HORIZON_MONTHS * 2,
            currency_id=currency.id,
        )

    @api.model
    def _forecast_factors(self, companies, currency, today):
        """(company, programme currency, rate to the reader's currency) VALUES."""
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT company_id, currency_id FROM accomp_engagement"
                " WHERE company_id IN %s",
                tuple(companies.ids),
            )
        )
        rows = [
            SQL(
                "(%s, %s, %s)",
                company_id,
                currency_id,
                self.env["res.currency"]._get_conversion_rate(
                    self.env["res.currency"].browse(currency_id),
                    currency,
                    self.env["res.company"].browse(company_id),
                    today,
                ),
            )
            for company_id, currency_id in self.env.cr.fetchall()
            if currency_id
        ]
        return SQL(", ").join(rows) if rows else SQL("(0, 0, 1.0)")

    @api.model
    def _forecast_term_days(self, company, today, term=None):
        """Days from an invoice dated today to its due date under ``term``
        (default: the company's programme terms)."""
        term = term or company.accomp_payment_term_id
        return term._accomp_delay_days(today) if term else 0

    @api.model
    def _forecast_delays(self, companies, today):
        """(client, company, days from invoice date to due date) VALUES for
        the clients whose own payment terms differ from the company's programme
        terms (``company_delay``, as the invoices will have them): one row per
        such client, read per term, never a loop over every client."""
        rows = []
        for company in companies:
            default = self._forecast_term_days(company, today)
            groups = (
                self.env["res.partner"]
                .with_company(company)
                .sudo()
                ._read_group(
                    [("property_payment_term_id", "!=", False)],
                    ["property_payment_term_id"],
                    ["id:array_agg"],
                )
            )
            for term, partner_ids in groups:
                days = self._forecast_term_days(company, today, term)
                if days != default:
                    rows += [
                        SQL("(%s, %s, %s)", partner_id, company.id, days)
                        for partner_id in partner_ids
                    ]
        return SQL(", ").join(rows) if rows else SQL("(0, 0, 0)")
