"""pytest-odoo starts Odoo's HTTP server once per test *module*; once per session is what
--odoo-http means (this fixture replaces pytest-odoo's of the same name)."""
import pytest


@pytest.fixture(scope="session", autouse=True)
def load_http(request):
    if request.config.getoption("--odoo-http", default=False):
        import signal

        import odoo

        odoo.tools.config["test_enable"] = True
        # Not odoo.service.server.start(stop=True): it spawns the HTTP thread and then calls stop(),
        # which shuts the server down again whenever the thread has bound its socket by then (on
        # a lightly loaded machine, often). Spawn the thread alone, as start() would.
        odoo.service.server.load_server_wide_modules()
        server = odoo.service.server.ThreadedServer(odoo.service.wsgi_server.application)
        server.http_spawn()
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
