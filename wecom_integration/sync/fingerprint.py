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
# What the writer reads of a WeCom member (writers.UserWriter), by what it does with it: the one
# declaration both the writer and the fingerprint use, so they cannot drift apart.
IDENTITY_FIELDS = ("userid", "name")                      # the key; the name (the userid if withheld)
PLAIN_FIELDS = ("alias", "position", "telephone")         # copied as they are, empty as NULL
CODED_FIELDS = ("status", "main_department")              # converted (status text, department record)
# a privacy-restricted app gets these empty (gender "0"): empty means "not told", never "none"
SENSITIVE_FIELDS = ("mobile", "email", "biz_mail", "avatar", "gender")
RELATION_FIELDS = ("department", "is_leader_in_dept", "direct_leader")
SOURCE_FIELDS = IDENTITY_FIELDS + PLAIN_FIELDS + CODED_FIELDS + SENSITIVE_FIELDS + RELATION_FIELDS


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
