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
