"""One driver per run directory: a lease taken before a stage writes anything.

    with run_lease(cfg.run_dir):      # raises LeaseHeld naming the other driver
        ...

Local (or shared-disk) run directories: `<run_dir>/.lease`, a lock file held with an exclusive
`flock` for the driver's lifetime and holding its pid, host and start time for the refusal
message. The kernel drops the lock when the process dies, however it dies, so a stale lease
never blocks a re-run. S3: `<run_dir>/lease.json`, created with a conditional PUT
(`If-None-Match: *`; a stale one is taken over with `If-Match` on its ETag) and renewed by a
background thread; it expires `ttl_s` after its last renewal (core/lease.py decides when it is
stale). Where an S3 server refuses conditional writes, the lease is written plainly and read
back after a pause, which catches all but a near-simultaneous start.

Leases nest within one process: holding a run directory covers every folder under it, so the
iterate loop's probe of `round-0/` (run_probe takes a lease of its own) goes through.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Any, Iterator

from ray_toolace import storage
from ray_toolace.core.lease import held_message, lease_holder, lease_record

log = logging.getLogger("ray_toolace.lease")

LEASE_FILES = (".lease", "lease.json")  # what a stage clearing its folder must leave in place
TTL_S = 120.0  # an S3 lease outlives its last renewal by this long (ours)
_held: dict[str, Any] = {}  # run directories this process holds


class LeaseHeld(RuntimeError):
    """Another driver holds the run directory; the message says who and what to do."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _LocalLease:
    def __init__(self, root: str):
        self.uri = os.path.join(root, LEASE_FILES[0])
        self.fd: int | None = None

    def _record(self) -> dict[str, Any]:
        try:
            return json.loads(open(self.uri, encoding="utf-8").read() or "{}")
        except (OSError, ValueError):
            return {}

    def acquire(self, root: str) -> None:
        os.makedirs(root, exist_ok=True)
        fd = os.open(self.uri, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            record = self._record()
            record.setdefault("expires_at", float("inf"))  # a lock lasts as long as its process
            raise LeaseHeld(held_message(root, record, self.uri)) from None
        previous = self._record()
        if previous and not previous.get("released_at"):
            log.warning("%s: taking over the lease of pid %s on %s, which ended without releasing it",
                        root, previous.get("pid"), previous.get("host"))
        self.fd = fd
        self._write(lease_record(uuid.uuid4().hex, os.getpid(), socket.gethostname(), time.time(), float("inf")))

    def _write(self, record: dict[str, Any]) -> None:
        data = json.dumps(record, default=str).encode()
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)
        os.fsync(self.fd)

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            record = self._record()
            record["released_at"] = time.time()
            self._write(record)
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


class _S3Lease:
    # error codes of servers that do not implement conditional writes
    _UNSUPPORTED = ("NotImplemented", "InvalidArgument", "InvalidRequest", "NotSupported")

    def __init__(self, root: str, ttl_s: float):
        self.uri = storage.join(root, LEASE_FILES[1])
        self.bucket, _, self.key = self.uri[len("s3://") :].partition("/")
        self.ttl_s = ttl_s
        self.owner = uuid.uuid4().hex
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        import boto3

        endpoint = os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3")
        self.s3 = boto3.client("s3", endpoint_url=endpoint, region_name=os.environ.get("AWS_REGION", "us-east-1"))

    def _get(self) -> tuple[dict[str, Any] | None, str | None]:
        from botocore.exceptions import ClientError

        try:
            obj = self.s3.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None, None
            raise
        try:
            return json.loads(obj["Body"].read()), obj.get("ETag")
        except ValueError:
            return {}, obj.get("ETag")

    def _body(self) -> bytes:
        return json.dumps(lease_record(self.owner, os.getpid(), socket.gethostname(), time.time(), self.ttl_s)).encode()

    def _refuse(self, root: str, record: dict[str, Any] | None) -> LeaseHeld:
        return LeaseHeld(held_message(root, record or {}, self.uri))

    def acquire(self, root: str) -> None:
        from botocore.exceptions import ClientError

        host = socket.gethostname()
        current, etag = self._get()
        holder = lease_holder(current, time.time(), host, _pid_alive)
        if holder:
            raise self._refuse(root, holder)
        condition = {"IfNoneMatch": "*"} if current is None else {"IfMatch": etag}
        try:
            self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=self._body(), **condition)
            checked = True
        except ClientError as e:
            err = e.response.get("Error", {})
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status in (409, 412) or err.get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise self._refuse(root, self._get()[0]) from None  # another driver won the race
            if status != 501 and err.get("Code") not in self._UNSUPPORTED:
                raise
            log.warning("%s: the S3 server refuses conditional writes (%s); writing the lease plainly", self.uri, err.get("Code"))
            self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=self._body())
            checked = False
        if not checked:
            time.sleep(1.0)  # a racing driver's write lands within this pause; the last write wins
        record, _ = self._get()
        if not record or record.get("owner") != self.owner:
            raise self._refuse(root, record)
        if current:
            log.warning("%s: took over a stale lease of pid %s on %s", root, current.get("pid"), current.get("host"))
        self.thread = threading.Thread(target=self._renew, name="run-lease", daemon=True)
        self.thread.start()

    def _renew(self) -> None:
        while not self.stop.wait(self.ttl_s / 4):
            try:
                record, _ = self._get()
                if record and record.get("owner") != self.owner:
                    log.error("%s: the lease was taken over by pid %s on %s", self.uri, record.get("pid"), record.get("host"))
                    return
                self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=self._body())
            except Exception as e:  # a missed renewal is retried; the lease lasts ttl_s meanwhile
                log.warning("%s: lease renewal failed: %s", self.uri, e)

    def release(self) -> None:
        self.stop.set()
        if self.thread:
            self.thread.join(timeout=10)
        try:
            record, _ = self._get()
            if record and record.get("owner") == self.owner:
                self.s3.delete_object(Bucket=self.bucket, Key=self.key)
        except Exception as e:
            log.warning("%s: could not release the lease (it expires in %.0f s): %s", self.uri, self.ttl_s, e)


def _covered(root: str) -> bool:
    return any(root == held or root.startswith(held.rstrip("/") + "/") for held in _held)


@contextmanager
def run_lease(run_dir: str, ttl_s: float = TTL_S) -> Iterator[None]:
    """Hold `run_dir`'s lease for the block; raises LeaseHeld when another driver holds it."""
    root = storage.absolute(run_dir).rstrip("/")
    if _covered(root):
        yield
        return
    lease = _S3Lease(root, ttl_s) if storage.is_s3(root) else _LocalLease(root)
    lease.acquire(root)
    _held[root] = lease
    try:
        yield
    finally:
        del _held[root]
        lease.release()
