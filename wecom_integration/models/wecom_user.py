"""Mirror of a WeCom member, optionally linked to an Odoo user."""
from odoo import _, api, fields, models
from odoo.tools import html_escape
from odoo.exceptions import ValidationError

STATUS = [("1", "Activated"), ("2", "Disabled"), ("4", "Not activated"), ("5", "Left")]
GENDER = [("0", "Unknown"), ("1", "Male"), ("2", "Female")]
# fields the sync owns; a change made to them in Odoo makes the next sync diff the member again
SYNCED_FIELDS = frozenset(["userid", "name", "alias", "position", "mobile", "email", "biz_mail", "telephone",
                           "gender", "avatar", "status", "department_ids", "main_department_id",
                           "leader_department_ids", "direct_leader_ids", "active"])
MATCH_SQL = {
    # (member expression, Odoo user expression): compared after normalising
    "login": ("lower(w.userid)", "lower(u.login)"),
    "email": ("lower(w.email)", "lower(p.email)"),
    "mobile": (r"regexp_replace(w.mobile, '\D', '', 'g')", r"regexp_replace(p.mobile, '\D', '', 'g')"),
}


class WecomUser(models.Model):
    _name = "wecom.user"
    _description = "WeCom member"
    _order = "name, userid"

    userid = fields.Char("UserID", required=True, readonly=True, index=True,
                         help="WeCom account id; unique, case-insensitive.")
    name = fields.Char(required=True, readonly=True)
    alias = fields.Char(readonly=True)
    position = fields.Char(readonly=True)
    mobile = fields.Char(readonly=True)
    email = fields.Char(readonly=True)
    biz_mail = fields.Char("Business email", readonly=True)
    telephone = fields.Char(readonly=True)
    gender = fields.Selection(GENDER, readonly=True)
    avatar = fields.Char("Avatar URL", readonly=True)
    status = fields.Selection(STATUS, readonly=True, index=True)
    department_ids = fields.Many2many("wecom.department", "wecom_department_user_rel", "user_id", "department_id",
                                      "Departments", readonly=True)
    main_department_id = fields.Many2one("wecom.department", "Main department", readonly=True,
                                         ondelete="set null", index=True)
    leader_department_ids = fields.Many2many("wecom.department", "wecom_department_leader_rel", "user_id",
                                             "department_id", "Leader of", readonly=True)
    direct_leader_ids = fields.Many2many("wecom.user", "wecom_user_direct_leader_rel", "user_id", "leader_id",
                                         "Direct leaders", readonly=True)
    tag_ids = fields.Many2many("wecom.tag", "wecom_tag_user_rel", "user_id", "tag_id", "Tags", readonly=True)
    avatar_html = fields.Html("Picture", compute="_compute_avatar_html", sanitize=True,
                              help="The avatar WeCom gives, when it gives one (apps created after 2022-06-20 may not).")
    odoo_user_id = fields.Many2one("res.users", "Odoo user", ondelete="set null", index=True,
                              help="The Odoo user this member is; messages to that user reach this member.")
    active = fields.Boolean(default=True, readonly=True, help="Archived when the member disappears from WeCom.")
    last_sync_date = fields.Datetime("Last synced", readonly=True)
    # what the last sync read from WeCom, hashed (sync/fingerprint.py): unchanged members are skipped
    sync_fingerprint = fields.Char(readonly=True, copy=False)
    change_ids = fields.One2many("wecom.user.change", "member_id", "History", readonly=True)
    message_count = fields.Integer("Messages", compute="_compute_message_count",
                                   groups="wecom_integration.wecom_group_message_view",
                                   help="WeCom messages meant for this member: directly, through a department or "
                                        "tag, or to everyone.")

    _sql_constraints = [("odoo_user_id_uniq", "unique(odoo_user_id)",
                         "An Odoo user can be linked to one WeCom member only.")]

    @api.model_cr
    def _auto_init(self):
        result = super(WecomUser, self)._auto_init()
        # WeCom userids are case-insensitive: "ZhangSan" and "zhangsan" are one member.
        self.env.cr.execute("CREATE UNIQUE INDEX IF NOT EXISTS wecom_user_userid_lower_uniq "
                            "ON wecom_user (lower(userid))")
        return result

    @api.constrains("userid")
    def _check_userid(self):
        # lower() = lower(), not =ilike: "_" is a LIKE wildcard and WeCom userids may contain it;
        # this also uses the unique index instead of scanning the table
        for member in self:
            self.env.cr.execute("SELECT 1 FROM wecom_user WHERE lower(userid) = lower(%s) AND id != %s",
                                (member.userid, member.id))
            if self.env.cr.fetchone():
                raise ValidationError(_("The WeCom member %s is already mirrored (userids are case-insensitive).")
                                      % member.userid)


    def _compute_message_count(self):
        counts = self.env["wecom.message.recipient"].sudo()._counts_by("member_id", self.ids)
        for member in self:
            member.message_count = counts.get(member.id, 0)

    @api.model
    def _by_userid(self, userid):
        """The member of ``userid`` (case-insensitive, archived ones included), or an empty recordset."""
        if not userid:
            return self.browse()
        self.env.cr.execute("SELECT id FROM wecom_user WHERE lower(userid) = lower(%s)", (userid,))
        row = self.env.cr.fetchone()
        return self.browse(row[0] if row else [])

    @api.multi
    def write(self, vals):
        self.check_access_rights("write")  # before looking at vals: refused callers learn nothing
        if SYNCED_FIELDS.intersection(vals or {}):
            vals = dict(vals, sync_fingerprint=False)
        linked_before = {member.id: member.odoo_user_id.display_name for member in self} \
            if "odoo_user_id" in (vals or {}) else None
        result = super(WecomUser, self).write(vals)
        if linked_before is not None:
            new_user = self.env["res.users"].browse(vals["odoo_user_id"] or []).exists()
            self.env["wecom.user.change"]._record_odoo_edit(self, "odoo_user_id", linked_before,
                                                           new_user.display_name if new_user else False)
        return result

    @api.multi
    def unlink(self):
        result = super(WecomUser, self).unlink()
        self._forget_fingerprints()  # other members' direct-leader links went with the deleted records
        return result

    @api.model
    def _forget_fingerprints(self):
        """Make the next sync compare every member again (after a change of the mirror in Odoo)."""
        self.env.cr.execute("UPDATE wecom_user SET sync_fingerprint = NULL WHERE sync_fingerprint IS NOT NULL")
        self.invalidate_cache(["sync_fingerprint"])

    @api.depends("avatar")
    def _compute_avatar_html(self):
        for member in self:
            url = member.avatar if (member.avatar or "").startswith(("https://", "http://")) else ""
            member.avatar_html = ('<img src="%s" alt="" style="max-width: 90px; max-height: 90px;"/>'
                                  % html_escape(url)) if url else False

    def name_get(self):
        return [(member.id, "%s (%s)" % (member.name, member.userid)) for member in self]

    @api.model
    def get_empty_list_help(self, help):  # pylint: disable=redefined-builtin  # Odoo's signature
        """Odoo shows the action's help whenever a list is empty, filtered or not: once members are
        mirrored, an empty list means the search hides them, not that there are none."""
        if self.check_access_rights("read", raise_exception=False) and \
                self.with_context(active_test=False).search_count([]):
            return "<p>%s</p><p>%s</p>" % (
                html_escape(_("No member matches this search.")),
                html_escape(_("Change or remove the filters. Members who left WeCom are under the "
                              "\"Archived (gone from WeCom)\" filter.")))
        return super(WecomUser, self).get_empty_list_help(help)

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        args = list(args or [])
        if name:
            args = ["|", ("name", operator, name), ("userid", operator, name)] + args
        return self.search(args, limit=limit).name_get()

    # ------------------------------------------------------------------ extension hook for bridges
    @api.multi
    def _after_directory_change(self, full_sync=False):
        """Called in the sync's transaction (as the superuser) once the mirror has been written, for
        bridge addons to follow the directory (wecom_hr links employees here).

        ``self``: the members concerned: after a full member sync (``full_sync`` True) every mirrored
        member, archived ones included; after contact-change events, the members the events named
        (renamed ones under their new userid), possibly none. The core does nothing; an override calls
        super(). Whatever it raises fails the run, which leaves the mirror as it was."""
        return None

    @api.model
    def _by_userids(self, userids):
        """The members of ``userids`` (case-insensitive, archived ones included)."""
        keys = list(set(userid.lower() for userid in userids if userid))
        if not keys:
            return self.browse()
        self.env.cr.execute("SELECT id FROM wecom_user WHERE lower(userid) IN %s ORDER BY id", (tuple(keys),))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    # ------------------------------------------------------------------ linking to Odoo users

    @api.model
    def _link_odoo_users(self, mode):
        """Link active members without an Odoo user to the one internal user that matches them.

        Only unambiguous matches are linked (one member, one user); existing links are kept and no
        user is ever created. Returns the number of links made.
        """
        if mode not in MATCH_SQL:
            return 0
        member_expr, user_expr = MATCH_SQL[mode]
        # pylint: disable-next=sql-injection  # both expressions are MATCH_SQL's constants, never input
        self.env.cr.execute("""
            WITH pairs AS (
                SELECT w.id AS member, u.id AS odoo_user
                FROM wecom_user w, res_users u
                JOIN res_partner p ON p.id = u.partner_id
                WHERE w.active AND w.odoo_user_id IS NULL AND coalesce(%(m)s, '') != ''
                  AND u.active AND NOT u.share AND %(m)s = %(u)s
                  AND NOT EXISTS (SELECT 1 FROM wecom_user l WHERE l.odoo_user_id = u.id)
            )
            SELECT member, odoo_user FROM pairs
            WHERE member IN (SELECT member FROM pairs GROUP BY member HAVING count(*) = 1)
              AND odoo_user IN (SELECT odoo_user FROM pairs GROUP BY odoo_user HAVING count(*) = 1)
        """ % {"m": member_expr, "u": user_expr})
        links = self.env.cr.fetchall()
        for member_id, user_id in links:
            self.browse(member_id).write({"odoo_user_id": user_id})
        return len(links)
