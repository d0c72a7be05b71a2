"""errcode -> errmsg, in the shape real WeCom uses (WECOM_API §0).

Real errmsg: "<english text>, hint: [<request id>], from ip: <ip>, more info at
https://open.work.weixin.qq.com/devtool/query?e=<code>". Success is plain "ok".
"""
import random
import threading
import time

# English texts: the observed ones where known (WECOM_API §2), reasonable ones otherwise.
ERRMSG = {
    -1: "system busy",
    0: "ok",
    40001: "invalid credential",
    40003: "invalid userid",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid corpid",
    40014: "invalid access_token",
    40029: "invalid code",
    40031: "all list invalid",
    40032: "invalid userid list size, at most 1000",
    40035: "invalid parameter",
    40056: "invalid agentid",
    40057: "invalid callbackurl or callbackurl verify fail",
    40058: "invalid Request Parameter",
    40066: "invalid department list",
    40068: "invalid tagid",
    40088: "jobid not found",
    40091: "secret is invalid",
    41001: "access_token missing",
    41002: "corpid missing",
    41004: "corpsecret missing",
    41009: "userid missing",
    41008: "missing code",
    41011: "agentid missing",
    41017: "tagid missing",
    42001: "access_token expired",
    42014: "taskid has existed or empty or exceed max len",
    42015: "the app updating the card is not the app that sent it",
    42020: "button name missing",
    42031: "invalid template_card.card_type",
    43012: "app needs a callback url",
    44004: "empty content",
    45002: "content size out of limit",
    45009: "api freq out of limit",
    45033: "api concurrent out of limit",
    48001: "api unauthorized",
    48002: "api forbidden",
    48009: "api forbidden: contact sync assistant may not read contact details from a new ip",
    50001: "redirect_uri unauthorized",
    60003: "department not found",
    60011: "no privilege to access/modify contact/party/agent",
    60020: "not allow to access from your ip",
    60111: "userid not found",
    60123: "invalid party id",
    60140: "invalid response_code",
    81013: "user & party & tag all invalid",
    82001: "All touser & toparty & totag invalid",
    82002: "invalid party list size, at most 100",
    82003: "invalid tag list size, at most 100",
    84014: "user_ticket expired",
    84015: "invalid user_ticket",
    84090: "user_ticket missing",
    301002: "not allow to operate another agent",
}

MORE_INFO = "https://open.work.weixin.qq.com/devtool/query?e=%d"

_rng = random.Random()
_rng_lock = threading.Lock()


class ApiError(Exception):
    """A WeCom business error: answered as HTTP 200 with errcode != 0.

    `detail` replaces the default English text (e.g. "text.content exceed max length 5120");
    `extra` holds data fields that real WeCom still sends on errors (e.g. invaliduser on 81013).
    """

    def __init__(self, errcode, detail=None, extra=None):
        Exception.__init__(self, errcode, detail)
        self.errcode = int(errcode)
        self.detail = detail
        self.extra = extra or {}


def hint_id():
    """A request id like the 25-digit ones in real errmsgs."""
    with _rng_lock:
        tail = _rng.randrange(10 ** 12)
    return "%013d%012d" % (int(time.time() * 1000), tail)


def build_errmsg(errcode, ip, detail=None):
    if errcode == 0:
        return "ok"
    text = detail or ERRMSG.get(errcode, "error")
    return "%s, hint: [%s], from ip: %s, more info at %s" % (
        text, hint_id(), ip or "0.0.0.0", MORE_INFO % errcode)


def error_body(errcode, ip, detail=None, extra=None):
    body = dict(extra or {})
    body["errcode"] = int(errcode)
    body["errmsg"] = build_errmsg(errcode, ip, detail)
    return body
