"""The one interface every answer parser implements, and the three outcomes it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ray_toolace.core.types import ToolCall


@dataclass(frozen=True)
class Parsed:
    """What a parser read from a model answer.

    - calls non-empty: the answer calls tools;
    - calls empty, error None: the answer calls nothing (plain text or an empty list);
    - error set: the answer tried to call but could not be read (a malformed call).
    """

    calls: list[ToolCall] = field(default_factory=list)
    error: str | None = None

    @property
    def has_calls(self) -> bool:
        return bool(self.calls)


class AnswerParser(Protocol):
    """`parse` reads a model answer; `render` writes calls in the same format (round-trips)."""

    name: str

    def parse(self, text: str) -> Parsed: ...

    def render(self, calls: list[ToolCall]) -> str: ...
