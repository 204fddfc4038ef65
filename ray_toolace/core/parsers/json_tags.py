"""The JSON form: `<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>`, one per call.

A tag may also hold a JSON list of such objects (several models emit that), `arguments` may be
a JSON string instead of an object, and `parameters` is accepted for `arguments`. A closing
tag cut off by the token limit at the very end of the answer is tolerated.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ray_toolace.core.parsers.base import Parsed
from ray_toolace.core.render import to_json_tags
from ray_toolace.core.types import ToolCall

_TAG = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.S)
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)


def _one_call(obj: Any, where: str) -> ToolCall:
    if not isinstance(obj, dict):
        raise ValueError(f"{where}: expected an object with name and arguments")
    name = obj.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}: missing function name")
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
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
        bodies = [m.group(1).strip() for m in _TAG.finditer(text)]
        if not bodies:
            return Parsed()
        calls: list[ToolCall] = []
        for i, body in enumerate(bodies):
            fenced = _FENCE.match(body)
            if fenced:
                body = fenced.group(1)
            try:
                obj = json.loads(body)
            except json.JSONDecodeError as e:
                return Parsed(error=f"tool_call {i}: not valid JSON ({e.msg} at {e.pos})")
            items = obj if isinstance(obj, list) else [obj]
            try:
                calls.extend(_one_call(item, f"tool_call {i}") for item in items)
            except ValueError as e:
                return Parsed(error=str(e))
        return Parsed(calls)
