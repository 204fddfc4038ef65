"""Check-input rows built from BFCL's samples: right answers in many spellings, wrong ones of every kind.

Each row is the input of `ray-toolace check`: `{"id", "category", "functions", "ground_truth",
"output"}`, where `output` is a raw model answer. The id is `<sample id>::<kind>`; `kind_of(id)`
reads the kind back and `expected_valid(kind, category)` says whether BFCL's rules accept it.

Samples that expect calls get the gold answer rendered pythonic plus about nine variants drawn
from RIGHT_KINDS (keyword order, call order, optional parameters, other allowed values, string
spellings BFCL normalises away, int for float, tuples, missing brackets, backtick fences) and
WRONG_KINDS (wrong function, missing or extra parameters, wrong types or values, wrong call
count, prose, `[]`, broken syntax, values BFCL's decoder cannot read, text around the call).
Irrelevance samples (no call is right) get calls made anyway and the no-call answers; relevance
samples the reverse. Everything is seeded per sample, so a seed always yields the same rows.

Never written: a unary plus (BFCL's decoder reads `+5` as -5) or other spellings where BFCL's
decoder is plainly wrong; tests/unit/test_bfcl_agreement.py states those differences.

    python -m ray_toolace.data.bfcl_cases --out cases.jsonl [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Any, Callable

from ray_toolace.core.answers import gold_calls
from ray_toolace.core.render import python_literal
from ray_toolace.core.types import Sample, ToolCall

RIGHT_KINDS = (
    "right", "shuffled_keywords", "reordered_calls", "omitted_optional", "explicit_optional",
    "alternative_value", "string_variant", "int_for_float", "tuple_value", "bare_call",
    "half_bracketed", "fenced",
)  # fmt: skip
WRONG_KINDS = (
    "wrong_func_name", "missing_required", "extra_param", "missing_optional", "wrong_type",
    "wrong_value", "dropped_call", "duplicated_call", "positional_args", "json_literals",
    "prose", "empty_list", "malformed", "unsupported_value", "text_around",
)  # fmt: skip
# For samples where no call is right (irrelevance) or any call is (relevance).
CALL_KINDS = ("call", "bare_call", "fenced", "two_calls")
NO_CALL_KINDS = ("prose", "empty_list", "malformed", "unsupported_value", "text_around")

RIGHT_VARIANTS_PER_SAMPLE = 4
WRONG_PER_SAMPLE = 5
NO_GOLD_PER_SAMPLE = 8

_PROSE = (
    "I'm sorry, but none of the available functions can answer that.",
    "Could you tell me which city you mean?",
    "The answer is 42 (according to the documentation), so no tool is needed.",
    "I can't do that: the functions given (a search and a lookup) do not cover it.",
)
_AROUND = (
    "Sure! Here is the call: {}",
    "{}\nThis returns what you asked for.",
    "```python\n{}\n```",
    "To answer, I will call: {}.",
)
_UNSUPPORTED = ("Unit.CELSIUS", "{1, 2}", 'f"{city}"', "count > 3", "[i for i in range(3)]", "-count", "{[1]: 2}")
_PY_TYPES = {
    "string": str, "any": str, "integer": int, "float": float, "boolean": bool,
    "array": list, "tuple": list, "dict": dict,
}  # fmt: skip
_DUMMY = {"string": "example", "integer": 3, "float": 2.5, "number": 2.5, "boolean": True, "any": "value"}
# BFCL's string rule (docs/method.md §2), written out here rather than imported from the checker, so
# that the cases do not follow the checker they are meant to test.
_BFCL_STRIP = re.compile(r"[ ,./\-_*^]")


def normalize_string(text: str) -> str:
    return _BFCL_STRIP.sub("", text).lower().replace("'", '"')


def kind_of(case_id: str) -> str:
    return case_id.rsplit("::", 1)[1]


def expected_valid(kind: str, category: str) -> bool:
    """Whether BFCL's rules accept an answer of this kind in this category."""
    if "irrelevance" in category:
        return kind in NO_CALL_KINDS
    if "relevance" in category:
        return kind in CALL_KINDS
    return kind in RIGHT_KINDS


# ---- rendering -------------------------------------------------------------------------------


class _Raw:
    """Source text to write as is where a value goes (a value Python literals cannot express)."""

    def __init__(self, source: str) -> None:
        self.source = source


def _render(calls: list[ToolCall], positional: bool = False, arg_sep: str = ", ", bind: str = "=") -> str:
    """The pythonic list; `_Raw` values are written as their source, and the separators can be
    broken on purpose (`arg_sep=" "`, `bind=": "`) without touching what is inside strings."""

    def lit(value: Any) -> str:
        if isinstance(value, _Raw):
            return value.source
        if isinstance(value, list):
            return "[" + ", ".join(lit(v) for v in value) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{python_literal(k)}: {lit(v)}" for k, v in value.items()) + "}"
        return python_literal(value)

    parts = []
    for call in calls:
        if positional:
            args = arg_sep.join(lit(v) for v in call.arguments.values())
        else:
            args = arg_sep.join(f"{k}{bind}{lit(v)}" for k, v in call.arguments.items())
        parts.append(f"{call.name}({args})")
    return "[" + ", ".join(parts) + "]"


# ---- what a sample offers to mutate ----------------------------------------------------------


class _Ctx:
    """One sample with a concrete right answer, and the lookups the mutations need."""

    def __init__(self, sample: Sample, rng: random.Random) -> None:
        self.sample = sample
        self.rng = rng
        self.tools = {t["name"]: t for t in sample.tools}
        self.golds = [next(iter(g.values())) for g in sample.ground_truth]
        self.calls = gold_calls(sample.ground_truth, sample.tools)
        for i, call in enumerate(self.calls):
            # a few golds allow a parameter the schema lacks, with "" among its values: omit it
            unknown = [p for p in call.arguments if p not in self.props(i) and "" in self.golds[i].get(p, [])]
            if unknown:
                self.calls[i] = ToolCall(call.name, {k: v for k, v in call.arguments.items() if k not in unknown})

    def props_of(self, name: str) -> dict[str, Any]:
        return (self.tools.get(name, {}).get("parameters") or {}).get("properties") or {}

    def props(self, i: int) -> dict[str, Any]:
        return self.props_of(self.calls[i].name)

    def required(self, i: int) -> list[str]:
        return (self.tools.get(self.calls[i].name, {}).get("parameters") or {}).get("required") or []

    def ptype(self, i: int, param: str) -> str | None:
        schema = self.props(i).get(param)
        return schema.get("type") if isinstance(schema, dict) else None

    def is_variable(self, i: int, param: str) -> bool:
        """BFCL compares a value whose gold type is not the schema type as is (a "variable")."""
        allowed = [a for a in self.golds[i].get(param, []) if a != ""]
        expected = _PY_TYPES.get(self.ptype(i, param) or "")
        return bool(allowed) and expected is not None and type(allowed[0]) is not expected

    def params(self, pred: Callable[[int, str], bool]) -> list[tuple[int, str]]:
        """(call index, parameter) pairs of the right answer that satisfy `pred`."""
        return [(i, p) for i, c in enumerate(self.calls) for p in c.arguments if pred(i, p)]

    def pick(self, pairs: list[Any]) -> Any:
        return self.rng.choice(pairs) if pairs else None

    def with_arg(self, i: int, param: str, value: Any) -> list[ToolCall]:
        calls = list(self.calls)
        calls[i] = ToolCall(calls[i].name, {**calls[i].arguments, param: value})
        return calls

    def without_arg(self, i: int, param: str) -> list[ToolCall]:
        calls = list(self.calls)
        calls[i] = ToolCall(calls[i].name, {k: v for k, v in calls[i].arguments.items() if k != param})
        return calls


def _dummy(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return "value"
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind in ("array", "tuple"):
        return [_dummy(schema.get("items"))] if isinstance(schema.get("items"), dict) else []
    if kind in ("dict", "object"):
        return {}
    return _DUMMY.get(kind, "value")


def _concrete(allowed_value: Any) -> Any:
    # a one-parameter gold turns BFCL's per-key dict form back into a plain value
    return gold_calls([{"f": {"p": [allowed_value]}}])[0].arguments.get("p")


def _norm_list(value: Any) -> Any:
    return [normalize_string(v) if isinstance(v, str) else v for v in value] if isinstance(value, list) else value


def _vary_string(text: str, rng: random.Random) -> str | None:
    """A spelling of `text` that BFCL's string normalisation maps to the same thing."""
    options = []
    if text.isascii() and text.lower() != text.upper():
        options.append(text.swapcase() if text != text.swapcase() else text.upper())
    if len(text) > 1:
        cut = rng.randrange(1, len(text))
        options.append(text[:cut] + " " + text[cut:])
    if " " in text:
        options.append(text.replace(" ", rng.choice("_-")))
    if text:
        options.append(text + ".")
    if '"' in text:
        options.append(text.replace('"', "'"))
    options = [o for o in options if normalize_string(o) == normalize_string(text) and o != text]
    return rng.choice(options) if options else None


def _other_value(value: Any, allowed: list[Any], rng: random.Random) -> Any:
    """A value of the same type as `value` that is not among `allowed` (None if none found)."""
    if isinstance(value, bool):
        new = not value
    elif isinstance(value, int):
        new = value + rng.randint(1, 9)
    elif isinstance(value, float):
        new = value + rng.choice((0.5, 1.25, 10.0))
    elif isinstance(value, str):
        new = value + rng.choice((" Springfield", "zq", " 99"))
        if normalize_string(new) in [normalize_string(a) for a in allowed if isinstance(a, str)]:
            return None
        return new
    elif isinstance(value, list):
        new = value[:-1] if len(value) > 1 else value + value if value else None
        if new is None or _norm_list(new) in [_norm_list(a) for a in allowed]:
            return None
        return new
    elif isinstance(value, dict):
        keys = [k for k, v in value.items() if isinstance(v, (str, int, float))]
        if not keys:
            return None
        key = rng.choice(keys)
        inner = _other_value(value[key], [], rng)
        return {**value, key: inner}
    else:
        return None
    return None if new in allowed else new


def _wrong_type(value: Any, ptype: str | None, items: Any, rng: random.Random) -> Any:
    """A value BFCL's type check rejects for a parameter of type `ptype`."""
    if ptype in ("string", "any"):
        return rng.choice((42, [value]))
    if ptype == "integer":
        return rng.choice((str(value), float(value)))
    if ptype == "float":
        return str(value)
    if ptype == "boolean":
        return rng.choice((int(value), str(value).lower()))
    if ptype in ("array", "tuple"):
        item_type = items.get("type") if isinstance(items, dict) else None
        if value and item_type in ("integer", "float") and rng.random() < 0.5:
            return [str(v) for v in value]  # the elements' type is wrong, BFCL's nested check
        return ", ".join(str(v) for v in value)
    if ptype == "dict":
        return json.dumps(value)
    return None


# ---- the kinds -------------------------------------------------------------------------------
# Each returns the answer text, or None where the sample offers nothing to apply it to.


def _k_right(c: _Ctx) -> str:
    return _render(c.calls)


def _k_shuffled_keywords(c: _Ctx) -> str | None:
    if not any(len(call.arguments) > 1 for call in c.calls):
        return None
    calls = []
    for call in c.calls:
        items = list(call.arguments.items())
        while len(items) > 1 and items == list(call.arguments.items()):
            c.rng.shuffle(items)
        calls.append(ToolCall(call.name, dict(items)))
    return _render(calls)


def _k_reordered_calls(c: _Ctx) -> str | None:
    if len(c.calls) < 2 or len({ca.canonical() for ca in c.calls}) < 2:
        return None
    calls = list(c.calls)
    while calls == c.calls:
        c.rng.shuffle(calls)
    return _render(calls)


def _k_omitted_optional(c: _Ctx) -> str | None:
    pair = c.pick(c.params(lambda i, p: "" in c.golds[i].get(p, []) and p not in c.required(i)))
    return _render(c.without_arg(*pair)) if pair else None


def _k_explicit_optional(c: _Ctx) -> str | None:
    # an omitted optional parameter given its first allowed value instead
    pairs = [
        (i, p, next(a for a in allowed if a != ""))
        for i, call in enumerate(c.calls)
        for p, allowed in c.golds[i].items()
        if p not in call.arguments and p in c.props(i) and any(a != "" for a in allowed)
    ]
    i, p, a = c.pick(pairs) or (None, None, None)
    return None if i is None else _render(c.with_arg(i, p, _concrete(a)))


def _k_alternative_value(c: _Ctx) -> str | None:
    options = []
    for i, p in c.params(lambda i, p: True):
        current = c.calls[i].arguments[p]
        for a in c.golds[i].get(p, []):
            if a != "" and (alt := _concrete(a)) != current:
                options.append((i, p, alt))
    i, p, alt = c.pick(options) or (None, None, None)
    return None if i is None else _render(c.with_arg(i, p, alt))


def _k_string_variant(c: _Ctx) -> str | None:
    def varies(i: int, p: str) -> bool:
        value = c.calls[i].arguments[p]
        if c.is_variable(i, p):
            return False
        if c.ptype(i, p) in ("string", "any"):
            return isinstance(value, str)
        # BFCL also normalises strings inside lists (top level) and dict values
        if c.ptype(i, p) in ("array", "tuple"):
            return isinstance(value, list) and any(isinstance(v, str) for v in value)
        return c.ptype(i, p) == "dict" and isinstance(value, dict) and any(isinstance(v, str) for v in value.values())

    pair = c.pick(c.params(varies))
    if pair is None:
        return None
    i, p = pair
    value = c.calls[i].arguments[p]
    if isinstance(value, str):
        new = _vary_string(value, c.rng)
        return None if new is None else _render(c.with_arg(i, p, new))
    keys = [k for k, v in (value.items() if isinstance(value, dict) else enumerate(value)) if isinstance(v, str)]
    key = c.rng.choice(keys)
    new = _vary_string(value[key], c.rng)
    if new is None:
        return None
    changed = dict(value) if isinstance(value, dict) else list(value)
    changed[key] = new
    return _render(c.with_arg(i, p, changed))


def _k_int_for_float(c: _Ctx) -> str | None:
    pair = c.pick(
        c.params(
            lambda i, p: c.ptype(i, p) == "float"
            and isinstance(c.calls[i].arguments[p], float)
            and c.calls[i].arguments[p].is_integer()
            and abs(c.calls[i].arguments[p]) < 1e15
        )
    )
    return _render(c.with_arg(*pair, int(c.calls[pair[0]].arguments[pair[1]]))) if pair else None


def _k_tuple_value(c: _Ctx) -> str | None:
    # BFCL turns a tuple into a list where the schema asks for a tuple
    pair = c.pick(c.params(lambda i, p: c.ptype(i, p) == "tuple" and isinstance(c.calls[i].arguments[p], list)))
    return _render(c.with_arg(*pair, tuple(c.calls[pair[0]].arguments[pair[1]]))) if pair else None


def _k_bare_call(c: _Ctx) -> str:
    return _render(c.calls)[1:-1]


def _k_half_bracketed(c: _Ctx) -> str:
    # BFCL's decoder adds the missing outer bracket
    text = _render(c.calls)
    return text[:-1] if c.rng.random() < 0.5 else text[1:]


def _k_fenced(c: _Ctx) -> str:
    text = _render(c.calls) if c.rng.random() < 0.7 else _render(c.calls)[1:-1]
    return c.rng.choice(("```\n{}\n```", "`{}`", "\n  {}  \n", "``{}``")).format(text)


def _k_wrong_func_name(c: _Ctx) -> str:
    i = c.rng.randrange(len(c.calls))
    name = c.calls[i].name
    others = [n for n in c.tools if n != name]
    if others and c.rng.random() < 0.6:
        new = c.rng.choice(others)
    else:
        new = name.replace(".", "_") if "." in name else name + "_v2"
    calls = list(c.calls)
    calls[i] = ToolCall(new, calls[i].arguments)
    return _render(calls)


def _k_missing_required(c: _Ctx) -> str | None:
    pair = c.pick(c.params(lambda i, p: p in c.required(i)))
    return _render(c.without_arg(*pair)) if pair else None


def _k_extra_param(c: _Ctx) -> str:
    i = c.rng.randrange(len(c.calls))
    unused = [p for p in c.props(i) if p not in c.golds[i] and p not in c.calls[i].arguments]
    if unused and c.rng.random() < 0.7:
        param = c.rng.choice(unused)
        return _render(c.with_arg(i, param, _dummy(c.props(i)[param])))
    param = next(n for n in ("verbose", "extra_option", "debug_mode_flag") if n not in c.props(i))
    return _render(c.with_arg(i, param, True))


def _k_missing_optional(c: _Ctx) -> str | None:
    pair = c.pick(c.params(lambda i, p: p not in c.required(i) and "" not in c.golds[i].get(p, [""])))
    return _render(c.without_arg(*pair)) if pair else None


def _k_wrong_type(c: _Ctx) -> str | None:
    pair = c.pick(c.params(lambda i, p: c.ptype(i, p) in _PY_TYPES and not c.is_variable(i, p)))
    if pair is None:
        return None
    i, p = pair
    items = c.props(i)[p].get("items")
    value = _wrong_type(c.calls[i].arguments[p], c.ptype(i, p), items, c.rng)
    return None if value is None else _render(c.with_arg(i, p, value))


def _k_wrong_value(c: _Ctx) -> str | None:
    pairs = c.params(lambda i, p: True)
    c.rng.shuffle(pairs)
    for i, p in pairs:
        value = _other_value(c.calls[i].arguments[p], [a for a in c.golds[i].get(p, []) if a != ""], c.rng)
        if value is not None:
            return _render(c.with_arg(i, p, value))
    return None


def _k_dropped_call(c: _Ctx) -> str | None:
    if len(c.calls) < 2:
        return None
    calls = list(c.calls)
    del calls[c.rng.randrange(len(calls))]
    return _render(calls)


def _k_duplicated_call(c: _Ctx) -> str:
    calls = list(c.calls)
    calls.append(c.rng.choice(calls))
    return _render(calls)


def _k_positional_args(c: _Ctx) -> str | None:
    # BFCL's decoder drops positional arguments: the required ones then go missing
    if not any(c.required(i) for i in range(len(c.calls))):
        return None
    return _render(c.calls, positional=True)


def _k_json_literals(c: _Ctx) -> str | None:
    pair = c.pick(c.params(lambda i, p: c.ptype(i, p) == "boolean" and isinstance(c.calls[i].arguments[p], bool)))
    if pair is None:
        return None
    value = c.calls[pair[0]].arguments[pair[1]]
    return _render(c.with_arg(*pair, _Raw("true" if value else "false")))


def _k_prose(c: _Ctx) -> str:
    return c.rng.choice(_PROSE)


def _k_empty_list(c: _Ctx) -> str:
    return c.rng.choice(("[]", "[ ]", "```\n[]\n```"))


def _k_malformed(c: _Ctx) -> str:
    calls = c.calls or [_dummy_call(c)]
    text = _render(calls)
    options = [text[: text.rindex(")")] + text[text.rindex(")") + 1 :]]  # a call left open
    if '"' in text:
        cut = text.rindex('"')
        options.append(text[:cut] + text[cut + 1 :])  # a string left open
    if len(calls) > 1:
        options.append("[" + " ".join(_render([ca])[1:-1] for ca in calls) + "]")  # no comma between calls
    if any(len(ca.arguments) > 1 for ca in calls):
        options.append(_render(calls, arg_sep=" "))  # no comma between arguments
    if any(ca.arguments for ca in calls):
        options.append(_render(calls, bind=": "))
    if any("_" in ca.name for ca in calls):
        # ToolACE-style names with spaces: only the lenient parser reads them, BFCL does not
        options.append(_render([ToolCall(ca.name.replace("_", " "), ca.arguments) for ca in calls]))
    call = calls[0]
    options.append(json.dumps({"name": call.name, "arguments": call.arguments}, default=list))
    return c.rng.choice(options)


def _k_unsupported_value(c: _Ctx) -> str:
    calls = c.calls or [_dummy_call(c)]
    i = c.rng.randrange(len(calls))
    params = list(calls[i].arguments) or list(c.props_of(calls[i].name)) or ["value"]
    calls = list(calls)
    calls[i] = ToolCall(calls[i].name, {**calls[i].arguments, c.rng.choice(params): _Raw(c.rng.choice(_UNSUPPORTED))})
    return _render(calls)


def _k_text_around(c: _Ctx) -> str:
    text = _render(c.calls or [_dummy_call(c)])
    return c.rng.choice(_AROUND).format(text)


def _dummy_call(c: _Ctx) -> ToolCall:
    """A plausible call to one of the sample's tools, for samples with no gold call."""
    tool = c.rng.choice(c.sample.tools)
    params = tool.get("parameters") or {}
    props = params.get("properties") or {}
    return ToolCall(tool["name"], {p: _dummy(props.get(p)) for p in params.get("required") or [] if p in props})


def _k_call(c: _Ctx) -> str:
    return _render([_dummy_call(c)])


def _k_call_bare(c: _Ctx) -> str:
    return _render([_dummy_call(c)])[1:-1]


def _k_call_fenced(c: _Ctx) -> str:
    return c.rng.choice(("```\n{}\n```", "`{}`")).format(_render([_dummy_call(c)]))


def _k_two_calls(c: _Ctx) -> str:
    return _render([_dummy_call(c), _dummy_call(c)])


_RIGHT = {
    "shuffled_keywords": _k_shuffled_keywords,
    "reordered_calls": _k_reordered_calls,
    "omitted_optional": _k_omitted_optional,
    "explicit_optional": _k_explicit_optional,
    "alternative_value": _k_alternative_value,
    "string_variant": _k_string_variant,
    "int_for_float": _k_int_for_float,
    "tuple_value": _k_tuple_value,
    "bare_call": _k_bare_call,
    "half_bracketed": _k_half_bracketed,
    "fenced": _k_fenced,
}
_WRONG = {
    "wrong_func_name": _k_wrong_func_name,
    "missing_required": _k_missing_required,
    "extra_param": _k_extra_param,
    "missing_optional": _k_missing_optional,
    "wrong_type": _k_wrong_type,
    "wrong_value": _k_wrong_value,
    "dropped_call": _k_dropped_call,
    "duplicated_call": _k_duplicated_call,
    "positional_args": _k_positional_args,
    "json_literals": _k_json_literals,
    "prose": _k_prose,
    "empty_list": _k_empty_list,
    "malformed": _k_malformed,
    "unsupported_value": _k_unsupported_value,
    "text_around": _k_text_around,
}
_NO_GOLD = {
    "call": _k_call,
    "bare_call": _k_call_bare,
    "fenced": _k_call_fenced,
    "two_calls": _k_two_calls,
    "prose": _k_prose,
    "empty_list": _k_empty_list,
    "malformed": _k_malformed,
    "unsupported_value": _k_unsupported_value,
    "text_around": _k_text_around,
}


# Kinds that few samples offer (tuple parameters, integral floats, booleans...) are tried first,
# so that each still occurs often enough to mean something.
_RARE = ("tuple_value", "int_for_float", "reordered_calls", "omitted_optional", "json_literals", "dropped_call")


def _some(c: _Ctx, kinds: dict[str, Callable[[_Ctx], str | None]], n: int) -> list[tuple[str, str]]:
    """Up to n (kind, output) pairs of kinds that apply to the sample, drawn at random."""
    names = list(kinds)
    c.rng.shuffle(names)
    names.sort(key=lambda name: name not in _RARE)
    out = []
    for name in names:
        if len(out) == n:
            break
        text = kinds[name](c)
        if text is not None:
            out.append((name, text))
    return out


def sample_cases(sample: Sample, seed: int = 0) -> list[dict[str, Any]]:
    """The check-input rows of one sample (about ten)."""
    c = _Ctx(sample, random.Random(f"{seed}:{sample.id}"))
    if sample.ground_truth:
        pairs = [("right", _k_right(c))]
        pairs += _some(c, _RIGHT, RIGHT_VARIANTS_PER_SAMPLE)
        pairs += _some(c, _WRONG, WRONG_PER_SAMPLE)
    elif sample.tools:
        pairs = _some(c, _NO_GOLD, NO_GOLD_PER_SAMPLE)
    else:
        pairs = []
    return [
        {
            "id": f"{sample.id}::{kind}",
            "category": sample.category,
            "functions": sample.tools,
            "ground_truth": sample.ground_truth,
            "output": text,
        }
        for kind, text in pairs
    ]


def build_cases(samples: list[Sample], seed: int = 0) -> list[dict[str, Any]]:
    """Check-input rows for every sample, in sample order; the same seed gives the same rows."""
    return [row for sample in samples for row in sample_cases(sample, seed)]


def write_cases(path: str | Path, seed: int = 0) -> int:
    """Build the rows over all of BFCL's Python categories and write them as JSON lines."""
    from ray_toolace.core.formats.bfcl import read_categories

    rows = build_cases(read_categories().samples, seed)
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="JSON-lines file to write")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    n = write_cases(args.out, args.seed)
    print(f"wrote {n} cases to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
