"""How long a tap on a WeCom card takes to move the Odoo document, on a running `make run` stack.

Usage: python scripts/measure_approval.py [ODOO_URL] [EMULATOR_URL] [DB] [ROUNDS]
(defaults http://127.0.0.1:8069, http://127.0.0.1:8899, wecom, 5). Needs wecom_hr_holidays and
make run's leave demo (王强 an employee, 刘艳 his manager and a Leave Officer).

Each round, as the administrator over JSON-RPC: a leave request for 王强 (state To Approve, which
sends 刘艳 the card), then the emulator is told that 刘艳 taps 同意 (POST
/_emulator/messages/<msgid>/click): the time runs from that POST until the leave reads Approved in
Odoo, i.e. the encrypted callback to Odoo, the stored event, the background job running
action_approve as 刘艳's user. Prints each round and the median; informational, exits 0.
"""
import json
import statistics
import sys
import time
from datetime import datetime, timedelta
from http.cookiejar import CookieJar
from urllib.request import HTTPCookieProcessor, Request, build_opener

ODOO, EMULATOR, DB = "http://127.0.0.1:8069", "http://127.0.0.1:8899", "wecom"


class Odoo(object):
    def __init__(self, url, db):
        self.url = url
        self.http = build_opener(HTTPCookieProcessor(CookieJar()))
        self.post("/web/session/authenticate", {"db": db, "login": "admin", "password": "admin"})

    def post(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode("utf-8")
        answer = json.load(self.http.open(Request(self.url + path, body, {"Content-Type": "application/json"}),
                                          timeout=60))
        if "error" in answer:
            raise SystemExit("Odoo refused %s: %s" % (path, answer["error"]["data"]["message"]))
        return answer["result"]

    def call(self, model, method, *args, **kwargs):
        return self.post("/web/dataset/call_kw", {"model": model, "method": method, "args": list(args),
                                                  "kwargs": kwargs})


def click(emulator, msgid, userid, key):
    body = json.dumps({"userid": userid, "key": key}).encode("utf-8")
    request = Request("%s/_emulator/messages/%s/click" % (emulator, msgid), body, {"Content-Type": "application/json"})
    return json.load(build_opener().open(request, timeout=60))


def one_round(odoo, emulator, employee_id, status_id, day):
    # a day of its own each round and each run: Odoo refuses overlapping leaves
    start = datetime(2030, 1, 1, 1, 0) + timedelta(days=2 * (int(time.time()) // 60 % 20000) + 2 * day)
    leave_id = odoo.call("hr.holidays", "create", {
        "name": "measure_approval %s" % day, "type": "remove", "employee_id": employee_id,
        "holiday_status_id": status_id, "number_of_days_temp": 1,
        "date_from": start.strftime("%Y-%m-%d %H:%M:%S"), "date_to": (start + timedelta(hours=8)).strftime(
            "%Y-%m-%d %H:%M:%S")})
    approval = odoo.call("wecom.approval", "search_read", [("res_model", "=", "hr.holidays"),
                                                           ("res_id", "=", leave_id)], ["message_id"], limit=1)
    if not approval or not approval[0]["message_id"]:
        raise SystemExit("no WeCom approval was asked for leave %s (see its WeCom note)" % leave_id)
    calls = odoo.call("wecom.message.call", "search_read", [("message_id", "=", approval[0]["message_id"][0])],
                      ["msgid"])
    started = time.time()
    click(emulator, calls[0]["msgid"], "liuyan", "approve")
    while time.time() - started < 60:
        if odoo.call("hr.holidays", "read", [leave_id], ["state"])[0]["state"] == "validate":
            return time.time() - started
        time.sleep(0.02)
    raise SystemExit("leave %s was not approved within 60 s of the tap" % leave_id)


def main(odoo_url=ODOO, emulator=EMULATOR, db=DB, rounds="5"):
    odoo = Odoo(odoo_url.rstrip("/"), db)
    employee = odoo.call("hr.employee", "search_read", [("user_id.login", "=", "wangqiang")], ["id"], limit=1)
    status = odoo.call("hr.holidays.status", "search_read", [("limit", "=", True)], ["id"], limit=1)
    if not employee or not status:
        raise SystemExit("make run's leave demo is missing (an employee for wangqiang, a leave type without limit)")
    times = []
    for day in range(int(rounds)):
        times.append(one_round(odoo, emulator.rstrip("/"), employee[0]["id"], status[0]["id"], day))
        print("round %d: tap -> leave approved in %.0f ms" % (day + 1, times[-1] * 1000))
    print("median %.0f ms, max %.0f ms over %d rounds" % (statistics.median(times) * 1000, max(times) * 1000,
                                                          len(times)))


if __name__ == "__main__":
    main(*sys.argv[1:5])
