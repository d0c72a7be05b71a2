"""Delivering one application message, possibly in several message/send calls.

WeCom takes at most 1000 users and 100 departments and tags per call, so a message is split
into chunks; each chunk is sent once and its answer kept (msgid, invalid recipients, error).
A later attempt resends only the chunks that failed for a transient reason. Imports nothing
from Odoo: the outbox model stores the chunks as JSON.
"""
from .errors import WecomError
from .messages import build_payload, split_recipients

PENDING, SENT, FAILED = "pending", "sent", "failed"


def plan_chunks(users, parties, tags):
    """The chunks of a message, all pending."""
    return [{"users": list(u), "parties": list(p), "tags": list(t), "status": PENDING}
            for u, p, t in split_recipients(users, parties, tags)]


def _split(value):
    return [v for v in (value or "").split("|") if v]


def send_chunks(client, chunks, payload_fields, to_all=False, duplicate_check_interval=None):
    """Send every pending chunk; update the chunk dicts in place and return them.

    ``payload_fields``: msgtype, content, title, url, btntxt, articles, card (as for build_payload).
    A template card gets the chunk's ``task_id`` (unique per call); the send's ``response_code``
    is kept on the chunk. A chunk that fails for a transient reason stays pending (``transient``
    True) for a retry.
    """
    for chunk in chunks:
        if chunk["status"] != PENDING:
            continue
        fields_ = payload_fields
        if payload_fields.get("card") is not None and chunk.get("task_id"):
            fields_ = dict(payload_fields, card=dict(payload_fields["card"], task_id=chunk["task_id"]))
        payload = build_payload(
            touser=chunk["users"], toparty=chunk["parties"], totag=chunk["tags"], to_all=to_all,
            agent_id=client.agent_id,
            enable_duplicate_check=duplicate_check_interval is not None,
            duplicate_check_interval=duplicate_check_interval or 1800, **fields_)
        chunk["attempts"] = chunk.get("attempts", 0) + 1
        try:
            answer = client.message_send(payload)
        except WecomError as error:
            answer = error.response or {}
            chunk.update(errcode=error.errcode, errmsg=str(error), transient=bool(error.transient))
            if not error.transient:
                chunk["status"] = FAILED
        else:
            chunk.update(status=SENT, errcode=0, errmsg="", transient=False)
        chunk["msgid"] = answer.get("msgid") or chunk.get("msgid") or ""
        if answer.get("response_code"):
            chunk["response_code"] = answer["response_code"]
        for key in ("invaliduser", "invalidparty", "invalidtag", "unlicenseduser"):
            chunk[key] = _split(answer.get(key))
    return chunks


def summarize(chunks):
    """Overall outcome of the chunks.

    status: "pending" (a chunk waits for a retry), "sent", "partial" (some recipients or chunks
    failed) or "failed" (nothing delivered).
    """
    invalid = {key: [] for key in ("invaliduser", "invalidparty", "invalidtag", "unlicenseduser")}
    for chunk in chunks:
        for key in invalid:
            invalid[key].extend(chunk.get(key) or [])
    statuses = set(chunk["status"] for chunk in chunks)
    if PENDING in statuses:
        status = "pending"
    elif statuses == {SENT}:
        status = "partial" if any(invalid.values()) else "sent"
    elif SENT in statuses:
        status = "partial"
    else:
        status = "failed"
    errors = [chunk for chunk in chunks if chunk.get("errcode")]
    last = errors[-1] if errors else {}
    return {
        "status": status,
        "msgids": [chunk["msgid"] for chunk in chunks if chunk.get("msgid") and chunk["status"] == SENT],
        "errcode": last.get("errcode") or 0,
        "errmsg": last.get("errmsg") or "",
        "invalid": invalid,
    }
