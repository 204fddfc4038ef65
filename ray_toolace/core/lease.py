"""When a run directory's lease is held by another driver, and how the refusal reads.

    holder = lease_holder(record, now=time.time(), host=socket.gethostname(), pid_alive=alive)
    if holder: raise LeaseHeld(held_message(run_dir, record, now))

A lease record is `{"owner", "pid", "host", "acquired_at", "renewed_at", "expires_at"}`. It is
stale, and may be taken over, once it has expired (its holder stopped renewing it) or when its
holder ran on this host and that process is gone (a driver killed a moment ago need not wait
for the expiry). Pure: the caller passes the clock and the process check.
"""

from __future__ import annotations

import time
from typing import Any, Callable


def lease_record(owner: str, pid: int, host: str, now: float, ttl_s: float) -> dict[str, Any]:
    return {"owner": owner, "pid": pid, "host": host, "acquired_at": now, "renewed_at": now, "expires_at": now + ttl_s}


def lease_holder(record: dict[str, Any] | None, now: float, host: str, pid_alive: Callable[[int], bool],
                 owner: str | None = None) -> dict[str, Any] | None:
    """The record when someone else holds the lease; None when it is free (absent, released,
    expired, its process dead on this host, or ours)."""
    if not record or record.get("released_at"):
        return None
    if owner is not None and record.get("owner") == owner:
        return None
    if float(record.get("expires_at") or 0) <= now:
        return None
    if record.get("host") == host and isinstance(record.get("pid"), int) and not pid_alive(record["pid"]):
        return None
    return record


def _when(t: Any) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(t)))
    except (TypeError, ValueError):
        return "?"


def held_message(where: str, record: dict[str, Any], lease_uri: str, now: float | None = None) -> str:
    now = time.time() if now is None else now
    expires = float(record.get("expires_at") or 0)
    if expires == float("inf"):  # a lock file: held as long as its process lives
        lasts = f"lease {lease_uri}, held while that process runs"
    else:
        lasts = f"lease {lease_uri}, expires in {max(expires - now, 0):.0f} s unless renewed"
    return (
        f"{where} is in use by another driver: pid {record.get('pid')} on host {record.get('host')}, "
        f"since {_when(record.get('acquired_at'))} ({lasts}). Two drivers writing one run directory "
        f"would mix their outputs: wait for that job to finish or stop it (ray job stop ...), or "
        f"use another run_dir."
    )
