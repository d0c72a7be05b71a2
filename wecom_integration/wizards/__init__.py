from . import wecom_connection_test
from . import wecom_message_compose
