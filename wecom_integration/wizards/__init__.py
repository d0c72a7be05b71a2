from . import wecom_connection_test
