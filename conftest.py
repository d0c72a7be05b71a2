"""pytest-odoo starts Odoo's HTTP server once per test *module* (and logs "Address already in
use" for every module after the first); once per session is what --odoo-http means."""
import pytest


@pytest.fixture(scope="session", autouse=True)
def load_http(request):
    if request.config.getoption("--odoo-http", default=False):
        import signal

        import odoo

        odoo.service.server.start(stop=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
