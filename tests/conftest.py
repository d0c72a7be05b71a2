"""Path setup for the tests that need no Odoo database.

`wecom_integration/wecom/` is the pure-Python WeCom layer. Importing it as
`wecom_integration.wecom` would run the addon's `__init__` (which imports Odoo), so these tests
import it as the top-level package `wecom`, which also proves it needs nothing from Odoo.
The emulator is the top-level package `wecom_emulator` at the repository root.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (ROOT, os.path.join(ROOT, "wecom_integration")):
    if path not in sys.path:
        sys.path.insert(0, path)


import pytest  # noqa: E402  (after the path setup above)


@pytest.fixture
def clock():
    """A clock the test moves by hand (token expiry, rate-limit windows, recall deadlines)."""
    from wecom_emulator.testing import FakeClock
    return FakeClock()


@pytest.fixture
def emu(clock):
    """A fresh demo-corp emulator on the fake clock."""
    from wecom_emulator import Emulator
    return Emulator(clock=clock)


@pytest.fixture
def wx(emu):
    """A RawCaller holding the default app's token, routed in-process to `emu`."""
    import responses
    from wecom_emulator import APP_SECRET
    from wecom_emulator.testing import RawCaller, install
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        caller = RawCaller("https://qyapi.weixin.qq.com/cgi-bin")
        caller.token(APP_SECRET)
        yield caller
