"""Apply WeCom contact-change events (callbacks) to the mirror: incremental sync.

An event is a hint, not an order: whoever can post to the callback URL, and whatever the event
says, only what WeCom answers is written. Every member an event names is read again with
user/get: it is written as WeCom returns it, archived only when WeCom no longer knows it
(60111), and a userid change is followed only when WeCom knows the new userid and no longer the
old one. The department tree is read with one department/list, the tags with tag/list and
tag/get. The writers then apply it as a full sync would, without archiving what the events do
not mention.
"""
from collections import OrderedDict

from odoo import _

from ..wecom.directory import fetch_departments, fetch_members, fetch_tags
from .outcome import SyncOutcome
from .writers import DepartmentWriter, TagWriter, UserWriter

MEMBER_CHANGES = ("create_user", "update_user", "delete_user")
DEPARTMENT_CHANGES = ("create_party", "update_party", "delete_party")
NOT_FOUND = 60111  # UserID不存在: deleted since the event was sent
NO_PRIVILEGE = 60011  # outside the app's visible range


def changes_only(outcome):
    """Keep what was written, not the records merely checked (a member event re-reads the
    department tree, but the run's totals should be about the members it concerned)."""
    outcome.total = outcome.created + outcome.updated + outcome.archived + outcome.failed
    outcome.unchanged = 0
    return outcome


def member_actions(events):
    """([(old userid, new userid)] renames the events announce, {lower(userid): (userid, "upsert"|"delete")}
    with the last event of each member winning). What is done is WeCom's answer, not the action."""
    renames, actions = [], OrderedDict()
    for event in events:
        userid, new = event.get("UserID") or "", event.get("NewUserID") or ""
        if not userid:
            continue
        if event["ChangeType"] == "update_user" and new and new.lower() != userid.lower():
            renames.append((userid, new))
            actions.pop(userid.lower(), None)
            userid = new
        actions[userid.lower()] = (userid, "delete" if event["ChangeType"] == "delete_user" else "upsert")
    return renames, actions


def event_members(events):
    """The userids the member events among ``events`` name, new userids of renames included."""
    return [event[key] for event in events if event.get("ChangeType") in MEMBER_CHANGES
            for key in ("UserID", "NewUserID") if event.get(key)]


def apply_events(env, events, app, contact, threshold, history=None):
    """Apply ``events`` (decrypted change_contact dicts, oldest first); returns a SyncOutcome.
    ``history``: the MemberHistory that keeps what changed on each member."""
    outcome = SyncOutcome()
    kinds = set(event.get("ChangeType") for event in events)
    members = [event for event in events if event.get("ChangeType") in MEMBER_CHANGES]
    department_changes = bool(kinds.intersection(DEPARTMENT_CHANGES))
    if members or department_changes:
        # the tree is one call, and members may only be written once their departments exist
        departments = fetch_departments(app, contact)
        written = DepartmentWriter(env, threshold).apply(departments)
        outcome.merge(written if department_changes else changes_only(written))
        if members:
            outcome.merge(apply_member_events(env, app, departments, members, threshold, history))
    if "update_tag" in kinds:
        outcome.merge(TagWriter(env, threshold).apply(fetch_tags(app)))
    return outcome


def apply_member_events(env, app, departments, events, threshold, history=None):
    renames, actions = member_actions(events)
    # every userid an event names, read once: WeCom's answers decide what happens
    userids = OrderedDict()
    for old, new in renames:
        userids.setdefault(old.lower(), old)
        userids.setdefault(new.lower(), new)
    for key, (userid, _action) in actions.items():
        userids.setdefault(key, userid)
    answers = dict(zip(userids, fetch_members(app, list(userids.values()))))
    for _key, (_member, error) in answers.items():
        if error is not None and error.errcode not in (NOT_FOUND, NO_PRIVILEGE):
            raise error  # the run fails and the events are tried again
    writer = UserWriter(env, threshold, history)
    for old, new in renames:
        if answers[new.lower()][1] is None and _unknown(answers[old.lower()]):
            writer.rename(old, new)
        else:  # not what WeCom says: the old userid is read again like any changed member
            actions.setdefault(old.lower(), (old, "upsert"))
    fetched, deleted, outcome = {}, [], SyncOutcome()
    for key, (userid, _action) in actions.items():
        member, error = answers[key]
        if error is None:
            fetched[key] = member
        elif error.errcode == NOT_FOUND:
            deleted.append(key)  # WeCom confirms it is gone
        else:
            outcome.total += 1
            outcome.error("user", userid, _("WeCom does not let the app read this member (outside its visible "
                                            "range), so the change could not be confirmed: widen the app's "
                                            "visible range."))
    if fetched:
        outcome.merge(writer.apply(fetched, departments, complete=False))
    if deleted:
        outcome.merge(writer.archive_keys(deleted))
    return outcome


def _unknown(answer):
    """True when WeCom's answer to user/get says the member does not exist."""
    return answer[1] is not None and answer[1].errcode == NOT_FOUND
