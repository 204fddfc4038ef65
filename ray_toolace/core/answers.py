"""Conversions between exact tool calls and BFCL's possible-answer form.

Readers of ToolACE and OpenAI-chat rows see one exact gold answer; BFCL gives allowed values
per parameter. The project keeps the second form everywhere (it is the more general one) and
derives a concrete target answer from it when it needs text to train on.
"""

from __future__ import annotations

from typing import Any

from ray_toolace.core.types import ToolCall

GroundTruth = list[dict[str, dict[str, list[Any]]]]


def _allowed(value: Any) -> list[Any]:
    # BFCL's checker compares dicts key by key against per-key allowed lists, and lists of
    # dicts element-wise the same way; every other value is one allowed value.
    if isinstance(value, dict):
        return [{k: [v] for k, v in value.items()}]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [[{k: [v] for k, v in item.items()} for item in value]]
    return [value]


def _find_tool(tools: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    for tool in tools:
        if tool.get("name") == name:
            return tool
    return None


def exact_to_ground_truth(calls: list[ToolCall], tools: list[dict[str, Any]]) -> GroundTruth:
    """Exact gold calls -> possible-answer form.

    An optional parameter the gold omits but whose schema declares a default is allowed
    either omitted or set to that default, as BFCL's answers allow.
    """
    truth: GroundTruth = []
    for call in calls:
        params = {name: _allowed(value) for name, value in call.arguments.items()}
        tool = _find_tool(tools, call.name)
        if tool is not None:
            schema = tool.get("parameters") or {}
            required = set(schema.get("required") or [])
            for pname, pschema in (schema.get("properties") or {}).items():
                if pname in params or pname in required or not isinstance(pschema, dict):
                    continue
                if "default" in pschema:
                    params[pname] = ["", pschema["default"]]
        truth.append({call.name: params})
    return truth


def _is_per_key(value: Any) -> bool:
    # BFCL writes an allowed dict as {key: [allowed values]}; a literal dict value (for an
    # untyped parameter) has no list on every key
    return isinstance(value, dict) and all(isinstance(v, list) for v in value.values())


def _concrete(allowed: list[Any], required: bool = False) -> tuple[bool, Any]:
    """First allowed value, turned back into a plain value; (False, None) = omit it."""
    for value in allowed:
        if value == "":
            if required:
                continue  # some BFCL answers mark a required parameter omittable: fill it
            # omission is allowed and listed first: the shortest right answer omits it
            return False, None
        if _is_per_key(value):
            return True, _concrete_dict(value)
        if isinstance(value, list) and value and all(_is_per_key(v) for v in value):
            return True, [_concrete_dict(v) for v in value]
        return True, value
    return False, None


def _concrete_dict(per_key: dict[str, list[Any]], required: frozenset[str] = frozenset()) -> dict[str, Any]:
    out = {}
    for key, allowed in per_key.items():
        present, value = _concrete(allowed, key in required)
        if present:
            out[key] = value
    return out


def gold_calls(ground_truth: GroundTruth, tools: list[dict[str, Any]] | None = None) -> list[ToolCall]:
    """One concrete right answer from a possible-answer gold (the first allowed values).

    With `tools`, required parameters are filled even where the gold allows omitting them.

    >>> gold_calls([{"f": {"a": [1, 2], "b": ["", "x"]}}])
    [ToolCall(name='f', arguments={'a': 1})]
    """
    calls = []
    for entry in ground_truth:
        for name, params in entry.items():
            tool = _find_tool(tools or [], name) or {}
            required = frozenset((tool.get("parameters") or {}).get("required") or [])
            calls.append(ToolCall(name, _concrete_dict(params, required)))
    return calls
