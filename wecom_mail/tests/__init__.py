# Odoo 11 only runs the test modules imported here.
from . import test_mail_activity
from . import test_mail_message
from . import test_core_terms
