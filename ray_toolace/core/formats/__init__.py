"""Readers into the one Sample form, and writers back out.

Every row format is recognised by its keys, so one file may even mix them:
- ToolACE (`system` + `conversations`),
- OpenAI chat (`messages` + `tools`),
- the project's own sample rows (`Sample.to_row`: `messages`, `tools`, `ground_truth`),
- BFCL questions (`question` + `function`; answers come from `formats.bfcl`, which knows where
  BFCL keeps them).

A bad row never stops a file: it becomes a `Reject` with its line number and reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from ray_toolace.core.formats import bfcl, openai_chat, toolace
from ray_toolace.core.types import ReadResult, Reject, Sample

ROW_FORMATS = ("toolace", "openai", "sample", "bfcl")


def detect_format(row: dict[str, Any]) -> str:
    if "conversations" in row and "system" in row:
        return "toolace"
    if "ground_truth" in row and "messages" in row:
        return "sample"
    if "messages" in row:
        return "openai"
    if "question" in row and "function" in row:
        return "bfcl"
    raise ValueError(f"unknown row format (keys: {', '.join(sorted(row)[:8])})")


def row_to_samples(row: Any, line: int, answers: dict[str, Any] | None = None) -> list[Sample]:
    """The samples one row yields; raises ValueError with the reason for a bad row."""
    if isinstance(row, str):
        try:
            row = json.loads(row)
        except json.JSONDecodeError as e:
            raise ValueError(f"not valid JSON: {e.msg} at char {e.pos}") from None
    if not isinstance(row, dict):
        raise ValueError("row is not a JSON object")
    fmt = detect_format(row)
    try:
        if fmt == "toolace":
            return toolace.read_row(row, line)
        if fmt == "openai":
            return openai_chat.read_row(row, line)
        if fmt == "sample":
            sample = Sample.from_row(row)
            if not isinstance(sample.tools, list) or not isinstance(sample.ground_truth, list):
                raise ValueError("tools and ground_truth must be lists")
            return [sample]
        category = str(row.get("category") or str(row.get("id", "")).rsplit("_", 1)[0])
        return [bfcl.read_row(row, category, answers or {})]
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as e:
        # a shape the reader did not foresee: still a reject with a reason, never a crash
        raise ValueError(f"malformed {fmt} row: {type(e).__name__}: {e}") from None


def read_rows(rows: Iterable[Any], source: str = "", first_line: int = 1) -> ReadResult:
    """Samples from rows (dicts or JSON text); blank text rows are skipped, bad ones rejected."""
    result = ReadResult()
    for line, row in enumerate(rows, first_line):
        if isinstance(row, str) and not row.strip():
            continue
        try:
            result.samples.extend(row_to_samples(row, line))
        except ValueError as e:
            raw = row if isinstance(row, str) else json.dumps(row, ensure_ascii=False, default=str)
            result.rejects.append(Reject(line, str(e), source, raw.strip()))
    return result


def read_jsonl(path: str | Path) -> ReadResult:
    """A JSON-lines file of any supported row format."""
    with open(path, encoding="utf-8") as f:
        return read_rows(f, source=str(path))


def write_jsonl(samples: Iterable[Sample], path: str | Path, fmt: str = "openai") -> int:
    """Write samples as `openai`, `toolace` or `sample` rows; returns the number written."""
    writers = {"openai": openai_chat.write_row, "toolace": toolace.write_row, "sample": Sample.to_row}
    if fmt not in writers:
        raise ValueError(f"cannot write format {fmt!r}; choose one of {', '.join(writers)}")
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for sample in samples:
            f.write(json.dumps(writers[fmt](sample), ensure_ascii=False) + "\n")
            n += 1
    return n
