"""Run work in the background, one thread per key, coalescing the requests made meanwhile.

WeCom posts one contact-change event per change: a bulk import in the admin console means
hundreds of posts in a few seconds. Each post asks for the pending events to be applied; one
thread per database does it, and runs once more if asked again while it ran, instead of one
thread (and one database connection) per post. Imports nothing from Odoo.
"""
import logging
import threading

_logger = logging.getLogger(__name__)


class CoalescingRunner(object):

    def __init__(self, name="worker"):
        self.name = name
        self._lock = threading.Lock()
        self._again = {}  # key -> asked again while running (the key is absent when idle)

    def request(self, key, work):
        """Run ``work()`` in a thread for ``key``, or once more after the run in progress.
        Returns True when a thread was started."""
        with self._lock:
            if key in self._again:
                self._again[key] = True
                return False
            self._again[key] = False
        threading.Thread(target=self._loop, args=(key, work), name="%s-%s" % (self.name, key), daemon=True).start()
        return True

    def busy(self, key):
        with self._lock:
            return key in self._again

    def _loop(self, key, work):
        while True:
            try:
                work()
            except Exception:  # the work's own retries (the cron) take over; keep the thread's promise
                _logger.exception("%s for %s failed", self.name, key)
            with self._lock:
                if not self._again.get(key):
                    del self._again[key]
                    return
                self._again[key] = False
