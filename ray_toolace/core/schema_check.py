"""JSON-schema checks for tool definitions and for the calls a model makes to them. Pure Python.

Two questions a server must answer about input it did not write:

- `tool_schema_error(tool)`: is this tool definition usable? (a name, an object schema for the
  parameters, known types, `required` naming real properties, enums as lists). Used to turn a
  bad request into a 400 that names the bad field.
- `call_issues(calls, tools)`: does each call name an offered tool, carry every required
  parameter, no unknown ones, and values of the declared types and enums? Used to flag a
  model's answer in the refinement trace; nothing is rejected.

Both accept the OpenAI spellings and the BFCL ones (`dict`, `float`, `tuple`, `any`).

>>> tools = [{"name": "f", "parameters": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}}]
>>> from ray_toolace.core.types import ToolCall
>>> [i["code"] for i in call_issues([ToolCall("f", {"n": "3", "x": 1}), ToolCall("g")], tools)]
['type_error', 'unknown_param', 'unknown_function']
"""

from __future__ import annotations

import re
from typing import Any

from ray_toolace.core.types import ToolCall

# Names as the project's data spells them: ToolACE has spaces, BFCL has dots; no brackets,
# quotes or commas, which would make a pythonic call list ambiguous.
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\- ]{0,127}$")

# JSON Schema's types plus BFCL's aliases; "any" accepts every value.
_TYPE_ALIASES = {"dict": "object", "float": "number", "tuple": "array"}
KNOWN_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null", "any", *_TYPE_ALIASES})
MAX_DEPTH = 32  # nested schemas deeper than this are refused rather than walked


def _types(schema: dict[str, Any]) -> list[str]:
    raw = schema.get("type")
    names = raw if isinstance(raw, list) else [raw] if raw is not None else []
    return [_TYPE_ALIASES.get(t, t) for t in names]


def _schema_error(schema: Any, where: str, depth: int) -> str | None:
    """The first problem in one (sub)schema, as `where: what`, or None."""
    if depth > MAX_DEPTH:
        return f"{where}: nested deeper than {MAX_DEPTH} levels"
    if not isinstance(schema, dict):
        return f"{where}: a schema must be an object"
    raw = schema.get("type")
    names = raw if isinstance(raw, list) else [raw] if raw is not None else []
    for t in names:
        if not isinstance(t, str) or t not in KNOWN_TYPES:
            return f"{where}.type: unknown type {t!r}; expected one of {', '.join(sorted(KNOWN_TYPES))}"
    if "enum" in schema and (not isinstance(schema["enum"], list) or not schema["enum"]):
        return f"{where}.enum: must be a non-empty list"
    props = schema.get("properties")
    if props is not None:
        if not isinstance(props, dict):
            return f"{where}.properties: must be an object"
        for key, sub in props.items():
            error = _schema_error(sub, f"{where}.properties.{key}", depth + 1)
            if error:
                return error
    required = schema.get("required")
    if required is not None:
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            return f"{where}.required: must be a list of property names"
        # only at the top: a call could never satisfy a required parameter the tool does not
        # describe; nested objects in real data (BFCL) list undescribed keys, and that is legal
        missing = [r for r in required if r not in (props or {})]
        if missing and depth == 0:
            return f"{where}.required: names properties that do not exist: {', '.join(missing)}"
    items = schema.get("items")
    if items is not None:
        subs = items if isinstance(items, list) else [items]
        for i, sub in enumerate(subs):
            error = _schema_error(sub, f"{where}.items" + (f"[{i}]" if isinstance(items, list) else ""), depth + 1)
            if error:
                return error
    return None


def tool_schema_error(tool: Any, where: str = "function") -> str | None:
    """Why a tool definition `{"name", "description"?, "parameters"?}` is unusable, or None."""
    if not isinstance(tool, dict):
        return f"{where}: must be an object"
    name = tool.get("name")
    if not isinstance(name, str) or not _NAME.match(name) or name != name.strip():
        return (
            f"{where}.name: {name!r} is not a valid function name (1-128 letters, digits, "
            "'_', '-', '.', or inner spaces)"
        )
    if "description" in tool and not isinstance(tool["description"], (str, type(None))):
        return f"{where}.description: must be a string"
    params = tool.get("parameters")
    if params is None:
        return None
    if not isinstance(params, dict):
        return f"{where}.parameters: must be a JSON schema object"
    if params.get("type") is not None and _types(params) != ["object"]:
        return f"{where}.parameters.type: must be 'object', not {params.get('type')!r}"
    return _schema_error(params, f"{where}.parameters", 0)


def _type_ok(value: Any, expected: str) -> bool:
    # bool is an int in Python, but never an integer or number in JSON
    if expected == "any":
        return True
    if expected == "string":
        return isinstance(value, str)
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "array":
        return isinstance(value, (list, tuple))
    if expected == "object":
        return isinstance(value, dict)
    if expected == "null":
        return value is None
    return True  # unknown types were refused when the tool was accepted


def _value_issues(value: Any, schema: dict[str, Any], path: str, depth: int = 0) -> list[tuple[str, str, str]]:
    """(code, path, message) for a value against its schema; walks arrays and objects."""
    if depth > MAX_DEPTH or not isinstance(schema, dict):
        return []
    types = _types(schema)
    if value is None and (schema.get("nullable") or "null" in types):
        return []
    if types and not any(_type_ok(value, t) for t in types):
        return [("type_error", path, f"{path}: expected {' or '.join(types)}, got {type(value).__name__}")]
    enum = schema.get("enum")
    if isinstance(enum, list) and value not in enum:
        return [("enum_error", path, f"{path}: {value!r} is not one of {enum!r}")]
    issues: list[tuple[str, str, str]] = []
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for req in schema.get("required") or []:
            if req not in value:
                issues.append(("missing_required", f"{path}.{req}", f"{path}.{req}: required but missing"))
        for key, sub in value.items():
            if key in props:
                issues += _value_issues(sub, props[key], f"{path}.{key}", depth + 1)
            elif schema.get("additionalProperties") is False:
                issues.append(("unknown_param", f"{path}.{key}", f"{path}.{key}: not in the schema"))
    elif isinstance(value, (list, tuple)) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            issues += _value_issues(item, schema["items"], f"{path}[{i}]", depth + 1)
    return issues


def call_issues(calls: list[ToolCall], tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every way each call departs from the offered tools; [] when all calls are valid.

    Each issue: {"call": index, "function", "code", "param", "message"} with code one of
    unknown_function, missing_required, unknown_param, type_error, enum_error.
    """
    by_name = {t.get("name"): t for t in tools if isinstance(t, dict)}
    out: list[dict[str, Any]] = []
    for index, call in enumerate(calls):
        found: list[tuple[str, str | None, str]] = []
        tool = by_name.get(call.name)
        if tool is None:
            found.append(("unknown_function", None, f"{call.name!r} is not among the offered tools"))
        else:
            params = tool.get("parameters") or {}
            props = params.get("properties") or {}
            for req in params.get("required") or []:
                if req not in call.arguments:
                    found.append(("missing_required", req, f"{call.name}: required parameter {req!r} is missing"))
            for key, value in call.arguments.items():
                if key not in props:
                    found.append(("unknown_param", key, f"{call.name}: parameter {key!r} is not in the schema"))
                    continue
                found += [(code, path, f"{call.name}: {msg}") for code, path, msg in _value_issues(value, props[key], key)]
        out += [{"call": index, "function": call.name, "code": c, "param": p, "message": m} for c, p, m in found]
    return out
