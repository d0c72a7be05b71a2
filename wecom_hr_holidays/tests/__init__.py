# Odoo 11 only runs the test modules imported here (tests/test_layout.py checks that all are).
from . import test_leave_approval
