"""Run the background jobs a request queued right after its response is sent.

The response's close callbacks run once the WSGI server has written the answer, after the
request's transaction committed (odoo.http.Root.dispatch), in the same worker and not in a thread
of it: a prefork worker is only recycled between requests, and if it dies meanwhile the job's
advisory lock goes with it and the cron takes the job over (jobs/runner.py). In Odoo's test
mode they run as soon as the answer is built.
"""
from functools import partial

from odoo import models
from odoo.http import Response, request

from ..jobs.runner import run_job, run_requested


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _dispatch(cls):
        result = super(IrHttp, cls)._dispatch()
        job_ids = getattr(request, "_wecom_job_ids", None)
        if job_ids and request.registry.in_test_mode():
            # one shared, never committed transaction: run them now, the answer is already built
            for job_id in job_ids:
                run_job(request.registry, job_id)
        elif job_ids:
            if isinstance(result, (bytes, str)):
                result = Response(result, mimetype="text/html")  # as Root.get_response would
            if hasattr(result, "call_on_close"):
                result.call_on_close(partial(run_requested, request.db, list(job_ids)))
        return result
