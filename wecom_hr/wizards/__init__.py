from . import wecom_employee_match
