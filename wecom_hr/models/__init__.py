from . import hr_employee
from . import wecom_user
from . import wecom_employee_link
from . import res_config_settings
