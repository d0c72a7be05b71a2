# -*- coding: utf-8 -*-
"""Template cards after the send: task_ids per app, response codes, each recipient's copy of a
card, message/update_template_card (WECOM_API_CARDS_LOGIN §B) and member clicks (§C.4, §C.5).

State lives in the message record, under record["card"]:
    {"task_id", "card_type" (as sent), "callback" (callback-capable, §A.5),
     "response_code" (the send's, or None), "response_codes": [code entries],
     "copies": {userid_lower: {"userid", "state" ("original", "buttons_replaced" after a
                button update, "updated" after a new card), "card" (what the member sees now),
                "replaced_with"
                (grey button text once replaced, else None), "selected" {question_key: [ids]},
                "updates", "updated_at", "clicks": [...]}}}

Response codes (§A.6, [UNCERTAIN] in the doc): the send answers with ONE code for the whole
send; it can update any recipients the update selects. Each click issues a fresh code for the
clicking member; by default (click_code_scope="card") it can also update any recipients, as
§B.3 suggests ("use the API with the event's ResponseCode and atall:1"); "clicker" limits it
to the clicking member's copy. Codes are independent of each other, single use (consumed by a
successful update only) and valid response_code_ttl seconds (72 h; 24 h in older docs).
"""
import copy
import secrets

from .cards import INTERACTIVE, actions, callback_capable, questions, translate_ids, validate_card
from .errors import ApiError
from .messages import _iso, resolve

RESPONSE_CODE_TTL = 72 * 3600
CLICK_CODE_SCOPES = ("card", "clicker")
MAX_USERIDS, MAX_IDS = 1000, 100


class ClickRefused(Exception):
    """A click the emulator refuses (admin API: HTTP `status` with {"error": message})."""

    def __init__(self, status, message):
        Exception.__init__(self, message)
        self.status = status


def _bad(detail):
    return ApiError(40058, detail + ". Invalid input invalid Request Parameter")


def _id_list(body, key, kind, limit):
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > limit:
        raise _bad("%s must be a list of at most %d items" % (key, limit))
    for item in value:
        if isinstance(item, bool) or not isinstance(item, kind):
            raise _bad("%s must contain %s" % (key, "strings" if kind is str else "integers"))
    return value


class CardCenter(object):
    def __init__(self, clock, response_code_ttl=RESPONSE_CODE_TTL, click_code_scope="card"):
        if click_code_scope not in CLICK_CODE_SCOPES:
            raise ValueError("click_code_scope must be one of %s" % ", ".join(CLICK_CODE_SCOPES))
        self.clock = clock
        self.response_code_ttl = response_code_ttl
        self.click_code_scope = click_code_scope
        self.reset()

    def reset(self):
        # task_ids per agentid, remembered until reset(): the doc names no window (§A.4).
        self.task_ids = {}
        self._codes = {}   # code -> (entry, record)

    # ------------------------------------------------------------------ send (§A.9 steps 3-5)
    def check_send(self, app, card, has_callback):
        task_id = card.get("task_id")
        if task_id and task_id in self.task_ids.get(app.agent_id, ()):
            raise ApiError(42014, "taskid has existed or empty or exceed max len")
        if callback_capable(card) and not has_callback:
            raise ApiError(43012, "app has no callback url: cards with buttons need one")

    def on_sent(self, app, record, directory, id_trans=False):
        """Store the card state in the record; returns the send's response_code or None."""
        card = record["payload"]
        if id_trans:
            translate_ids(card, directory)
        state = {"task_id": card.get("task_id"), "card_type": card["card_type"],
                 "callback": callback_capable(card), "response_code": None,
                 "response_codes": [], "copies": {}}
        record["card"] = state
        if record["status"] == "delivered":
            for userid in record["recipients"]:
                state["copies"][userid.lower()] = {
                    "userid": userid, "state": "original", "card": copy.deepcopy(card),
                    "replaced_with": None, "selected": {}, "updates": 0, "updated_at": None,
                    "clicks": []}
        if state["task_id"]:
            self.task_ids.setdefault(app.agent_id, set()).add(state["task_id"])
        if state["callback"]:
            state["response_code"] = self._issue(record, "send", None)
        return state["response_code"]

    # ------------------------------------------------------------------ response codes
    def _issue(self, record, kind, userid):
        now = self.clock()
        code = secrets.token_urlsafe(36)
        entry = {"code": code, "kind": kind, "userid": userid, "issued_at": now,
                 "expires_at": now + self.response_code_ttl, "used_at": None, "used_by": None}
        record["card"]["response_codes"].append(entry)
        self._codes[code] = (entry, record)
        return code

    def _take(self, code):
        """(entry, record) of a live code; 60140 when unknown, used or expired (§B.2)."""
        found = self._codes.get(code)
        if found is None or found[0]["used_at"] is not None \
                or self.clock() >= found[0]["expires_at"]:
            raise ApiError(60140, "invalid response_code, maybe expired or already used")
        return found

    @staticmethod
    def code_status(entry, now):
        if entry["used_at"] is not None:
            return "used"
        return "expired" if now >= entry["expires_at"] else "live"

    def _consume(self, entry, how):
        entry["used_at"], entry["used_by"] = self.clock(), how

    # ------------------------------------------------------------------ update_template_card
    def update(self, app, body, directory, scope):
        """message/update_template_card (§B). Recipients: at least one selector or atall=1;
        only the card's own recipients are updated, the rest is ignored (§B.1 [UNCERTAIN])."""
        code = body.get("response_code")
        if not isinstance(code, str) or not code:
            raise _bad("response_code missing")
        userids = _id_list(body, "userids", str, MAX_USERIDS)
        partyids = _id_list(body, "partyids", int, MAX_IDS)
        tagids = _id_list(body, "tagids", int, MAX_IDS)
        atall = body.get("atall", 0)
        if atall not in (0, 1) or isinstance(atall, bool):
            raise _bad("atall must be 0 or 1")
        if not (userids or partyids or tagids or atall):
            raise _bad("userids, partyids, tagids and atall are all empty")
        button, new_card = body.get("button"), body.get("template_card")
        if (button is None) == (new_card is None):
            raise _bad("give exactly one of button and template_card")
        entry, record = self._take(code)
        if record["agentid"] != app.agent_id:
            raise ApiError(42015, "the card was sent by another app")
        state = record["card"]
        if button is not None:
            if not isinstance(button, dict):
                raise _bad("button must be an object")
            if state["card_type"] not in INTERACTIVE:
                # [UNCERTAIN] §B.2 suggests 40058 for button mode on a notice-type card.
                raise _bad("button mode needs a button, vote or multiple interaction card")
            name = button.get("replace_name")
            if not isinstance(name, str) or not name.strip():
                raise ApiError(42020, "button.replace_name missing")
        else:
            new_card = validate_card(new_card, update=True)
            if body.get("enable_id_trans") == 1:
                translate_ids(new_card, directory)
        copies = state["copies"]
        if atall:
            keys = list(copies)
        else:
            keys = [u.lower() for u in userids]
            if partyids or tagids:
                keys += resolve(directory, scope, [], [str(p) for p in partyids],
                                [str(t) for t in tagids])[0]
        if entry["kind"] == "click" and self.click_code_scope == "clicker":
            keys = [k for k in keys if k == entry["userid"].lower()]
        self._consume(entry, "update_template_card")
        for key in dict.fromkeys(keys):
            if key in copies:
                self._apply(copies[key], button and button["replace_name"], new_card)
        return {}

    def _apply(self, member_copy, replace_name=None, new_card=None):
        if new_card is not None:
            member_copy["state"] = "updated"
            member_copy["card"] = copy.deepcopy(new_card)
            member_copy["replaced_with"] = new_card.get("replace_text") or None
            member_copy["selected"] = {}
        else:
            member_copy["state"] = "buttons_replaced"
            member_copy["replaced_with"] = replace_name
        member_copy["updates"] += 1
        member_copy["updated_at"] = self.clock()

    def apply_reply(self, record, userid, response_code, replace_name=None, new_card=None,
                    consume=True):
        """A passive reply to a click (§B.3): only the clicking member's copy changes. Returns
        None, or why nothing changed."""
        member_copy = record.get("card", {}).get("copies", {}).get(userid.lower())
        if member_copy is None:
            return "not a recipient"
        found = self._codes.get(response_code)
        if found is not None and consume:
            if found[0]["used_at"] is not None:
                return "the event's ResponseCode was already used"
            self._consume(found[0], "passive_reply")
        self._apply(member_copy, replace_name, new_card)
        return None

    # ------------------------------------------------------------------ clicks
    def click(self, record, corp_id, userid, key=None, selected_items=None):
        """The event a member's tap sends (a dict in XML order), or None when the copy's
        buttons were replaced (WeCom sends nothing then, §C.3 [UNCERTAIN]).
        Raises ClickRefused for what the WeCom client would not let the member do."""
        state = record.get("card")
        if record["msgtype"] != "template_card" or state is None:
            raise ClickRefused(400, "message %s is not a template card" % record["msgid"])
        if record["recalled"]:
            raise ClickRefused(409, "message %s was recalled" % record["msgid"])
        member_copy = state["copies"].get(str(userid or "").lower())
        if member_copy is None:
            raise ClickRefused(403, "%r is not a recipient of message %s"
                               % (userid, record["msgid"]))
        if member_copy["replaced_with"] is not None:
            return None
        card = member_copy["card"]
        taps = actions(card)   # url buttons have no key: they open a page, no event
        submits = [a for a in taps if a["kind"] == "submit"]
        if key is None and len(submits) == 1:
            key = submits[0]["key"]   # vote/multiple: the key may be left out
        action = next((a for a in taps if a["kind"] in ("button", "submit") and a["key"] == key),
                      None) or next((a for a in taps if a["kind"] == "menu" and a["key"] == key),
                                    None)
        if action is None:
            raise ClickRefused(400, "the card has no button or menu item with key %r" % (key,))
        menu = action["kind"] == "menu"
        selected = [] if menu else self._selections(card, member_copy, selected_items)
        now = self.clock()
        code = self._issue(record, "click", member_copy["userid"])
        event = {"ToUserName": corp_id, "FromUserName": member_copy["userid"],
                 "CreateTime": int(now), "MsgType": "event",
                 "Event": "template_card_menu_event" if menu else "template_card_event",
                 "EventKey": key, "TaskId": state["task_id"] or "", "CardType": card["card_type"],
                 "ResponseCode": code, "AgentID": record["agentid"]}
        if selected:
            event["SelectedItems"] = {"SelectedItem": [
                {"QuestionKey": qk, "OptionIds": {"OptionId": list(ids)}} for qk, ids in selected]}
            member_copy["selected"] = dict(selected)
        member_copy["clicks"].append({"key": key, "event": event["Event"], "at": now,
                                      "selected": dict(selected), "response_code": code,
                                      "delivery": None})
        return event

    @staticmethod
    def _selections(card, member_copy, given):
        """[(question_key, [option ids])] for the card's selectors: what the member chose
        (selected_items: {question_key: id or [ids]} or [{"question_key", "option_ids"}]),
        else what the card shows selected."""
        if given is None:
            given = {}
        if isinstance(given, list):
            try:
                given = dict((g["question_key"], g["option_ids"]) for g in given)
            except (TypeError, KeyError):
                raise ClickRefused(400, "selected_items: a list of {question_key, option_ids}")
        if not isinstance(given, dict):
            raise ClickRefused(400, "selected_items must be an object or a list")
        known = dict((q["question_key"], (q, multi)) for q, multi in questions(card))
        unknown = [k for k in given if k not in known]
        if unknown:
            raise ClickRefused(400, "the card has no question %r" % unknown[0])
        out = []
        for qk, (question, multi) in known.items():
            ids = [o["id"] for o in question["option_list"]]
            if qk in given:
                if question.get("disable"):
                    raise ClickRefused(400, "question %r is disabled" % qk)
                chosen = given[qk]
                chosen = [chosen] if isinstance(chosen, str) else list(chosen or ())
                bad = [c for c in chosen if c not in ids]
                if bad:
                    raise ClickRefused(400, "question %r has no option %r" % (qk, bad[0]))
            elif qk in member_copy["selected"]:
                chosen = member_copy["selected"][qk]
            elif "selected_id" in question:
                chosen = [question["selected_id"]]
            else:
                chosen = [o["id"] for o in question["option_list"] if o.get("is_checked")]
            if not chosen or (len(chosen) > 1 and not multi):
                raise ClickRefused(400, "question %r needs %s" % (
                    qk, "at least one option" if multi else "exactly one option"))
            out.append((qk, chosen))
        return out

    # ------------------------------------------------------------------ reads
    def describe(self, record):
        """record["card"] for the admin API: codes with their status, each recipient's state."""
        state = record["card"]
        now = self.clock()

        def code_view(entry):
            return {"code": entry["code"], "kind": entry["kind"], "userid": entry["userid"],
                    "issued_at": _iso(entry["issued_at"]), "expires_at": _iso(entry["expires_at"]),
                    "used_at": entry["used_at"] and _iso(entry["used_at"]),
                    "used_by": entry["used_by"], "status": self.code_status(entry, now)}

        recipients = []
        for member_copy in state["copies"].values():
            card = member_copy["card"]
            replaced = member_copy["replaced_with"]
            recipients.append({
                "userid": member_copy["userid"],
                "state": member_copy["state"],
                "replaced_with": replaced, "card_type": card["card_type"],
                "buttons": [dict(a, disabled=replaced is not None) for a in actions(card)],
                "selected": member_copy["selected"], "updates": member_copy["updates"],
                "updated_at": member_copy["updated_at"] and _iso(member_copy["updated_at"]),
                "clicks": [dict(c, at=_iso(c["at"])) for c in member_copy["clicks"]],
                "response_codes": [code_view(e) for e in state["response_codes"]
                                   if e["userid"] == member_copy["userid"]],
                "card": card})
        return {"task_id": state["task_id"], "card_type": state["card_type"],
                "callback": state["callback"], "response_code": state["response_code"],
                "buttons": actions(record["payload"]),
                "response_codes": [code_view(e) for e in state["response_codes"]],
                "recipients": recipients}
