"""The directory-health report's rules, without Odoo: what counts as withheld."""
from wecom_integration.wecom.health import from_directory, withheld_fields


def test_a_field_is_withheld_only_when_empty_for_everyone_read():
    members = [{"userid": "a", "name": "甲", "mobile": "", "gender": "0", "email": "a@example.com"},
               {"userid": "b", "name": "乙", "gender": "0"},  # absent counts as empty
               {"userid": "c", "name": None, "mobile": "13800000000"}]  # known by id only: not read
    assert withheld_fields(members) == ["mobile", "biz_mail", "avatar", "gender"]
    assert withheld_fields([{"userid": "c", "name": None}]) == []


def test_the_report_of_a_sync_counts_what_the_app_saw_against_the_directory():
    departments = {1: {"id": 1, "visible": True}, 2: {"id": 2, "visible": False}, 3: {"id": 3, "visible": False}}
    users = {"a": {"userid": "a", "name": "甲", "mobile": "1"}, "b": {"userid": "b", "name": None}}
    report = from_directory(departments, users, contact_used=True)
    assert report["app"]["departments"] == 1 and report["app"]["members"] == 1
    assert report["directory"] == {"departments": 3, "members": 2}
    assert report["outside_range"] == [2, 3]
    assert "mobile" not in report["app"]["withheld"]
    assert from_directory(departments, users, contact_used=False)["directory"] is None
