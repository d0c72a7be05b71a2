# -*- coding: utf-8 -*-
"""Pure-Python WeCom (企业微信) API layer: client, errors, message payloads, callback crypto.

Imports nothing from Odoo (and nothing from the emulator), so it is usable and testable on its
own; inside Odoo it is `odoo.addons.wecom_integration.wecom`.
"""
from .errors import (  # noqa: F401
    TOKEN_ERRCODES,
    TRANSIENT_ERRCODES,
    WecomApiError,
    WecomAuthError,
    WecomError,
    WecomNetworkError,
    WecomPermissionError,
    WecomRateLimitError,
    WecomValidationError,
    error_for,
    explain,
)
from .client import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, MemoryTokenStore, WecomClient  # noqa: F401
from .crypto import WecomCryptoError, WXBizMsgCrypt  # noqa: F401
from . import messages  # noqa: F401
