"""The JSON API's answers: each record as the API shows it (the OpenAPI document, controllers/
openapi.py, describes exactly these shapes)."""


def department(dept):
    return {
        "id": dept.id, "wecom_id": dept.wecom_id, "name": dept.name, "name_en": dept.name_en or "",
        "full_name": dept.complete_name, "parent_id": dept.parent_wecom_id,
        "order": int(dept.wecom_order or 0), "leaders": dept.leader_ids.mapped("userid"),
        "member_count": dept.member_count, "is_active": dept.active,
        "last_sync_time": dept.last_sync_date or None,
    }


def member(member):
    return {
        "id": member.id, "userid": member.userid, "name": member.name, "alias": member.alias or "",
        "position": member.position or "", "mobile": member.mobile or "", "email": member.email or "",
        "gender": int(member.gender or 0), "status": int(member.status or 0),
        "departments": member.department_ids.mapped("wecom_id"),
        "main_department": member.main_department_id.wecom_id or None,
        "is_leader_in_departments": member.leader_department_ids.mapped("wecom_id"),
        "odoo_user_id": member.odoo_user_id.id or None, "is_active": member.active,
        "last_sync_time": member.last_sync_date or None,
    }


def sync_log(log):
    return {
        "id": log.id, "sync_type": log.sync_type, "trigger": log.trigger, "status": log.status,
        "total_count": log.total_count, "created_count": log.created_count,
        "updated_count": log.updated_count, "archived_count": log.archived_count,
        "unchanged_count": log.unchanged_count, "success_count": log.success_count,
        "failed_count": log.failed_count, "error_message": log.error_message or "",
        "errors": [{"type": e.record_type, "id": e.record_ref, "message": e.message} for e in log.error_ids],
        "start_time": log.start_date or None, "end_time": log.end_date or None,
        "duration": log.duration, "attempt": log.attempt,
    }


def message(message):
    calls = message.call_ids.sorted("sequence")
    return {
        "id": message.id, "message_type": message.message_type, "title": message.title or "",
        "content": message.content or "", "url": message.url or "", "status": message.status,
        # the same shape as when these were text fields: what was asked for, then WeCom's answers
        "to_users": message._direct_userids(),
        "to_parties": message.department_ids.mapped("wecom_id"),
        "to_tags": message.tag_ids.mapped("wecom_id"),
        "to_all": message.to_all, "msgid": message._msgids(),
        "invalid_users": [u.lower() for call in calls for u in call.invalid_member_ids.mapped("userid")],
        "invalid_parties": [str(d) for call in calls for d in call.invalid_department_ids.mapped("wecom_id")],
        "invalid_tags": [str(t) for call in calls for t in call.invalid_tag_ids.mapped("wecom_id")],
        "unlinked_users": message.unlinked_users or "",
        "errcode": message.errcode, "errmsg": message.errmsg or "", "attempts": message.attempts,
        "business_type": message.business_type or None,
        "business_id": (int(message.business_id) if (message.business_id or "").isdigit()
                        else message.business_id or None),
        "created_time": message.create_date or None, "sent_time": message.sent_date or None,
    }
