"""A standalone WeCom (企业微信) server API emulator.

It serves the /cgi-bin/ endpoints a self-built app and the contact-sync assistant use
(gettoken, department/*, user/*, tag/*, message/send, message/recall,
message/update_template_card, auth/getuserinfo, auth/getuserdetail) with WeCom's JSON shapes,
error codes, visible ranges, 2022 privacy rules and frequency limits; the contact-sync and the
apps' own callbacks; the OAuth and web-login pages; plus an admin API under /_emulator/ and an
HTML inbox at / where cards can be clicked. It imports nothing from Odoo or wecom_integration: it is an
independent implementation written from docs/WECOM_API.md, so the client can be tested
against it.

    from wecom_emulator import Emulator
    emu = Emulator(directory="demo")        # emu.wsgi_app is a WSGI application
"""
from .defaults import (APP_AGENT_ID, APP_SECRET, CONTACT_SECRET, CORP_ID, LEGACY_AGENT_ID,
                       LEGACY_SECRET, REGION_AGENT_ID, REGION_SECRET)
from .emulator import Emulator
from .ratelimit import RateLimits

__all__ = ["Emulator", "RateLimits", "CORP_ID", "APP_AGENT_ID", "APP_SECRET", "LEGACY_AGENT_ID",
           "LEGACY_SECRET", "REGION_AGENT_ID", "REGION_SECRET", "CONTACT_SECRET"]
