"""`ray-toolace check`: check a JSON-lines file of model outputs against BFCL-style golds.

Each input line is `{"id", "category", "functions", "ground_truth", "output"}`. One JSON line
per input line goes to `out`, in input order: `{"id", "valid", "error_type"}` (blank lines are
not inputs and are skipped). A malformed line
is reported on `err` with its line number and still gets an output line, with error type
`bad_input`, so that outputs stay aligned with inputs.

The summary is the per-category table and, when BFCL categories were checked, BFCL v4's groups
and overall computed from them (core/bfcl_score.py), categories not run marked as such.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import IO, Iterable

from ray_toolace.core.bfcl_score import bfcl_v4, format_v4_table, has_bfcl_categories
from ray_toolace.core.checker import check_text
from ray_toolace.core.scoring import CategoryScore, category_scores, format_table


@dataclass
class CheckStats:
    results: list[tuple[str, bool]] = field(default_factory=list)
    bad_lines: int = 0

    def scores(self) -> list[CategoryScore]:
        return category_scores(self.results)


def _fields(line: str) -> tuple[str, str, list, list, str]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at char {e.pos})") from None
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    missing = [k for k in ("id", "category", "functions", "ground_truth", "output") if k not in row]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    if not isinstance(row["functions"], list) or not all(isinstance(f, dict) for f in row["functions"]):
        raise ValueError("'functions' must be a list of function schemas")
    truth = row["ground_truth"]
    if not isinstance(truth, list) or not all(
        isinstance(e, dict) and len(e) == 1 and isinstance(next(iter(e.values())), dict)
        and all(isinstance(v, list) for v in next(iter(e.values())).values())
        for e in truth
    ):
        raise ValueError("'ground_truth' must be a list of {function: {param: [allowed values]}} (empty for irrelevance)")
    if not isinstance(row["output"], str):
        raise ValueError("'output' must be the model's raw text")
    if not isinstance(row["category"], str) or not row["category"]:
        raise ValueError("'category' must be a non-empty string")
    return str(row["id"]), row["category"], row["functions"], row["ground_truth"], row["output"]


def check_lines(lines: Iterable[str], out: IO[str], err: IO[str], fmt: str = "pythonic", strict: bool = True) -> CheckStats:
    stats = CheckStats()
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            sample_id, category, functions, truth, output = _fields(line)
            verdict, _ = check_text(functions, output, truth, category, fmt=fmt, strict=strict)
        except (ValueError, TypeError, AttributeError, KeyError) as e:
            # TypeError & co. come from golds of a shape the checker cannot read
            stats.bad_lines += 1
            err.write(f"line {line_no}: {e}\n")
            try:
                bad_id = json.loads(line).get("id")
            except (json.JSONDecodeError, AttributeError):
                bad_id = None
            out.write(json.dumps({"id": bad_id, "valid": False, "error_type": "bad_input", "line": line_no}) + "\n")
            continue
        stats.results.append((category, verdict.valid))
        out.write(json.dumps({"id": sample_id, "valid": verdict.valid, "error_type": verdict.error_type}) + "\n")
    return stats


def summary(stats: CheckStats) -> str:
    """The per-category table, then BFCL v4's table when any category is one of BFCL's."""
    scores = stats.scores()
    table = format_table(scores) if stats.results else "no lines checked"
    if has_bfcl_categories(s.category for s in scores):
        # the input does not say where its samples come from: the names are read as BFCL's
        table += "\n\nBFCL v4, reading the categories above as BFCL's:\n" + format_v4_table(bfcl_v4(scores))
    if stats.bad_lines:
        table += f"\n{stats.bad_lines} malformed line(s) reported above"
    return table
