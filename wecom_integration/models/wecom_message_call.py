"""One message/send call of a message and WeCom's answer to it.

WeCom takes at most 1000 members and 100 departments and tags per call, so a message is sent in
calls; each keeps what it carried (its members are the message's direct recipients pointing to
it), its msgid (what a recall names) and the recipients WeCom refused, as records.
"""
import json

from odoo import api, fields, models

CALL_STATES = [("pending", "Waiting"), ("sent", "Sent"), ("failed", "Failed")]


class WecomMessageCall(models.Model):
    _name = "wecom.message.call"
    _description = "WeCom message send call"
    _order = "message_id, sequence, id"
    _rec_name = "sequence"

    message_id = fields.Many2one("wecom.message", "Message", required=True, readonly=True, index=True,
                                 ondelete="cascade")
    sequence = fields.Integer("Call", readonly=True)
    state = fields.Selection(CALL_STATES, required=True, default="pending", readonly=True)
    attempts = fields.Integer(readonly=True)
    transient = fields.Boolean("Will be retried", readonly=True,
                               help="WeCom could not take it now (e.g. a rate limit): the call is sent again later.")
    msgid = fields.Char("WeCom msgid", readonly=True, index=True)
    errcode = fields.Integer("Error code", readonly=True)
    errcode_text = fields.Char("Error code", compute="_compute_errcode_text")
    errmsg = fields.Text("Error", readonly=True)
    member_count = fields.Integer("Members", readonly=True)
    department_ids = fields.Many2many("wecom.department", "wecom_message_call_department_rel", "call_id",
                                      "department_id", "Departments", readonly=True)
    tag_ids = fields.Many2many("wecom.tag", "wecom_message_call_tag_rel", "call_id", "tag_id", "Tags", readonly=True)
    invalid_member_ids = fields.Many2many("wecom.user", "wecom_message_call_invalid_member_rel", "call_id",
                                          "member_id", "Members refused", readonly=True,
                                          help="Members WeCom listed in invaliduser: outside the app's visible "
                                               "range, disabled, not activated or gone from WeCom.")
    invalid_department_ids = fields.Many2many("wecom.department", "wecom_message_call_invalid_department_rel",
                                              "call_id", "department_id", "Departments refused", readonly=True)
    invalid_tag_ids = fields.Many2many("wecom.tag", "wecom_message_call_invalid_tag_rel", "call_id", "tag_id",
                                       "Tags refused", readonly=True)
    unlicensed_member_ids = fields.Many2many("wecom.user", "wecom_message_call_unlicensed_rel", "call_id",
                                             "member_id", "Members without a licence", readonly=True)
    answer = fields.Text("WeCom's answer (JSON)", readonly=True)
    # template cards (message_type template_card)
    task_id = fields.Char("Card task_id", readonly=True, index=True,
                          help="The template card's task_id in this call: unique in the app, echoed by each click.")
    response_code = fields.Char("Response code", readonly=True,
                                help="WeCom's code to update this call's card once, within 72 hours of sending.")
    response_code_used_at = fields.Datetime("Response code used", readonly=True)
    sent_date = fields.Datetime("Sent", readonly=True, help="When WeCom took this call.")

    @api.depends("errcode")
    def _compute_errcode_text(self):
        for call in self:
            call.errcode_text = str(call.errcode) if call.errcode else False

    # ------------------------------------------------------------------ the chunk a call sends
    def _as_chunk(self):
        """The call as wecom/delivery.py sends it (userids, department and tag ids, status)."""
        self.ensure_one()
        self.env.cr.execute("""SELECT u.userid FROM wecom_message_recipient r JOIN wecom_user u ON u.id = r.member_id
                               WHERE r.call_id = %s AND r.via = 'direct' ORDER BY r.id""", (self.id,))  # as named
        return {"users": [row[0] for row in self.env.cr.fetchall()],
                "parties": self.department_ids.mapped("wecom_id"), "tags": self.tag_ids.mapped("wecom_id"),
                "status": self.state, "attempts": self.attempts, "msgid": self.msgid or "",
                "task_id": self.task_id or None, "response_code": self.response_code or None,
                "errcode": self.errcode, "errmsg": self.errmsg or "", "transient": self.transient,
                # what WeCom refused before: an overall status still counts it
                "invaliduser": [u.lower() for u in self.invalid_member_ids.mapped("userid")],
                "invalidparty": [str(d) for d in self.invalid_department_ids.mapped("wecom_id")],
                "invalidtag": [str(t) for t in self.invalid_tag_ids.mapped("wecom_id")],
                "unlicenseduser": [u.lower() for u in self.unlicensed_member_ids.mapped("userid")]}

    def _record_answer(self, chunk):
        """Keep what WeCom answered to this call (a chunk after wecom/delivery.send_chunks)."""
        self.ensure_one()
        members = self._members_of(chunk.get("invaliduser") or [])
        unlicensed = self._members_of(chunk.get("unlicenseduser") or [])
        departments = self.department_ids.filtered(
            lambda d: str(d.wecom_id) in set(str(p) for p in chunk.get("invalidparty") or []))
        tags = self.tag_ids.filtered(lambda t: str(t.wecom_id) in set(str(p) for p in chunk.get("invalidtag") or []))
        answer = {key: chunk.get(key) for key in ("errcode", "errmsg", "msgid", "invaliduser", "invalidparty",
                                                  "invalidtag", "unlicenseduser", "response_code") if chunk.get(key)}
        values = {}
        if chunk["status"] == "sent" and not self.sent_date:
            values["sent_date"] = fields.Datetime.now()
        if chunk.get("response_code") and chunk["response_code"] != self.response_code:
            values.update(response_code=chunk["response_code"], response_code_used_at=False)
        self.write(dict(values, **{
            "state": chunk["status"], "attempts": chunk.get("attempts", 0), "transient": bool(chunk.get("transient")),
            "msgid": chunk.get("msgid") or False, "errcode": chunk.get("errcode") or 0,
            "errmsg": chunk.get("errmsg") or False, "answer": json.dumps(answer, ensure_ascii=False) if answer else False,
            "invalid_member_ids": [(6, 0, members.ids)], "unlicensed_member_ids": [(6, 0, unlicensed.ids)],
            "invalid_department_ids": [(6, 0, departments.ids)], "invalid_tag_ids": [(6, 0, tags.ids)],
        }))

    def _members_of(self, userids):
        """The mirror's members of WeCom's (lower-cased) userids."""
        if not userids:
            return self.env["wecom.user"]
        self.env.cr.execute("SELECT id FROM wecom_user WHERE lower(userid) = ANY(%s)",
                            ([str(u).lower() for u in userids],))
        return self.env["wecom.user"].browse([row[0] for row in self.env.cr.fetchall()])
