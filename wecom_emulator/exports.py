# -*- coding: utf-8 -*-
"""Async export jobs (WECOM_API §9.2, CARDS_LOGIN §F): start, poll, download encrypted files.

A job snapshots its records when it starts (export_data.py) and encrypts one file per block:
AES-256-CBC, key = base64decode(encoding_aeskey + "="), IV = key[:16], PKCS#7 to 32 bytes, of
the block's JSON. `size` and `md5` in data_list are those of the served bytes (the
ciphertext). Job status: 0 not started, 1 processing, 2 done, 3 failed.

Settings (ExportSettings; Emulator(export_format=..., export_options=...), the admin API):
- format: encoding "binary" (default) or "base64" (the ciphertext base64-wrapped); framing
  "plain" (default: the JSON alone) or "callback" (random16 + length + JSON + corpid, as in
  callbacks). [UNCERTAIN] in both docs: the defaults are CARDS_LOGIN §F's decision.
- polls: get_result answers that still say "not finished" (the first 0, then 1) before the
  job finishes (default 0: done at once); delay: emulator-clock seconds before it may finish.
- new_ip_ban: kinds the contact-sync assistant may not export from a new IP (48009); default
  simple_user, user, department (§9.2; [UNCERTAIN] beyond export/user, §F).
- taguser_job_type: JobType of the completion event, "export_taguser" or "export_tag" [UNCERTAIN].
- param_errcode: errcode for a bad encoding_aeskey or block_size (40058, [UNCERTAIN] code).
- corrupt: serve every file with its last byte changed (md5 and content no longer match).
- url_ttl: seconds a data_list url stays valid after the job finished (7200).
Outcomes per job: faults "job_failed" / "job_stuck" on the start path (consumed by the next
start), or force(jobid, status) on an existing job.
"""
import base64
import collections
import hashlib
import json
import math
import secrets
import string

from .errors import ApiError
from .msgcrypt import MsgCryptError, cbc_encrypt, check_aes_key, frame

NOT_STARTED, PROCESSING, DONE, FAILED = 0, 1, 2, 3
BLOCK_MIN, BLOCK_MAX = 10 ** 4, 10 ** 6
JOB_TYPES = {"simple_user": "export_simple_user", "user": "export_user",
             "department": "export_department"}
TAGUSER_JOB_TYPES = ("export_taguser", "export_tag")
ENCODINGS = ("binary", "base64")
FRAMINGS = ("plain", "callback")
BANNABLE = ("simple_user", "user", "department", "taguser")
FAILED_ERRCODE = -1     # ErrCode of a failed job's batch_job_result (emulator choice)
FAULT_OUTCOMES = {"job_failed": "failed", "job_stuck": "stuck"}
_ALNUM = string.ascii_letters + string.digits


def _number(value, name, integer=False, minimum=0):
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)) \
            or (not integer and math.isnan(value)) or value < minimum:
        raise ValueError("%s must be %s >= %s" % (name, "an integer" if integer else "a number",
                                                   minimum))
    return value


def parse_format(value, current=("binary", "plain")):
    """"binary", "base64", "binary+callback", ... or {"encoding", "framing"} (missing keys
    keep current) -> (encoding, framing); ValueError otherwise."""
    if isinstance(value, str):
        encoding, _, framing = value.partition("+")
        value = {"encoding": encoding, "framing": framing or "plain"}
    if not isinstance(value, dict) or set(value) - {"encoding", "framing"}:
        raise ValueError("export format: 'binary' | 'base64' [+ 'callback'], or "
                         "{\"encoding\", \"framing\"}")
    encoding = value.get("encoding", current[0])
    framing = value.get("framing", current[1])
    if encoding not in ENCODINGS or framing not in FRAMINGS:
        raise ValueError("export format: encoding one of %s, framing one of %s"
                         % ("/".join(ENCODINGS), "/".join(FRAMINGS)))
    return encoding, framing


class ExportSettings(object):
    def __init__(self, **options):
        self.encoding, self.framing = "binary", "plain"
        self.polls, self.delay = 0, 0
        self.new_ip_ban = ["simple_user", "user", "department"]
        self.taguser_job_type = "export_taguser"
        self.param_errcode = 40058
        self.corrupt = False
        self.url_ttl = 7200
        self.update(options)

    def update(self, data):
        """Change some settings, all or none; ValueError (or TypeError) on a bad one."""
        checked = {}
        for name, value in data.items():
            if name == "format":
                checked["encoding"], checked["framing"] = parse_format(
                    value, (self.encoding, self.framing))
            elif name == "polls":
                checked[name] = _number(value, name, integer=True)
            elif name in ("delay", "url_ttl"):
                checked[name] = _number(value, name, minimum=0 if name == "delay" else 1)
            elif name == "corrupt":
                if not isinstance(value, bool):
                    raise ValueError("corrupt must be true or false")
                checked[name] = value
            elif name == "new_ip_ban":
                if not isinstance(value, list) or set(value) - set(BANNABLE):
                    raise ValueError("new_ip_ban: a list of %s" % ", ".join(BANNABLE))
                checked[name] = list(value)
            elif name == "taguser_job_type":
                if value not in TAGUSER_JOB_TYPES:
                    raise ValueError("taguser_job_type: one of %s" % ", ".join(TAGUSER_JOB_TYPES))
                checked[name] = value
            elif name == "param_errcode":
                checked[name] = _number(value, name, integer=True, minimum=-1)
            else:
                raise ValueError("unknown export setting %r" % name)
        for name, value in checked.items():
            setattr(self, name, value)

    def as_dict(self):
        return collections.OrderedDict([
            ("format", {"encoding": self.encoding, "framing": self.framing}),
            ("polls", self.polls), ("delay", self.delay), ("corrupt", self.corrupt),
            ("new_ip_ban", list(self.new_ip_ban)), ("taguser_job_type", self.taguser_job_type),
            ("param_errcode", self.param_errcode), ("url_ttl", self.url_ttl)])


def seal(key, document, encoding, framing, receive_id):
    """The bytes of one data file."""
    plain = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if framing == "callback":
        plain = frame(plain, receive_id)
    raw = cbc_encrypt(key, plain)
    return base64.b64encode(raw) if encoding == "base64" else raw


def owner_of(caller):
    return "contact_sync" if caller.is_contact_sync else caller.agent_id


def job_event(corp_id, job, now):
    """batch_job_result (§8.7) for a finished job."""
    ok = job.final == DONE
    return {"ToUserName": corp_id, "FromUserName": "sys", "CreateTime": int(now),
            "MsgType": "event", "Event": "batch_job_result",
            "BatchJob": {"JobId": job.jobid, "JobType": job.job_type,
                         "ErrCode": 0 if ok else FAILED_ERRCODE,
                         "ErrMsg": "ok" if ok else "system busy"}}


class Job(object):
    def __init__(self, jobid, kind, job_type, owner, now, files, records, block_size,
                 polls, ready_at, outcome):
        self.jobid, self.kind, self.job_type, self.owner = jobid, kind, job_type, owner
        self.created_at = now
        self.files = files
        self.records, self.block_size = records, block_size
        self.polls_left = polls       # get_result answers still due before it may finish
        self.ready_at = ready_at      # emulator time before which it may not finish
        self.outcome = outcome        # "done", "failed" or "stuck"
        self.final = None             # DONE or FAILED once finished
        self.forced = None            # NOT_STARTED / PROCESSING pinned by force()
        self.finished_at = None
        self.answers = 0              # get_result answers given so far
        self.downloads = 0

    def due(self, now):
        return (self.final is None and self.forced is None and self.outcome != "stuck"
                and self.polls_left <= 0 and now >= self.ready_at)

    def waiting_status(self):
        if self.forced is not None:
            return self.forced
        return NOT_STARTED if self.answers == 0 else PROCESSING

    def describe(self):
        return {"jobid": self.jobid, "kind": self.kind, "type": self.job_type,
                "owner": self.owner, "status": self.final if self.final is not None
                else self.waiting_status(), "outcome": self.outcome,
                "created_at": self.created_at, "finished_at": self.finished_at,
                "records": self.records, "block_size": self.block_size,
                "polls_left": max(0, self.polls_left), "ready_at": self.ready_at,
                "answers": self.answers, "downloads": self.downloads,
                "files": [{"size": len(f), "md5": hashlib.md5(f).hexdigest()}
                          for f in self.files]}


class ExportError(Exception):
    """A download that cannot be served: status 404 (no such file) or 403 (link expired)."""

    def __init__(self, status, message):
        Exception.__init__(self, message)
        self.status = status


class ExportJobs(object):
    def __init__(self, clock, corp_id, notify, settings=None):
        self.clock = clock
        self.corp_id = corp_id      # a callable: the corp may be rebuilt by reset()
        self.notify = notify        # notify(owner, event): post batch_job_result
        self.settings = settings or ExportSettings()
        self.jobs = collections.OrderedDict()

    def reset(self):
        self.jobs.clear()

    # ------------------------------------------------------------------ lifecycle
    def _finish(self, job, status, now):
        job.final, job.forced, job.finished_at = status, None, now
        self.notify(job.owner, job_event(self.corp_id(), job, now))

    def tick(self, now=None):
        """Finish the jobs whose time has come (delay-based ones finish when looked at)."""
        now = self.clock() if now is None else now
        for job in list(self.jobs.values()):
            if job.due(now):
                self._finish(job, FAILED if job.outcome == "failed" else DONE, now)

    def force(self, jobid, status):
        """Pin a job at status 0 or 1 (it never finishes), or finish it now as 2 or 3."""
        job = self.jobs.get(jobid)
        if job is None:
            raise KeyError(jobid)
        if status not in (NOT_STARTED, PROCESSING, DONE, FAILED):
            raise ValueError("status must be 0, 1, 2 or 3")
        if status in (DONE, FAILED):
            if job.final != status:
                self._finish(job, status, self.clock())
        else:
            job.final, job.finished_at, job.forced = None, None, status
        return job.describe()

    # ------------------------------------------------------------------ the API
    def start(self, call, kind, build):
        """export/<kind>: validate, snapshot, encrypt; {"jobid"}. build(body, block_size) ->
        (records, documents), see export_data.documents."""
        settings = self.settings
        self.tick(call.now)
        caller = call.caller
        if caller.is_contact_sync and caller.new_ip and kind in settings.new_ip_ban:
            raise ApiError(48009)
        body = call.json()
        key = self._key(body.get("encoding_aeskey"))
        block_size = body.get("block_size", BLOCK_MAX)
        if isinstance(block_size, bool) or not isinstance(block_size, int) \
                or not BLOCK_MIN <= block_size <= BLOCK_MAX:
            raise ApiError(settings.param_errcode, "block_size must be an integer in "
                           "[10000, 1000000]. Invalid input invalid Request Parameter")
        records, docs = build(body, block_size)
        fault = getattr(call, "fault", None)
        outcome = FAULT_OUTCOMES.get(fault.kind if fault is not None else None, "done")
        files = [seal(key, doc, settings.encoding, settings.framing, self.corp_id())
                 for doc in docs]
        jobid = "jobid_" + "".join(secrets.choice(_ALNUM) for _ in range(32))
        job_type = JOB_TYPES.get(kind, settings.taguser_job_type)
        job = Job(jobid, kind, job_type, owner_of(caller), call.now, files, records, block_size,
                  settings.polls, call.now + settings.delay, outcome)
        self.jobs[jobid] = job
        self.tick(call.now)   # polls = delay = 0: finished already
        return {"jobid": jobid}

    def _key(self, value):
        if value is None or value == "":
            raise ApiError(self.settings.param_errcode, "encoding_aeskey missing. "
                           "Invalid input invalid Request Parameter")
        try:
            return check_aes_key(value)
        except MsgCryptError:
            raise ApiError(self.settings.param_errcode, "encoding_aeskey must be 43 characters "
                           "of [a-zA-Z0-9]. Invalid input invalid Request Parameter")

    def result(self, call, host_url):
        """export/get_result: only the identity that started the job (40088 for any other)."""
        jobid = call.args.get("jobid")
        if not jobid:
            raise ApiError(40058, "jobid missing. Invalid input invalid Request Parameter")
        job = self.jobs.get(jobid)
        if job is None or job.owner != owner_of(call.caller):
            raise ApiError(40088)
        self.tick(call.now)
        if job.final is None:
            status = job.waiting_status()
            job.answers += 1
            job.polls_left -= 1
            return {"status": status}
        job.answers += 1
        out = {"status": job.final}
        if job.final == DONE:
            out["data_list"] = [
                {"url": "%s_emulator/export/%s/%d" % (host_url, job.jobid, n),
                 "size": len(data), "md5": hashlib.md5(data).hexdigest()}
                for n, data in enumerate(job.files, 1)]
        return out

    # ------------------------------------------------------------------ files
    def download(self, jobid, number):
        """The bytes of data file `number` (1-based); ExportError if there is none or its link
        expired (url_ttl after the job finished, emulator clock)."""
        job = self.jobs.get(jobid)
        if job is None or job.final != DONE or not 1 <= number <= len(job.files):
            raise ExportError(404, "no export file %s/%s" % (jobid, number))
        if self.clock() >= job.finished_at + self.settings.url_ttl:
            raise ExportError(403, "export url expired (valid %ds after the job finished)"
                              % self.settings.url_ttl)
        job.downloads += 1
        data = job.files[number - 1]
        if self.settings.corrupt:
            data = data[:-1] + bytes([data[-1] ^ 0x01])
        return data

    def describe(self):
        return {"settings": self.settings.as_dict(),
                "jobs": [job.describe() for job in self.jobs.values()]}
