"""A run directory's lease: a second driver is refused with a clear message, a dead one's lease
frees itself. The stale rule is pure (core/lease.py); the local lock is exercised with a real
second process holding it, and SIGKILLed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from ray_toolace.core.lease import held_message, lease_holder, lease_record
from ray_toolace.stages.lease import LeaseHeld, run_lease

HOST = socket.gethostname()


def test_a_live_lease_is_held_and_an_expired_or_orphaned_one_is_free():
    now = 1000.0
    rec = lease_record("o1", 4242, "node-a", now, ttl_s=60)
    alive, dead = (lambda pid: True), (lambda pid: False)
    assert lease_holder(rec, now + 10, "node-b", alive) == rec
    assert lease_holder(rec, now + 61, "node-b", alive) is None  # expired: its holder stopped renewing
    assert lease_holder(rec, now + 10, "node-a", dead) is None  # its process is gone on this host
    assert lease_holder(rec, now + 10, "node-b", dead) == rec  # another host's pid says nothing here
    assert lease_holder(rec, now + 10, "node-b", alive, owner="o1") is None  # ours
    assert lease_holder({**rec, "released_at": now + 5}, now + 10, "node-b", alive) is None
    assert lease_holder(None, now, "node-a", alive) is None


def test_the_refusal_says_who_holds_it_and_what_to_do():
    rec = lease_record("o1", 4242, "node-a", time.time(), ttl_s=60)
    text = held_message("s3://b/run", rec, "s3://b/run/lease.json")
    assert "pid 4242 on host node-a" in text and "s3://b/run/lease.json" in text and "expires in" in text
    assert "ray job stop" in text and "another run_dir" in text
    local = held_message("/runs/x", {**rec, "expires_at": float("inf")}, "/runs/x/.lease")
    assert "held while that process runs" in local


HOLDER = textwrap.dedent("""
    import sys, time
    from ray_toolace.stages.lease import run_lease
    with run_lease(sys.argv[1]):
        print("held", flush=True)
        time.sleep(120)
""")


def _hold(run_dir) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(run_dir)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_driver_is_refused_until_the_first_one_dies(tmp_path):
    run = tmp_path / "run"
    holder = _hold(run)
    try:
        with pytest.raises(LeaseHeld) as e:
            with run_lease(str(run)):
                pass
        assert f"pid {holder.pid} on host {HOST}" in str(e.value) and str(run / ".lease") in str(e.value)
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # no cleanup, like a killed driver
        holder.wait()
    with run_lease(str(run)):  # the kernel dropped the dead holder's lock: no wait, no manual step
        record = (run / ".lease").read_text()
        assert f'"pid": {os.getpid()}' in record
    assert '"released_at"' in (run / ".lease").read_text()


def test_leases_nest_within_one_process(tmp_path):
    with run_lease(str(tmp_path / "run")):
        with run_lease(str(tmp_path / "run")):
            with run_lease(str(tmp_path / "run" / "round-0")):  # the iterate loop's probe of a round
                pass
    with run_lease(str(tmp_path / "run")):  # released on the way out
        pass
