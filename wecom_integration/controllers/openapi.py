"""The OpenAPI 3.1 description of /api/v1/wechat/ (served at /api/v1/wechat/openapi.json).

Kept next to the routes and checked by a test that validates real answers against it.
"""
from ..jsonapi.validation import DEFAULT_PAGE_SIZE, MAX_BIGINT, MAX_ID, MAX_IDS, MAX_PAGE_SIZE

ERROR_CODES = {
    1000: "The body is not valid JSON, or not a JSON object (HTTP 400).",
    1001: "Validation error: a field is missing, unknown, of the wrong type or out of range; the message names it (400).",
    1002: "The body is larger than 1 MB (413).",
    1003: "The body is not application/json (415).",
    1401: "Not authenticated: no Odoo session and no valid API key, or a revoked key (401).",
    1403: "Authenticated, but without the permission the route needs (403).",
    1404: "No such route or record (404).",
    1405: "Wrong HTTP method for this route (405).",
    1409: "A sync of this kind is already running (409).",
    1500: "Unexpected server error (500).",
    2001: "Department sync failed (502).",
    2002: "Member sync failed (502).",
    2003: "Full sync failed (502).",
    2004: "Message send failed: refused before sending (400) or by WeCom (502).",
    2005: "Send to local users failed (400 / 502).",
    2006: "Retrying failed messages failed (502).",
}

NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}
INT_LIST = {"type": "array", "items": {"type": "integer"}}
STR_LIST = {"type": "array", "items": {"type": "string"}}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
# Request strings: PostgreSQL cannot store NUL characters (nor lone surrogates, which no pattern
# can express: the API refuses both with 1001 naming the field).
NO_NUL = "^[^\\u0000]*$"
# what Python's str.strip() removes, as jsonapi/validation.py tests "non-empty"
SPACES = "".join("\\u%04x" % c for c in range(0x10000) if chr(c).isspace())
# white space, then one character that is neither white space nor NUL, then anything but NUL
# (unambiguous: no backtracking on a long run of spaces)
USERID = {"type": "string", "minLength": 1,
          "pattern": "^[%s]*[^\\u0000%s][^\\u0000]*$" % (SPACES, SPACES),
          "description": "A WeCom userid: not only white space."}
# request lists: up to 10,000 ids, each a positive PostgreSQL integer (or a non-empty userid)
ID_LIST = {"type": "array", "items": ID, "maxItems": MAX_IDS}
USERID_LIST = {"type": "array", "items": USERID, "maxItems": MAX_IDS}


def text(max_length, **extra):
    """A request string of at most ``max_length`` characters."""
    return dict({"type": "string", "maxLength": max_length, "pattern": NO_NUL}, **extra)

SYNC_STATUSES = ["queued", "running", "success", "partial", "failed"]
MESSAGE_STATUSES = ["draft", "queued", "sending", "sent", "partial", "failed", "recalled"]


def _obj(properties, required=None):
    """A closed object; ``required``: the names it must have (all of them when not given; [] for none)."""
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else list(required), "additionalProperties": False}


SCHEMAS = {
    "Department": _obj({
        "id": {"type": "integer"}, "wecom_id": {"type": "integer"}, "name": {"type": "string"},
        "name_en": {"type": "string"}, "full_name": {"type": "string"}, "parent_id": {"type": "integer"},
        "order": {"type": "integer"}, "leaders": STR_LIST, "member_count": {"type": "integer"},
        "is_active": {"type": "boolean"}, "last_sync_time": NULLABLE_STR}),
    "User": _obj({
        "id": {"type": "integer"}, "userid": {"type": "string"}, "name": {"type": "string"},
        "alias": {"type": "string"}, "position": {"type": "string"}, "mobile": {"type": "string"},
        "email": {"type": "string"}, "gender": {"type": "integer", "enum": [0, 1, 2]},
        "status": {"type": "integer", "enum": [0, 1, 2, 4, 5]}, "departments": INT_LIST,
        "main_department": NULLABLE_INT, "is_leader_in_departments": INT_LIST, "odoo_user_id": NULLABLE_INT,
        "is_active": {"type": "boolean"}, "last_sync_time": NULLABLE_STR}),
    "SyncLog": _obj({
        "id": {"type": "integer"},
        "sync_type": {"type": "string", "enum": ["department", "user", "tag", "all", "event"]},
        "trigger": {"type": "string", "enum": ["cron", "manual", "api", "callback", "retry"]},
        "status": {"type": "string", "enum": SYNC_STATUSES},
        "total_count": {"type": "integer"}, "created_count": {"type": "integer"},
        "updated_count": {"type": "integer"}, "archived_count": {"type": "integer"},
        "unchanged_count": {"type": "integer"}, "success_count": {"type": "integer"},
        "failed_count": {"type": "integer"}, "error_message": {"type": "string"},
        "errors": {"type": "array", "items": _obj({"type": NULLABLE_STR, "id": NULLABLE_STR,
                                                    "message": NULLABLE_STR})},
        "start_time": NULLABLE_STR, "end_time": NULLABLE_STR, "duration": {"type": "number"},
        "attempt": {"type": "integer"}}),
    "Message": _obj({
        "id": {"type": "integer"}, "message_type": {"type": "string", "enum": ["text", "textcard", "markdown", "news", "template_card"]},
        "title": {"type": "string"}, "content": {"type": "string"}, "url": {"type": "string"},
        "status": {"type": "string", "enum": MESSAGE_STATUSES},
        "to_users": STR_LIST, "to_parties": INT_LIST, "to_tags": INT_LIST, "to_all": {"type": "boolean"},
        "msgid": STR_LIST, "invalid_users": STR_LIST, "invalid_parties": STR_LIST, "invalid_tags": STR_LIST,
        "unlinked_users": {"type": "string"}, "errcode": {"type": "integer"}, "errmsg": {"type": "string"},
        "attempts": {"type": "integer"}, "business_type": NULLABLE_STR,
        "business_id": {"type": ["integer", "string", "null"]}, "created_time": NULLABLE_STR,
        "sent_time": NULLABLE_STR}),
    "RetryResult": _obj({"retried": {"type": "integer", "description": "How many messages were resent."},
                         "results": {"type": "array", "items": _obj({
                             "id": {"type": "integer"}, "status": {"type": "string", "enum": MESSAGE_STATUSES},
                             "retried": {"type": "boolean"},
                             "error": dict(NULLABLE_STR, description="Why it was not resent.")})}}),
    "Error": _obj({"code": {"type": "integer", "enum": sorted(ERROR_CODES)}, "message": {"type": "string"},
                   "data": {"type": "null"}}),
}


def merged(*mappings):
    result = {}
    for mapping in mappings:
        result.update(mapping)
    return result


def _page_of(ref):
    return _obj({"count": {"type": "integer"}, "page": {"type": "integer"}, "page_size": {"type": "integer"},
                 "results": {"type": "array", "items": {"$ref": "#/components/schemas/%s" % ref}}})


def _envelope(data_schema):
    return _obj({"code": {"type": "integer", "const": 0}, "message": {"type": "string"}, "data": data_schema})


def _answers(data_schema, errors, failed_at_wecom=None):
    """The answers of a route: 200 with its data, and the error envelope for each status of
    ``errors`` ({code: status}); ``failed_at_wecom``: that code is also answered 502."""
    answers = {"200": {"description": "Done: code 0.",
                       "content": {"application/json": {"schema": _envelope(data_schema)}}}}
    statuses = set(errors.values()) | ({502} if failed_at_wecom else set())
    for status in sorted(statuses):
        codes = [c for c, s in sorted(errors.items()) if s == status] + (
            [failed_at_wecom] if status == 502 and failed_at_wecom else [])
        answers[str(status)] = {"description": "Error, see the code (%s)." % ", ".join(str(c) for c in codes),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return answers


AUTH_ERRORS = {1401: 401, 1403: 403, 1500: 500}
BODY_ERRORS = {1000: 400, 1001: 400, 1002: 413, 1003: 415}
PAGING = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID,
                                                    "default": 1}},
          {"name": "page_size", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE,
                                                          "default": DEFAULT_PAGE_SIZE}}]
SEND_FIELDS = {
    # news needs articles, which the JSON API does not take: it is refused (2004 / 2005), so not offered
    "message_type": {"type": "string", "enum": ["text", "textcard", "markdown"],
                     "description": "text and markdown need content; textcard needs title, content (its "
                                    "description) and url. WeCom's limits (bytes, not characters) are checked "
                                    "before sending: a message over them is refused with 2004 / 2005 (400)."},
    "content": text(100000), "title": text(1000), "url": text(4096), "btntxt": text(4),
    "business_type": text(100),
    "business_id": {"oneOf": [{"type": "integer", "minimum": -MAX_BIGINT, "maximum": MAX_BIGINT}, text(200)]},
    "queue": {"type": "boolean", "default": False},
}


def _query(name, schema, description):
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _json_body(properties, required, example):
    return {"required": True, "content": {"application/json": {
        "schema": _obj(properties, required), "example": example}}}


def _sync(kind, code, permission):
    return {"post": {
        "summary": "%s sync (permission %s)" % (kind, permission), "tags": ["sync"],
        "description": "Runs the sync and answers with its log. With {\"wait\": false} the run goes on in "
                       "the background and its \"queued\" log comes back at once: poll GET sync_logs/. "
                       "The body is optional: none, or {}, is {\"wait\": true}.",
        "requestBody": {"required": False, "content": {"application/json": {
            "schema": _obj({"wait": {"type": "boolean", "default": True}}, [])}}},
        "responses": _answers({"$ref": "#/components/schemas/SyncLog"},
                              merged(AUTH_ERRORS, BODY_ERRORS, {1409: 409, code: 502})),
    }}


OPERATION_IDS = {
    "/sync/sync_departments/": "syncDepartments", "/sync/sync_users/": "syncUsers", "/sync/sync_all/": "syncAll",
    "/sync/sync_logs/": "listSyncLogs", "/departments/": "listDepartments", "/users/": "listUsers",
    "/messages/send_message/": "sendMessage", "/messages/send_to_users/": "sendToUsers",
    "/messages/retry_failed/": "retryFailed", "/messages/": "listMessages", "/messages/{id}/": "getMessage",
}


def openapi_document(server_url=""):
    paths = {
        "/sync/sync_departments/": _sync("Department", 2001, "wechat.sync.department"),
        "/sync/sync_users/": _sync("Member", 2002, "wechat.sync.user"),
        "/sync/sync_all/": _sync("Full", 2003, "wechat.sync.all"),
        "/sync/sync_logs/": {"get": {
            "summary": "Sync logs, newest first (permission wechat.sync.view)", "tags": ["sync"],
            "parameters": PAGING + [
                _query("sync_type", {"type": "string", "enum": ["department", "user", "tag", "all", "event"]}, ""),
                _query("status", {"type": "string", "enum": SYNC_STATUSES}, "")],
            "responses": _answers(_page_of("SyncLog"), merged(AUTH_ERRORS, {1001: 400}))}},
        "/departments/": {"get": {
            "summary": "Departments (permission wechat.department.view)", "tags": ["directory"],
            "parameters": PAGING + [
                _query("parent_id", {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                       "WeCom id of the parent department"),
                _query("search", text(200), "Part of the name or full name")],
            "responses": _answers(_page_of("Department"), merged(AUTH_ERRORS, {1001: 400}))}},
        "/users/": {"get": {
            "summary": "Members (permission wechat.user.view)", "tags": ["directory"],
            "parameters": PAGING + [
                _query("department_id", ID, "WeCom id of a department"),
                _query("status", {"type": "integer", "enum": [1, 2, 4, 5]},
                       "1 activated, 2 disabled, 4 not activated, 5 left"),
                _query("is_active", {"type": "boolean"}, "false: members archived because gone from WeCom"),
                _query("search", text(200), "Part of the name, userid or mobile")],
            "responses": _answers(_page_of("User"), merged(AUTH_ERRORS, {1001: 400}))}},
        "/messages/send_message/": {"post": {
            "summary": "Send to WeCom userids, departments or tags (permission wechat.message.send)",
            "tags": ["messages"],
            "requestBody": _json_body(dict(SEND_FIELDS, to_users=USERID_LIST, to_parties=ID_LIST, to_tags=ID_LIST,
                                           to_all={"type": "boolean", "default": False}), ["message_type"],
                                      {"message_type": "textcard", "title": "审批通知", "content": "您有一个新的审批待处理",
                                       "url": "https://example.com/approval/123", "to_users": ["user001", "user002"],
                                       "business_type": "approval", "business_id": 123}),
            "responses": _answers({"$ref": "#/components/schemas/Message"},
                                  merged(AUTH_ERRORS, BODY_ERRORS, {2004: 400}), failed_at_wecom=2004)}},
        "/messages/send_to_users/": {"post": {
            "summary": "Send to Odoo users by id, through their WeCom members (permission wechat.message.send)",
            "tags": ["messages"],
            "requestBody": _json_body(dict(SEND_FIELDS, user_ids=dict(ID_LIST, minItems=1)), ["message_type", "user_ids"],
                                      {"message_type": "text", "content": "系统维护通知：今晚22:00-24:00进行系统维护",
                                       "user_ids": [1, 2, 3]}),
            "responses": _answers({"$ref": "#/components/schemas/Message"},
                                  merged(AUTH_ERRORS, BODY_ERRORS, {2005: 400}), failed_at_wecom=2005)}},
        "/messages/retry_failed/": {"post": {
            "summary": "Retry failed messages: all of them, or message_ids (permission wechat.message.send)",
            "tags": ["messages"],
            "requestBody": {"required": False, "content": {"application/json": {
                "schema": _obj({"message_ids": dict(ID_LIST, minItems=1)}, [])}}},
            "responses": _answers({"$ref": "#/components/schemas/RetryResult"},
                                  merged(AUTH_ERRORS, BODY_ERRORS, {1404: 404, 2006: 502}))}},
        "/messages/": {"get": {
            "summary": "Message history, newest first (permission wechat.message.view)", "tags": ["messages"],
            "parameters": PAGING + [
                _query("status", {"type": "string", "enum": MESSAGE_STATUSES}, ""),
                _query("business_type", text(200), ""),
                _query("business_id", text(200), "")],
            "responses": _answers(_page_of("Message"), merged(AUTH_ERRORS, {1001: 400}))}},
        "/messages/{id}/": {"get": {
            "summary": "One message (permission wechat.message.view)", "tags": ["messages"],
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": ID,
                            "description": "The message's id. Digits beyond the range (0, 2147483648) are "
                                           "refused with 1001 naming id; a path that is not digits is a 404."}],
            "responses": _answers({"$ref": "#/components/schemas/Message"},
                                  merged(AUTH_ERRORS, {1001: 400, 1404: 404}))}},
    }
    for path, methods in paths.items():
        for operation in methods.values():
            operation["operationId"] = OPERATION_IDS[path]
    for path in ("/messages/send_message/", "/messages/send_to_users/"):
        paths[path]["post"]["responses"]["200"]["links"] = {"getMessage": {
            "operationId": "getMessage", "parameters": {"id": "$response.body#/data/id"},
            "description": "The message just recorded: its status, WeCom's msgid, what was refused."}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "wecom_integration JSON API", "version": "1.0.0",
            "description": "WeCom (企业微信) directory sync and messages in Odoo. Every answer is "
                           "{\"code\", \"message\", \"data\"}; code 0 is success. Error codes:\n" + "\n".join(
                               "- %s: %s" % item for item in sorted(ERROR_CODES.items())) +
                           "\nEvery route also answers without its trailing slash. Unknown query parameters "
                           "and body fields are refused (1001), and so are strings with NUL characters or "
                           "lone surrogates (\\ud800 alone): PostgreSQL cannot store them. Wrong methods get "
                           "405 with an Allow header.",
        },
        "servers": [{"url": server_url + "/api/v1/wechat"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "An API key created in Odoo: WeCom > Configuration > New API key."},
                "session": {"type": "apiKey", "in": "cookie", "name": "session_id",
                            "description": "An Odoo session from POST /web/session/authenticate."},
            },
        },
    }
