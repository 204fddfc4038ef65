"""Adaptive self-refinement (METHOD.md §5) as a small state machine, driven by any engine.

    r = Refinement(parser, max_refinements=3)
    r.observe(first_answer)
    while not r.done:
        r.observe(model(refine_messages(tools, messages, r.last_text)))
    r.final_calls, r.trace()

The loop stops when an answer's canonical calls (sorted keyword arguments, literal values)
equal the previous answer's: the model chose to keep it. A batched engine keeps one
Refinement per sample and only asks the model about those not yet done. With
`adaptive=False` it always runs to `max_refinements` (the fixed schedule benchmarks compare to).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ray_toolace.core.parsers.base import AnswerParser
from ray_toolace.core.types import ToolCall, canonical_calls


@dataclass(frozen=True)
class RefineStep:
    index: int  # 0 = the first answer, i = the i-th refinement
    text: str
    calls: list[ToolCall]
    parse_error: str | None
    changed: bool  # differs from the previous step (always True for step 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "text": self.text,
            "calls": [{"name": c.name, "arguments": c.arguments} for c in self.calls],
            "parse_error": self.parse_error,
            "changed": self.changed,
        }


def _canonical(calls: list[ToolCall], error: str | None, text: str) -> str:
    # two unreadable answers are "the same" only if their text is the same
    return f"unparsed:{text.strip()}" if error is not None else canonical_calls(calls)


@dataclass
class Refinement:
    parser: AnswerParser
    max_refinements: int = 3
    adaptive: bool = True
    steps: list[RefineStep] = field(default_factory=list)
    stop_reason: str | None = None  # "converged", "max_refinements", "disabled"

    @property
    def done(self) -> bool:
        return self.stop_reason is not None

    @property
    def last_text(self) -> str:
        return self.steps[-1].text

    @property
    def final_calls(self) -> list[ToolCall]:
        return self.steps[-1].calls if self.steps else []

    @property
    def model_calls(self) -> int:
        return len(self.steps)

    def observe(self, text: str) -> None:
        """Record the model's next answer and decide whether to stop."""
        if self.done:
            raise RuntimeError("refinement already stopped")
        parsed = self.parser.parse(text)
        key = _canonical(parsed.calls, parsed.error, text)
        prev = self.steps[-1] if self.steps else None
        changed = prev is None or key != _canonical(prev.calls, prev.parse_error, prev.text)
        self.steps.append(RefineStep(len(self.steps), text, parsed.calls, parsed.error, changed))
        refinements = len(self.steps) - 1
        if self.max_refinements == 0:
            self.stop_reason = "disabled"
        elif prev is not None and not changed and self.adaptive:
            self.stop_reason = "converged"
        elif refinements >= self.max_refinements:
            self.stop_reason = "max_refinements"

    def trace(self) -> dict[str, Any]:
        return {
            "steps": [s.to_dict() for s in self.steps],
            "stop_reason": self.stop_reason,
            "model_calls": self.model_calls,
        }
