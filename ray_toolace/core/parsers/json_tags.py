"""The JSON form: `<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>`, one per call.

A tag may also hold a JSON list of such objects (several models emit that), `arguments` may be
a JSON string instead of an object, and `parameters` is accepted for `arguments`. A closing
tag cut off by the token limit at the very end of the answer is tolerated.

Decoding stays within the budgets of `ray_toolace.core.parsers.limits`: integers are refused by
their digit count before conversion, Infinity/NaN and floats that overflow to inf are refused,
nesting too deep for the decoder is a parse error rather than a RecursionError, and every
decoded value is checked for depth, length and size.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ray_toolace.core.parsers.base import Parsed
from ray_toolace.core.parsers.limits import (
    MAX_DEPTH,
    MAX_FLOAT_ABS,
    MAX_INT_BITS,
    MAX_INT_DIGITS,
    Budget,
    BudgetExceeded,
    check_answer_length,
    check_decoded,
    check_float,
    check_int,
)
from ray_toolace.core.render import to_json_tags
from ray_toolace.core.types import ToolCall

_TAG = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.S)


def _unfence(body: str) -> str:
    """The inside of a body wrapped in a ```/```json fence, else the body.

    String operations rather than a regular expression: a lazy group between two runs of
    whitespace backtracks quadratically on a long fenced body."""
    if len(body) >= 6 and body.startswith("```") and body.endswith("```"):
        inner = body[3:-3]
        return (inner[4:] if inner.startswith("json") else inner).strip()
    return body


def _parse_int(digits: str) -> int:
    # called by the decoder with the literal's text: refuse by length before converting
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise BudgetExceeded(
            f"integer of {len(digits)} digits exceeds MAX_INT_BITS={MAX_INT_BITS} (at most {MAX_INT_DIGITS} digits)"
        )
    n = int(digits)
    check_int(n)
    return n


def _parse_float(text: str) -> float:
    x = float(text)
    check_float(x)
    return x


def _parse_constant(name: str) -> float:
    # Infinity, -Infinity and NaN, which Python's decoder accepts: never finite, so always refused
    raise BudgetExceeded(f"{name} is out of range (floats must be finite, |x| <= MAX_FLOAT_ABS={MAX_FLOAT_ABS:.4g})")


def _loads(text: str, budget: Budget) -> Any:
    """`json.loads` within the budgets; JSONDecodeError for malformed text, BudgetExceeded past a budget."""
    try:
        obj = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except (RecursionError, MemoryError):
        # the decoder recurses once per level, so the interpreter's limit is hit first
        raise BudgetExceeded(f"value nested deeper than MAX_DEPTH={MAX_DEPTH}") from None
    check_decoded(obj, budget)
    return obj


def _one_call(obj: Any, where: str, budget: Budget) -> ToolCall:
    if not isinstance(obj, dict):
        raise ValueError(f"{where}: expected an object with name and arguments")
    name = obj.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}: missing function name")
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):
        try:
            args = _loads(args, budget) if args.strip() else {}
        except json.JSONDecodeError as e:
            raise ValueError(f"{where}: arguments string is not JSON ({e.msg})") from None
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ValueError(f"{where}: arguments is not an object")
    return ToolCall(name.strip(), args)


class JsonTagParser:
    """Reads and writes `<tool_call>` JSON; text outside the tags is ignored."""

    name = "json"

    def render(self, calls: list[ToolCall]) -> str:
        return to_json_tags(calls)

    def parse(self, text: str) -> Parsed:
        if "<tool_call>" not in text:
            return Parsed()  # no call, whatever its length
        budget = Budget()
        try:
            check_answer_length(text)
            bodies = [m.group(1).strip() for m in _TAG.finditer(text)]
            calls: list[ToolCall] = []
            for i, body in enumerate(bodies):
                try:
                    obj = _loads(_unfence(body), budget)
                except json.JSONDecodeError as e:
                    return Parsed(error=f"tool_call {i}: not valid JSON ({e.msg} at {e.pos})")
                items = obj if isinstance(obj, list) else [obj]
                calls.extend(_one_call(item, f"tool_call {i}", budget) for item in items)
        except BudgetExceeded as e:
            return Parsed(error=f"refused: {e}")
        except ValueError as e:
            return Parsed(error=str(e))
        return Parsed(calls)
