# -*- coding: utf-8 -*-
"""message/send and message/recall (WECOM_API §7): validation, recipients, delivery records.

Each accepted send becomes one record in `MessageCenter.records` (oldest first):
status "delivered" (recipients got it, shown in the inbox) or "suppressed" (a duplicate inside
enable_duplicate_check's interval: answered errcode 0 with a fresh msgid, delivered to nobody).
Members over the per-member rate limit are dropped silently and listed under "dropped".
"""
import datetime
import json
import secrets
import threading

from . import defaults
from .cards import validate_card
from .errors import ApiError

MSGTYPES = ("text", "image", "voice", "video", "file", "textcard", "news", "mpnews",
            "markdown", "miniprogram_notice", "template_card")
TEXT_TRUNCATE = 2048      # bytes kept of text/markdown content
TEXT_REJECT = 5120        # bytes beyond which the call fails (40058), [UNCERTAIN] §7.1
MAX_USERS, MAX_PARTIES, MAX_TAGS = 1000, 100, 100
DUP_DEFAULT, DUP_MAX = 1800, 4 * 3600
RECALL_WINDOW = 24 * 3600


def utf8_len(text):
    return len(text.encode("utf-8"))


def truncate_bytes(text, limit):
    """Cut to at most `limit` UTF-8 bytes without splitting a character."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", "ignore")


def _bad(detail):
    return ApiError(40058, detail + ". Invalid input invalid Request Parameter")


def _str_field(obj, key, where, required=False):
    value = obj.get(key)
    if value is None:
        if required:
            raise _bad("%s.%s missing" % (where, key))
        return ""
    if not isinstance(value, str):
        raise _bad("%s.%s must be a string" % (where, key))
    if required and not value.strip():
        raise _bad("%s.%s empty" % (where, key))
    return value


def _check_url(url, where):
    if utf8_len(url) > 2048:
        raise _bad("%s exceed max length 2048" % where)
    if url and not (url.startswith("http://") or url.startswith("https://")):
        raise _bad("%s must start with http:// or https://" % where)


def _content(obj, msgtype):
    content = obj.get("content")
    if content is None or (isinstance(content, str) and not content.strip()):
        raise ApiError(44004, "empty content")
    if not isinstance(content, str):
        raise _bad("%s.content must be a string" % msgtype)
    if utf8_len(content) > TEXT_REJECT:
        raise _bad("%s.content exceed max length %d" % (msgtype, TEXT_REJECT))
    return {"content": truncate_bytes(content, TEXT_TRUNCATE)}


def _articles(obj, msgtype):
    articles = obj.get("articles")
    if not isinstance(articles, list) or not 1 <= len(articles) <= 8:
        raise _bad("%s.articles size must be 1-8" % msgtype)
    out = []
    for i, art in enumerate(articles):
        where = "%s.articles[%d]" % (msgtype, i)
        if not isinstance(art, dict):
            raise _bad("%s must be an object" % where)
        art = dict(art)
        art["title"] = truncate_bytes(_str_field(art, "title", where, required=True), 128)
        if "description" in art:
            art["description"] = truncate_bytes(_str_field(art, "description", where), 512)
        if "digest" in art:
            art["digest"] = truncate_bytes(_str_field(art, "digest", where), 512)
        if msgtype == "news":
            url = _str_field(art, "url", where)
            if not url and not art.get("appid"):
                raise _bad("%s.url missing" % where)
            _check_url(url, where + ".url")
        else:
            _str_field(art, "thumb_media_id", where, required=True)
            _str_field(art, "content", where, required=True)
        out.append(art)
    return {"articles": out}


def validate_payload(msgtype, obj):
    """The message object as recipients see it (truncated), or ApiError."""
    if not isinstance(obj, dict):
        raise _bad("%s missing" % msgtype)
    if msgtype in ("text", "markdown"):
        return _content(obj, msgtype)
    if msgtype in ("image", "voice", "file", "video"):
        media_id = obj.get("media_id")
        if not isinstance(media_id, str) or not media_id.strip():
            raise ApiError(40007, "invalid media_id: %s.media_id missing" % msgtype)
        out = dict(obj)
        if msgtype == "video":
            for key, limit in (("title", 128), ("description", 512)):
                if key in out:
                    out[key] = truncate_bytes(_str_field(out, key, msgtype), limit)
        return out
    if msgtype == "textcard":
        out = dict(obj)
        out["title"] = truncate_bytes(_str_field(obj, "title", "textcard", required=True), 128)
        out["description"] = truncate_bytes(
            _str_field(obj, "description", "textcard", required=True), 512)
        url = _str_field(obj, "url", "textcard", required=True)
        _check_url(url, "textcard.url")
        out["url"] = url
        out["btntxt"] = (_str_field(obj, "btntxt", "textcard") or u"详情")[:4]
        return out
    if msgtype in ("news", "mpnews"):
        return _articles(obj, msgtype)
    if msgtype == "miniprogram_notice":
        _str_field(obj, "appid", msgtype, required=True)
        _str_field(obj, "title", msgtype, required=True)
        return dict(obj)
    if msgtype == "template_card":
        return validate_card(obj)   # §A.9 steps 1-2 (cards.py)
    raise ApiError(40008)


def _split(value, name):
    if value is None:
        return []
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _bad("%s must be a string joined by '|'" % name)
    out, seen = [], set()
    for part in value.split("|"):
        part = part.strip()
        if part and part.lower() not in seen:
            seen.add(part.lower())
            out.append(part)
    return out


def _int_option(body, key, default, low, high):
    value = body.get(key, default)
    if value is None or value == "":
        return default
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise _bad("%s must be an integer" % key)
    if not low <= value <= high:
        raise _bad("%s out of range" % key)
    return value


def check_agentid(app, body, agent_ids=()):
    """body["agentid"] as an int: 41011 missing, 40056 not an integer or no such app (agent_ids:
    every app of the corp), 301002 another app than the token's."""
    agentid = body.get("agentid")
    if agentid is None or agentid == "":
        raise ApiError(41011)
    try:
        if isinstance(agentid, bool):
            raise ValueError
        agentid = int(agentid)
    except (TypeError, ValueError):
        raise ApiError(40056, "invalid agentid: not an integer")
    if agentid != app.agent_id and agentid not in agent_ids:
        raise ApiError(40056, "invalid agentid: no app %d" % agentid)
    if agentid != app.agent_id:
        raise ApiError(301002, "agentid %d is not the app of this access_token" % agentid)
    return agentid


def new_msgid():
    # Opaque, about 64 chars of [A-Za-z0-9_-], like real msgids.
    return secrets.token_urlsafe(48)


class MessageCenter(object):
    def __init__(self, limiter, clock, recall_errcode=40058, cards=None, has_callback=None,
                 suppressed_recall="original"):
        if suppressed_recall not in ("original", "self"):
            raise ValueError("suppressed_recall must be 'original' or 'self'")
        self.suppressed_recall = suppressed_recall
        self.limiter = limiter
        self.clock = clock
        self.recall_errcode = recall_errcode
        self.cards = cards                  # card_center.CardCenter: template-card state
        self.has_callback = has_callback    # agentid -> bool: the app's callback is set
        self._lock = threading.RLock()
        self.reset()

    def reset(self):
        with self._lock:
            self.records = []        # oldest first
            self.by_msgid = {}
            self._last_delivery = {}  # duplicate-check key -> time of the last delivery

    # ---------------------------------------------------------------- send
    def send(self, app, body, directory, scope, agent_ids=()):
        """agent_ids: every app of the corp (an unknown agentid is 40056, another app's 301002)."""
        now = self.clock()
        check_agentid(app, body, agent_ids)

        msgtype = body.get("msgtype")
        if msgtype not in MSGTYPES:
            raise ApiError(40008, "invalid message type %r" % (msgtype,) if msgtype else
                           "msgtype missing")
        safe = _int_option(body, "safe", 0, 0, 2)
        dup_check = _int_option(body, "enable_duplicate_check", 0, 0, 1)
        interval = _int_option(body, "duplicate_check_interval", DUP_DEFAULT, 0, 10 ** 9)
        interval = min(interval, DUP_MAX) or DUP_DEFAULT
        id_trans = _int_option(body, "enable_id_trans", 0, 0, 1)

        users = _split(body.get("touser"), "touser")
        parties = _split(body.get("toparty"), "toparty")
        tags = _split(body.get("totag"), "totag")
        to_all = len(users) == 1 and users[0] == "@all"
        if len(users) > MAX_USERS:
            raise ApiError(40032, "touser has %d userids, at most %d" % (len(users), MAX_USERS))
        if not to_all and len(parties) > MAX_PARTIES:
            raise ApiError(82002)
        if not to_all and len(tags) > MAX_TAGS:
            raise ApiError(82003)
        if not (users or parties or tags):
            raise ApiError(82001)

        payload = validate_payload(msgtype, body.get(msgtype))
        dup_key = json.dumps([app.agent_id, body], sort_keys=True, ensure_ascii=False)
        last = self._last_delivery.get(dup_key)
        duplicate = bool(dup_check and last is not None and now - last[0] < interval)
        if msgtype == "template_card" and self.cards is not None and not duplicate:
            # task_id unique per app (42014), callback configured (43012); a suppressed
            # duplicate skips these: it is answered like a success (emulator choice).
            self.cards.check_send(app, payload, bool(self.has_callback and
                                                      self.has_callback(app.agent_id)))

        if to_all:
            recipients = [k for k in scope.visible_user_keys() if _deliverable(directory.users[k])]
            invalid_users, invalid_parties, invalid_tags = [], [], []
        else:
            recipients, invalid_users, invalid_parties, invalid_tags = resolve(
                directory, scope, users, parties, tags)
            if (len(invalid_users) == len(users) and len(invalid_parties) == len(parties)
                    and len(invalid_tags) == len(tags)):
                raise ApiError(81013, extra=_invalid_fields(invalid_users, invalid_parties,
                                                             invalid_tags, always=True))

        unlicensed = [k for k in recipients if k in set(getattr(app, "unlicensed_users", ()))]
        if unlicensed:  # listed in the answer and not delivered (§7.1)
            recipients = [k for k in recipients if k not in set(unlicensed)]
        if not self.limiter.app_day_allow(app.agent_id, len(recipients), now):
            raise ApiError(45009, "api freq out of limit: app daily person-times quota")

        response = dict(_invalid_fields(invalid_users, invalid_parties, invalid_tags))
        msgid = new_msgid()
        response["msgid"] = msgid
        if unlicensed:
            response["unlicenseduser"] = "|".join(unlicensed)
        record = {
            "msgid": msgid, "agentid": app.agent_id, "app_name": app.name, "msgtype": msgtype,
            "payload": payload, "request": body,
            "touser": body.get("touser") or "", "toparty": body.get("toparty") or "",
            "totag": body.get("totag") or "",
            "recipients": [], "dropped": [],
            "invaliduser": invalid_users, "invalidparty": invalid_parties,
            "invalidtag": invalid_tags, "status": "delivered", "duplicate_of": None,
            "safe": safe, "enable_duplicate_check": dup_check,
            "created": now, "created_at": _iso(now), "recalled": False, "recalled_at": None,
            "response_code": None,
        }
        with self._lock:
            last = self._last_delivery.get(dup_key)
            if dup_check and last is not None and now - last[0] < interval:
                record["status"] = "suppressed"
                record["duplicate_of"] = last[1]
                record["recipients"] = [directory.users[k]["userid"] for k in recipients]
            else:
                for key in recipients:
                    user = directory.users[key]
                    if self.limiter.member_allow(app.agent_id, key, now):
                        record["recipients"].append(user["userid"])
                    else:
                        record["dropped"].append(user["userid"])
                self._last_delivery[dup_key] = (now, msgid)
            self.records.append(record)
            self.by_msgid[msgid] = record
            if msgtype == "template_card" and self.cards is not None:
                code = self.cards.on_sent(app, record, directory, id_trans=id_trans == 1)
                if code is not None:
                    record["response_code"] = response["response_code"] = code
        return response

    # ---------------------------------------------------------------- recall
    def recall(self, app, body):
        now = self.clock()
        msgid = body.get("msgid")
        if not isinstance(msgid, str) or not msgid:
            raise _bad("msgid missing")
        with self._lock:
            record = self.by_msgid.get(msgid)
            if record is None:
                raise ApiError(self.recall_errcode, "invalid msgid")
            if record["agentid"] != app.agent_id:
                raise _bad("msgid was sent by another app")
            if now - record["created"] > RECALL_WINDOW:
                raise ApiError(self.recall_errcode, "msg can only be recalled within 24 hours")
            if record["recalled"]:
                raise ApiError(self.recall_errcode, "msg already recalled")
            recalled = [record]
            original = self.by_msgid.get(record["duplicate_of"] or "")
            if record["status"] == "suppressed" and self.suppressed_recall == "original" and original \
                    and not original["recalled"]:
                # the caller only knows the duplicate's msgid when the first answer was lost
                recalled.append(original)
            for each in recalled:
                each["recalled"] = True
                each["recalled_at"] = _iso(now)
        return {}

    # ---------------------------------------------------------------- reads
    def for_user(self, userid):
        low = userid.lower()
        with self._lock:
            return [r for r in self.records
                    if any(u.lower() == low for u in r["recipients"]) and r["status"] == "delivered"]


def _deliverable(user):
    # Disabled (2) and departed (5) members cannot receive; not-yet-activated (4) members get it
    # once they join. [UNCERTAIN] how real WeCom reports status-4 recipients.
    return user["status"] not in (2, 5)


def resolve(directory, scope, users, parties, tags):
    """Expand touser/toparty/totag to member keys; report the invalid ids."""
    recipients = {}
    invalid_users, invalid_parties, invalid_tags = [], [], []

    def add_dept_tree(dept_id):
        for sub in directory.subtree(dept_id):
            if scope.dept_visible(sub):
                for key in directory.member_keys(sub):
                    if _deliverable(directory.users[key]):
                        recipients[key] = None

    for uid in users:
        user = directory.get_user(uid)
        if user is None or not scope.user_visible(user) or not _deliverable(user):
            invalid_users.append(uid.lower())
        else:
            recipients[user["userid"].lower()] = None
    for raw in parties:
        try:
            dept_id = int(raw)
        except ValueError:
            dept_id = None
        if dept_id is None or not scope.dept_visible(dept_id):
            invalid_parties.append(raw)
        else:
            add_dept_tree(dept_id)
    for raw in tags:
        tag = directory.get_tag(raw)
        if tag is None:
            invalid_tags.append(raw)
            continue
        seen = False
        for uid in tag["users"]:
            user = directory.get_user(uid)
            if user is not None and scope.user_visible(user):
                seen = True
                if _deliverable(user):
                    recipients[user["userid"].lower()] = None
        for dept_id in tag["parties"]:
            if scope.dept_visible(dept_id):
                seen = True
                add_dept_tree(dept_id)
        if not seen and (tag["users"] or tag["parties"]):
            invalid_tags.append(raw)   # nothing of the tag is in the app's range
    return list(recipients), invalid_users, invalid_parties, invalid_tags


def _invalid_fields(users, parties, tags, always=False):
    out = {"invaliduser": "|".join(users)}
    if parties or always:
        out["invalidparty"] = "|".join(parties)
    if tags or always:
        out["invalidtag"] = "|".join(tags)
    return out


def _iso(ts):
    return datetime.datetime.fromtimestamp(ts, defaults.CN_TZ).isoformat(timespec="seconds")
