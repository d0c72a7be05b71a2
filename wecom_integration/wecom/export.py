# -*- coding: utf-8 -*-
"""WeCom's asynchronous export jobs (docs/WECOM_API.md §9.2, WECOM_API_CARDS_LOGIN.md §F).

``export/simple_user``, ``export/user``, ``export/department`` and ``export/taguser`` start a job
with an ``encoding_aeskey`` chosen by the caller; ``export/get_result`` answers its status (0 not
started, 1 processing, 2 done, 3 failed) and, when done, a ``data_list`` of files ``{url, size,
md5}``. Each file is AES-256-CBC (key = base64decode(aeskey + "="), IV = key[:16], PKCS#7 to 32
bytes) of one JSON document; the whole directory comes in a handful of calls.

What the docs leave uncertain is read both ways: the file is the raw ciphertext or its base64,
and the plaintext is the JSON itself or framed like a callback message (random16 + length + JSON
+ corp id). Every file's size and md5 are checked before it is decrypted; the files are read one
at a time and their rows yielded, so a large export never lives in memory whole.

Any problem raises ExportFailed, whose ``reason`` says which kind ("errcode", "failed",
"timeout", "download", "size", "md5", "decrypt", "format", or "cancelled" after
ExportReader.cancel()): the caller falls back to the per-department calls. Imports nothing from Odoo.
"""
import base64
import binascii
import hashlib
import json
import random
import string
import struct
import time

import requests
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .crypto import WecomCryptoError, pkcs7_unpad
from .errors import WecomError

KINDS = ("simple_user", "user", "department", "taguser")
STATUS_NOT_STARTED, STATUS_PROCESSING, STATUS_DONE, STATUS_FAILED = 0, 1, 2, 3
BLOCK_MIN, BLOCK_MAX = 10000, 1000000
DEFAULT_MAX_WAIT = 600.0          # seconds a job may take before the export is given up
POLL_SCHEDULE = (0.2, 0.5, 1.0, 2.0, 5.0)   # waits between get_result calls, the last repeated
_ALNUM = string.ascii_letters + string.digits
_SYSRANDOM = random.SystemRandom()
_BASE64_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n"


class ExportFailed(WecomError):
    """An export that did not give a usable directory. ``reason``: errcode, failed, timeout,
    download, size, md5, decrypt, format or cancelled."""

    def __init__(self, reason, errmsg, errcode=None, path="", response=None):
        super(ExportFailed, self).__init__(errmsg, errcode=errcode, path=path, response=response)
        self.reason = reason


def random_aes_key():
    """A fresh 43-character EncodingAESKey for one job (WeCom lets the caller choose it)."""
    return "".join(_SYSRANDOM.choice(_ALNUM) for _ in range(43))


def _key_bytes(aes_key):
    try:
        key = base64.b64decode(aes_key + "=")
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ExportFailed("decrypt", "invalid encoding_aeskey") from exc
    if len(key) != 32:
        raise ExportFailed("decrypt", "invalid encoding_aeskey")
    return key


def _cbc_decrypt(key, data):
    if not data or len(data) % 16:
        raise ExportFailed("decrypt", "ciphertext length %d is not a multiple of 16" % len(data))
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16]), backend=default_backend()).decryptor()
    try:
        return pkcs7_unpad(decryptor.update(data) + decryptor.finalize())
    except WecomCryptoError as exc:
        raise ExportFailed("decrypt", "bad padding after decryption") from exc


def _unframe(plain, corp_id):
    """The JSON bytes of a decrypted file: as is, or out of a callback-like frame."""
    if plain[:1] in (b"{", b"["):
        return plain
    if len(plain) >= 20:
        length = struct.unpack(">I", plain[16:20])[0]
        body = plain[20:20 + length]
        if 20 + length <= len(plain) and body[:1] in (b"{", b"["):
            receive_id = plain[20 + length:]
            if corp_id and receive_id and receive_id != corp_id.encode("utf-8"):
                raise ExportFailed("decrypt", "the file was sealed for another corp id")
            return body
    raise ExportFailed("decrypt", "the decrypted file is not JSON (wrong key?)")


def _base64_body(data):
    """The decoded bytes when ``data`` is base64 text (the variant the docs leave open), else None."""
    stripped = data.strip()
    if not stripped or stripped.translate(None, _BASE64_BYTES):  # a byte outside base64's alphabet
        return None
    if len(stripped.replace(b"\r", b"").replace(b"\n", b"")) % 4:
        return None
    return base64.b64decode(stripped)


def _ciphertexts(data):
    """The ways to read a file's bytes, likeliest first: raw ciphertext, then its base64 (first when
    the length rules out raw bytes). The base64 reading is only looked at when needed: checking
    the alphabet of a large file is not free."""
    if len(data) % 16 == 0:
        yield data
    decoded = _base64_body(data)
    if decoded is not None:
        yield decoded
    if len(data) % 16:
        yield data


def decrypt_file(data, aes_key, corp_id=None):
    """The JSON document (a dict) of one data file's bytes."""
    key = _key_bytes(aes_key)
    error = None
    for raw in _ciphertexts(data):
        try:
            body = _unframe(_cbc_decrypt(key, raw), corp_id)
            document = json.loads(body.decode("utf-8"))
        except ExportFailed as exc:
            error = exc
            continue
        except (ValueError, UnicodeDecodeError) as exc:
            error = ExportFailed("decrypt", "the decrypted file is not valid JSON: %s" % exc)
            continue
        if not isinstance(document, dict):
            error = ExportFailed("format", "an export file is not a JSON object")
            continue
        return document
    raise error


class ExportReader(object):
    """Runs export jobs with one WecomClient: start, poll with a bounded wait, download each
    file, check its size and md5, decrypt it, yield its rows."""

    def __init__(self, client, block_size=BLOCK_MAX, max_wait=DEFAULT_MAX_WAIT,
                 poll_schedule=POLL_SCHEDULE, sleep=None, clock=time.monotonic, session=None,
                 aes_key=None):
        if not BLOCK_MIN <= int(block_size) <= BLOCK_MAX:
            raise ValueError("block_size must be between %d and %d" % (BLOCK_MIN, BLOCK_MAX))
        self.client = client
        self.block_size = int(block_size)
        self.max_wait = float(max_wait)
        self.poll_schedule = tuple(poll_schedule) or (1.0,)
        self.sleep = sleep if sleep is not None else client.sleep
        self.clock = clock
        self.session = session if session is not None else client.session
        self.aes_key = aes_key      # None: a fresh key for every job
        self.calls = 0              # WeCom API calls made (downloads not included)
        self.downloads = 0
        self.cancelled = False      # set by another thread: the next step raises ExportFailed("cancelled")

    def cancel(self):
        """Stop the export at its next step (a reader running in another thread whose result is no
        longer wanted: it does not poll on for up to max_wait)."""
        self.cancelled = True

    def _check_cancelled(self):
        if self.cancelled:
            raise ExportFailed("cancelled", "the export was cancelled")

    # ------------------------------------------------------------------ the steps
    def _request(self, method, path, **kwargs):
        self._check_cancelled()
        self.calls += 1
        try:
            return self.client.request(method, path, **kwargs)
        except ExportFailed:
            raise
        except WecomError as exc:
            raise ExportFailed("errcode", "%s: %s" % (path, exc.describe() if hasattr(exc, "describe") else exc),
                               errcode=exc.errcode, path=path) from exc

    def start(self, kind, aes_key, **extra):
        """Start an export of ``kind``; its jobid."""
        if kind not in KINDS:
            raise ValueError("unknown export kind %r" % (kind,))
        body = dict(extra, encoding_aeskey=aes_key, block_size=self.block_size)
        data = self._request("POST", "export/" + kind, json=body)
        jobid = data.get("jobid")
        if not jobid or not isinstance(jobid, str):
            raise ExportFailed("format", "export/%s answered without a jobid" % kind, path="export/" + kind)
        return jobid

    def wait(self, jobid):
        """The data_list of job ``jobid`` once it is done; ExportFailed when it fails or is
        not done within max_wait seconds."""
        deadline = self.clock() + self.max_wait
        polls = 0
        while True:
            data = self._request("GET", "export/get_result", params={"jobid": jobid})
            status = data.get("status")
            if status == STATUS_DONE:
                data_list = data.get("data_list")
                if not isinstance(data_list, list) or not data_list:
                    raise ExportFailed("format", "export job %s is done but lists no file" % jobid,
                                       path="export/get_result")
                return data_list
            if status == STATUS_FAILED:
                raise ExportFailed("failed", "export job %s failed (status 3)" % jobid,
                                   path="export/get_result")
            if status not in (STATUS_NOT_STARTED, STATUS_PROCESSING):
                raise ExportFailed("format", "export job %s: unknown status %r" % (jobid, status),
                                   path="export/get_result")
            wait = self.poll_schedule[min(polls, len(self.poll_schedule) - 1)]
            polls += 1
            if self.clock() + wait > deadline:
                raise ExportFailed("timeout", "export job %s did not finish within %ds (status %s)"
                                   % (jobid, self.max_wait, status), path="export/get_result")
            self.sleep(wait)

    def download(self, item):
        """The checked bytes of one data_list entry."""
        url, size, md5 = item.get("url"), item.get("size"), item.get("md5")
        if not url or not isinstance(url, str):
            raise ExportFailed("format", "an export file has no url")
        self._check_cancelled()
        self.downloads += 1
        try:
            response = self.session.get(url, timeout=max(self.client.timeout or 0, 60))
        except requests.exceptions.RequestException as exc:
            raise ExportFailed("download", "cannot download an export file: %s" % type(exc).__name__) from exc
        if response.status_code != 200:
            raise ExportFailed("download", "an export file answered HTTP %d" % response.status_code)
        data = response.content
        if size is not None and int(size) != len(data):
            raise ExportFailed("size", "an export file has %d bytes, WeCom announced %s" % (len(data), size))
        if md5 and hashlib.md5(data).hexdigest().lower() != str(md5).lower():
            raise ExportFailed("md5", "an export file's md5 does not match")
        return data

    def documents(self, kind, **extra):
        """Run one export of ``kind`` and yield its documents (one per file, in order)."""
        aes_key = self.aes_key or random_aes_key()
        data_list = self.wait(self.start(kind, aes_key, **extra))
        for item in data_list:
            if not isinstance(item, dict):
                raise ExportFailed("format", "an export data_list entry is not an object")
            yield decrypt_file(self.download(item), aes_key, self.client.corp_id)

    def rows(self, kind, key, **extra):
        """The rows under ``key`` ("userlist", "department") of every file of one export."""
        for document in self.documents(kind, **extra):
            rows = document.get(key)
            if rows is None:
                rows = []
            if not isinstance(rows, list):
                raise ExportFailed("format", "an export file's %s is not a list" % key)
            for row in rows:
                yield row

    def users(self, detail=True):
        """export/user (or export/simple_user) rows: what user/list (user/simplelist) returns."""
        return self.rows("user" if detail else "simple_user", "userlist")

    def departments(self):
        return self.rows("department", "department")

    def tag_members(self, tagid):
        """{"tagname", "userlist", "partylist"} of one tag, merged over its files."""
        merged = {"tagname": "", "userlist": [], "partylist": []}
        for document in self.documents("taguser", tagid=int(tagid)):
            merged["tagname"] = document.get("tagname") or merged["tagname"]
            merged["userlist"].extend(document.get("userlist") or [])
            merged["partylist"].extend(document.get("partylist") or [])
        return merged
