"""Fixed identities of the emulated corp.

They are constants on purpose: configs, docs, demos and tests can name them without asking a
running emulator. Secrets look like real WeCom secrets (43 chars of [A-Za-z0-9_-]).
"""
import datetime

CORP_ID = "ww5e1a7e0000c0ffee"
CORP_NAME = "好邻居连锁超市"

# Default self-built messaging app: created after 2022-06-20, so privacy-restricted.
APP_AGENT_ID = 1000002
APP_SECRET = "Qx7nM2bVd9KfT4hLw1ZpR8sYc3JgE6uNa0XoHiWkD5v"
APP_NAME = "门店通知"

# A self-built app created before 2022-06-20: still receives mobile/email/avatar/...
LEGACY_AGENT_ID = 1000003
LEGACY_SECRET = "Lg2020aPp8sEcRetT9vWq4xZm1nB7cK3yH6dJ0fRu5e"
LEGACY_NAME = "员工助手(旧)"

# A self-built app with a narrow visible range (华东区 + one finance member), for range demos.
REGION_AGENT_ID = 1000004
REGION_SECRET = "Hd5EaStR3gIoN9aPpK2wX7qL0mV4sB8nC1tY6uZ_jFe"
REGION_NAME = "华东区域助手"

# 通讯录同步助手 (contact-sync assistant) secret.
CONTACT_SECRET = "Ct8SyNc4dIr3cT0rY9kQ2wE7rT1yU6iO5pA-sD0fGh1"

CN_TZ = datetime.timezone(datetime.timedelta(hours=8))

# Apps created after this moment lose the sensitive user fields (WECOM_API §4.5).
PRIVACY_CUTOFF = datetime.datetime(2022, 6, 20, 20, 0, tzinfo=CN_TZ)

APP_CREATED_AT = datetime.datetime(2023, 3, 15, 10, 30, tzinfo=CN_TZ)
LEGACY_CREATED_AT = datetime.datetime(2020, 9, 1, 9, 0, tzinfo=CN_TZ)
REGION_CREATED_AT = datetime.datetime(2024, 1, 8, 14, 0, tzinfo=CN_TZ)

TOKEN_TTL = 7200

# Every app's trusted domains (可信域名) by default: 127.0.0.1 and localhost on any port, so a
# local Odoo works out of the box. "host:*" is an emulator convenience; WeCom itself matches
# host and port exactly (WECOM_API_CARDS_LOGIN §D.3).
TRUSTED_DOMAINS = ("127.0.0.1:*", "localhost:*")
# The sensitive fields an admin can let auth/getuserdetail return (all, by default).
OAUTH_FIELDS = ("gender", "avatar", "qr_code", "mobile", "email", "biz_mail", "address")
BASE_URL = "https://qyapi.weixin.qq.com/cgi-bin"
