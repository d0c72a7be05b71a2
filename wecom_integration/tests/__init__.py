# Odoo 11 only runs the test modules imported here.
from . import test_settings
from . import test_security
from . import test_connection
from . import test_token_store
from . import test_i18n
from . import test_sync
from . import test_sync_failures
from . import test_sync_modes
from . import test_sync_access
from . import test_message
from . import test_message_delivery
from . import test_api_routes
from . import test_api_errors
from . import test_api_background
