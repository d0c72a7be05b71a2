"""Message benchmark: one application message to 10,000 members, the addon against a naive baseline.

Run by `make bench` (scripts/bench.sh) from the repository root with the project venv:

    .venv/bin/python bench/message_bench.py

What it does, on its own database (``wecom_bench_msg``, created or updated with the addon through
bench/prepare_db.sh, i.e. scripts/lib.sh) and a WeCom emulator started for the run in a process of
its own (WeCom is another machine; the emulator's CPU time is not charged to Odoo's process):

1. mirrors the emulator corp into the database (the addon's fetcher and writers; not timed) and
   picks N members who can receive messages (not disabled);
2. ADDON: ``env['wecom.message'].send_message("text", ..., to_users=<N userids>)``, timed from the
   call to the COMMIT of the caller's transaction, under WeCom's default rate limits; checks that
   the emulator delivered the message to every one of the N members; then the same send with the
   members given as one ``wecom.user`` recordset (the form ``send_to_users`` passes), checked the
   same way, and parts of the path timed on their own (``_prepare``, one ORM read on the members);
3. BASELINE (naive, written here, not in the addon): for every member one ``message/send`` call
   with ``touser=<that userid>`` through the same WecomClient (``wecom.config.get_client``) and one
   ORM ``create`` of a one-recipient ``wecom.message`` log row, as a per-recipient logging module
   would; COMMIT included in the time, its rows deleted afterwards (not timed). The emulator's
   frequency limits are raised x1000 for it, so that it is measured, not throttled.

Counted for every path: WeCom calls (the emulator's own counters), seconds (and the part spent waiting
for HTTP answers), SQL statements and rows inserted/updated/deleted over every Odoo cursor (the
message is written through cursors of its own, so one cursor's ``sql_log_count`` would miss most of
it: every ``Cursor.execute`` is counted, with its ``rowcount`` for INSERT/UPDATE/DELETE), cross-checked
with row counts of wecom_message and wecom_message_user_rel.

Informational: it prints figures and ratios and exits 0 whatever the timings; it exits 1 on an
error or when the addon's delivery is wrong (a member missing from the emulator's records, a
status other than "sent", a call count other than ceil(N / 1000)).

Environment: BENCH_MESSAGE_MEMBERS (10000), BENCH_MESSAGE_DB (wecom_bench_msg),
BENCH_SKIP_BASELINE=1 (addon only). Uses bench/sync_bench.py's emulator process and settings
helpers and bench/prepare_db.sh.
"""
from __future__ import print_function

import collections
import math
import os
import platform
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LOCAL = os.path.join(ROOT, ".local")
for path in (ROOT, HERE):
    if path not in sys.path:
        sys.path.insert(0, path)

from common import calls_text, per_table, progress, ratio, written_text  # noqa: E402 (after the path set-up)
import common  # noqa: E402

MEMBERS = int(os.environ.get("BENCH_MESSAGE_MEMBERS", "10000"))
DB = os.environ.get("BENCH_MESSAGE_DB", "wecom_bench_msg")
SKIP_BASELINE = os.environ.get("BENCH_SKIP_BASELINE", "") == "1"
# The emulator's large corp has ~2% disabled members (invalid recipients for WeCom): build a corp
# a little larger and send to N members who can receive.
CORP_USERS = int(math.ceil(MEMBERS * 1.04)) + 20
CORP_DEPARTMENTS = max(1, CORP_USERS // 20)
SPEC = "large:%d:%d" % (CORP_USERS, CORP_DEPARTMENTS)
CONTENT = "基准测试：门店盘点将于本周五 18:00 开始，请提前完成交接。(bench/message_bench.py)"
MESSAGE_TABLES = ("wecom_message", "wecom_message_user_rel", "wecom_message_call", "wecom_message_recipient")
BASELINE_LIMIT_SCALE = 1000




# ---------------------------------------------------------------------------- counting
class SqlTap(object):
    """Every statement run through an Odoo cursor (any cursor: the caller's, the message's own
    cursors, the token store's), rows changed per table, cursors opened; and the wall time the
    WecomClient spent in HTTP exchanges. Installed once; read as differences of snapshots."""

    DML = re.compile(r'\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.I)

    def __init__(self):
        self.statements = 0
        self.cursors = 0
        self.http_time = 0.0
        self.http_calls = 0
        self.rows = collections.defaultdict(lambda: [0, 0, 0])  # table -> [inserted, updated, deleted]

    def install(self):
        import odoo.sql_db
        from odoo.addons.wecom_integration.wecom.client import WecomClient
        tap = self
        cursor_class = odoo.sql_db.Cursor
        original_execute, original_init = cursor_class.execute, cursor_class.__init__
        original_send = WecomClient._send

        def execute(self, query, params=None, log_exceptions=None):
            result = original_execute(self, query, params, log_exceptions)
            tap.statements += 1
            match = tap.DML.match(query) if isinstance(query, str) else None
            if match and self._obj.rowcount > 0:
                kind = match.group(1)[0].upper()
                tap.rows[match.group(2).lower()]["IUD".index(kind)] += self._obj.rowcount
            return result

        def init(self, *args, **kwargs):
            original_init(self, *args, **kwargs)
            tap.cursors += 1

        def send(self, *args, **kwargs):
            started = time.time()
            try:
                return original_send(self, *args, **kwargs)
            finally:
                tap.http_time += time.time() - started
                tap.http_calls += 1

        cursor_class.execute = execute
        cursor_class.__init__ = init
        WecomClient._send = send
        return self

    def snapshot(self):
        return {"statements": self.statements, "cursors": self.cursors, "http_time": self.http_time,
                "http_calls": self.http_calls, "rows": dict((t, list(c)) for t, c in self.rows.items())}

    @staticmethod
    def delta(before, after):
        rows = {}
        for table, counts in after["rows"].items():
            old = before["rows"].get(table, [0, 0, 0])
            diff = [a - b for a, b in zip(counts, old)]
            if any(diff):
                rows[table] = diff
        return {"statements": after["statements"] - before["statements"],
                "cursors": after["cursors"] - before["cursors"],
                "http_time": after["http_time"] - before["http_time"],
                "http_calls": after["http_calls"] - before["http_calls"], "rows": rows}


def table_counts(registry):
    with registry.cursor() as cr:
        counts = {}
        for table in MESSAGE_TABLES:
            cr.execute("SELECT count(*) FROM %s" % table)
            counts[table] = cr.fetchone()[0]
        return counts


# ---------------------------------------------------------------------------- Odoo and emulator




def set_rate_limits(emulator, scale, **overrides):
    """WeCom's default frequency limits (scale 1), or every count limit multiplied by scale."""
    from wecom_emulator.ratelimit import RateLimits
    limits = RateLimits() if scale == 1 else RateLimits().scaled(scale)
    values = limits.as_dict()
    values.update(overrides)
    return emulator.post("rate_limits", dict(values))


def mirror(registry, emulator):
    """Mirror the emulator corp (not timed; a no-op diff when an earlier run left it in place) and
    return the sorted userids of MEMBERS members who can receive messages."""
    import sync_bench
    departments, users, elapsed, calls = sync_bench.fetch(registry, emulator)
    with registry.cursor() as cr:
        cr.execute("SELECT lower(userid) FROM wecom_user WHERE active")
        mirrored = set(row[0] for row in cr.fetchall())
    if mirrored and mirrored != set(users):
        # another corp size (BENCH_MESSAGE_MEMBERS) than the last run: start from an empty mirror
        # (the sync would refuse to archive most of the old one, and rightly so)
        sync_bench.truncate_mirror(registry)
    with registry.cursor() as cr:
        counts = sync_bench.addon_write(sync_bench.environment(cr), departments, users)
        cr.commit()
    with registry.cursor() as cr:
        cr.execute("SELECT userid FROM wecom_user WHERE active AND status NOT IN ('2', '5') ORDER BY userid")
        candidates = [row[0] for row in cr.fetchall()]
    # members the emulator itself would refuse (disabled, departed) are left out as well
    receivable = [u for u in candidates if users.get(u.lower(), {}).get("status") not in (2, 5)]
    if len(receivable) < MEMBERS:
        raise RuntimeError("the mirror has %d members who can receive messages, %d needed"
                           % (len(receivable), MEMBERS))
    return receivable[:MEMBERS], len(users), counts


def delete_messages(registry, ids=None):
    with registry.cursor() as cr:
        if ids is None:
            cr.execute("DELETE FROM wecom_message")
        else:
            cr.execute("DELETE FROM wecom_message WHERE id IN %s", (tuple(ids),))
    with registry.cursor() as cr:
        cr.autocommit(True)
        for table in MESSAGE_TABLES:
            cr.execute("VACUUM ANALYZE %s" % table)


# ---------------------------------------------------------------------------- the two paths
def addon_send(registry, userids, content, as_records=False):
    """The addon: one send_message call; the caller's transaction committed (time included).
    ``as_records``: the recipients as one wecom.user recordset (what send_to_users passes; looked
    up before the clock starts) instead of userids. Returns (seconds, message id)."""
    import sync_bench
    with registry.cursor() as cr:
        env = sync_bench.environment(cr)
        to_users = userids
        if as_records:
            to_users = env["wecom.user"].search([("userid", "in", userids)])
        started = time.time()
        message = env["wecom.message"].send_message("text", content, to_users=to_users)
        cr.commit()
        elapsed = time.time() - started
        message_id = message.id
    return elapsed, message_id


def where_time_goes(registry, userids):
    """Parts of the addon's sending path timed on their own, each in a fresh cursor (empty cache):
    _prepare() (recipients resolved, message validated, chunks planned; nothing sent), and one ORM
    field read on the members (the archived-member check _resolve runs,
    ``records.filtered(lambda r: not r.active)``), against the same check in SQL."""
    import sync_bench
    times = collections.OrderedDict()
    with registry.cursor() as cr:
        env = sync_bench.environment(cr)
        started = time.time()
        env["wecom.message"]._prepare("text", CONTENT, None, None, None, None, userids, (), (), False)
        times["prepare"] = time.time() - started
    with registry.cursor() as cr:
        env = sync_bench.environment(cr)
        cr.execute("SELECT id FROM wecom_user WHERE userid IN %s", (tuple(userids),))
        members = env["wecom.user"].browse([row[0] for row in cr.fetchall()])
        started = time.time()
        members.filtered(lambda r: not r.active)
        times["active_check"] = time.time() - started
        started = time.time()
        cr.execute("SELECT count(*) FROM wecom_user WHERE id IN %s AND NOT active", (tuple(members.ids),))
        cr.fetchone()
        times["active_sql"] = time.time() - started
    return times


def message_info(registry, message_id):
    with registry.cursor() as cr:
        cr.execute("SELECT status, errcode, errmsg, attempts, pg_column_size(m.*) FROM wecom_message m WHERE id = %s",
                   (message_id,))
        row = cr.fetchone()
        cr.execute("SELECT msgid FROM wecom_message_call WHERE message_id = %s AND state = 'sent' ORDER BY sequence",
                   (message_id,))
        msgids = [r[0] for r in cr.fetchall() if r[0]]
        cr.execute("SELECT count(*) FROM wecom_message_user_rel WHERE message_id = %s", (message_id,))
        linked = cr.fetchone()[0]
        cr.execute("SELECT count(*), count(*) FILTER (WHERE state = 'delivered') FROM wecom_message_recipient "
                   "WHERE message_id = %s", (message_id,))
        recipients, reached = cr.fetchone()
    keys = ("status", "errcode", "errmsg", "attempts", "row_bytes")
    info = dict(zip(keys, row))
    info.update(id=message_id, linked=linked, msgids=msgids, recipients=recipients, reached=reached)
    return info


def baseline_send(registry, userids):
    """NAIVE BASELINE (not the addon): one message/send call per member through the same client,
    and one ORM create of a one-recipient log row per member, in the caller's transaction."""
    import sync_bench
    from odoo import fields
    from odoo.addons.wecom_integration.wecom.messages import build_payload
    with registry.cursor() as cr:
        env = sync_bench.environment(cr)
        started = time.time()
        client = env["wecom.config"]._get_client("app")
        Message = env["wecom.message"]
        cr.execute("SELECT userid, id FROM wecom_user WHERE userid IN %s", (tuple(userids),))
        member_ids = dict(cr.fetchall())
        created, msgids = [], []
        for userid in userids:
            payload = build_payload("text", content=CONTENT, touser=[userid], agent_id=client.agent_id)
            answer = client.message_send(payload)
            msgids.append(answer["msgid"])
            created.append(Message.create({
                "message_type": "text", "content": CONTENT, "member_ids": [(6, 0, [member_ids[userid]])],
                "status": "sent", "attempts": 1, "sent_date": fields.Datetime.now(),
                "call_ids": [(0, 0, {"sequence": 1, "state": "sent", "msgid": answer["msgid"], "member_count": 1})],
            }).id)
        cr.commit()
        elapsed = time.time() - started
    return elapsed, created, msgids


def delivered(emulator, msgids):
    """{lower userid: times delivered}, dropped recipients, invalid users, records found, for the
    emulator's message records with these msgids."""
    wanted = set(msgids)
    received = collections.Counter()
    dropped, invalid, found = [], [], 0
    for record in emulator.get("messages")["messages"]:
        if record["msgid"] not in wanted:
            continue
        found += 1
        if record["status"] != "delivered":
            dropped.extend(record["recipients"])
            continue
        received.update(u.lower() for u in record["recipients"])
        dropped.extend(record["dropped"])
        invalid.extend(record["invaliduser"])
    return received, dropped, invalid, found


# ---------------------------------------------------------------------------- output


def rows_total(rows):
    return sum(sum(c) for c in rows.values())








def main():
    import odoo
    import sync_bench
    overall = time.time()
    cfg = os.path.join(LOCAL, "odoo-%s.cfg" % DB)
    progress("database %s: create or update with the addon" % DB)
    common.prepare_database(cfg, DB)
    progress("emulator %s: starting" % SPEC)
    emulator = sync_bench.EmulatorProcess(SPEC)
    problems = []
    try:
        with odoo.api.Environment.manage():
            registry = common.start_odoo(cfg, DB)
            sync_bench.configure(registry, emulator)
            tap = SqlTap().install()
            problems = run(registry, emulator, tap, overall)
    finally:
        emulator.stop()
    return 1 if problems else 0


def measure_addon(registry, emulator, tap, userids, content, as_records, problems):
    label = "recordset" if as_records else "userids"
    progress("addon: send_message() to %d members (%s) ..." % (len(userids), label))
    rows_before, calls_before, tap_before = table_counts(registry), emulator.calls(), tap.snapshot()
    elapsed, message_id = addon_send(registry, userids, content, as_records)
    result = {"time": elapsed, "calls": emulator.calls() - calls_before,
              "tap": SqlTap.delta(tap_before, tap.snapshot()), "counted": table_counts(registry)}
    result["counted"] = dict((t, result["counted"][t] - rows_before[t]) for t in MESSAGE_TABLES)
    info = result["info"] = message_info(registry, message_id)
    progress("addon (%s): %.2f s, WeCom calls %s, statements %d, rows %s, message %s"
             % (label, elapsed, calls_text(result["calls"]), result["tap"]["statements"],
                per_table(result["tap"]["rows"]), info["status"]))

    # the delivery must be right: every member a recipient once, ceil(N / 1000) calls, status sent
    expected_calls = int(math.ceil(len(userids) / 1000.0))
    received, dropped, invalid, found = delivered(emulator, info["msgids"])
    result.update(received_once=sum(1 for u in userids if received.get(u.lower()) == 1), dropped=len(dropped),
                  invalid=len(invalid), records=found)
    missing = [u for u in userids if not received.get(u.lower())]
    twice = [u for u, n in received.items() if n > 1]
    what = "the addon's message (%s, id %s)" % (label, info["id"])
    if info["status"] != "sent":
        problems.append("%s ended %s: errcode %s %s" % (what, info["status"], info["errcode"], info["errmsg"]))
    if missing:
        problems.append("%d of the %d members are not recipients of %s in the emulator, e.g. %s"
                        % (len(missing), len(userids), what, missing[:3]))
    if twice:
        problems.append("%d members received %s more than once, e.g. %s" % (len(twice), what, twice[:3]))
    if dropped or invalid:
        problems.append("the emulator dropped %d and refused %d recipients of %s" % (len(dropped), len(invalid), what))
    if result["calls"]["message/send"] != expected_calls or len(info["msgids"]) != expected_calls:
        problems.append("%s: %d message/send calls (%d msgids), expected %d"
                        % (what, result["calls"]["message/send"], len(info["msgids"]), expected_calls))
    if info["linked"] != len(userids):
        problems.append("%s links %d members, expected %d" % (what, info["linked"], len(userids)))
    return result


def measure_baseline(registry, emulator, tap, userids):
    progress("baseline: %d x (message/send + ORM create) ..." % len(userids))
    rows_before, calls_before, tap_before = table_counts(registry), emulator.calls(), tap.snapshot()
    elapsed, created, msgids = baseline_send(registry, userids)
    result = {"time": elapsed, "calls": emulator.calls() - calls_before,
              "tap": SqlTap.delta(tap_before, tap.snapshot()), "counted": table_counts(registry)}
    result["counted"] = dict((t, result["counted"][t] - rows_before[t]) for t in MESSAGE_TABLES)
    progress("baseline: %.2f s, WeCom calls %s, statements %d, rows %s"
             % (elapsed, calls_text(result["calls"]), result["tap"]["statements"], per_table(result["tap"]["rows"])))
    received, dropped, invalid, found = delivered(emulator, msgids)
    result.update(received_once=sum(1 for u in userids if received.get(u.lower()) == 1),
                  dropped=len(dropped), invalid=len(invalid), records=found)
    delete_messages(registry, created)
    return result


def run(registry, emulator, tap, overall):
    import odoo
    import sync_bench
    problems = []
    progress("mirroring the corp (not timed)")
    started = time.time()
    userids, corp_members, mirror_counts = mirror(registry, emulator)
    progress("mirror ready in %.1f s (%s); %d recipients chosen"
             % (time.time() - started, dict(mirror_counts), len(userids)))
    delete_messages(registry)  # the history of earlier runs of this bench, in its own database

    # ---- the addon, under WeCom's default limits (the daily person-times quota raised if N needs it)
    from wecom_emulator.ratelimit import RateLimits
    quota = max(RateLimits.DEFAULTS["app_person_times_per_day"], 4 * len(userids))
    set_rate_limits(emulator, 1, app_person_times_per_day=quota)
    addon = measure_addon(registry, emulator, tap, userids, CONTENT, False, problems)
    # the same message (other text: WeCom's duplicate check is on) to the same members given as
    # one wecom.user recordset, the form send_to_users() passes
    addon_rs = measure_addon(registry, emulator, tap, userids, CONTENT + " #2", True, problems)
    progress("timing parts of the addon's path on their own ...")
    parts = where_time_goes(registry, userids)

    # ---- the naive baseline, limits raised
    baseline = None
    if not SKIP_BASELINE:
        set_rate_limits(emulator, BASELINE_LIMIT_SCALE)
        baseline = measure_baseline(registry, emulator, tap, userids)
        set_rate_limits(emulator, 1)

    with registry.cursor() as cr:
        cr.execute("SHOW server_version")
        pg_version = cr.fetchone()[0]

    # ------------------------------------------------------------------ report
    out = ["", "WeCom application message benchmark (bench/message_bench.py)", "=" * 61]
    out.append("message   one text message (%d bytes) to %d members; corp %s (%d members mirrored, the %d "
               "recipients are not disabled); app %d" % (len(CONTENT.encode("utf-8")), len(userids), SPEC,
                                                         corp_members, len(userids), emulator.app("legacy")["agentid"]))
    out.append("machine   Odoo %s, PostgreSQL %s, Python %s, %d CPUs; database %s; emulator in its own process, "
               "over HTTP on 127.0.0.1" % (odoo.release.version, pg_version, platform.python_version(),
                                            os.cpu_count() or 0, DB))
    quota_note = "" if quota == RateLimits.DEFAULTS["app_person_times_per_day"] else \
        " (daily person-times quota raised to %d)" % quota
    out.append("limits    addon: WeCom's default frequency limits%s; BASELINE: the emulator's frequency limits "
               "raised x%d, so that it is measured, not throttled" % (quota_note, BASELINE_LIMIT_SCALE))
    out.append("baseline  naive, written in this file (not the addon): per member one message/send call "
               "(touser=<userid>) through the same WecomClient and one ORM create of a one-recipient wecom.message")
    out.append("method    seconds from the call to the COMMIT; \"in HTTP\" = waiting for the emulator's answers; "
               "SQL statements, cursors and rows inserted/updated/deleted over every Odoo cursor; WeCom calls "
               "counted by the emulator")
    out.append("")

    def figures(result):
        t = result["tap"]
        return [sum(result["calls"].values()), result["calls"]["message/send"], "%.2f" % result["time"],
                "%.2f" % t["http_time"], "%.2f" % (result["time"] - t["http_time"]), t["statements"],
                t["cursors"], written_text(t["rows"]), rows_total(t["rows"])]

    headers = ["path", "WeCom calls", "message/send", "seconds", "in HTTP", "rest", "SQL statements",
               "cursors", "rows i/u/d", "rows written"]
    rows = [["addon: send_message(to_users=userids)"] + figures(addon),
            ["addon: send_message(to_users=recordset)"] + figures(addon_rs)]
    if baseline:
        a, b = addon, baseline
        rows.append(["BASELINE: 1 call + 1 create per member"] + figures(baseline))
        rows.append(["ratio baseline / addon (userids)",
                     ratio(sum(b["calls"].values()), sum(a["calls"].values())),
                     ratio(b["calls"]["message/send"], a["calls"]["message/send"]),
                     ratio(b["time"], a["time"]), ratio(b["tap"]["http_time"], a["tap"]["http_time"]),
                     ratio(b["time"] - b["tap"]["http_time"], a["time"] - a["tap"]["http_time"]),
                     ratio(b["tap"]["statements"], a["tap"]["statements"]),
                     ratio(b["tap"]["cursors"], a["tap"]["cursors"]), "",
                     ratio(rows_total(b["tap"]["rows"]), rows_total(a["tap"]["rows"]))])
    out.append(common.table(headers, rows))
    out.append("")
    for label, result in [("addon", addon), ("addon, recordset", addon_rs)]:
        info = result["info"]
        out.append("  %s: message %s %s, %d msgids, %d members linked; emulator: %d records, %d of %d members "
                   "received it once, %d dropped, %d invalid; rows %s (counted in the tables: %s)"
                   % (label, info["id"], info["status"], len(info["msgids"]), info["linked"], result["records"],
                      result["received_once"], len(userids), result["dropped"], result["invalid"],
                      per_table(result["tap"]["rows"]),
                      ", ".join("%s +%d" % kv for kv in sorted(result["counted"].items()))))
    out.append("  addon: its one wecom_message row takes %d bytes on disk, besides the %d relation rows and %d "
               "recipient rows (%d delivered), one per member, and its send calls"
               % (addon["info"]["row_bytes"], addon["info"]["linked"], addon["info"]["recipients"],
                  addon["info"]["reached"]))
    out.append("  addon, where the time goes (each part alone, fresh cursor): _prepare() with %d userids %.2f s; "
               "one ORM field read on the %d members, records.filtered(lambda r: not r.active), %.2f s (the ORM "
               "prefetches every stored field of the members, whatever the field read; the same check in SQL: "
               "%.3f s); with a recordset the rest of the path is %.2f s instead of %.2f s"
               % (len(userids), parts["prepare"], len(userids), parts["active_check"], parts["active_sql"],
                  addon_rs["time"] - addon_rs["tap"]["http_time"], addon["time"] - addon["tap"]["http_time"]))
    if baseline:
        out.append("  baseline: %d of %d members received their message once, %d dropped, %d invalid; rows %s "
                   "(counted in the tables: %s; deleted afterwards)"
                   % (baseline["received_once"], len(userids), baseline["dropped"], baseline["invalid"],
                      per_table(baseline["tap"]["rows"]),
                      ", ".join("%s +%d" % kv for kv in sorted(baseline["counted"].items()))))
        out.append("  baseline: %.0f message/send calls a minute, where WeCom allows 10,000 a minute per corp and "
                   "API (45009 above it; the client then waits 60 s)"
                   % (baseline["calls"]["message/send"] * 60.0 / max(baseline["time"], 1e-9)))
        out.append("  network: %.1f ms per HTTP exchange on 127.0.0.1 (baseline), %.0f ms per 1000-member call "
                   "(addon); WeCom's own round trip is not modelled: every 10 ms of it adds %.1f s to the addon "
                   "and %.0f s to the baseline"
                   % (1000.0 * baseline["tap"]["http_time"] / max(1, baseline["tap"]["http_calls"]),
                      1000.0 * addon["tap"]["http_time"] / max(1, addon["tap"]["http_calls"]),
                      addon["calls"]["message/send"] * 0.01, baseline["calls"]["message/send"] * 0.01))
    else:
        out.append("  baseline skipped (BENCH_SKIP_BASELINE=1)")
    for problem in problems:
        out.append("PROBLEM: " + problem)
    out.append("total bench time %.0f s" % (time.time() - overall))
    print("\n".join(out))
    sys.stdout.flush()
    return problems


if __name__ == "__main__":
    sys.exit(main())
