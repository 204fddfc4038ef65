"""The records every stage passes around: Sample, ToolCall, Verdict, Reject.

Pure Python: no Ray, torch, vLLM or transformers. A Sample round-trips through a flat
row (`to_row` / `from_row`) whose nested parts are JSON strings, so Ray Data and Parquet
never have to infer a schema for heterogeneous tool lists.

Gold answers are kept in BFCL's possible-answer form, the most general one:
``[{"func": {"param": [allowed values...]}}, ...]``, where ``""`` among the allowed values
means the parameter may be omitted, and ``[]`` means "no call is correct" (irrelevance).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# The categories BFCL scores, plus the generated ones use the same names.
CATEGORIES = ("simple", "multiple", "parallel", "parallel_multiple", "irrelevance")


@dataclass(frozen=True)
class ToolCall:
    """One call the model made (or should make): a function name and keyword arguments."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def canonical(self) -> str:
        """A text equal for equal calls: sorted keys, literal values (docs/method.md §5)."""
        return self.name + canonical_value(self.arguments)


def canonical_value(value: Any) -> str:
    """JSON-like text of a value read from an answer, equal for equal values: dict keys sorted by
    their own text, tuples as lists (the wire form has no tuples), values JSON has no form for
    (bytes, complex) by repr. Answers may hold keys JSON cannot sort or carry (`{(1, 2): 3}`,
    `{1: "a", "b": 2}`), so keys are written as values are: 1 and "1" stay different. The
    answer parsers bound the nesting (parsers/limits.py), so recursion is safe."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(canonical_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted((canonical_value(k), canonical_value(v)) for k, v in value.items())
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    return repr(value)


def canonical_calls(calls: list[ToolCall] | None) -> str:
    """Canonical form of a whole answer; order of parallel calls does not matter."""
    if not calls:
        return "[]"
    return "[" + ",".join(sorted(c.canonical() for c in calls)) + "]"


@dataclass
class Sample:
    """One tool-calling problem: tools, the conversation so far, and the gold answer."""

    id: str
    category: str
    tools: list[dict[str, Any]]  # function schemas: {"name", "description", "parameters"}
    messages: list[dict[str, Any]]  # OpenAI-style turns; the answer to produce comes next
    ground_truth: list[dict[str, dict[str, list[Any]]]]  # BFCL possible-answer form
    source: str = ""  # "toolace", "bfcl", "openai", "generated", ...

    @property
    def expects_call(self) -> bool:
        return bool(self.ground_truth)

    @property
    def has_tool_results(self) -> bool:
        """A multi-turn sample: earlier calls and their tool results come before the question."""
        return any(isinstance(m, dict) and m.get("role") == "tool" for m in self.messages)

    def to_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "source": self.source,
            "tools": json.dumps(self.tools, ensure_ascii=False),
            "messages": json.dumps(self.messages, ensure_ascii=False),
            "ground_truth": json.dumps(self.ground_truth, ensure_ascii=False),
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Sample":
        def load(value: Any) -> Any:
            return json.loads(value) if isinstance(value, str) else value

        return cls(
            id=str(row["id"]),
            category=str(row["category"]),
            tools=load(row["tools"]),
            messages=load(row["messages"]),
            ground_truth=load(row["ground_truth"]),
            source=str(row.get("source") or ""),
        )


@dataclass(frozen=True)
class Verdict:
    """The checker's decision on one answer; `error_type` is None exactly when valid."""

    valid: bool
    error_type: str | None = None
    message: str = ""

    @classmethod
    def ok(cls) -> "Verdict":
        return cls(True)

    @classmethod
    def fail(cls, error_type: str, message: str) -> "Verdict":
        return cls(False, error_type, message)


@dataclass(frozen=True)
class Reject:
    """An input row that could not become a Sample: where it was and why."""

    line: int  # 1-based line (or row) number in its file
    reason: str
    source: str = ""
    raw: str = ""  # the row's text, cut short, so a person can find and fix it

    def to_row(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason, "source": self.source, "raw": self.raw[:2000]}


@dataclass
class ReadResult:
    """What a reader returns: the samples it built and the rows it set aside."""

    samples: list[Sample] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)

    def extend(self, other: "ReadResult") -> None:
        self.samples.extend(other.samples)
        self.rejects.extend(other.rejects)
