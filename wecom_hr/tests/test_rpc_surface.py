"""The core's walk of every public method of every wecom_* model, with this bridge installed: its
methods (the Match employees wizard, the settings) must refuse a portal user and a user without
WeCom or HR rights like the core's."""
from odoo.addons.wecom_integration.tests.test_rpc_surface import TestJsonRpcSurface  # noqa: F401 (run here)
