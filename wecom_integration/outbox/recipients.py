"""Who a message reaches, member by member, and how each fared.

A message names members, departments, tags or @all; WeCom answers per message/send call with
the recipients it refused. The recipients table turns both into one line per member: reached
directly, through a department (its sub-departments included, as WeCom sends), a tag (its
members and departments) or @all, and delivered or why not. Plain SQL on ids: a message may go
to 50,000 members. The callers (wecom.message) invalidate the ORM cache afterwards.
"""

# a member WeCom will not deliver to whatever the answer says; kept as planned
STATUS_REASONS = {"2": "disabled", "4": "not_activated", "5": "unknown"}

_COLUMNS = "message_id, member_id, call_id, via, via_department_id, via_tag_id, state, reason"
_INITIAL = """CASE u.status WHEN '2' THEN 'not_delivered' WHEN '4' THEN 'not_delivered'
                            WHEN '5' THEN 'not_delivered' ELSE 'pending' END,
              CASE u.status WHEN '2' THEN 'disabled' WHEN '4' THEN 'not_activated'
                            WHEN '5' THEN 'unknown' END"""
_NEW_ONLY = """NOT EXISTS (SELECT 1 FROM wecom_message_recipient r
                          WHERE r.message_id = %(message)s AND r.member_id = u.id)"""
# the departments under the given ones, each with the one it was reached through
_SUBTREE = """WITH RECURSIVE sub (id, root) AS (
                  SELECT id, id FROM wecom_department WHERE id = ANY(%(departments)s)
                  UNION SELECT d.id, sub.root FROM wecom_department d JOIN sub ON d.parent_id = sub.id
                  WHERE d.active)"""


def _insert(cr, select, params):
    cr.execute("""INSERT INTO wecom_message_recipient (%s, create_uid, create_date, write_uid, write_date)
                  SELECT *, %%(uid)s, now() at time zone 'UTC', %%(uid)s, now() at time zone 'UTC'
                  FROM (%s) planned""" % (_COLUMNS, select), params)


def plan(cr, uid, message_id, calls):
    """Insert the recipients of a message. ``calls``: [(call id, member ids, department ids,
    tag ids, to_all)] in sending order; a member named directly counts as direct, else through
    the first department, then tag, that reaches them."""
    base = {"message": message_id, "uid": uid}
    for call_id, member_ids, department_ids, tag_ids, to_all in calls:
        params = dict(base, call=call_id, members=list(member_ids), departments=list(department_ids),
                      tags=list(tag_ids))
        if member_ids:
            # in the caller's order (the answers list them so)
            _insert(cr, """SELECT %%(message)s, u.id, %%(call)s, 'direct', NULL::int, NULL::int, %s
                           FROM unnest(%%(members)s::int[]) WITH ORDINALITY AS named (id, n)
                           JOIN wecom_user u ON u.id = named.id WHERE %s ORDER BY named.n""" % (_INITIAL, _NEW_ONLY),
                    params)
        if to_all:
            _insert(cr, """SELECT %%(message)s, u.id, %%(call)s, 'all', NULL::int, NULL::int, %s
                           FROM wecom_user u WHERE u.active AND %s""" % (_INITIAL, _NEW_ONLY), params)
    # departments and tags after every direct member, so that a member named in a later call
    # still counts as direct
    for call_id, member_ids, department_ids, tag_ids, to_all in calls:
        params = dict(base, call=call_id, departments=list(department_ids), tags=list(tag_ids))
        if department_ids:
            _insert(cr, """%s SELECT DISTINCT ON (u.id) %%(message)s, u.id, %%(call)s, 'department', sub.root,
                                     NULL::int, %s
                           FROM sub JOIN wecom_department_user_rel rel ON rel.department_id = sub.id
                           JOIN wecom_user u ON u.id = rel.user_id AND u.active
                           WHERE %s ORDER BY u.id, sub.root""" % (_SUBTREE, _INITIAL, _NEW_ONLY), params)
    for call_id, member_ids, department_ids, tag_ids, to_all in calls:
        for tag_id in tag_ids:
            params = dict(base, call=call_id, tag=tag_id)
            cr.execute("SELECT array_agg(department_id) FROM wecom_tag_department_rel WHERE tag_id = %s", (tag_id,))
            params["departments"] = cr.fetchone()[0] or []
            _insert(cr, """%s SELECT DISTINCT ON (u.id) %%(message)s, u.id, %%(call)s, 'tag', NULL::int, %%(tag)s, %s
                           FROM wecom_user u
                           WHERE u.active AND %s
                             AND (u.id IN (SELECT user_id FROM wecom_tag_user_rel WHERE tag_id = %%(tag)s)
                                  OR u.id IN (SELECT rel.user_id FROM sub
                                              JOIN wecom_department_user_rel rel ON rel.department_id = sub.id))
                           ORDER BY u.id""" % (_SUBTREE, _INITIAL, _NEW_ONLY), params)


def settle(cr, message_id):
    """Each recipient's state from its call's answer. Members WeCom cannot deliver to (disabled,
    not activated, left) stay as planned; members of a refused call are not delivered; members
    WeCom listed (directly, or through a department or tag it refused) are not delivered, with
    the reason: outside the app's visible range, or unlicensed."""
    # the reason is worked out once; the state follows from it (none: delivered)
    cr.execute("""
        UPDATE wecom_message_recipient r SET
            reason = outcome.reason,
            state = CASE WHEN outcome.pending THEN 'pending' WHEN outcome.reason IS NULL THEN 'delivered'
                         ELSE 'not_delivered' END,
            write_date = now() at time zone 'UTC'
        FROM (SELECT r2.id, c.state = 'pending' AS pending, CASE
                  WHEN c.state = 'pending' THEN NULL
                  WHEN c.state = 'failed' THEN 'failed'
                  WHEN EXISTS (SELECT 1 FROM wecom_message_call_unlicensed_rel x
                               WHERE x.call_id = c.id AND x.member_id = r2.member_id) THEN 'unlicensed'
                  WHEN EXISTS (SELECT 1 FROM wecom_message_call_invalid_member_rel x
                               WHERE x.call_id = c.id AND x.member_id = r2.member_id)
                    OR EXISTS (SELECT 1 FROM wecom_message_call_invalid_department_rel x
                               WHERE x.call_id = c.id AND x.department_id = r2.via_department_id)
                    OR EXISTS (SELECT 1 FROM wecom_message_call_invalid_tag_rel x
                               WHERE x.call_id = c.id AND x.tag_id = r2.via_tag_id) THEN 'outside_range'
                  END AS reason
              FROM wecom_message_recipient r2 JOIN wecom_message_call c ON c.id = r2.call_id
              WHERE r2.message_id = %s
                AND (r2.reason IS NULL OR r2.reason NOT IN ('disabled', 'not_activated', 'unknown'))) outcome
        WHERE r.id = outcome.id""", (message_id,))


def recall(cr, message_id):
    """What had reached the members is recalled from their WeCom."""
    cr.execute("""UPDATE wecom_message_recipient SET state = 'recalled', write_date = now() at time zone 'UTC'
                  WHERE message_id = %s AND state = 'delivered'""", (message_id,))
