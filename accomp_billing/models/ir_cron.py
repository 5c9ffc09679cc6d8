"""The scheduler's own retry of a step that failed to serialize against another
worker (two cron threads, two servers, or a user's request at the same time)."""

import logging
import random
import time

from psycopg2 import errors as pg_errors

from odoo import api, models

_logger = logging.getLogger(__name__)

# The errors Odoo retries a request on (odoo.service.model).
RETRIED_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.LockNotAvailable,
    pg_errors.DeadlockDetected,
)
# Odoo retries a request 5 times on the same errors.
SERIALIZATION_RETRIES = 5


class IrCron(models.Model):
    _inherit = "ir.cron"

    @api.model
    def _accomp_retry_serialization(self, func):
        """Run ``func``, one step of a scheduled action that the action then
        commits; when it fails to serialize against another transaction, roll
        it back and run it again on a fresh snapshot, as Odoo retries a
        request. Only the scheduler, which commits per step, owns its
        transaction: anywhere else the error goes up to Odoo's own retry of the
        request.

        :return: what ``func`` returns"""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        for attempt in range(1, SERIALIZATION_RETRIES + 1):
            try:
                return func()
            except RETRIED_ERRORS as error:
                if not in_cron or attempt == SERIALIZATION_RETRIES:
                    raise
                _logger.info(
                    "%s: %s against another worker, retried (%s/%s)",
                    getattr(func, "__name__", "scheduled step"),
                    type(error).__name__,
                    attempt,
                    SERIALIZATION_RETRIES,
                )
                self.env.cr.rollback()
                self.env.transaction.reset()
                time.sleep(random.uniform(0, 0.1 * 2**attempt))
        raise AssertionError("unreachable")
