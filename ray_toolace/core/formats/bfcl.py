"""BFCL question files and their possible-answer files, as shipped in the `bfcl-eval` wheel.

Questions are JSON lines `{"id", "question": [[messages]], "function": [schemas]}`; answers
live in `possible_answer/<same file name>` as `{"id", "ground_truth": [...]}`. Irrelevance and
relevance files have no answers. The wheel is found with importlib without importing it (its
package imports provider SDKs that are not installed).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from ray_toolace.core.formats.common import validate_tools
from ray_toolace.core.types import ReadResult, Reject, Sample

VERSION = "BFCL_v4"
# Python AST categories and the (ir)relevance ones; Java/JavaScript need BFCL's type converters.
CATEGORIES = (
    "simple",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
    "live_irrelevance",
    "live_relevance",
)
NON_LIVE = CATEGORIES[:5]
LIVE = CATEGORIES[5:]


def file_name(category: str) -> str:
    if category not in CATEGORIES:
        raise ValueError(f"unknown BFCL category {category!r}; known: {', '.join(CATEGORIES)}")
    stem = "simple_python" if category == "simple" else category
    return f"{VERSION}_{stem}.json"


def data_dir() -> Path:
    """The `data/` folder of the installed bfcl-eval wheel."""
    spec = importlib.util.find_spec("bfcl_eval")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "BFCL data not found: install it with `pip install --no-deps bfcl-eval==2026.3.23`"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _answers(path: Path, result: ReadResult) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    if not path.exists():
        return answers
    with path.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                answers[str(row["id"])] = row["ground_truth"]
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                result.rejects.append(Reject(line_no, f"bad possible-answer line: {e}", str(path), line))
    return answers


def read_row(row: dict[str, Any], category: str, answers: dict[str, Any]) -> Sample:
    sample_id = str(row.get("id") or "")
    if not sample_id:
        raise ValueError("row has no id")
    question = row.get("question")
    if not isinstance(question, list) or not question:
        raise ValueError("'question' is missing or empty")
    messages = [m for turn in question for m in (turn if isinstance(turn, list) else [turn])]
    if not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages):
        raise ValueError("'question' holds a turn without a role")
    tools = validate_tools(row.get("function") or [])
    needs_answer = "relevance" not in category  # irrelevance and relevance have no gold calls
    if needs_answer and sample_id not in answers:
        raise ValueError(f"no possible answer for {sample_id}")
    truth = answers.get(sample_id, []) if needs_answer else []
    return Sample(sample_id, category, tools, messages, truth, source="bfcl")


def read_category(category: str, root: str | Path | None = None, limit: int | None = None) -> ReadResult:
    """All samples of one BFCL category; bad lines become rejects with their line numbers."""
    root = Path(root) if root else data_dir()
    path = root / file_name(category)
    result = ReadResult()
    answers = _answers(root / "possible_answer" / file_name(category), result)
    with path.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            if limit is not None and len(result.samples) >= limit:
                break
            try:
                result.samples.append(read_row(json.loads(line), category, answers))
            except (json.JSONDecodeError, ValueError, TypeError, AttributeError) as e:
                result.rejects.append(Reject(line_no, str(e), str(path), line))
    return result


def categories_of(names: str) -> list[str]:
    """The categories a `bfcl:<names>` input names: "all", or a comma-separated list."""
    return list(CATEGORIES) if names.strip() == "all" else [c.strip() for c in names.split(",") if c.strip()]


def read_categories(categories: list[str] | tuple[str, ...] = CATEGORIES, root=None, limit=None) -> ReadResult:
    result = ReadResult()
    for category in categories:
        result.extend(read_category(category, root, limit))
    return result
