"""sync/runner.py: a burst of requests makes one thread and at most one more run."""
import threading
import time

from sync.runner import CoalescingRunner


def wait_until(condition, timeout=10):
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.01)


def test_requests_during_a_run_make_one_more_run():
    runner, release, runs = CoalescingRunner("test"), threading.Event(), []

    def work():
        runs.append(threading.current_thread().name)
        release.wait(10)

    assert runner.request("db1", work) is True
    wait_until(lambda: len(runs) == 1)
    started = [runner.request("db1", work) for _ in range(50)]
    assert started == [False] * 50, "no thread per request"
    release.set()
    wait_until(lambda: not runner.busy("db1"))
    assert runs == ["test-db1", "test-db1"], "the run in progress, then one more for all 50"


def test_keys_are_independent_and_a_failure_does_not_stop_the_runner():
    runner, done = CoalescingRunner("test"), []

    def failing():
        raise RuntimeError("boom")

    assert runner.request("db1", failing) is True
    assert runner.request("db2", lambda: done.append("db2")) is True
    wait_until(lambda: not runner.busy("db1") and not runner.busy("db2"))
    assert done == ["db2"]
    assert runner.request("db1", lambda: done.append("db1")) is True, "idle again after the failure"
    wait_until(lambda: done == ["db2", "db1"])
