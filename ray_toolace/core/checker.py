"""Decide whether an answer is right, the way BFCL's AST checker does (docs/method.md §2).

`check(tools, calls, ground_truth, category)` takes parsed calls; `check_text` parses first.
Every failing verdict names an error type:

    parse_error       the answer tried to call but could not be read
    no_call           a call was expected and the answer made none
    wrong_count       the number of calls differs from the gold
    wrong_func_name   the call names another function
    missing_required  a required parameter is absent
    unexpected_param  a parameter outside the schema or the gold
    type_error        a value of the wrong type for the schema
    value_error       a value outside the allowed ones
    missing_param     an optional parameter the gold needs was omitted
    irrelevance_call  a call was made where no tool fits
    bad_sample        the gold names a function the tools do not define

Rules kept on purpose where BFCL has them, so scores stay comparable: an integer is accepted
where a float is asked, but not inside arrays; a value whose type matches the gold's rather than
the schema's is a "variable" compared as is; parallel calls are matched greedily in gold order.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ray_toolace.core.parsers import AnswerParser, get_parser
from ray_toolace.core.types import ToolCall, Verdict

_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "number": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "object": dict,
    "any": str,  # BFCL's own mapping
}
_NESTED = ("array", "tuple")
_STRIP = re.compile(r"[ ,./\-_*^]")
_OK = Verdict.ok()  # verdicts are frozen: the one valid verdict can be shared
# parsers hold no state; building one per answer showed in profiles of `ray-toolace check`
_parser = functools.lru_cache(maxsize=None)(get_parser)


def normalize_string(text: str) -> str:
    """Lowercase, drop spaces and `,./-_*^`, treat `'` as `"` (BFCL's string rule).

    >>> normalize_string("April 1, 2024") == normalize_string("april 1 2024")
    True
    """
    return _STRIP.sub("", text).lower().replace("'", '"')


def _norm(value: Any) -> Any:
    return normalize_string(value) if isinstance(value, str) else value


def _str_allowed(value: str, allowed: list[Any]) -> bool:
    # stops at the first match, as most right answers give the first allowed spelling
    target = normalize_string(value)
    for option in allowed:
        if isinstance(option, str) and normalize_string(option) == target:
            return True
    return False


def _allowed_type(allowed: list[Any]) -> type | None:
    for value in allowed:
        if value != "":
            return type(value)
    return None


def _type_ok(value: Any, allowed: list[Any], expected: type, nested: type | None) -> tuple[bool, bool]:
    """(type is acceptable, value is a "variable"): BFCL's type rule, one nesting level deep."""
    gold_type = _allowed_type(allowed)
    is_variable = gold_type is not None and gold_type is not expected
    if type(value) is expected:
        if nested is None:
            return True, is_variable
        for item in allowed:
            # each allowed list value must admit every element's type; "" admits anything
            if not isinstance(item, list) or all(_type_ok(v, item, nested, None)[0] for v in value):
                return True, is_variable
        return False, is_variable
    if gold_type is not None and type(value) is gold_type:
        return True, True
    return False, is_variable


def _as_list(item: Any) -> list[Any] | None:
    # BFCL iterates allowed items as sequences; an omission marker "" is then an empty list
    return list(item) if isinstance(item, (list, tuple, str)) else None


def _dict_ok(value: dict, allowed: list[Any]) -> bool:
    for option in allowed:
        if not isinstance(option, dict):
            continue
        if all(
            k in option and _norm(v) in [_norm(a) for a in option[k]] for k, v in value.items()
        ) and all(k in value or "" in vals for k, vals in option.items()):
            return True
    return False


def _list_of_dicts_ok(value: list, allowed: list[Any]) -> bool:
    for option in allowed:
        option = _as_list(option)
        if option is None or len(option) != len(value):
            continue
        if all(isinstance(v, dict) and _dict_ok(v, [o]) for v, o in zip(value, option)):
            return True
    return False


def _list_ok(value: list, allowed: list[Any]) -> bool:
    got = [_norm(v) for v in value]
    for option in allowed:
        option = _as_list(option)
        if option is not None and got == [_norm(v) for v in option]:
            return True
    return False


def _check_one(schema: dict[str, Any], call: ToolCall, gold: dict[str, list[Any]]) -> Verdict:
    name = schema.get("name")
    if call.name != name:
        return Verdict.fail("wrong_func_name", f"expected {name!r}, got {call.name!r}")
    params = schema.get("parameters") or {}
    props = params.get("properties") or {}
    for required in params.get("required") or []:
        if required not in call.arguments:
            return Verdict.fail("missing_required", f"missing required parameter {required!r}")
    for param, value in call.arguments.items():
        if param not in props or param not in gold:
            return Verdict.fail("unexpected_param", f"unexpected parameter {param!r}")
        allowed = gold[param]
        pschema = props[param] if isinstance(props[param], dict) else {}
        type_name = pschema.get("type")
        expected = _TYPES.get(type_name) if isinstance(type_name, str) else None
        if expected is None:  # untyped or a type BFCL does not know: compare values only
            if _norm(value) not in [_norm(a) for a in allowed]:
                return Verdict.fail("value_error", f"{param}={value!r} not among {allowed!r}")
            continue
        nested = None
        if type_name in _NESTED:
            item_type = (pschema.get("items") or {}).get("type")
            nested = _TYPES.get(item_type) if isinstance(item_type, str) else None
        if type_name == "tuple" and isinstance(value, tuple):
            value = list(value)
        if expected is float and type(value) is int:
            value = float(value)
        type_ok, is_variable = _type_ok(value, allowed, expected, nested)
        if not type_ok:
            return Verdict.fail(
                "type_error", f"{param}: expected {type_name}, got {type(value).__name__} {value!r}"
            )
        if is_variable:
            ok = value in allowed
        elif expected is dict:
            ok = _dict_ok(value, allowed)
        elif expected is list and nested is dict:
            ok = _list_of_dicts_ok(value, allowed)
        elif expected is str:
            ok = _str_allowed(value, allowed)
        elif expected is list:
            ok = _list_ok(value, allowed)
        else:
            ok = value in allowed
        if not ok:
            return Verdict.fail("value_error", f"{param}={value!r} not among {allowed!r}")
    for param, allowed in gold.items():
        if param not in call.arguments and "" not in allowed:
            return Verdict.fail("missing_param", f"parameter {param!r} is needed here")
    return _OK


def _find(tools: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((t for t in tools if t.get("name") == name), None)


def check(
    tools: list[dict[str, Any]],
    calls: list[ToolCall] | None,
    ground_truth: list[dict[str, dict[str, list[Any]]]],
    category: str,
) -> Verdict:
    """The verdict on parsed `calls` (None or [] = no call) for one sample."""
    calls = calls or []
    if "relevance" in category and "irrelevance" not in category:
        # BFCL's live_relevance: some tool fits and any call counts
        return _OK if calls else Verdict.fail("no_call", "a call was expected")
    if "irrelevance" in category or not ground_truth:
        if calls:
            return Verdict.fail("irrelevance_call", f"no tool fits, but {len(calls)} call(s) made")
        return _OK
    if not calls:
        return Verdict.fail("no_call", "a call was expected, the answer made none")
    if len(calls) != len(ground_truth):
        return Verdict.fail("wrong_count", f"expected {len(ground_truth)} call(s), got {len(calls)}")
    golds = [next(iter(entry.items())) for entry in ground_truth]
    schemas = []
    for gold_name, _ in golds:
        schema = _find(tools, gold_name)
        if schema is None:
            return Verdict.fail("bad_sample", f"gold function {gold_name!r} is not among the tools")
        schemas.append(schema)
    if "parallel" not in category:
        return _check_one(schemas[0], calls[0], golds[0][1])
    unmatched = list(range(len(calls)))
    for schema, (gold_name, gold_params) in zip(schemas, golds):
        best: Verdict | None = None
        for index in unmatched:
            verdict = _check_one(schema, calls[index], gold_params)
            if verdict.valid:
                unmatched.remove(index)
                break
            # report the error of a call to the right function when there is one
            if best is None or (best.error_type == "wrong_func_name" and verdict.error_type != best.error_type):
                best = verdict
        else:
            return best or Verdict.fail("wrong_count", "no call left to match")
    return _OK


def check_answer(
    tools: list[dict[str, Any]],
    text: str,
    ground_truth: list[dict[str, dict[str, list[Any]]]],
    category: str,
    parser: AnswerParser,
) -> tuple[Verdict, list[ToolCall]]:
    """Parse a raw answer with `parser`, then check it. A malformed call where no call is
    expected (irrelevance) is no call, as in BFCL."""
    parsed = parser.parse(text)
    if parsed.error is not None and ground_truth and "irrelevance" not in category:
        return Verdict.fail("parse_error", parsed.error), []
    return check(tools, parsed.calls, ground_truth, category), parsed.calls


def check_text(
    tools: list[dict[str, Any]],
    text: str,
    ground_truth: list[dict[str, dict[str, list[Any]]]],
    category: str,
    fmt: str = "pythonic",
    strict: bool = True,
) -> tuple[Verdict, list[ToolCall]]:
    """`check_answer` with the parser of a format; strict = BFCL's decoder rules."""
    return check_answer(tools, text, ground_truth, category, _parser(fmt, strict))
