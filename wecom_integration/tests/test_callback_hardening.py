"""The callback URL against what an attacker (or a confused proxy) posts, and contact changes
applied only as WeCom confirms them."""
import socket

import odoo

from ..models.wecom_config import CALLBACK_PATH
from .test_callback import NONCE, TIMESTAMP, CallbackCase, event_xml


class TestCallbackBodies(CallbackCase):

    def raw_post(self, body, headers, chunked=False, signature="0" * 40):
        """POST through a plain socket, so nothing (requests, a proxy) fixes the body up."""
        port = odoo.tools.config["http_port"]
        query = "msg_signature=%s&timestamp=%s&nonce=%s" % (signature, TIMESTAMP, NONCE)
        head = ["POST %s?%s HTTP/1.1" % (CALLBACK_PATH, query), "Host: 127.0.0.1:%s" % port, "Connection: close"]
        head += ["%s: %s" % item for item in headers.items()]
        self.cr.commit()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            if chunked:
                sock.sendall(("\r\n".join(head + ["Transfer-Encoding: chunked", "", ""])).encode())
                try:
                    for start in range(0, len(body), 65536):
                        piece = body[start:start + 65536]
                        sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                    sock.sendall(b"0\r\n\r\n")
                except OSError as error:  # the server may answer and close before the whole body is sent
                    self.cut_off = error
            else:
                sock.sendall(("\r\n".join(head + ["Content-Length: %s" % len(body), "", ""])).encode())
                try:
                    sock.sendall(body)
                except OSError as error:  # likewise
                    self.cut_off = error
            answer = b""
            while True:
                try:
                    data = sock.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                answer += data
        self.env.cache.invalidate()
        return int(answer.split(b" ", 2)[1]) if answer else None

    def test_oversized_bodies_are_refused_before_reading(self):
        big = b"<xml><Encrypt>" + b"A" * (8 * 1024 * 1024) + b"</Encrypt></xml>"  # 8 MB
        self.assertEqual(self.raw_post(big, {"Content-Type": "text/xml"}), 413)
        self.assertEqual(self.raw_post(big, {"Content-Type": "text/xml"}, chunked=True), 413)
        self.assertEqual(self.event_count(), 0)

    def test_a_body_under_the_cap_is_still_checked(self):
        body = b"<xml><Encrypt>" + b"A" * 60000 + b"</Encrypt></xml>"
        self.assertEqual(self.raw_post(body, {"Content-Type": "text/xml"}), 403, "a bad signature, not a size")

    def test_json_and_utf16_bodies_get_a_400(self):
        change = {"ChangeType": "delete_user", "UserID": "lina"}
        self.assertEqual(self.raw_post(b'{"Encrypt": "x"}', {"Content-Type": "application/json"}), 400)
        encrypt, signature = self.sealed(event_xml(self.emulator.corp_id, change))
        # the same, well-signed post in UTF-16 with an entity: refused, never expanded
        body = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "%s">]>'
                '<xml><Encrypt>&e;</Encrypt></xml>' % encrypt).encode("utf-16")
        self.assertEqual(self.raw_post(body, {"Content-Type": "text/xml"}, signature=signature), 400)
        self.assertEqual(self.event_count(), 0)
        self.assertTrue(self.member("lina").active)

    def test_a_replay_with_a_respelled_signature_is_stored_once(self):
        self.directory.update_user("lina", {"position": "副店长"})
        change = {"ChangeType": "update_user", "UserID": "lina", "Department": "8"}
        response = self.post(change)
        self.assertEqual(response.status_code, 200)
        encrypt, signature = self.last_sealed
        for spelling in (signature.upper(), " %s " % signature, signature + " "):
            response = self.post(change, sealed=(encrypt, spelling), signature=spelling)
            self.assertIn(response.status_code, (200, 403), spelling)
        self.assertEqual(self.event_count(), 1, "one delivery, however its signature is spelled")


class TestEventsConfirmedByWecom(CallbackCase):
    """A well-signed event is still only a hint: WeCom's own answer decides."""

    def test_a_delete_of_a_member_wecom_still_knows_archives_nothing(self):
        self.post({"ChangeType": "delete_user", "UserID": "lina"})
        self.assertTrue(self.member("lina").active)

    def test_a_rename_to_a_userid_wecom_does_not_know_renames_nothing(self):
        lina = self.member("lina")
        self.post({"ChangeType": "update_user", "UserID": "lina", "NewUserID": "attacker", "Department": "8"})
        self.assertEqual(lina.userid, "lina")
        self.assertFalse(self.member("attacker"))

    def test_a_rename_while_the_old_userid_still_exists_renames_nothing(self):
        self.directory.add_user({"userid": "lina2", "name": "另一个李娜", "department": [8]})
        lina = self.member("lina")
        self.post({"ChangeType": "update_user", "UserID": "lina", "NewUserID": "lina2", "Department": "8"})
        self.assertEqual(lina.userid, "lina", "both exist in WeCom: two members, no rename")
        self.assertTrue(lina.active)

    def test_a_full_sync_repairs_a_member_archived_under_a_stale_userid(self):
        """A member WeCom no longer knows (archived, e.g. after a missed rename) is paired with the
        same person under a new userid by the next full sync: one record, its history kept."""
        lina = self.member("lina")
        self.directory.update_user("lina", {"new_userid": "li.na"})
        self.directory.remove_user("li.na")
        self.post({"ChangeType": "delete_user", "UserID": "lina"})  # WeCom no longer knows "lina"
        self.assertFalse(lina.active)
        self.directory.add_user({"userid": "li.na", "name": lina.name, "department": [8],
                                 "position": lina.position})
        self.env["wecom.sync.service"].sync_all()
        self.assertEqual(self.member("li.na"), lina, "the same record, not a new one")
        self.assertTrue(lina.active)
        self.assertFalse(self.member("lina"))
