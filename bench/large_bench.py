"""Very large directories at WeCom's real speed (issue 13): export jobs against the per-department path.

Run by `make bench` (scripts/bench.sh) from the repository root with the project venv:

    .venv/bin/python bench/large_bench.py

On the benchmark database (BENCH_DB, ``wecom_bench``) and an emulator of ``large:50000:5000`` in its
own process (rate limits x1000 but WeCom's concurrency limit kept: 8 concurrent calls per API):

1. fetches the directory once through the export path (department/list + export/user + get_result),
   counting the WeCom calls (goal 4);
2. write phase, same fetched rows, each from an empty mirror, in one transaction COMMIT included:
   the raw-SQL floor (COPY into the mirror tables, relations included; then the no-change upsert
   that compares and writes nothing) and the addon's writers (goal 1);
3. at 30 ms emulator latency (BENCH_LATENCY_MS), the addon's real sync_all() from an empty mirror and
   again with nothing changed, through export jobs, then through the per-department path (goals 2, 3);
   the Odoo process's peak RSS during the export run and during the whole per-department run (goal 5,
   /proc/self/status VmHWM, reset through /proc/self/clear_refs before each);
4. with BENCH_HUGE=1 only: large:200000:20000, first sync_all() through export jobs, per 1,000
   members against the 50k cost (goal 6).

Prints figures and a Goals block (PASS / MISS with the figures); exits 1 only on an error.
"""
from __future__ import print_function

import collections
import io
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for path in (ROOT, HERE):
    if path not in sys.path:
        sys.path.insert(0, path)

import common  # noqa: E402
from common import calls_text, goal, per_table, progress, seconds, written_text  # noqa: E402
import sync_bench  # noqa: E402
from sync_bench import (EmulatorProcess, configure, environment, rows_written, settle,  # noqa: E402
                        truncate_mirror, written_since)

USERS = int(os.environ.get("BENCH_LARGE_USERS", "50000"))
DEPARTMENTS = int(os.environ.get("BENCH_LARGE_DEPARTMENTS", "5000"))
LATENCY_MS = float(os.environ.get("BENCH_LATENCY_MS", "30"))
HUGE = os.environ.get("BENCH_HUGE", "") not in ("", "0")
DB = os.environ.get("BENCH_DB", "wecom_bench")
SPEC = "large:%d:%d" % (USERS, DEPARTMENTS)
HUGE_SPEC = "large:200000:20000"


class LatencyEmulator(EmulatorProcess):
    """The bench's emulator with WeCom's concurrency limit (8) kept although the rate limits are x1000."""

    def __init__(self, spec):
        import subprocess
        original = subprocess.Popen

        def popen(args, **kwargs):
            return original(list(args) + ["--concurrency", "8"], **kwargs)
        subprocess.Popen = popen
        try:
            super(LatencyEmulator, self).__init__(spec)
        finally:
            subprocess.Popen = original

    def latency(self, ms):
        self.post("latency", {"latency_ms": ms})


def peak_rss_reset():
    """Reset the process's VmHWM (Linux >= 4.0); False when not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except (IOError, OSError):
        return False


def peak_rss_mb():
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (IOError, OSError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def set_fetch_mode(registry, mode):
    import odoo
    with registry.cursor() as cr:
        odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["wecom.config"]._set_stored("fetch_mode", mode)


def fetch_export(registry, emulator):
    from odoo.addons.wecom_integration.wecom.directory import fetch_departments, fetch_users_export
    from odoo.addons.wecom_integration.wecom.export import ExportReader
    with registry.cursor() as cr:
        app = environment(cr)["wecom.config"]._get_client("app")
        app.get_token()  # the token is not the fetch's
        before = emulator.calls()
        started = time.time()
        departments = fetch_departments(app)
        reader = ExportReader(app)
        users = fetch_users_export(app, reader=reader)
        elapsed = time.time() - started
        calls = emulator.calls() - before
    return departments, users, elapsed, calls, reader.downloads


# ---------------------------------------------------------------------------- the raw-SQL floor
def _tsv(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy(cr, table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_tsv(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    cr.copy_expert("COPY %s (%s) FROM STDIN" % (table, ", ".join(columns)), buffer)


def floor_rows(departments, users):
    """The mirror's rows for the fetched data, ids given here: (departments, members, memberships,
    leaderships, direct leaders)."""
    dept_ids = dict((wecom_id, index) for index, wecom_id in enumerate(sorted(departments), 1))
    names = {}

    def complete(wecom_id, depth=0):
        if wecom_id not in names:
            dept = departments[wecom_id]
            parent = dept["parentid"]
            names[wecom_id] = (complete(parent, depth + 1) + " / " if parent in departments and depth < 100 else "") \
                + (dept["name"] or str(wecom_id))
        return names[wecom_id]
    sys.setrecursionlimit(10000)
    dept_rows = [(dept_ids[d], d, departments[d]["name"] or str(d), departments[d].get("name_en") or None, complete(d),
                  dept_ids.get(departments[d]["parentid"]), departments[d]["parentid"], departments[d].get("order"), True)
                 for d in sorted(departments)]
    user_ids = dict((key, index) for index, key in enumerate(sorted(users), 1))
    user_rows, memberships, leaderships, direct = [], [], set(), []
    for key in sorted(users):
        member = users[key]
        depts = [int(d) for d in member.get("department") or [] if int(d) in dept_ids]
        main = member.get("main_department")
        user_rows.append((user_ids[key], member["userid"], member.get("name") or member["userid"], member.get("alias") or None,
                          member.get("position") or None, member.get("mobile") or None, member.get("email") or None,
                          member.get("biz_mail") or None, member.get("telephone") or None, member.get("gender"),
                          member.get("avatar") or None, str(member.get("status")) if member.get("status") is not None else None,
                          dept_ids.get(int(main)) if main else None, True))
        memberships.extend((dept_ids[d], user_ids[key]) for d in depts)
        for dept, flag in zip(depts, member.get("is_leader_in_dept") or []):
            if int(flag or 0):
                leaderships.add((dept_ids[dept], user_ids[key]))
        direct.extend((user_ids[key], user_ids[leader.lower()]) for leader in member.get("direct_leader") or []
                      if leader.lower() in user_ids)
    for wecom_id, dept in departments.items():
        for userid in dept.get("department_leader") or []:
            if userid.lower() in user_ids:
                leaderships.add((dept_ids[wecom_id], user_ids[userid.lower()]))
    return dept_rows, user_rows, memberships, sorted(leaderships), direct


DEPT_COLUMNS = ["id", "wecom_id", "name", "name_en", "complete_name", "parent_id", "parent_wecom_id", "wecom_order",
                "active"]
USER_COLUMNS = ["id", "userid", "name", "alias", "position", "mobile", "email", "biz_mail", "telephone", "gender",
                "avatar", "status", "main_department_id", "active"]
AUDIT = ["create_uid", "create_date", "write_uid", "write_date", "last_sync_date"]


def floor_first(registry, departments, users):
    """COPY of every row into the empty mirror, one transaction, COMMIT included."""
    with registry.cursor() as cr:
        before = rows_written(cr)
        started = time.time()
        depts, members, memberships, leaderships, direct = floor_rows(departments, users)
        cr.execute("SELECT now() AT TIME ZONE 'UTC'")
        now = cr.fetchone()[0]
        audit = (1, now, 1, now, now)
        _copy(cr, "wecom_department", DEPT_COLUMNS + AUDIT, (row + audit for row in depts))
        _copy(cr, "wecom_user", USER_COLUMNS + AUDIT, (row + audit for row in members))
        _copy(cr, "wecom_department_user_rel", ["department_id", "user_id"], memberships)
        _copy(cr, "wecom_department_leader_rel", ["department_id", "user_id"], leaderships)
        _copy(cr, "wecom_user_direct_leader_rel", ["user_id", "leader_id"], direct)
        cr.execute("SELECT setval('wecom_department_id_seq', %s), setval('wecom_user_id_seq', %s)",
                   (len(depts) + 1, len(members) + 1))
        written = written_since(before, rows_written(cr))
        cr.commit()
        elapsed = time.time() - started
    settle(registry)
    return {"time": elapsed, "written": written}


def floor_nochange(registry, departments, users):
    """The no-change upsert: stage the fetched rows (COPY into temporary tables), then update what
    differs, insert what is missing, delete what is gone; nothing differs, nothing is written."""
    with registry.cursor() as cr:
        before = rows_written(cr)
        started = time.time()
        depts, members, memberships, leaderships, direct = floor_rows(departments, users)
        cr.execute("CREATE TEMP TABLE s_dept (LIKE wecom_department) ON COMMIT DROP;"
                   "CREATE TEMP TABLE s_user (LIKE wecom_user) ON COMMIT DROP;"
                   "CREATE TEMP TABLE s_member (department_id int, user_id int) ON COMMIT DROP;"
                   "CREATE TEMP TABLE s_leader (department_id int, user_id int) ON COMMIT DROP;"
                   "CREATE TEMP TABLE s_direct (user_id int, leader_id int) ON COMMIT DROP")
        _copy(cr, "s_dept", DEPT_COLUMNS, depts)
        _copy(cr, "s_user", USER_COLUMNS, members)
        _copy(cr, "s_member", ["department_id", "user_id"], memberships)
        _copy(cr, "s_leader", ["department_id", "user_id"], leaderships)
        _copy(cr, "s_direct", ["user_id", "leader_id"], direct)
        for table, staged, key, columns in (("wecom_department", "s_dept", "wecom_id", DEPT_COLUMNS[2:]),
                                            ("wecom_user", "s_user", "userid", USER_COLUMNS[2:])):
            cr.execute("UPDATE %(t)s m SET %(set)s, write_date = now() AT TIME ZONE 'UTC' FROM %(s)s s "
                       "WHERE m.%(k)s = s.%(k)s AND (%(m)s) IS DISTINCT FROM (%(sv)s)"
                       % {"t": table, "s": staged, "k": key, "set": ", ".join("%s = s.%s" % (c, c) for c in columns),
                          "m": ", ".join("m." + c for c in columns), "sv": ", ".join("s." + c for c in columns)})
            cr.execute("INSERT INTO %(t)s (%(c)s) SELECT %(c)s FROM %(s)s s WHERE NOT EXISTS "
                       "(SELECT 1 FROM %(t)s m WHERE m.%(k)s = s.%(k)s)"
                       % {"t": table, "s": staged, "k": key, "c": ", ".join([key] + columns)})
        for table, staged, a, b in (("wecom_department_user_rel", "s_member", "department_id", "user_id"),
                                    ("wecom_department_leader_rel", "s_leader", "department_id", "user_id"),
                                    ("wecom_user_direct_leader_rel", "s_direct", "user_id", "leader_id")):
            cr.execute("INSERT INTO %(t)s (%(a)s, %(b)s) SELECT %(a)s, %(b)s FROM %(s)s EXCEPT SELECT %(a)s, %(b)s FROM %(t)s"
                       % {"t": table, "s": staged, "a": a, "b": b})
            cr.execute("DELETE FROM %(t)s r WHERE NOT EXISTS (SELECT 1 FROM %(s)s s WHERE s.%(a)s = r.%(a)s "
                       "AND s.%(b)s = r.%(b)s)" % {"t": table, "s": staged, "a": a, "b": b})
        written = written_since(before, rows_written(cr))
        written = dict((name, counts) for name, counts in written.items() if name.startswith("wecom_"))
        cr.commit()
        elapsed = time.time() - started
    settle(registry)
    return {"time": elapsed, "written": written}


# ---------------------------------------------------------------------------- end to end
def sync_all(registry, emulator):
    started = time.time()
    result = sync_bench.end_to_end(registry, emulator)
    with registry.cursor() as cr:
        cr.execute("SELECT fetch_mode, fetch_note FROM wecom_sync_log ORDER BY id DESC LIMIT 1")
        result["fetch_mode"], result["fetch_note"] = cr.fetchone()
    result["wall"] = time.time() - started
    return result


def e2e_line(label, r):
    log = r["log"]
    return "  %-44s %9s   WeCom calls %-6d rows %-16s %s, %s created, %s unchanged%s" % (
        label, seconds(r["time"]), sum(r["calls"].values()), written_text(r["written"]), log["status"],
        log["created_count"], log["unchanged_count"],
        "" if r["fetch_mode"] in ("export", "per_department") else "  PATH %s: %s" % (r["fetch_mode"], r["fetch_note"]))


def huge_run(cfg):
    """BENCH_HUGE=1: large:200000:20000, first sync_all() through export jobs at the same latency."""
    import odoo
    progress("huge: emulator %s: starting" % HUGE_SPEC)
    emulator = LatencyEmulator(HUGE_SPEC)
    try:
        registry = odoo.registry(DB)
        configure(registry, emulator)
        set_fetch_mode(registry, "export")
        emulator.latency(LATENCY_MS)
        truncate_mirror(registry)
        peak_rss_reset()
        progress("huge: sync_all() through export jobs, from an empty mirror ...")
        result = sync_all(registry, emulator)
        result["rss"] = peak_rss_mb()
        truncate_mirror(registry)
        return result
    finally:
        emulator.stop()


def main():
    import odoo
    overall = time.time()
    cfg = os.path.join(ROOT, ".local", "odoo-%s.cfg" % DB)
    progress("database %s: create or update with the addon" % DB)
    common.prepare_database(cfg, DB)
    progress("emulator %s: starting (concurrency limit 8)" % SPEC)
    emulator = LatencyEmulator(SPEC)
    problems, out = [], []
    try:
        with odoo.api.Environment.manage():
            registry = common.start_odoo(cfg, DB)
            configure(registry, emulator)
            sync_bench.set_autovacuum(registry, False)
            try:
                out, problems = run(registry, emulator, cfg, overall)
            finally:
                sync_bench.set_autovacuum(registry, True)
                set_fetch_mode(registry, "")
    finally:
        emulator.stop()
    print("\n".join(out))
    sys.stdout.flush()
    return 1 if problems else 0


def run(registry, emulator, cfg, overall):
    problems = []
    progress("fetch through export jobs (no latency) ...")
    departments, users, fetch_time, fetch_calls, downloads = fetch_export(registry, emulator)
    if len(users) != USERS or len(departments) != DEPARTMENTS:
        problems.append("the export fetch returned %d members / %d departments" % (len(users), len(departments)))

    progress("write phase: raw-SQL floor, first sync (COPY) ...")
    truncate_mirror(registry)
    floor1 = floor_first(registry, departments, users)
    floor_snapshot = sync_bench.snapshot(registry)
    progress("write phase: raw-SQL floor, no-change upsert ...")
    floor0 = floor_nochange(registry, departments, users)
    progress("write phase: the addon's writers, first sync ...")
    truncate_mirror(registry)
    addon1 = sync_bench.timed_write(registry, sync_bench.addon_write, departments, users)
    addon_snapshot = sync_bench.snapshot(registry)
    progress("write phase: the addon's writers, no change ...")
    addon0 = sync_bench.timed_write(registry, sync_bench.addon_write, departments, users)
    mirror_diff = sync_bench.compare("floor vs addon", "floor", floor_snapshot, "addon", addon_snapshot)

    emulator.latency(LATENCY_MS)
    e2e = collections.OrderedDict()
    rss = {}
    for mode in ("export", "per_department"):
        set_fetch_mode(registry, mode)
        truncate_mirror(registry)
        peak_rss_reset()
        progress("%g ms latency: sync_all() through %s, from an empty mirror ..." % (LATENCY_MS, mode))
        e2e[(mode, "first")] = sync_all(registry, emulator)
        progress("  %.1f s" % e2e[(mode, "first")]["time"])
        progress("%g ms latency: sync_all() through %s, nothing changed ..." % (LATENCY_MS, mode))
        e2e[(mode, "nochange")] = sync_all(registry, emulator)
        progress("  %.1f s" % e2e[(mode, "nochange")]["time"])
        rss[mode] = peak_rss_mb()
        for key in ("first", "nochange"):
            r = e2e[(mode, key)]
            if r["log"]["status"] != "success":
                problems.append("sync_all() %s %s: %s %s" % (mode, key, r["log"]["status"], r["log"]["error_message"]))
            if r["fetch_mode"] != mode:
                problems.append("sync_all() %s %s fetched %s: %s" % (mode, key, r["fetch_mode"], r["fetch_note"]))
    emulator.latency(0)
    truncate_mirror(registry)
    huge = huge_run(cfg) if HUGE else None

    # ------------------------------------------------------------------ report
    out = ["", "Very large directories at WeCom's speed (bench/large_bench.py, issue 13)", "=" * 72]
    out.append("corp      %s, emulator in its own process, rate limits x1000, concurrency limit 8 per API; "
               "database %s; %d CPUs (shared)" % (SPEC, DB, os.cpu_count() or 0))
    out.append("")
    out.append("Export fetch (no latency): department/list + export/user + get_result, %d file(s) downloaded"
               % downloads)
    out.append("  %d departments, %d members in %s; WeCom calls %s" % (len(departments), len(users), seconds(fetch_time),
                                                                    calls_text(fetch_calls)))
    out.append("")
    out.append("Write phase, same fetched rows, each in one transaction with COMMIT, from an empty mirror")
    out.append("  raw-SQL floor, first (COPY, relations included)  %9s   rows %s" % (seconds(floor1["time"]), per_table(floor1["written"])))
    out.append("  raw-SQL floor, no-change upsert                  %9s   rows %s" % (seconds(floor0["time"]), per_table(floor0["written"])))
    out.append("  addon writers, first                             %9s   rows %s, %d queries" % (
        seconds(addon1["time"]), per_table(addon1["written"]), addon1["queries"]))
    out.append("  addon writers, no change                         %9s   rows %s, %d queries" % (
        seconds(addon0["time"]), per_table(addon0["written"]), addon0["queries"]))
    out.append("  mirror: floor and addon %s" % ("identical (departments, members, memberships, leaders, direct leaders)"
                                                if not mirror_diff else "DIFFER: " + "; ".join(mirror_diff)))
    out.append("")
    out.append("End to end, sync_all() at %g ms a WeCom call (fetch, departments, members, tags, user linking; COMMIT)" % LATENCY_MS)
    for (mode, key), r in e2e.items():
        out.append(e2e_line("%s, %s" % (mode, "first (empty mirror)" if key == "first" else "nothing changed"), r))
    out.append("  peak RSS of the Odoo process: export runs %.0f MB, per-department runs %.0f MB" % (rss["export"], rss["per_department"]))
    if huge:
        out.append("  %s through export, first: %s, WeCom calls %d, %s, peak RSS %.0f MB" % (
            HUGE_SPEC, seconds(huge["time"]), sum(huge["calls"].values()), huge["log"]["status"], huge["rss"]))
    out.append("")

    out.append("Goals")
    ratio1 = addon1["time"] / floor1["time"]
    out.append("%-118s %s" % ("  1. write phase of the first full sync within 3x the raw-SQL floor: %s / %s = %.1fx" % (
        seconds(addon1["time"]), seconds(floor1["time"]), ratio1), goal(ratio1 <= 3)))
    ex1, pd1 = e2e[("export", "first")]["time"], e2e[("per_department", "first")]["time"]
    out.append("%-118s %s" % ("  2. first sync_all() at %g ms, export at least 5x faster than per department: %s vs %s = %.1fx" % (
        LATENCY_MS, seconds(ex1), seconds(pd1), pd1 / ex1), goal(pd1 / ex1 >= 5)))
    ex0, pd0 = e2e[("export", "nochange")]["time"], e2e[("per_department", "nochange")]["time"]
    out.append("%-118s %s" % ("  3. no-change sync_all() at %g ms, export under 1/5 of per department: %s / %s = %.3f" % (
        LATENCY_MS, seconds(ex0), seconds(pd0), ex0 / pd0), goal(ex0 / pd0 < 0.2)))
    fetch_total = sum(fetch_calls.values())
    out.append("%-118s %s" % ("  4. at most 20 WeCom calls for the export path's full fetch of %d members: %d" % (
        len(users), fetch_total), goal(fetch_total <= 20)))
    peak = max(rss.values())
    out.append("%-118s %s" % ("  5. peak memory of the Odoo process during the 50k sync under 1 GB: %.0f MB" % peak,
                              goal(peak < 1024)))
    if huge:
        per_k_50 = ex1 / (USERS / 1000.0)
        per_k_200 = huge["time"] / 200.0
        out.append("%-118s %s" % ("  6. per-1,000-member cost at 200k within 1.5x of 50k: %.3f s vs %.3f s = %.2fx" % (
            per_k_200, per_k_50, per_k_200 / per_k_50), goal(per_k_200 / per_k_50 <= 1.5)))
    else:
        out.append("  6. per-1,000-member cost at 200k within 1.5x of 50k: not run (set BENCH_HUGE=1)                       -")
    for problem in problems:
        out.append("PROBLEM: " + problem)
    out.append("total bench time %.0f s" % (time.time() - overall))
    return out, problems


if __name__ == "__main__":
    sys.exit(main())
