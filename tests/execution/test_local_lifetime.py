"""Worker processes end with their driver also where Linux's parent-death signal does not bind
them to it: workers forked from a thread other than the main one (the signal would fire when
that thread ends, so it is not armed) and workers of a forkserver (their parent is the server).
There the lifeline each worker watches, and the guard of its process group, end them and what
their trial started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tests.processes import descendants, kill_all, wait_until_gone
from tests.sweep.drivers import LOSS_S

DRIVER = textwrap.dedent("""
    import subprocess, sys, threading, time
    from hpsearch.execution import ProcessExecutor, TrialJob

    def objective(params):
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)  # grandchild"])
        time.sleep(120)
        return 0.0

    def factory():
        return objective

    def drive(method):
        ex = ProcessExecutor(2, metric_names=["value"], start_method=method)
        ex.start(factory)
        for number in range(2):
            ex.submit(TrialJob(number, {"x": 0.0}))
        while True:
            ex.poll(0.5)

    if __name__ == "__main__":
        method, where = sys.argv[1:]
        if where == "thread":
            threading.Thread(target=drive, args=(method,), daemon=True).start()
            time.sleep(600)
        else:
            drive(method)
""")


@pytest.mark.parametrize(("method", "where"), [("fork", "thread"), ("forkserver", "main")])
def test_workers_and_their_children_end_with_a_sigkilled_driver(tmp_path, method, where):
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    driver = subprocess.Popen([sys.executable, str(script), method, where])
    try:
        deadline = time.monotonic() + 60
        while sum("# grandchild" in p.cmdline for p in descendants(driver.pid)) < 2:
            assert driver.poll() is None, "the driver ended on its own"
            assert time.monotonic() < deadline, "the trials never started their children"
            time.sleep(0.05)
        before = descendants(driver.pid)
    finally:
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait()
    left = wait_until_gone(before, LOSS_S)
    kill_all(left)
    assert not left, "still running after the driver was killed:\n" + "\n".join(map(str, left))
    guards = [p for p in before if "hpsearch-guard" in p.cmdline]
    assert len(guards) >= 2  # one per worker: the guards end with the driver too
