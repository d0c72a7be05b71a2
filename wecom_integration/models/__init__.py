from . import wecom_config
from . import wecom_access_token
from . import res_config_settings
