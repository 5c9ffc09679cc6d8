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

    @api.model
    def _accomp_try_lock(self, records):
        """Lock ``records`` (SKIP LOCKED, as ``try_lock_for_update``) and return
        those locked. Outside the scheduler, the rows another worker changed
        and committed since this transaction began are left to it as well
        (locking them fails to serialize, and this transaction is not ours to
        retry): a direct run (a shell, a server action) shares a run with the
        scheduler without failing. The scheduler instead retries the step on a
        fresh snapshot (``_accomp_retry_serialization``)."""
        if self.env.context.get("ir_cron_progress_id"):
            return records.try_lock_for_update()
        try:
            with self.env.cr.savepoint():
                return records.try_lock_for_update()
        except pg_errors.SerializationFailure:
            locked = records.browse()
            for record in records:
                try:
                    with self.env.cr.savepoint():
                        locked |= record.try_lock_for_update()
                except pg_errors.SerializationFailure:
                    continue  # changed by another worker: its work
            return locked

    @api.model
    def _accomp_each(self, records, step, kind, engagement_of=None, clear=True, size=1):
        """Run ``step(record)`` for each of ``records`` on its own: in a
        savepoint, committed by the scheduler, done again when it fails to
        serialize against another worker. A failure is told on the record's
        programme (one to-do of ``kind``, see ``_notify_failure``) and the
        others go on; a success closes that to-do (unless ``clear`` is false:
        the step reports its own outcome).

        With ``size`` above 1, ``step(batch)`` runs on batches of ``size`` in
        one savepoint each (for a step whose cost is mostly per call, a PDF
        rendering); a batch that fails is done again record by record, so that
        only the records that fail are reported.

        :param engagement_of: the record's programme (the record itself by
            default)
        :return: the records whose step succeeded"""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        if in_cron:
            self._commit_progress(remaining=len(records))
        done = records.browse()
        for start in range(0, len(records), size):
            batch = records[start : start + size]

            def step_batch(batch=batch):
                nonlocal done
                if len(batch) > 1:
                    try:
                        with self.env.cr.savepoint():
                            step(batch)
                    except RETRIED_ERRORS:
                        raise
                    except Exception:  # noqa: BLE001 - found again one by one
                        _logger.info("%s: a batch failed, done again one by one", kind)
                    else:
                        done |= batch
                        if clear:
                            engagements = (
                                batch.mapped(engagement_of) if engagement_of else batch
                            )
                            engagements._clear_failure(kind)
                        return self._commit_progress(len(batch)) if in_cron else True
                for record in batch:
                    if self._accomp_one(record, step, kind, engagement_of, clear):
                        done |= record
                return self._commit_progress(len(batch)) if in_cron else True

            if not self._accomp_retry_serialization(step_batch):
                break
        return done

    @api.model
    def _accomp_one(self, record, step, kind, engagement_of=None, clear=True):
        """``step(record)`` in a savepoint; its failure told on its programme
        (one to-do of ``kind``), its success closing that to-do (unless
        ``clear`` is false). Serialization failures go up, to be retried.

        :return: whether the step succeeded"""
        engagement = engagement_of(record) if engagement_of else record
        try:
            with self.env.cr.savepoint():
                step(record)
        except RETRIED_ERRORS:
            raise  # another worker: retried, not the programme's failure
        except Exception as error:  # noqa: BLE001 - isolated, reported
            _logger.exception("%s: %s failed", record.display_name, kind)
            engagement._notify_failure(kind, error)
            return False
        if clear:
            engagement._clear_failure(kind)
        return True
