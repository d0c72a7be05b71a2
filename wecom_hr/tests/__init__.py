# Odoo 11 only runs the test modules imported here (tests/test_layout.py checks that all are).
from . import test_employee_link
from . import test_employee_events
from . import test_employee_ui
from . import test_rpc_surface
