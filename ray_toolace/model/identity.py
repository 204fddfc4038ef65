"""What a model or adapter *is*, for fingerprints and content-keyed folders: a digest of its files.

    folder_digest("runs/x/round-0/train/model")   # "3f9a..." (same files, same digest)
    model_identity("smollm2-135m")                # {"name_or_path": ..., "content": None}

A local folder's digest covers every file's name and size, and its bytes: whole for files up to
64 MiB (configs, tokenizers, adapters), the first and last MiB for larger ones (weights), so
fingerprinting a multi-GB model reads 2 MiB per file, yet a retrained model (whose safetensors
header and tail change) gets a new digest. A hub id or the default model's name has no local
folder: the name is its identity.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

WHOLE_FILE_BYTES = 64 << 20
EDGE_BYTES = 1 << 20


def file_digest(path: str, h: Any | None = None) -> str:
    h = h or hashlib.sha256()
    size = os.path.getsize(path)
    h.update(str(size).encode())
    with open(path, "rb") as f:
        if size <= WHOLE_FILE_BYTES:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        else:
            h.update(f.read(EDGE_BYTES))
            f.seek(size - EDGE_BYTES)
            h.update(f.read(EDGE_BYTES))
    return h.hexdigest()


def folder_digest(folder: str) -> str:
    """A digest of a folder's files (hidden ones and temporary copies excepted), in name order."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(n for n in filenames if not n.startswith(".")):
            path = os.path.join(dirpath, name)
            h.update(os.path.relpath(path, folder).encode() + b"\0")
            file_digest(path, h)
    return h.hexdigest()[:16]


def model_identity(name_or_path: str | None) -> dict[str, Any] | None:
    """The name as configured and, for a local folder, its content digest."""
    if not name_or_path:
        return None
    content = folder_digest(name_or_path) if os.path.isdir(name_or_path) else None
    return {"name_or_path": name_or_path, "content": content}
