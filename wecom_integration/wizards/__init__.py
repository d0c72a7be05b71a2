from . import wecom_connection_test
from . import wecom_message_compose
from . import wecom_api_key_wizard
