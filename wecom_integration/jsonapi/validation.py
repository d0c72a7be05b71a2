"""Checking what a JSON API request holds, field by field: unknown fields, wrong types and
out-of-range values are refused (ApiError 1001 naming the field) before anything is done; and the
envelope's codes with their HTTP statuses."""
import re

from odoo import _

from ..models.wecom_message import STATUSES as MESSAGE_STATUS_SELECTION
from ..models.wecom_sync_log import STATUSES as SYNC_STATUS_SELECTION, SYNC_TYPES as SYNC_TYPE_SELECTION

# code -> HTTP status; 2001-2006 are the original module's codes
CODES = {
    0: 200,
    1000: 400,  # the body is not valid JSON, or not a JSON object
    1001: 400,  # a field is missing, unknown, of the wrong type or out of range
    1002: 413,  # the body is too large
    1003: 415,  # the body is not application/json
    1401: 401,  # not authenticated (no session, unknown or revoked API key)
    1403: 403,  # authenticated, but without the permission this route needs
    1404: 404,  # no such route or record
    1405: 405,  # method not allowed on this route
    1409: 409,  # a sync of this kind is already running
    1500: 500,  # unexpected server error
    2001: 502,  # department sync failed
    2002: 502,  # member sync failed
    2003: 502,  # full sync failed
    2004: 400,  # message send failed (refused before sending: 400; failed at WeCom: 502)
    2005: 400,  # send to local users failed
    2006: 502,  # retrying failed messages failed
}
PERMISSIONS = {
    "wechat.sync.department": "wecom_integration.wecom_group_sync_department",
    "wechat.sync.user": "wecom_integration.wecom_group_sync_user",
    "wechat.sync.all": "wecom_integration.wecom_group_sync_all",
    "wechat.sync.view": "wecom_integration.wecom_group_sync_view",
    "wechat.department.view": "wecom_integration.wecom_group_department_view",
    "wechat.user.view": "wecom_integration.wecom_group_user_view",
    "wechat.message.view": "wecom_integration.wecom_group_message_view",
    "wechat.message.send": "wecom_integration.wecom_group_message_send",
}
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 20
MAX_IDS = 10000
SYNC_TYPES = tuple(value for value, _label in SYNC_TYPE_SELECTION)
SYNC_STATUSES = tuple(value for value, _label in SYNC_STATUS_SELECTION)
MESSAGE_STATUSES = tuple(value for value, _label in MESSAGE_STATUS_SELECTION)
MAX_ID = 2 ** 31 - 1  # PostgreSQL integer: record ids, WeCom department and tag ids, page numbers
MAX_BIGINT = 2 ** 63 - 1  # business_id numbers
# a whole number in a query string or a path: ASCII digits only (str.isdigit() takes "²", which int() refuses)
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+\Z")


class ApiError(Exception):
    def __init__(self, code, message, status=None):
        super(ApiError, self).__init__(message)
        self.code = code
        self.message = message
        self.status = status or CODES.get(code, 400)


# ---------------------------------------------------------------------- input checking
def field_error(field, text):
    return ApiError(1001, _("Invalid field %(field)s: %(why)s") % {"field": field, "why": text})


def check_text(value, field=None):
    """Refuse, naming the field, strings PostgreSQL cannot store: NUL characters and lone
    surrogates (a JSON "\\ud800" decodes to one; UTF-8 cannot encode it)."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_text(key, field or key)
            check_text(item, field or key)
    elif isinstance(value, list):
        for item in value:
            check_text(item, field)
    elif isinstance(value, str):
        if "\x00" in value:
            raise field_error(field or _("(a name)"), _("NUL characters are not allowed"))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise field_error(field or _("(a name)"), _("not valid Unicode (a lone surrogate)")) from error


def check_fields(values, allowed, required=()):
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ApiError(1001, _("Unknown field(s): %(unknown)s. Allowed: %(allowed)s.")
                       % {"unknown": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))})
    for name in required:
        if values.get(name) in (None, ""):
            raise field_error(name, _("required"))


def whole_number(value):
    """``value`` as an int if it is a JSON whole number, else None. As in JSON Schema, 56.0 is
    the integer 56 (JavaScript's JSON.stringify writes them alike); booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():  # False for inf and nan
        return int(value)
    return None


def as_bool(values, name, default=False):
    value = values.get(name, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise field_error(name, _("expected true or false"))


def as_int(values, name, default=None, minimum=1, maximum=MAX_ID):
    value = values.get(name, default)
    if value is None:
        return None
    if isinstance(value, str):
        if not WHOLE_NUMBER.match(value.strip()):
            raise field_error(name, _("expected a whole number"))
        number = int(value)
    else:
        number = whole_number(value)
        if number is None:
            raise field_error(name, _("expected a whole number"))
    if not minimum <= number <= maximum:
        raise field_error(name, _("must be between %(min)s and %(max)s") % {"min": minimum, "max": maximum})
    return number


def as_str(values, name, required=False, max_length=100000, choices=None):
    value = values.get(name)
    if value is None:
        if required:
            raise field_error(name, _("required"))
        return None
    if not isinstance(value, str):
        raise field_error(name, _("expected a string"))
    if len(value) > max_length:
        raise field_error(name, _("longer than %(max)s characters") % {"max": max_length})
    if choices is not None and value not in choices:
        raise field_error(name, _("one of %(choices)s") % {"choices": ", ".join(choices)})
    return value


def as_list(values, name, item_type, required=False):
    value = values.get(name)
    if value is None:
        if required:
            raise field_error(name, _("required"))
        return []
    if not isinstance(value, list):
        raise field_error(name, _("expected a list"))
    if len(value) > MAX_IDS:
        raise field_error(name, _("more than %(max)s items") % {"max": MAX_IDS})
    if item_type is int:
        numbers = [whole_number(item) for item in value]
        if any(number is None or not 1 <= number <= MAX_ID for number in numbers):
            raise field_error(name, _("expected a list of whole numbers from 1 to %(max)s") % {"max": MAX_ID})
        return numbers
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise field_error(name, _("expected a list of non-empty strings"))
    return value


def as_business_id(values, name="business_id"):
    value = values.get(name)
    if value is None or isinstance(value, str):
        return as_str(values, name, max_length=200)
    number = whole_number(value)
    if number is None:
        raise field_error(name, _("expected a number or a string"))
    if not -MAX_BIGINT <= number <= MAX_BIGINT:
        raise field_error(name, _("a number beyond %(max)s") % {"max": MAX_BIGINT})
    return number
