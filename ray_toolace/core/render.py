"""Render tool calls back to text: the pythonic list, the JSON <tool_call> form, OpenAI tool_calls;
and read tool-call JSON that clients send, within bounds.

The pythonic renderer writes Python literals (True/None, double-quoted strings) so that what
it writes parses back to the same values with `ray_toolace.core.parsers.pythonic`. It renders
every value that parser reads (bytes and complex numbers included) and refuses nesting deeper
than MAX_RENDER_DEPTH with a ValueError, never a RecursionError.

JSON from clients (request bodies, `arguments` strings) is read with `read_json`: only what JSON
itself means (no NaN/Infinity, no float that overflows to inf, integers Python can render as
text) and no deeper than a given nesting, so nothing read can later fail to render or to be
sent back. `json_problem` names the first value in an answer that JSON cannot carry unchanged
(OpenAI's wire form sends arguments as a JSON object); `jsonable` writes such a value down
anyway, for records of what the model said.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

from ray_toolace.core.types import ToolCall

# Far above the answer parsers' nesting budget (64, parsers/limits.py) and what a request may
# nest (serve/protocol.py), far below Python's recursion limit (1,000 frames).
MAX_RENDER_DEPTH = 200
# Depth of one tool call's arguments read from a client, as the answer parsers allow (ours).
MAX_ARGUMENT_DEPTH = 64

_SURROGATE = re.compile("[\ud800-\udfff]")


def python_literal(value: Any, depth: int = 0) -> str:
    """A Python literal for a JSON-like value (strings via JSON escapes, which Python reads)."""
    if depth > MAX_RENDER_DEPTH:
        raise ValueError(f"value nested deeper than {MAX_RENDER_DEPTH} levels")
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float, complex, bytes)):
        return repr(value)  # Python reads each back as the same value
    if isinstance(value, list):
        return "[" + ", ".join(python_literal(v, depth + 1) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(python_literal(v, depth + 1) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        items = (f"{python_literal(k, depth + 1)}: {python_literal(v, depth + 1)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"cannot render {type(value).__name__} as a Python literal")


def json_problem(value: Any, where: str = "arguments", max_depth: int = MAX_RENDER_DEPTH) -> str | None:
    """Why `value` cannot travel as JSON unchanged (its path and kind), or None when it can.

    Iterative, so any depth is safe to check. Tuples count as arrays; dict keys must be strings
    (JSON would turn 1 into "1", and cannot hold a tuple at all)."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > max_depth:
            return f"{where}: nested deeper than {max_depth} levels"
        if item is None or isinstance(item, (bool, int)):
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                return f"{path}: {item} has no JSON form"
        elif isinstance(item, str):
            if _SURROGATE.search(item):
                return f"{path}: the string holds a lone surrogate, which is not Unicode text"
        elif isinstance(item, (list, tuple)):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(item))
        elif isinstance(item, dict):
            for k, v in item.items():
                if not isinstance(k, str):
                    return f"{path}: the key {k!r} is not a string, as JSON keys must be"
                stack.append((k, path, depth + 1))
                stack.append((v, f"{path}.{k}", depth + 1))
        else:
            return f"{path}: a {type(item).__name__} value ({repr(item)[:40]}) has no JSON form"
    return None


def jsonable(value: Any, depth: int = 0) -> Any:
    """A copy of an answer's value that `json.dumps` always takes: tuples as lists, keys other than
    str/int/float/bool/None (`{(1, 2): 3}`) and values with no JSON form (bytes, complex) as their
    Python literal text. For records of what a model said (the refinement trace), not for calls
    sent on: those are refused instead (`json_problem`)."""
    if depth > MAX_RENDER_DEPTH:
        raise ValueError(f"value nested deeper than {MAX_RENDER_DEPTH} levels")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(v, depth + 1) for v in value]
    if isinstance(value, dict):
        plain = (bool, int, float, str, type(None))
        return {(k if isinstance(k, plain) else python_literal(k)): jsonable(v, depth + 1) for k, v in value.items()}
    return python_literal(value) if isinstance(value, (bytes, complex)) else repr(value)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise ValueError(f"the number {text[:40]} is out of range")
    return x


def _renderable_int(text: str) -> int:
    # Python refuses to convert longer digit strings (and to render longer ints): say so plainly
    limit = sys.get_int_max_str_digits() or 4300
    if len(text.lstrip("-")) > limit:
        raise ValueError(f"an integer of {len(text)} digits is out of range (at most {limit})")
    return int(text)


def read_json(text: str | bytes, max_depth: int, where: str = "the JSON") -> Any:
    """Strict, bounded `json.loads`: a ValueError (never a RecursionError) for anything that is not
    plain JSON within `max_depth` levels: NaN/Infinity, overflowing floats, integers past Python's
    int-to-str limit, lone surrogates, deeper nesting. JSONDecodeError (a ValueError) for bad syntax."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_renderable_int)
    except RecursionError:
        raise ValueError(f"{where} nests too deeply") from None
    except json.JSONDecodeError:
        raise
    except ValueError as e:  # refused by one of the hooks above, or not UTF-8
        raise ValueError(f"{where}: {e}") from None
    problem = json_problem(value, where, max_depth)
    if problem:
        raise ValueError(problem)
    return value


def to_pythonic(calls: list[ToolCall]) -> str:
    """`[f(a=1, b="x"), g()]`; an empty list of calls renders as `[]`."""
    parts = []
    for call in calls:
        args = ", ".join(f"{k}={python_literal(v, 1)}" for k, v in call.arguments.items())
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
    """The inverse of `to_openai_tool_calls`; raises ValueError on malformed entries, on arguments
    that are not plain JSON, and on arguments nested deeper than MAX_ARGUMENT_DEPTH."""
    calls = []
    for i, tc in enumerate(tool_calls or []):
        if not isinstance(tc, dict):
            raise ValueError(f"tool_calls[{i}] is not an object")
        fn = tc.get("function")
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not fn["name"]:
            raise ValueError(f"tool_calls[{i}] has no function name")
        raw = fn.get("arguments", "{}")
        where = f"tool_calls[{i}].function.arguments"
        if isinstance(raw, str):
            try:
                args = read_json(raw, MAX_ARGUMENT_DEPTH, where) if raw.strip() else {}
            except json.JSONDecodeError as e:
                raise ValueError(f"{where} is not valid JSON: {e}") from None
        else:
            args = raw
            problem = json_problem(args, where, MAX_ARGUMENT_DEPTH)
            if problem:
                raise ValueError(problem)
        if not isinstance(args, dict):
            raise ValueError(f"{where} is not a JSON object")
        calls.append(ToolCall(fn["name"], args))
    return calls
