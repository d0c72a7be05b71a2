"""Fingerprints of fetched members: a no-change re-sync skips members whose fingerprint matches.

A member's mirror row and relations are a function of what WeCom returned for that member plus
two facts from the rest of the directory: the departments whose ``department_leader`` list names
it, and whether each of its direct leaders has a record. The fingerprint hashes exactly those
inputs, so an unchanged fingerprint means the writer would produce the row and relations already
stored. Members are never skipped when archived or without a fingerprint; changes made in Odoo
to members or departments clear the fingerprints (wecom.user and wecom.department write/unlink),
and VERSION changes whenever the mapping in writers.py does.

Imports nothing from Odoo.
"""
import hashlib
import pickle

VERSION = 1
# the member fields the writer reads (writers.UserWriter._values and the relations)
SOURCE_FIELDS = ("userid", "name", "alias", "position", "telephone", "status", "main_department", "mobile",
                 "email", "biz_mail", "avatar", "gender", "department", "is_leader_in_dept", "direct_leader")


def member_fingerprint(member, led_departments, present_keys):
    """md5 hex of the inputs that determine a member's row and relations.

    ``led_departments``: sorted WeCom ids of the departments whose leader list names the member;
    ``present_keys``: lower-case userids that have a record after this run (direct leaders)."""
    leaders = member.get("direct_leader")
    if leaders:
        leaders = tuple(u.lower() in present_keys for u in leaders)
    # pickle, not repr: a third faster here. Equal inputs pickle alike within one Python version;
    # if they ever did not, the member would only be compared again, never skipped wrongly.
    data = pickle.dumps((VERSION, tuple(map(member.get, SOURCE_FIELDS)), led_departments, leaders), 4)
    return hashlib.md5(data).hexdigest()
