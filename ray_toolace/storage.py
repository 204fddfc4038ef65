"""The one place that knows local paths from `s3://` URIs.

Every stage reads and writes run files through these functions, so a run directory may live on
local disk or in S3 alike. pyarrow's filesystems do the work (the same ones Ray Data and Ray
Train take). S3 settings come from the environment, never from code or config files:
`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (or an instance profile), `AWS_REGION`, and
`AWS_ENDPOINT_URL` for S3-compatible servers.

Writes are atomic: a local file is written beside its target and renamed over it; an S3 object
appears whole or not at all with a single PUT. A reader never sees half a manifest.

S3 calls that fail for a reason that may pass (connection refused or reset, throttling, a 5xx)
are retried with growing pauses, each logged, for up to `RAY_TOOLACE_S3_RETRY_SECONDS` (default
60); then `StorageError` names the object and the last error. A missing object
(FileNotFoundError) and refused credentials are not retried.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

_UMASK = os.umask(0)
os.umask(_UMASK)

log = logging.getLogger("ray_toolace.storage")

# AWS error names (as pyarrow reports them) that waiting will not fix
_PERMANENT = ("ACCESS_DENIED", "INVALID_ACCESS_KEY_ID", "SIGNATURE_DOES_NOT_MATCH", "NO_SUCH_BUCKET", "AccessDenied")


class StorageError(OSError):
    """An S3 operation that kept failing; the message names the object."""


def _retrying(action: str, uri: str, fn):
    """fn() for an s3:// URI, retried while its failure may be transient; local paths run once."""
    if not is_s3(uri):
        return fn()
    budget = float(os.environ.get("RAY_TOOLACE_S3_RETRY_SECONDS", "60"))
    start, delay, attempt = time.monotonic(), 0.5, 0
    while True:
        attempt += 1
        try:
            return fn()
        except FileNotFoundError:
            raise
        except OSError as e:
            waited = time.monotonic() - start
            if any(m in str(e) for m in _PERMANENT) or waited + delay > budget:
                raise StorageError(f"{action} {uri} failed after {attempt} attempt(s) in {waited:.1f} s: {e}") from e
            log.warning("%s %s failed (attempt %d), retrying in %.1f s: %s", action, uri, attempt, delay, e)
            time.sleep(delay)
            delay = min(delay * 2, 8.0)


def is_s3(uri: str) -> bool:
    return str(uri).startswith("s3://")


def s3_filesystem() -> pafs.S3FileSystem:
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3")
    kwargs: dict[str, Any] = {"region": os.environ.get("AWS_REGION", "us-east-1")}
    if endpoint:
        parsed = urlparse(endpoint)
        kwargs["endpoint_override"] = parsed.netloc or parsed.path
        kwargs["scheme"] = parsed.scheme or "https"
    return pafs.S3FileSystem(**kwargs)


def filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    """(pyarrow filesystem, path inside it) for a local path or an s3:// URI."""
    uri = str(uri)
    if is_s3(uri):
        return s3_filesystem(), uri[len("s3://") :]
    return pafs.LocalFileSystem(), os.path.abspath(uri)


def absolute(uri: str) -> str:
    """An s3:// URI as it is; a local path made absolute (Ray workers may run in other folders)."""
    uri = str(uri)
    return uri if is_s3(uri) else os.path.abspath(os.path.expanduser(uri))


def join(base: str, *parts: str) -> str:
    base = str(base)
    if is_s3(base):
        return "/".join([base.rstrip("/")] + [p.strip("/") for p in parts])
    return str(Path(base, *parts))


def exists(uri: str) -> bool:
    fs, path = filesystem(uri)
    return _retrying("checking", uri, lambda: fs.get_file_info(path).type != pafs.FileType.NotFound)


def makedirs(uri: str) -> None:
    if not is_s3(uri):  # S3 has no directories to make
        os.makedirs(uri, exist_ok=True)


def read_bytes(uri: str) -> bytes:
    fs, path = filesystem(uri)

    def read() -> bytes:
        with fs.open_input_stream(path) as f:
            return f.read()

    return _retrying("reading", uri, read)


def write_bytes(uri: str, data: bytes) -> None:
    uri = str(uri)
    if is_s3(uri):
        fs, path = filesystem(uri)

        def write() -> None:
            # the object changes only when its upload completes: a failed try leaves the old one
            with fs.open_output_stream(path) as f:
                f.write(data)

        _retrying("writing", uri, write)
        return
    target = Path(uri)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; run outputs are for sharing
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_text(uri: str) -> str:
    return read_bytes(uri).decode("utf-8")


def write_text(uri: str, text: str) -> None:
    write_bytes(uri, text.encode("utf-8"))


def read_json(uri: str) -> Any:
    return json.loads(read_text(uri))


def write_json(uri: str, obj: Any) -> None:
    write_text(uri, json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def write_parquet(uri: str, table: pa.Table) -> None:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    write_bytes(uri, buf.getvalue())


def read_parquet(uri: str) -> pa.Table:
    return pq.read_table(io.BytesIO(read_bytes(uri)))


def list_files(uri: str, suffix: str = "") -> list[str]:
    """Files directly under a directory URI, sorted; [] when it does not exist."""
    fs, path = filesystem(uri)
    try:
        infos = _retrying("listing", uri, lambda: fs.get_file_info(pafs.FileSelector(path, allow_not_found=True)))
    except FileNotFoundError:
        return []
    names = sorted(i.base_name for i in infos if i.type == pafs.FileType.File and i.base_name.endswith(suffix))
    return [join(uri, n) for n in names if not n.startswith(".")]


@contextmanager
def publish_dir(out: Path, complete: Callable[[Path], bool]) -> Iterator[Path]:
    """A local folder written whole or not at all: yields a temporary folder beside `out`, which
    becomes `out` when the block ends without error. Another process that published `out`
    first wins (`complete(out)` true): its folder stays and this one is dropped."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        os.replace(tmp, out)
    except OSError:
        if not complete(out):
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def list_dirs(uri: str) -> list[str]:
    """Names of the folders directly under a directory URI, sorted; [] when it does not exist.
    On S3 a folder is a common prefix of objects."""
    fs, path = filesystem(uri)
    try:
        infos = _retrying("listing", uri, lambda: fs.get_file_info(pafs.FileSelector(path, allow_not_found=True)))
    except FileNotFoundError:
        return []
    return sorted(i.base_name for i in infos if i.type == pafs.FileType.Directory and not i.base_name.startswith("."))


def clear_dir(uri: str, keep: tuple[str, ...] = ()) -> None:
    """Delete everything in a directory (local or s3://) but the entries named in `keep`
    (a lease held on it); absent is fine."""
    fs, path = filesystem(uri)
    infos = _retrying("listing", uri, lambda: fs.get_file_info(pafs.FileSelector(path, allow_not_found=True)))
    for info in infos:
        if info.base_name in keep:
            continue
        if info.type == pafs.FileType.Directory:
            _retrying("deleting", uri, lambda p=info.path: fs.delete_dir(p))
        else:
            _retrying("deleting", uri, lambda p=info.path: fs.delete_file(p))


def local_path(uri: str) -> str:
    """A local path for a local URI; S3 URIs have none (callers download explicitly)."""
    if is_s3(uri):
        raise ValueError(f"{uri} is in S3, not on local disk")
    return os.path.abspath(uri)
