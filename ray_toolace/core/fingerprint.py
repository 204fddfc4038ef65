"""Fingerprints of what determines a stage's output, and which fields of two of them differ.

    fp = fingerprint({"sampling": {"k": 4}, "model": {"name_or_path": "m"}})
    differences(recorded, fp)   # ["sampling.k: 4 -> 8"]
    digest(fp)                  # a short stable hash of the whole fingerprint

A fingerprint is a nested dict of plain JSON values (the stages build it from the config, the
model's and the adapter's content, the sample ids). Resume compares the recorded one with the
current one field by field, so a refusal can name what changed instead of saying only that
something did. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable

MISSING = "<absent>"


def _flat(tree: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(tree, dict):
        out: dict[str, Any] = {}
        for key in sorted(tree):
            out.update(_flat(tree[key], f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: tree}


def fingerprint(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields as they are recorded: a JSON round trip, so tuples and lists compare equal and
    a recorded fingerprint read back from disk equals the one built now."""
    return json.loads(json.dumps(fields, sort_keys=True, default=str))


def digest(fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fingerprint(fields), sort_keys=True).encode()).hexdigest()[:16]


def ids_digest(ids: Iterable[str]) -> str:
    """One hash for an ordered list of ids (shards follow the order, so it matters)."""
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]


def _show(value: Any, width: int = 60) -> str:
    text = MISSING if value is MISSING else json.dumps(value, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


def differences(recorded: dict[str, Any] | None, current: dict[str, Any]) -> list[str]:
    """Every dotted field whose value differs, as `field: old -> new`, in field order. A run
    recorded before fingerprints existed (None) differs in one pseudo-field."""
    if recorded is None:
        return ["fingerprint: none recorded (outputs of an older version) -> " + digest(current)]
    old, new = _flat(fingerprint(recorded)), _flat(fingerprint(current))
    out = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key, MISSING), new.get(key, MISSING)
        if a != b:
            out.append(f"{key}: {_show(a)} -> {_show(b)}")
    return out


def mismatch_message(what: str, where: str, diffs: list[str]) -> str:
    """The refusal: which stage, where, what changed, and the two ways out."""
    listed = "\n  ".join(diffs)
    return (
        f"{what} in {where} was made with another configuration; refusing to reuse its outputs.\n"
        f"  {listed}\n"
        f"Use another run_dir, or set resume=restart to redo this stage (and what follows it) "
        f"with the current configuration."
    )
