# -*- coding: utf-8 -*-
"""The client's export path (wecom/export.py) and the adaptive per-department concurrency
(wecom/directory.py), against the WeCom emulator in-process."""
import pytest
import responses

from wecom import directory
from wecom.client import WecomClient
from wecom.export import ExportFailed, ExportReader, decrypt_file, random_aes_key
from wecom_emulator import Emulator
from wecom_emulator.testing import FakeClock, install


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


class Clock(object):
    """A monotonic clock that the injected sleep moves."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def emu():
    return Emulator(directory="demo", clock=FakeClock())


@pytest.fixture
def mock(emu):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        yield rsps


def client_for(emu, sleep=None):
    app = emu.legacy_app
    return WecomClient(emu.corp.corp_id, app.secret, agent_id=app.agent_id, sleep=sleep or Sleeps(),
                       rate_limit_backoff=(0.0,), backoff=(0.0,))


def per_department(app):
    return directory.fetch_users(app, directory.fetch_departments(app))


def test_export_users_equal_the_per_department_path(emu, mock):
    app = client_for(emu)
    expected = per_department(app)
    before = emu.calls()
    reader = ExportReader(app)
    users = directory.fetch_users_export(app, reader=reader)
    assert users == expected
    assert reader.calls == 2, "export/user + one get_result"
    assert reader.downloads == 1
    assert emu.calls() - before == 2


def test_departments_and_tag_exports(emu, mock):
    app = client_for(emu)
    reader = ExportReader(app)
    exported = {row["id"]: row for row in reader.departments()}
    listed = {row["id"]: row for row in app.department_list()}
    assert set(exported) == set(listed)
    for dept_id, row in exported.items():
        assert row["name"] == listed[dept_id]["name"]
        assert row["parentid"] == listed[dept_id]["parentid"]
    tag = app.tag_list()[0]
    members = reader.tag_members(tag["tagid"])
    detail = app.tag_get(tag["tagid"])
    assert sorted(u["userid"] for u in members["userlist"]) == sorted(u["userid"] for u in detail["userlist"])
    assert members["tagname"] == detail["tagname"]


def test_several_blocks_are_read_one_by_one():
    emu = Emulator(directory="large:25000:50", clock=FakeClock())
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        app = client_for(emu)
        reader = ExportReader(app, block_size=10000)
        users = directory.fetch_users_export(app, reader=reader)
        assert len(users) == 25000
        assert reader.downloads == 3
        assert users == per_department(app)


@pytest.mark.parametrize("fmt", ["binary", "base64", "binary+callback", "base64+callback"])
def test_uncertain_file_formats_are_all_read(fmt):
    emu = Emulator(directory="demo", clock=FakeClock(), export_format=fmt)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        app = client_for(emu)
        assert directory.fetch_users_export(app) == per_department(app)


def test_polls_until_done(emu, mock):
    emu.exports.settings.update({"polls": 3})
    sleeps = Sleeps()
    app = client_for(emu, sleeps)
    reader = ExportReader(app, sleep=sleeps)
    assert len(list(reader.users())) > 0
    assert reader.calls == 1 + 4
    assert len(sleeps) == 3


def test_failed_job(emu, mock):
    emu.inject_fault("export/user", kind="job_failed")
    with pytest.raises(ExportFailed) as caught:
        list(ExportReader(client_for(emu)).users())
    assert caught.value.reason == "failed"


def test_job_that_never_finishes_is_given_up(emu, mock):
    emu.inject_fault("export/user", kind="job_stuck")
    clock = Clock()
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        clock.now += seconds
    reader = ExportReader(client_for(emu), max_wait=30, sleep=sleep, clock=clock)
    with pytest.raises(ExportFailed) as caught:
        list(reader.users())
    assert caught.value.reason == "timeout"
    assert sum(waits) <= 30
    assert reader.calls < 20


def test_errcode_on_start(emu, mock):
    emu.inject_fault("export/user", errcode=48009)
    with pytest.raises(ExportFailed) as caught:
        list(ExportReader(client_for(emu)).users())
    assert caught.value.reason == "errcode"
    assert caught.value.errcode == 48009


def test_corrupt_file_fails_the_md5_check(emu, mock):
    emu.exports.settings.update({"corrupt": True})
    with pytest.raises(ExportFailed) as caught:
        list(ExportReader(client_for(emu)).users())
    assert caught.value.reason == "md5"


def test_wrong_key_does_not_decrypt(emu, mock):
    app = client_for(emu)
    reader = ExportReader(app)
    key = random_aes_key()
    data_list = reader.wait(reader.start("user", key))
    data = reader.download(data_list[0])
    assert decrypt_file(data, key)["userlist"]
    with pytest.raises(ExportFailed) as caught:
        decrypt_file(data, random_aes_key())
    assert caught.value.reason == "decrypt"


def test_block_size_bounds():
    with pytest.raises(ValueError):
        ExportReader(object(), block_size=5)


# ---------------------------------------------------------------------------- adaptive concurrency
def test_adaptive_concurrency_backs_off_and_grows():
    emu = Emulator(directory="large:2000:300", clock=FakeClock(), rate_limits={"concurrency": 3},
                   latency_ms=5)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        install(rsps, emu)
        app = client_for(emu)
        app.max_retries = 10
        departments = directory.fetch_departments(app)
        concurrency = directory.AdaptiveConcurrency(start=8, maximum=12, grow_after=10, concurrency_wait=0.01)
        users = directory.fetch_users(app, departments, concurrency=concurrency)
        assert len(users) == 2000
        assert concurrency.throttled >= 1, "45033 was met"
        assert concurrency.history[0] == 8 and min(concurrency.history) <= 4, "it backed off"
        assert app.on_rate_limit is None, "the hook is removed afterwards"


def test_adaptive_concurrency_grows_on_success():
    limiter = directory.AdaptiveConcurrency(start=2, maximum=5, grow_after=3)
    assert limiter.run(lambda x: x * 2, range(40)) == [x * 2 for x in range(40)]
    assert limiter.limit == 5
    assert limiter.on_rate_limit(45009, "user/list") is None
    assert limiter.limit == 2
    assert limiter.on_rate_limit(45033, "user/list") == limiter.concurrency_wait
    assert limiter.limit == 1


def test_a_cancelled_export_stops_at_its_next_step(emu, mock):
    """A run that fails while its export job goes on in another thread cancels it: no more polls."""
    app = client_for(emu)
    reader = ExportReader(app)
    reader.cancel()
    before = emu.calls()
    with pytest.raises(ExportFailed) as raised:
        directory.fetch_users_export(app, reader=reader)
    assert raised.value.reason == "cancelled"
    assert emu.calls() - before == 0, "not even the job's start"


def test_base64_files_are_still_read_when_their_length_fits_raw_bytes():
    """The base64 reading is only looked at once the raw one fails: a base64 text whose length is a
    multiple of 16 is still decrypted."""
    import base64
    import json
    from wecom_emulator.exports import seal
    from wecom_emulator.msgcrypt import check_aes_key
    key = random_aes_key()
    for rows in range(1, 40):
        document = {"userlist": [{"userid": "u%d" % n} for n in range(rows)]}
        sealed = seal(check_aes_key(key), document, "base64", "plain", "ww-corp")
        if len(sealed) % 16 == 0:
            assert base64.b64decode(sealed)
            assert decrypt_file(sealed, key, "ww-corp") == json.loads(json.dumps(document))
            break
    else:
        pytest.fail("no base64 file of a length divisible by 16 was made")
