"""Sign in with WeCom over real HTTP: Odoo's test server, the emulator's OAuth and web-login pages
on an HTTP server of their own, a requests.Session as the member's browser."""
import urllib.parse

import odoo
import requests

from wecom_emulator.testing import emulator_server

from ..compat import invalidate_all
from ..controllers.login import safe_redirect
from .common import EmulatorMixin, MirrorMixin, SharedCursorHttpCase, make_user

WXWORK_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 wxwork/4.1.10 MicroMessenger/7.0.1 Language/zh ColorScheme/Light")


class Browser(requests.Session):
    """A member's browser. Before each request the test's writes become a savepoint of the shared
    test cursor (the request rolls back to the last one when it starts: see test_callback)."""

    def __init__(self, cr):
        super(Browser, self).__init__()
        self.test_cr = cr

    def request(self, *args, **kwargs):
        self.test_cr.commit()
        return super(Browser, self).request(*args, **kwargs)


class TestLogin(MirrorMixin, EmulatorMixin, SharedCursorHttpCase):

    def setUp(self):
        super(TestLogin, self).setUp()
        server = emulator_server(self.emulator)
        self.emu_root = server.__enter__()[:-len("/cgi-bin")]
        self.addCleanup(server.__exit__, None, None, None)
        self.odoo = "http://127.0.0.1:%s" % odoo.tools.config["http_port"]
        self.set_wecom_params(oauth_url=self.emu_root, sso_url=self.emu_root, login_enabled="1")
        self.user = make_user(self.env, "wecom_login_zw", "wecom_group_user_view", name="张伟")
        self.member = self.env["wecom.user"].create({"userid": "zhangwei", "name": "张伟", "status": "1",
                                                     "odoo_user_id": self.user.id})
        self.env["wecom.user"].create({"userid": "liuyan", "name": "刘艳", "status": "1"})

    # ------------------------------------------------------------------ helpers
    def browser(self, in_wecom=False):
        session = Browser(self.cr)
        if in_wecom:
            session.headers["User-Agent"] = WXWORK_UA
        self.addCleanup(session.close)
        return session

    def start(self, session, path="/wecom/login?redirect=/web", expect="/wwlogin/sso/login"):
        """Open ``path`` on Odoo and follow the redirects to WeCom's page; the state Odoo chose."""
        page = session.get(self.odoo + path, timeout=20)
        self.assertEqual(page.status_code, 200, page.text[:300])
        self.assertTrue(page.url.startswith(self.emu_root + expect), page.url)
        return urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["state"][0]

    def approve(self, state, userid="zhangwei", **extra):
        self.cr.commit()
        answer = requests.post(self.emu_root + "/_emulator/oauth/approve",
                               json=dict(extra, state=state, userid=userid), timeout=20)
        self.assertEqual(answer.status_code, 200, answer.text)
        return answer.json()["redirect_url"]

    def finish(self, session, redirect_url):
        return session.get(redirect_url, allow_redirects=False, timeout=20)

    def signed_in(self, session):
        answer = session.post(self.odoo + "/web/session/get_session_info",
                              json={"jsonrpc": "2.0", "method": "call", "params": {}}, timeout=20)
        return answer.json().get("result", {}).get("uid")

    def last_log(self):
        return self.env["wecom.login.log"].search([], limit=1)

    def assert_refused(self, response, reason):
        self.assertEqual(response.status_code, 403, response.text[:300])
        self.assertIn('data-reason="%s"' % reason, response.text)
        log = self.last_log()
        self.assertEqual((log.result, log.reason), ("refused", reason))
        return log

    # ------------------------------------------------------------------ the two flows
    def test_desktop_qr_flow_signs_in(self):
        session = self.browser()
        state = self.start(session)
        done = self.finish(session, self.approve(state))
        self.assertEqual(done.status_code, 303)
        self.assertEqual(urllib.parse.urlsplit(done.headers["Location"]).path, "/web")
        self.assertEqual(self.signed_in(session), self.user.id)
        log = self.last_log()
        self.assertEqual((log.result, log.reason, log.flow, log.member_id, log.user_id),
                         ("success", "ok", "weblogin", self.member, self.user))
        self.assertFalse(self.env["wecom.login.token"].search([]), "the one-time credential is used up")

    def test_in_wecom_opening_odoo_signs_in_without_typing(self):
        session = self.browser(in_wecom=True)
        state = self.start(session, "/web", expect="/connect/oauth2/authorize")
        done = self.finish(session, self.approve(state))
        self.assertEqual(done.status_code, 303)
        self.assertEqual(self.signed_in(session), self.user.id)
        self.assertEqual(self.last_log().flow, "oauth")

    def test_login_page_offers_the_button_only_when_on(self):
        page = self.browser().get(self.odoo + "/web/login", timeout=20)
        self.assertIn("/wecom/login?redirect=", page.text)
        self.assertIn("Log in with WeCom", page.text)
        # inside WeCom the form is skipped, unless asked for (the refusal page's link)
        inside = self.browser(in_wecom=True)
        self.assertIn("/wecom/login?redirect=", inside.get(self.odoo + "/web/login", allow_redirects=False,
                                                           timeout=20).headers["Location"])
        form = inside.get(self.odoo + "/web/login?no_wecom=1", allow_redirects=False, timeout=20)
        self.assertEqual(form.status_code, 200)
        self.assertIn('name="password"', form.text)
        self.set_wecom_params(login_enabled="0")
        page = self.browser().get(self.odoo + "/web/login", timeout=20)
        self.assertNotIn("/wecom/login?redirect=", page.text)
        # off: the entry point falls back to Odoo's login form, keeping the path
        page = self.browser(in_wecom=True).get(self.odoo + "/wecom/login?redirect=/web", allow_redirects=False,
                                               timeout=20)
        self.assertEqual(page.status_code, 303)
        self.assertIn("/web/login?redirect=%2Fweb", page.headers["Location"])

    def test_deep_link_from_a_sent_message_lands_on_the_record(self):
        partner = self.env["res.partner"].create({"name": "朝阳商户", "user_id": self.user.id})
        self.env["wecom.message"].notify_record_users(partner, user_field="user_id")
        url = self.emulator.inbox("zhangwei")[0]["payload"]["url"]
        parts = urllib.parse.urlsplit(url)
        self.assertEqual(parts.path, "/wecom/login")
        target = urllib.parse.parse_qs(parts.query)["redirect"][0]
        self.assertEqual(target, "/web#id=%s&model=res.partner&view_type=form" % partner.id)
        session = self.browser(in_wecom=True)
        state = self.start(session, "%s?%s" % (parts.path, parts.query), expect="/connect/oauth2/authorize")
        done = self.finish(session, self.approve(state))
        self.assertEqual(done.headers["Location"].replace(self.odoo, ""), target)
        # signed in already: the link goes straight to the record
        again = session.get(self.odoo + "%s?%s" % (parts.path, parts.query), allow_redirects=False, timeout=20)
        self.assertEqual(again.headers["Location"].replace(self.odoo, ""), target)

    def test_consent_fills_withheld_fields_and_clears_nothing(self):
        self.set_wecom_params(login_consent="1")
        self.member.write({"email": "kept@example.com"})
        self.assertFalse(self.member.mobile)
        session = self.browser(in_wecom=True)
        state = self.start(session, expect="/connect/oauth2/authorize")
        done = self.finish(session, self.approve(state, consent=True))
        self.assertEqual(done.status_code, 303)
        wecom_user = self.emulator.directory.get_user("zhangwei")
        self.member.invalidate_cache()
        self.assertEqual(self.member.mobile, wecom_user["mobile"])
        self.assertTrue(self.member.mobile)
        self.assertEqual(self.member.email, wecom_user["email"] or "kept@example.com")
        self.assertEqual(self.emulator.calls("auth/getuserdetail"), 1)

    # ------------------------------------------------------------------ refusals
    def test_unlinked_member_is_refused_unless_portal_users_are_allowed(self):
        session = self.browser()
        refused = self.finish(session, self.approve(self.start(session), userid="liuyan"))
        self.assert_refused(refused, "unlinked")
        self.assertFalse(self.signed_in(session))
        self.set_wecom_params(login_create_portal="1")
        session = self.browser()
        done = self.finish(session, self.approve(self.start(session), userid="liuyan"))
        self.assertEqual(done.status_code, 303)
        invalidate_all(self.env)
        member = self.member_of("liuyan")
        self.assertIn(self.env.ref("base.group_portal"), member.odoo_user_id.groups_id)
        self.assertNotIn(self.env.ref("base.group_user"), member.odoo_user_id.groups_id, "never an internal user")
        self.assertEqual(self.signed_in(session), member.odoo_user_id.id)
        self.assertEqual(self.last_log().reason, "portal_created")

    def test_a_portal_user_is_not_created_over_a_taken_login(self):
        member = self.member_of("liuyan")
        self.env["res.users"].create({"name": "另一个用户", "login": member.email or member.userid, "active": False})
        self.set_wecom_params(login_create_portal="1")
        session = self.browser()
        refused = self.finish(session, self.approve(self.start(session), userid="liuyan"))
        self.assert_refused(refused, "login_taken")
        self.assertFalse(self.member_of("liuyan").odoo_user_id)

    def member_of(self, userid):
        return self.env["wecom.user"].search([("userid", "=", userid)])

    def test_disabled_member_is_refused(self):
        self.member.write({"status": "2"})
        session = self.browser()
        refused = self.finish(session, self.approve(self.start(session)))
        self.assert_refused(refused, "member_disabled")
        self.assertIn("disabled", refused.text)
        self.assertIn("/web/login?no_wecom=1", refused.text, "a way to the password form, also inside WeCom")
        self.assertFalse(self.signed_in(session))

    def test_inactive_odoo_user_is_refused(self):
        self.user.active = False
        session = self.browser()
        refused = self.finish(session, self.approve(self.start(session)))
        log = self.assert_refused(refused, "user_inactive")
        self.assertEqual(log.member_id, self.member)
        self.assertFalse(self.signed_in(session))

    def test_replayed_code_is_refused(self):
        session = self.browser()
        redirect_url = self.finish_url = self.approve(self.start(session))
        self.assertEqual(self.finish(session, redirect_url).status_code, 303)
        # the same redirect again: the state is used up
        self.assert_refused(self.finish(self.browser(), redirect_url), "state")
        # the code with a fresh state of another sign-in: WeCom says the code is used
        other = self.browser()
        state = self.start(other)
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(redirect_url).query)["code"][0]
        replay = other.get(self.odoo + "/wecom/login/callback", params={"code": code, "state": state},
                           allow_redirects=False, timeout=20)
        self.assert_refused(replay, "code")
        self.assertFalse(self.signed_in(other))

    def test_state_from_another_session_is_refused(self):
        victim, attacker = self.browser(), self.browser()
        self.start(victim)
        redirect_url = self.approve(self.start(attacker))
        self.assert_refused(self.finish(victim, redirect_url), "state")
        self.assertFalse(self.signed_in(victim))

    def test_off_site_redirects_are_not_followed(self):
        for bad in ("//evil.example/x", "http://evil.example/", "https:evil.example", "\\\\evil.example",
                    "/\\evil.example", "javascript:alert(1)", "evil", "/\tx", ""):
            self.assertEqual(safe_redirect(bad), "/web", bad)
        self.assertEqual(safe_redirect("/web#id=3&model=res.partner"), "/web#id=3&model=res.partner")
        session = self.browser()
        state = self.start(session, "/wecom/login?" + urllib.parse.urlencode({"redirect": "//evil.example/x"}))
        done = self.finish(session, self.approve(state))
        self.assertEqual(done.headers["Location"].replace(self.odoo, ""), "/web")


class TestLoginToken(EmulatorMixin, SharedCursorHttpCase):
    """The one-time credential: once, only for its user, only while fresh; passwords still work."""

    def setUp(self):
        super(TestLoginToken, self).setUp()
        self.user = make_user(self.env, "wecom_login_tok")
        self.other = make_user(self.env, "wecom_login_tok2")
        self.Token = self.env["wecom.login.token"]

    def test_once_and_only_for_its_user(self):
        raw = self.Token._issue(self.user)
        self.assertFalse(self.Token.search([("token_hash", "=", raw)]), "stored hashed")
        self.assertFalse(self.Token._consume(self.other.id, raw), "another user's credential")
        self.assertFalse(self.Token._consume(self.user.id, raw), "gone after a wrong attempt too")
        raw = self.Token._issue(self.user)
        self.assertTrue(self.Token._consume(self.user.id, raw))
        self.assertFalse(self.Token._consume(self.user.id, raw), "used once")
        self.assertFalse(self.Token._consume(self.user.id, "wecom-login:guess"))

    def test_expired_credential_is_refused(self):
        raw = self.Token._issue(self.user)
        self.Token.search([("user_id", "=", self.user.id)]).write({"expires_at": "2000-01-01 00:00:00"})
        self.assertFalse(self.Token._consume(self.user.id, raw))

    def test_authentication_consumes_it_and_passwords_still_work(self):
        db = self.env.cr.dbname
        Users = self.registry["res.users"]
        raw = self.Token._issue(self.user)
        self.assertEqual(Users._login(db, "wecom_login_tok", raw), self.user.id)
        self.assertFalse(Users._login(db, "wecom_login_tok", raw), "replayed")
        self.assertEqual(Users._login(db, "wecom_login_tok", "wecom_login_tok-pw"), self.user.id)
        self.assertFalse(Users._login(db, "wecom_login_tok", "wrong"))
