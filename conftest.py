"""pytest-odoo starts Odoo's HTTP server once per test *module* (and logs "Address already in
use" for every module after the first); once per session is what --odoo-http means. Odoo 11
only spawns the HTTP thread with stop=True when it believes tests are enabled."""
import pytest


@pytest.fixture(scope="session", autouse=True)
def load_http(request):
    if request.config.getoption("--odoo-http", default=False):
        import signal

        import odoo

        odoo.tools.config["test_enable"] = True
        odoo.service.server.start(stop=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _wait_for_port(odoo.tools.config["http_port"])


def _wait_for_port(port, seconds=60):
    """The server listens from a thread of its own: the first test must not race it."""
    import socket
    import time

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    import faulthandler
    import sys
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)  # where the server thread is stuck
    raise RuntimeError("Odoo's test HTTP server did not start on port %s" % port)
