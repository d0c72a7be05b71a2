"""Point the addon of database DB at a running WeCom emulator (used by `make run`).

Usage: python configure_emulator.py ODOO_CFG DB EMULATOR_URL [ODOO_URL]
Reads the corp id, the messaging app and the contact-sync secret from GET /_emulator/corp and
stores them as the addon's settings, as an administrator would on the settings page, with a
random Token and EncodingAESKey for the contact-change callback and for the app's own callback.
Only empty settings are filled: what an administrator changed is kept. With ODOO_URL (Odoo
running), it then sets Odoo's callback URLs in the emulator, as an administrator would in WeCom's
admin console: changes made in the emulator reach Odoo, and so do the clicks on cards in the
emulator's inbox (the app's callback, /wecom/callback/app).
"""
import json
import secrets
import string
import sys
from urllib.request import Request, urlopen

import odoo

MESSAGING_AGENT_ID = 1000002  # the emulator's default self-built app
# demo members who get an Odoo user (login = userid, no password: they sign in with WeCom)
DEMO_LOGIN_MEMBERS = (("zhangwei", "张伟"), ("liuyan", "刘艳"), ("wangqiang", "王强"))


# demo members who are employees when wecom_hr is installed (each with an Odoo user): a manager
# chain in WeCom's direct leaders, 孙浩 -> 李娜 -> 王强 -> 刘艳 -> 张伟
DEMO_EMPLOYEE_MEMBERS = DEMO_LOGIN_MEMBERS + (("lina", "李娜"), ("sunhao", "孙浩"))


def link_demo_members(env, members=DEMO_LOGIN_MEMBERS):
    """Odoo users for a few demo members, linked to their member (now, when the mirror has them,
    else by the first sync: "Login = userid"), so that "Log in with WeCom" works on `make run`."""
    users = env["res.users"].with_context(active_test=False, no_reset_password=True)
    created = []
    for userid, name in members:
        user = users.search([("login", "=", userid)], limit=1)
        if not user:
            # an email: with mail installed, what they post needs a sender address
            user = users.create({"login": userid, "name": name, "email": "%s@haolinju.com.cn" % userid,
                                 "tz": "Asia/Shanghai", "groups_id": [(6, 0, [
                                     env.ref("base.group_user").id, env.ref("wecom_integration.wecom_group_user").id])]})
            created.append(userid)
        elif not user.email:
            user.email = "%s@haolinju.com.cn" % userid
        member = env["wecom.user"].with_context(active_test=False).search([("userid", "=", userid)], limit=1)
        if member and not member.odoo_user_id:
            member.odoo_user_id = user
    return created


def link_demo_employees(env):
    """wecom_hr: an employee for each of DEMO_EMPLOYEE_MEMBERS, with the member's Odoo user. The
    employees are tied to their members through that user, and their managers follow WeCom's direct
    leaders: now when the mirror has the members, else at the first sync."""
    created = link_demo_members(env, DEMO_EMPLOYEE_MEMBERS)
    employees = env["hr.employee"].with_context(active_test=False, tracking_disable=True)
    users = env["res.users"].with_context(active_test=False)
    for userid, name in DEMO_EMPLOYEE_MEMBERS:
        user = users.search([("login", "=", userid)], limit=1)
        if user and not employees.search([("user_id", "=", user.id)], limit=1):
            employees.create({"name": name, "user_id": user.id})
            created.append("employee %s" % name)
    env["wecom.employee.link"]._run()
    return created


# wecom_hr_holidays: 王强 asks for a leave, his manager 刘艳 (a Leave Officer) approves it from WeCom
DEMO_LEAVE_OFFICERS = ("liuyan",)


def prepare_leave_demo(env):
    """The Leave Officers of the leave demo (the employees and managers are link_demo_employees')."""
    officers = env.ref("hr_holidays.group_hr_holidays_user")
    made = []
    for login in DEMO_LEAVE_OFFICERS:
        user = env["res.users"].search([("login", "=", login)], limit=1)
        if user and officers not in user.groups_id:
            user.groups_id = [(4, officers.id)]
            made.append("%s a Leave Officer" % login)
    return made


def installed(env, module):
    return bool(env["ir.module.module"].search_count([("name", "=", module), ("state", "=", "installed")]))


def seed_bridge_demo(env):
    """The demo data of each installed bridge addon (only what is missing, so restarts keep what was
    changed); returns what was made. A bridge's seeding goes here, after those it builds on."""
    made = []
    if installed(env, "wecom_hr"):
        made += link_demo_employees(env)
    if installed(env, "wecom_hr_holidays"):
        made += prepare_leave_demo(env)
    return made


def random_text(length):
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))


def register_callback(cfg, db, emulator_url, odoo_url):
    odoo.tools.config.parse_config(["-c", cfg])
    with odoo.api.Environment.manage():
        with odoo.registry(db).cursor() as cr:
            settings = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["wecom.config"]._get_settings()
    from odoo.addons.wecom_integration.models.wecom_config import APP_CALLBACK_PATH, CALLBACK_PATH
    if settings["callback_token"] and settings["callback_aes_key"]:
        answer = post_json(emulator_url + "/_emulator/contact_sync/callback", {
            "url": odoo_url + CALLBACK_PATH, "token": settings["callback_token"],
            "encoding_aes_key": settings["callback_aes_key"]})
        print("the emulator posts contact changes to %s" % answer["callback"]["url"])
    if settings["app_callback_token"] and settings["app_callback_aes_key"] and settings["agent_id"]:
        answer = post_json(emulator_url + "/_emulator/apps/%s/callback" % settings["agent_id"], {
            "url": odoo_url + APP_CALLBACK_PATH, "token": settings["app_callback_token"],
            "encoding_aes_key": settings["app_callback_aes_key"]})
        print("the emulator posts card clicks of app %s to %s" % (settings["agent_id"], answer["callback"]["url"]))


def post_json(url, data):
    request = Request(url, data=json.dumps(data).encode("utf-8"), headers={"Content-Type": "application/json"})
    return json.load(urlopen(request, timeout=30))


def main(cfg, db, emulator_url, odoo_url=None):
    if odoo_url:
        return register_callback(cfg, db, emulator_url, odoo_url)
    corp = json.load(urlopen(emulator_url + "/_emulator/corp", timeout=10))
    app = next(a for a in corp["apps"] if a["agentid"] == MESSAGING_AGENT_ID)
    odoo.tools.config.parse_config(["-c", cfg])
    filled = []
    with odoo.api.Environment.manage():
        with odoo.registry(db).cursor() as cr:
            config = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["wecom.config"]
            for name, value in [("corp_id", corp["corpid"]), ("agent_id", str(app["agentid"])),
                                ("secret", app["secret"]), ("contact_secret", corp["contact_sync"]["secret"]),
                                ("base_url", emulator_url + "/cgi-bin"), ("timeout", "10"),
                                ("callback_token", random_text(32)), ("callback_aes_key", random_text(43)),
                                ("app_callback_token", random_text(32)), ("app_callback_aes_key", random_text(43)),
                                # Log in with WeCom: the emulator's OAuth and QR pages stand in for WeCom's
                                ("oauth_url", emulator_url), ("sso_url", emulator_url), ("login_enabled", "1")]:
                if not config._get_stored(name):
                    config._set_stored(name, value)
                    filled.append(name)
            created = link_demo_members(config.env)
            if created:
                filled.append("Odoo users for %s" % ", ".join(created))
            made = seed_bridge_demo(config.env)
            if made:
                filled.append("bridge demo data: %s" % ", ".join(made))
    if filled:
        print("pointed %s at the emulator corp %s: %s" % (db, corp["corpid"], ", ".join(filled)))


if __name__ == "__main__":
    main(*sys.argv[1:5])
