"""The JSON API's service, behind thin controllers (controllers/api.py).

Each method takes the parsed query or body (a dict) and returns the `data` of the
`{"code", "message", "data"}` envelope, or raises ApiError with the code to answer; the checks
are jsonapi/validation.py, the answers jsonapi/serializers.py.
"""
from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

from ..exceptions import WecomSyncBusy, WecomSyncError
from ..jsonapi import serializers
from ..jsonapi.validation import (
    ApiError, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MESSAGE_STATUSES, PERMISSIONS, SYNC_STATUSES,
    SYNC_TYPES, field_error, as_bool, as_business_id, as_int, as_list, as_str, check_fields)


# the fields both send routes take, besides their recipients
SEND_FIELDS = ("message_type", "content", "title", "url", "btntxt", "business_type", "business_id", "queue")
# sync route -> (its failure code, the permission it needs)
SYNC_CODES = {"department": (2001, "wechat.sync.department"), "user": (2002, "wechat.sync.user"),
              "all": (2003, "wechat.sync.all")}


class WecomJsonApi(models.AbstractModel):
    _name = "wecom.json.api"
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
        return self._paginate("wecom.department", domain, query, serializers.department, order="complete_name, id")

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
                raise field_error("status", _("one of 1, 2, 4, 5"))
            domain.append(("status", "=", str(status)))
        if "is_active" in query:
            domain.append(("active", "=", as_bool(query, "is_active")))
        search = as_str(query, "search", max_length=200)
        if search:
            domain += ["|", "|", ("name", "ilike", search), ("userid", "ilike", search), ("mobile", "ilike", search)]
        # is_active=false asks for members archived because they left WeCom
        scope = self.with_context(active_test=False) if "is_active" in query else self
        return scope._paginate("wecom.user", domain, query, serializers.member, order="name, id")

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
        return self._paginate("wecom.sync.log", domain, query, serializers.sync_log)

    # ------------------------------------------------------------------ messages
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
        return self._paginate("wecom.message", domain, query, serializers.message)

    @api.model
    def _get_message(self, message_id):
        """``message_id``: the id from the path, an int or its digits (a number PostgreSQL cannot
        hold, 0 or 2147483648, is a 400 naming the field id, as a query's would be)."""
        self._require("wechat.message.view")
        message_id = as_int({"id": message_id}, "id")
        message = self.env["wecom.message"].search([("id", "=", message_id)])
        if not message:
            raise ApiError(1404, _("Message %s does not exist.") % message_id)
        return serializers.message(message)


    @api.model
    def _send_message(self, body):
        self._require("wechat.message.send")
        check_fields(body, SEND_FIELDS + ("to_users", "to_parties", "to_tags", "to_all"),
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
        check_fields(body, SEND_FIELDS + ("user_ids",), required=("message_type", "user_ids"))
        user_ids = as_list(body, "user_ids", int)
        if not user_ids:
            raise field_error("user_ids", _("give at least one Odoo user id"))
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
        return serializers.message(message)

    @api.model
    def _retry_failed(self, body):
        self._require("wechat.message.send")
        check_fields(body, ("message_ids",))
        Message = self.env["wecom.message"]
        if "message_ids" in body:
            ids = as_list(body, "message_ids", int)
            if not ids:
                raise field_error("message_ids", _("give at least one message id, or leave the field out"))
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
    @api.model
    def _run_sync(self, kind, body):
        code, permission = SYNC_CODES[kind]
        self._require(permission)
        check_fields(body, ("wait",))
        wait = as_bool(body, "wait", default=True)
        service = self.env["wecom.sync.service"]
        try:
            if wait:
                log = service.run_sync(kind, "api")
            else:
                log = service.start_sync(kind, "api")
        except WecomSyncBusy as error:
            raise ApiError(1409, error.name) from error
        except WecomSyncError as error:
            raise ApiError(code, error.name) from error  # "Department sync failed: <why>", as the service words it
        except AccessError as error:
            raise ApiError(1403, error.name) from error
        return serializers.sync_log(log)
