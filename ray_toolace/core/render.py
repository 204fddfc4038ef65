"""Render tool calls back to text: the pythonic list, the JSON <tool_call> form, OpenAI tool_calls.

The pythonic renderer writes Python literals (True/None, double-quoted strings) so that what
it writes parses back to the same values with `ray_toolace.core.parsers.pythonic`.
"""

from __future__ import annotations

import json
from typing import Any

from ray_toolace.core.types import ToolCall


def python_literal(value: Any) -> str:
    """A Python literal for a JSON-like value (strings via JSON escapes, which Python reads)."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(python_literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(python_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{python_literal(k)}: {python_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot render {type(value).__name__} as a Python literal")


def to_pythonic(calls: list[ToolCall]) -> str:
    """`[f(a=1, b="x"), g()]`; an empty list of calls renders as `[]`."""
    parts = []
    for call in calls:
        args = ", ".join(f"{k}={python_literal(v)}" for k, v in call.arguments.items())
        parts.append(f"{call.name}({args})")
    return "[" + ", ".join(parts) + "]"


def to_json_tags(calls: list[ToolCall]) -> str:
    """One `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` line per call."""
    return "\n".join(
        "<tool_call>" + json.dumps({"name": c.name, "arguments": c.arguments}, ensure_ascii=False) + "</tool_call>"
        for c in calls
    )


def to_openai_tool_calls(calls: list[ToolCall], id_prefix: str = "call") -> list[dict[str, Any]]:
    """OpenAI wire form: arguments travel as a JSON string."""
    return [
        {
            "id": f"{id_prefix}_{i}",
            "type": "function",
            "function": {"name": c.name, "arguments": json.dumps(c.arguments, ensure_ascii=False, default=list)},
        }
        for i, c in enumerate(calls)
    ]


def from_openai_tool_calls(tool_calls: list[dict[str, Any]]) -> list[ToolCall]:
    """The inverse of `to_openai_tool_calls`; raises ValueError on malformed entries."""
    calls = []
    for i, tc in enumerate(tool_calls or []):
        if not isinstance(tc, dict):
            raise ValueError(f"tool_calls[{i}] is not an object")
        fn = tc.get("function")
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not fn["name"]:
            raise ValueError(f"tool_calls[{i}] has no function name")
        raw = fn.get("arguments", "{}")
        if isinstance(raw, str):
            try:
                args = json.loads(raw) if raw.strip() else {}
            except json.JSONDecodeError as e:
                raise ValueError(f"tool_calls[{i}].function.arguments is not valid JSON: {e}") from None
        else:
            args = raw
        if not isinstance(args, dict):
            raise ValueError(f"tool_calls[{i}].function.arguments is not a JSON object")
        calls.append(ToolCall(fn["name"], args))
    return calls
