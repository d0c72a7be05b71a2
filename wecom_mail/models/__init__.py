from . import wecom_mail_notify
from . import mail_activity
from . import mail_message
from . import res_users
