"""Clients of the deployed stack started by tests/deploy/run.sh: two prefork Odoo servers (A and B)
on one database, and the WeCom emulator. Plain HTTP (JSON-RPC as admin, the JSON API with an API
key, the emulator's admin API) and psycopg2 for reading what the servers wrote; nothing of Odoo
is imported here.

Environment (set by run.sh): DEPLOY_A_URL, DEPLOY_B_URL, DEPLOY_EMULATOR_URL, DEPLOY_A_PGID,
DEPLOY_B_PGID (process groups, for kill -9), DEPLOY_DB, DEPLOY_PGHOST, DEPLOY_PGPORT,
DEPLOY_PGUSER, DEPLOY_A_LOG, DEPLOY_B_LOG.

Figures measured by the tests (latencies, timings) are printed in a "deployment figures" section
at the end of the run.
"""
import itertools
import os
import re
import time

import psycopg2
import pytest
import requests

A_URL = os.environ.get("DEPLOY_A_URL", "http://127.0.0.1:8569").rstrip("/")
B_URL = os.environ.get("DEPLOY_B_URL", "http://127.0.0.1:8570").rstrip("/")
EMULATOR_URL = os.environ.get("DEPLOY_EMULATOR_URL", "http://127.0.0.1:8599").rstrip("/")
DB = os.environ.get("DEPLOY_DB", "wecom_deploy")
PG = dict(host=os.environ.get("DEPLOY_PGHOST", "127.0.0.1"), port=int(os.environ.get("DEPLOY_PGPORT", "5433")),
          user=os.environ.get("DEPLOY_PGUSER", "odoo"), dbname=DB)
LOGS = {"A": os.environ.get("DEPLOY_A_LOG"), "B": os.environ.get("DEPLOY_B_LOG")}
PGIDS = {"A": os.environ.get("DEPLOY_A_PGID"), "B": os.environ.get("DEPLOY_B_PGID")}
RUN = "%x" % int(time.time())  # makes this run's contents and positions unique
FINAL_SYNC = ("success", "partial", "failed")
FIGURES = []
_ids = itertools.count(1)


def figure(label, value):
    """Record a measured figure for the summary (and print it, for -s runs)."""
    FIGURES.append((label, value))
    print("%s: %s" % (label, value))


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("deployment figures")
        for label, value in FIGURES:
            terminalreporter.write_line("  %-58s %s" % (label, value))


def wait_for(what, predicate, timeout, interval=0.1):
    """Call predicate() until it returns something true; that value, or AssertionError at the deadline."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("timed out after %s s waiting for %s (last: %r)" % (timeout, what, value))
        time.sleep(interval)


# ------------------------------------------------------------------------------- Odoo
class RpcError(Exception):
    def __init__(self, error):
        data = error.get("data") or {}
        super(RpcError, self).__init__("%s: %s" % (data.get("name"), data.get("message") or error.get("message")))
        self.name = data.get("name") or ""
        self.message = data.get("message") or ""


class Odoo(object):
    """One server: JSON-RPC as admin (session cookie) and the JSON API with a bearer key."""

    def __init__(self, name, url):
        self.name, self.url = name, url
        self.session = requests.Session()
        self.key = None

    def __repr__(self):
        return "Odoo %s (%s)" % (self.name, self.url)

    def rpc(self, path, params, timeout=120):
        response = self.session.post(self.url + path, timeout=timeout, json={
            "jsonrpc": "2.0", "method": "call", "params": params, "id": next(_ids)})
        response.raise_for_status()
        body = response.json()
        if body.get("error"):
            raise RpcError(body["error"])
        return body["result"]

    def login(self):
        result = self.rpc("/web/session/authenticate", {"db": DB, "login": "admin", "password": "admin"})
        assert result.get("uid"), result
        return self

    def call(self, model, method, *args, **kwargs):
        return self.rpc("/web/dataset/call_kw/%s/%s" % (model, method),
                        {"model": model, "method": method, "args": list(args), "kwargs": kwargs})

    def api(self, method, path, body=None, timeout=120):
        """The JSON API (/api/v1/wechat/...): (HTTP status, envelope)."""
        response = requests.request(method, self.url + "/api/v1/wechat" + path, json=body, timeout=timeout,
                                    headers={"Authorization": "Bearer %s" % self.key})
        return response.status_code, response.json()

    def trigger_job_cron(self):
        """Run "WeCom: run background jobs" now, in a worker of this server (ir.cron method_direct_trigger)."""
        cron_id = self.call("ir.model.data", "xmlid_to_res_id", "wecom_integration.wecom_job_cron", True)
        started = time.time()
        self.call("ir.cron", "method_direct_trigger", [cron_id])
        return time.time() - started


def record_id(value):
    """The id of a record as JSON-RPC renders it ("wecom.sync.log(12,)") or a dict with "id"."""
    if isinstance(value, dict):
        return value["id"]
    match = re.search(r"\((\d+),?\)", str(value))
    assert match, value
    return int(match.group(1))


@pytest.fixture(scope="session")
def servers():
    """{"A": Odoo, "B": Odoo}, logged in, sharing one API key made through JSON-RPC."""
    a, b = Odoo("A", A_URL).login(), Odoo("B", B_URL).login()
    _record, key = a.call("wecom.api.key", "generate", "deploy test %s" % RUN)
    assert key.startswith("wck_"), key
    a.key = b.key = key
    return {"A": a, "B": b}


# ------------------------------------------------------------------------------- emulator
def emulator(method, path, body=None, timeout=30):
    response = requests.request(method, EMULATOR_URL + "/_emulator/" + path.lstrip("/"), json=body, timeout=timeout)
    assert response.status_code < 400, (path, response.status_code, response.text)
    return response.json()


def set_latency(ms):
    assert emulator("POST", "latency", {"latency_ms": ms})["latency_ms"] == ms


def emulator_messages():
    return emulator("GET", "messages")["messages"]


# ------------------------------------------------------------------------------- database
@pytest.fixture(scope="session")
def db():
    """sql(query, params) -> rows, on an autocommit connection to the servers' database."""
    connection = psycopg2.connect(**PG)
    connection.autocommit = True

    def sql(query, params=()):
        with connection.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else cr.rowcount
    yield sql
    connection.close()


def wait_idle(sql, timeout=90):
    """Until no sync is queued or running and no job is running (the scheduled syncs a fresh
    database starts with, a previous test's leftovers)."""
    def idle():
        busy = sql("SELECT count(*) FROM wecom_sync_log WHERE status IN ('queued', 'running')")[0][0]
        busy += sql("SELECT count(*) FROM wecom_job WHERE state = 'running'")[0][0]
        return busy == 0
    wait_for("no sync queued or running", idle, timeout, interval=0.25)


@pytest.fixture(scope="session")
def synced(servers, db):
    """The mirror holds the demo corp (a foreground full sync through the API when it does not)."""
    wait_idle(db)
    if not db("SELECT count(*) FROM wecom_user WHERE active")[0][0]:
        status, body = servers["B"].api("POST", "/sync/sync_all", {"wait": True})
        assert status == 200 and body["code"] == 0, body
    return True


def worker_pids(sql, job_ids):
    """{job id: pid} of the process that ran each job's last attempt (wecom_job.worker = host:pid)."""
    rows = sql("SELECT id, worker FROM wecom_job WHERE id IN %s", (tuple(job_ids),))
    return {job_id: int(worker.rpartition(":")[2]) for job_id, worker in rows if worker}


def server_of_pid(pid):
    """"A" or "B": whose process group the (maybe dead) process belonged to, from /proc if alive."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            pgid = stat.read().rpartition(")")[2].split()[2]
    except OSError:
        return None
    return next((name for name, group in PGIDS.items() if group == pgid), None)


def recycled_workers(name):
    """How many prefork workers of server ``name`` reached --limit-request so far (its log)."""
    path = LOGS.get(name)
    if not path or not os.path.exists(path):
        return 0
    with open(path, errors="replace") as log:
        return sum(1 for line in log if "max request" in line and "reached" in line)
