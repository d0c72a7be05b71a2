"""The JSON API's behaviour, behind thin controllers (controllers/api.py).

Each public method takes the parsed query or body (a dict) and returns the `data` of the
`{"code", "message", "data"}` envelope, or raises ApiError with the code to answer. Inputs are
checked field by field: unknown fields, wrong types and out-of-range values are refused before
anything is done.
"""
import re

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

from .wecom_message import STATUSES as MESSAGE_STATUS_SELECTION
from .wecom_sync_log import STATUSES as SYNC_STATUS_SELECTION, SYNC_TYPES as SYNC_TYPE_SELECTION
from ..exceptions import WecomSyncBusy, WecomSyncError

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
def _field_error(field, text):
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
            raise _field_error(field or _("(a name)"), _("NUL characters are not allowed"))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise _field_error(field or _("(a name)"), _("not valid Unicode (a lone surrogate)")) from error


def check_fields(values, allowed, required=()):
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ApiError(1001, _("Unknown field(s): %(unknown)s. Allowed: %(allowed)s.")
                       % {"unknown": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))})
    for name in required:
        if values.get(name) in (None, ""):
            raise _field_error(name, _("required"))


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
    raise _field_error(name, _("expected true or false"))


def as_int(values, name, default=None, minimum=1, maximum=MAX_ID):
    value = values.get(name, default)
    if value is None:
        return None
    if isinstance(value, str):
        if not WHOLE_NUMBER.match(value.strip()):
            raise _field_error(name, _("expected a whole number"))
        number = int(value)
    else:
        number = whole_number(value)
        if number is None:
            raise _field_error(name, _("expected a whole number"))
    if not minimum <= number <= maximum:
        raise _field_error(name, _("must be between %(min)s and %(max)s") % {"min": minimum, "max": maximum})
    return number


def as_str(values, name, required=False, max_length=100000, choices=None):
    value = values.get(name)
    if value is None:
        if required:
            raise _field_error(name, _("required"))
        return None
    if not isinstance(value, str):
        raise _field_error(name, _("expected a string"))
    if len(value) > max_length:
        raise _field_error(name, _("longer than %(max)s characters") % {"max": max_length})
    if choices is not None and value not in choices:
        raise _field_error(name, _("one of %(choices)s") % {"choices": ", ".join(choices)})
    return value


def as_list(values, name, item_type, required=False):
    value = values.get(name)
    if value is None:
        if required:
            raise _field_error(name, _("required"))
        return []
    if not isinstance(value, list):
        raise _field_error(name, _("expected a list"))
    if len(value) > MAX_IDS:
        raise _field_error(name, _("more than %(max)s items") % {"max": MAX_IDS})
    if item_type is int:
        numbers = [whole_number(item) for item in value]
        if any(number is None or not 1 <= number <= MAX_ID for number in numbers):
            raise _field_error(name, _("expected a list of whole numbers from 1 to %(max)s") % {"max": MAX_ID})
        return numbers
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise _field_error(name, _("expected a list of non-empty strings"))
    return value


def as_business_id(values, name="business_id"):
    value = values.get(name)
    if value is None or isinstance(value, str):
        return as_str(values, name, max_length=200)
    number = whole_number(value)
    if number is None:
        raise _field_error(name, _("expected a number or a string"))
    if not -MAX_BIGINT <= number <= MAX_BIGINT:
        raise _field_error(name, _("a number beyond %(max)s") % {"max": MAX_BIGINT})
    return number


class WecomApi(models.AbstractModel):
    _name = "wecom.api"
    _description = "WeCom JSON API"

    def _require(self, permission):
        if not self.env.user.has_group(PERMISSIONS[permission]):
            raise ApiError(1403, _("Permission %(permission)s is required.") % {"permission": permission})

    def _paginate(self, model, domain, values, serialize, order=None):
        page = as_int(values, "page", default=1)
        page_size = as_int(values, "page_size", default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
        Model = self.env[model]
        count = Model.search_count(domain)
        records = Model.search(domain, offset=(page - 1) * page_size, limit=page_size, order=order)
        return {"count": count, "page": page, "page_size": page_size, "results": [serialize(r) for r in records]}

    # ------------------------------------------------------------------ directory
    @api.model
    def _list_departments(self, query):
        self._require("wechat.department.view")
        check_fields(query, ("page", "page_size", "parent_id", "search"))
        domain = []
        parent_id = as_int(query, "parent_id", minimum=0)
        if parent_id is not None:
            domain.append(("parent_wecom_id", "=", parent_id))
        search = as_str(query, "search", max_length=200)
        if search:
            domain += ["|", ("name", "ilike", search), ("complete_name", "ilike", search)]
        return self._paginate("wecom.department", domain, query, self._department, order="complete_name, id")

    @staticmethod
    def _department(dept):
        return {
            "id": dept.id, "wecom_id": dept.wecom_id, "name": dept.name, "name_en": dept.name_en or "",
            "full_name": dept.complete_name, "parent_id": dept.parent_wecom_id,
            "order": int(dept.wecom_order or 0), "leaders": dept.leader_ids.mapped("userid"),
            "member_count": dept.member_count, "is_active": dept.active,
            "last_sync_time": dept.last_sync_date or None,
        }

    @api.model
    def _list_users(self, query):
        self._require("wechat.user.view")
        check_fields(query, ("page", "page_size", "department_id", "status", "is_active", "search"))
        domain = []
        department_id = as_int(query, "department_id")
        if department_id is not None:
            domain.append(("department_ids.wecom_id", "=", department_id))
        status = as_int(query, "status")
        if status is not None:
            if status not in (1, 2, 4, 5):
                raise _field_error("status", _("one of 1, 2, 4, 5"))
            domain.append(("status", "=", str(status)))
        if "is_active" in query:
            domain.append(("active", "=", as_bool(query, "is_active")))
        search = as_str(query, "search", max_length=200)
        if search:
            domain += ["|", "|", ("name", "ilike", search), ("userid", "ilike", search), ("mobile", "ilike", search)]
        # is_active=false asks for members archived because they left WeCom
        api = self.with_context(active_test=False) if "is_active" in query else self
        return api._paginate("wecom.user", domain, query, self._user, order="name, id")

    @staticmethod
    def _user(member):
        return {
            "id": member.id, "userid": member.userid, "name": member.name, "alias": member.alias or "",
            "position": member.position or "", "mobile": member.mobile or "", "email": member.email or "",
            "gender": int(member.gender or 0), "status": int(member.status or 0),
            "departments": member.department_ids.mapped("wecom_id"),
            "main_department": member.main_department_id.wecom_id or None,
            "is_leader_in_departments": member.leader_department_ids.mapped("wecom_id"),
            "odoo_user_id": member.user_id.id or None, "is_active": member.active,
            "last_sync_time": member.last_sync_date or None,
        }

    # ------------------------------------------------------------------ sync
    @api.model
    def _list_sync_logs(self, query):
        self._require("wechat.sync.view")
        check_fields(query, ("page", "page_size", "sync_type", "status"))
        domain = []
        for name, allowed in (("sync_type", SYNC_TYPES), ("status", SYNC_STATUSES)):
            value = as_str(query, name, choices=allowed)
            if value is not None:
                domain.append((name, "=", value))
        return self._paginate("wecom.sync.log", domain, query, self._sync_log_data)

    @staticmethod
    def _sync_log_data(log):
        return {
            "id": log.id, "sync_type": log.sync_type, "trigger": log.trigger, "status": log.status,
            "total_count": log.total_count, "created_count": log.created_count,
            "updated_count": log.updated_count, "archived_count": log.archived_count,
            "unchanged_count": log.unchanged_count, "success_count": log.success_count,
            "failed_count": log.failed_count, "error_message": log.error_message or "",
            "errors": [{"type": e.record_type, "id": e.record_ref, "message": e.message} for e in log.error_ids],
            "start_time": log.start_date or None, "end_time": log.end_date or None,
            "duration": log.duration, "attempt": log.attempt,
        }

    # ------------------------------------------------------------------ messages
    @staticmethod
    def _message_data(message):
        return {
            "id": message.id, "message_type": message.message_type, "title": message.title or "",
            "content": message.content or "", "url": message.url or "", "status": message.status,
            "to_users": [u for u in (message.touser or "").split("|") if u and u != "@all"],
            "to_parties": [int(p) for p in (message.toparty or "").split("|") if p],
            "to_tags": [int(t) for t in (message.totag or "").split("|") if t],
            "to_all": message.to_all, "msgid": (message.msgid or "").split("\n") if message.msgid else [],
            "invalid_users": [u for u in (message.invaliduser or "").split("|") if u],
            "invalid_parties": [p for p in (message.invalidparty or "").split("|") if p],
            "invalid_tags": [t for t in (message.invalidtag or "").split("|") if t],
            "unlinked_users": message.unlinked_users or "",
            "errcode": message.errcode, "errmsg": message.errmsg or "", "attempts": message.attempts,
            "business_type": message.business_type or None,
            "business_id": (int(message.business_id) if (message.business_id or "").isdigit()
                            else message.business_id or None),
            "created_time": message.create_date or None, "sent_time": message.sent_date or None,
        }

    @api.model
    def _list_messages(self, query):
        self._require("wechat.message.view")
        check_fields(query, ("page", "page_size", "status", "business_type", "business_id"))
        domain = []
        status = as_str(query, "status", choices=MESSAGE_STATUSES)
        if status is not None:
            domain.append(("status", "=", status))
        for name in ("business_type", "business_id"):
            value = as_str(query, name, max_length=200)
            if value:
                domain.append((name, "=", value))
        return self._paginate("wecom.message", domain, query, self._message_data)

    @api.model
    def _get_message(self, message_id):
        """``message_id``: the id from the path, an int or its digits (a number PostgreSQL cannot
        hold, 0 or 2147483648, is a 400 naming the field id, as a query's would be)."""
        self._require("wechat.message.view")
        message_id = as_int({"id": message_id}, "id")
        message = self.env["wecom.message"].search([("id", "=", message_id)])
        if not message:
            raise ApiError(1404, _("Message %s does not exist.") % message_id)
        return self._message_data(message)

    SEND_FIELDS = ("message_type", "content", "title", "url", "btntxt", "business_type", "business_id", "queue")

    @api.model
    def _send_message(self, body):
        self._require("wechat.message.send")
        check_fields(body, self.SEND_FIELDS + ("to_users", "to_parties", "to_tags", "to_all"),
                     required=("message_type",))
        kwargs = self._message_kwargs(body)
        to_all = as_bool(body, "to_all")
        try:
            message = self.env["wecom.message"].send_message(
                to_users=as_list(body, "to_users", str), to_departments=as_list(body, "to_parties", int),
                to_tags=as_list(body, "to_tags", int), to_all=to_all, **kwargs)
        except UserError as error:
            raise ApiError(2004, _("Message send failed: %s") % error.name) from error
        return self._sent(message, 2004, _("Message send failed: %s"))

    @api.model
    def _send_to_users(self, body):
        self._require("wechat.message.send")
        check_fields(body, self.SEND_FIELDS + ("user_ids",), required=("message_type", "user_ids"))
        user_ids = as_list(body, "user_ids", int)
        if not user_ids:
            raise _field_error("user_ids", _("give at least one Odoo user id"))
        kwargs = self._message_kwargs(body)
        try:
            message = self.env["wecom.message"].send_to_users(user_ids, kwargs.pop("message_type"),
                                                              kwargs.pop("content"), **kwargs)
        except UserError as error:
            raise ApiError(2005, _("Send to local users failed: %s") % error.name) from error
        return self._sent(message, 2005, _("Send to local users failed: %s"))

    def _message_kwargs(self, body):
        return {
            "message_type": as_str(body, "message_type", required=True, max_length=20),
            "content": as_str(body, "content"), "title": as_str(body, "title", max_length=1000),
            "url": as_str(body, "url", max_length=4096), "btntxt": as_str(body, "btntxt", max_length=20),
            "business_type": as_str(body, "business_type", max_length=100),
            "business_id": as_business_id(body), "queue": as_bool(body, "queue"),
        }

    def _sent(self, message, code, template):
        if message.status == "failed":
            # 502 when WeCom refused it; 400 when it never got that far (no recipient is linked to
            # a WeCom member: the request's fault, not WeCom's)
            raise ApiError(code, template % (message.errmsg or _("nothing was delivered")) +
                           " (message %s)" % message.id, status=502 if message.attempts else 400)
        return self._message_data(message)

    @api.model
    def _retry_failed(self, body):
        self._require("wechat.message.send")
        check_fields(body, ("message_ids",))
        Message = self.env["wecom.message"]
        if "message_ids" in body:
            ids = as_list(body, "message_ids", int)
            if not ids:
                raise _field_error("message_ids", _("give at least one message id, or leave the field out"))
            messages = Message.search([("id", "in", ids)])
            missing = sorted(set(ids) - set(messages.ids))
            if missing:
                raise ApiError(1404, _("Messages not found: %(ids)s.") % {"ids": ", ".join(str(m) for m in missing)})
        else:
            messages = Message.search([("status", "=", "failed")], limit=1000)
        if not messages:
            return {"retried": 0, "results": []}
        try:
            outcomes = messages._retry_each()
        except UserError as error:
            raise ApiError(2006, _("Retrying failed messages failed: %(why)s") % {"why": error.name}) from error
        # each message on its own: what was resent (and how it went), and what could not be
        results = [{"id": message_id, "status": status, "retried": reason is None, "error": reason}
                   for message_id, status, reason in outcomes]
        return {"retried": sum(1 for r in results if r["retried"]), "results": results}

    # ------------------------------------------------------------------ sync
    SYNC_CODES = {"department": (2001, "wechat.sync.department"), "user": (2002, "wechat.sync.user"),
                  "all": (2003, "wechat.sync.all")}

    @api.model
    def _run_sync(self, kind, body):
        code, permission = self.SYNC_CODES[kind]
        self._require(permission)
        check_fields(body, ("wait",))
        wait = as_bool(body, "wait", default=True)
        service = self.env["wecom.sync.service"]
        try:
            if wait:
                log = service._run_public(kind, "api")
            else:
                log = service.start_sync(kind, "api")
        except WecomSyncBusy as error:
            raise ApiError(1409, error.name) from error
        except WecomSyncError as error:
            raise ApiError(code, error.name) from error  # "Department sync failed: <why>", as the service words it
        except AccessError as error:
            raise ApiError(1403, error.name) from error
        return self._sync_log_data(log)
