"""What WeCom withholds from the app, and why: the directory-health report.

Counts what the app secret sees against the whole directory (when a contact-sync secret is
set), lists the departments outside the app's visible range, and finds the member fields WeCom
returned empty for every member the app read (the 2022-06-20 rule: apps created after it no
longer receive them). Built from what a sync fetched (no extra call) or by a short live check.
Imports nothing from Odoo: the report is a plain dict, worded by the addon.
"""
import datetime

from .directory import fetch_departments
from .errors import WecomError, caller_ip

# the fields WeCom withholds from apps created after 2022-06-20 (WECOM_API §4.5), as mirrored
WITHHELD_FIELDS = ("mobile", "email", "biz_mail", "avatar", "gender")
SAMPLE_MEMBERS = 50
# user/list_id is for the contact-sync secret only: the app's members are counted department by
# department, which a live check does only for a directory of this size (a sync counts them all)
LIVE_COUNT_DEPARTMENTS = 50


def _empty(field, value):
    return value in (None, "", []) or (field == "gender" and str(value) == "0")


def withheld_fields(members):
    """The fields empty for every member read in full (``members``: user/list rows); [] if none."""
    read = [m for m in members if m.get("name") is not None]
    if not read:
        return []
    return [field for field in WITHHELD_FIELDS if all(_empty(field, m.get(field)) for m in read)]


def from_directory(departments, users, contact_used, source="sync"):
    """The report from a sync's fetch: ``departments`` and ``users`` as wecom/directory.py
    returns them (what only the contact-sync secret sees has name None)."""
    read = [u for u in users.values() if u.get("name") is not None]
    return {
        "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M:%S"), "source": source,
        "app": {"departments": sum(1 for d in departments.values() if d.get("visible", True)),
                "members": len(read), "withheld": withheld_fields(read), "sampled": len(read)},
        "directory": ({"departments": len(departments), "members": len(users)} if contact_used else None),
        "outside_range": sorted(d["id"] for d in departments.values() if not d.get("visible", True)),
    }


def failure(error):
    """What a failed check says: the error's text and, on 60020, the IP WeCom saw."""
    errcode = getattr(error, "errcode", None)
    return {"errcode": errcode, "ip": caller_ip(getattr(error, "errmsg", "") or "") if errcode == 60020 else None,
            "error": error}


def check(app, contact=None, sample=SAMPLE_MEMBERS):
    """The report from a short live check (Test connection): the departments both secrets see,
    the members through user/list_id, and the fields of up to ``sample`` members read with
    user/list. A WecomError of either secret is reported, not raised, under "app_error" /
    "contact_error"."""
    report = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M:%S"), "source": "test",
              "app": None, "directory": None, "outside_range": [], "app_error": None, "contact_error": None}
    try:
        departments = fetch_departments(app)
        visible = sorted(departments)
        counted = len(visible) <= LIVE_COUNT_DEPARTMENTS
        read = {}
        for dept_id in visible:
            if not counted and len(read) >= sample:
                break
            for row in app.user_list(dept_id):
                read.setdefault(row["userid"].lower(), row)
        rows = list(read.values())
        report["app"] = {"departments": len(visible), "members": len(rows) if counted else None,
                         "withheld": withheld_fields(rows[:sample]), "sampled": len(rows[:sample])}
    except WecomError as error:
        report["app_error"] = failure(error)
        visible = None
    if contact is not None:
        try:
            whole = contact.department_simplelist()
            pairs = contact.user_list_id()
            report["directory"] = {"departments": len(whole), "members": len(set(p["userid"].lower() for p in pairs))}
            if visible is not None:
                report["outside_range"] = sorted(int(d["id"]) for d in whole if int(d["id"]) not in set(visible))
        except WecomError as error:
            report["contact_error"] = failure(error)
    return report
