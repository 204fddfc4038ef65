"""The lease of a run directory in S3, against a real S3 server (SeaweedFS) on loopback: a
second driver is refused, a released or expired lease is taken, and the lease is renewed while
held."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from ray_toolace.stages.lease import LeaseHeld, run_lease
from test_s3 import BUCKET, s3, s3_env  # noqa: F401  (fixtures)

HOLDER = textwrap.dedent("""
    import sys, time
    from ray_toolace.stages.lease import run_lease
    with run_lease(sys.argv[1], ttl_s=float(sys.argv[2])):
        print("held", flush=True)
        time.sleep(float(sys.argv[3]))
""")


def lease_object(s3_env, run: str) -> dict:
    import boto3

    client = boto3.client("s3", endpoint_url=s3_env["AWS_ENDPOINT_URL"], region_name="us-east-1")
    return json.loads(client.get_object(Bucket=BUCKET, Key=run[len(f"s3://{BUCKET}/"):] + "/lease.json")["Body"].read())


def test_an_s3_run_dir_is_held_by_one_driver(s3_env):
    run = f"s3://{BUCKET}/lease-{uuid.uuid4().hex[:8]}"
    with run_lease(run, ttl_s=30):
        held = lease_object(s3_env, run)
        other = subprocess.run([sys.executable, "-c", HOLDER, run, "30", "0"], capture_output=True, text=True, timeout=60)
        assert other.returncode != 0 and "held" not in other.stdout
        assert "LeaseHeld" in other.stderr and f"pid {held['pid']}" in other.stderr and "lease.json" in other.stderr
    with run_lease(run, ttl_s=30):  # released on exit: the next driver gets it at once
        pass


def test_a_dead_drivers_s3_lease_expires_and_a_live_one_is_renewed(s3_env):
    run = f"s3://{BUCKET}/lease-{uuid.uuid4().hex[:8]}"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, run, "4", "600"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        first = lease_object(s3_env, run)
        time.sleep(3)
        assert lease_object(s3_env, run)["expires_at"] > first["expires_at"]  # renewed every ttl/4
        with pytest.raises(LeaseHeld):
            with run_lease(run):
                pass
    finally:
        holder.kill()  # no release: the lease stays until it expires (same host: the dead pid frees it)
        holder.wait()
    with run_lease(run, ttl_s=30):
        assert lease_object(s3_env, run)["pid"] != first["pid"]
