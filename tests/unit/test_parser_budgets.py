"""The answer parsers stay within their budgets (ray_toolace.core.parsers.limits) on hostile input.

Each hostile answer must come back as a parse error naming the budget, quickly. The time bounds
are regression guards, far above what the parsers take (milliseconds), not benchmarks: before
the budgets some of these answers took seconds, minutes or gigabytes.
"""

from __future__ import annotations

import json
import re
import sys
import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ray_toolace.core.parsers import Parsed, get_parser, limits
from ray_toolace.core.parsers.pythonic import PythonicParser
from ray_toolace.core.render import to_json_tags, to_pythonic
from ray_toolace.core.types import ToolCall

BOUND_S = 2.0

PYTHONIC = get_parser("pythonic")
STRICT = get_parser("pythonic", strict=True)
JSON = get_parser("json")


def outcome(parsed: Parsed) -> str:
    """For the fuzz statistics: read, refused by which budget, or not readable."""
    if parsed.error is None:
        return "read"
    budget = re.search(r"MAX_[A-Z_]+", parsed.error) if parsed.error.startswith("refused") else None
    return f"refused: {budget.group()}" if budget else "parse error"


def timed_parse(parser, text: str) -> Parsed:
    start = time.perf_counter()
    parsed = parser.parse(text)
    elapsed = time.perf_counter() - start
    assert elapsed < BOUND_S, f"parse took {elapsed:.2f} s"
    return parsed


def refused(parser, text: str, budget: str) -> str:
    parsed = timed_parse(parser, text)
    assert parsed.calls == [] and parsed.error is not None
    assert budget in parsed.error, parsed.error
    return parsed.error


# ---- the inputs of the issue -------------------------------------------------------------------


@pytest.mark.parametrize("parser", [PYTHONIC, STRICT], ids=lambda p: p.name)
@pytest.mark.parametrize(
    "text",
    [
        "[f(a=(((9**64)**64)**64)**64)]",  # 15 s of CPU before
        "[f(a=((((9**64)**64)**64)**64)**64)]",  # never finished before
        "[f(a=9**9**9)]",
        "[f(a=2**1025)]",
        "[f(a=1 << 10**9)]",
        "[f(a=(2**1000) * (2**1000))]",
    ],
)
def test_huge_integers_are_refused_before_they_are_computed(parser, text):
    refused(parser, text, "MAX_INT_BITS")


@pytest.mark.parametrize(
    "text,budget",
    [
        ('[f(a="x"*10**10)]', "MAX_STR_LEN"),  # 10 GB before
        ('[f(a=b"x"*10**10)]', "MAX_STR_LEN"),
        ('[f(a=10**10*"x")]', "MAX_STR_LEN"),
        ('[f(a="x"*30000 + "y"*30000)]', "MAX_STR_LEN"),
        ("[f(a=[0]*10**9)]", "MAX_ITEMS"),
        ("[f(a=(0,)*10**9)]", "MAX_ITEMS"),
        ('[f(a="%0*d" % (10**8, 1))]', "MAX_STR_LEN"),  # a width taken from the arguments
        ('[f(a="%099999999d" % 1)]', "MAX_STR_LEN"),
        ('[f(a="%(k)s%(k)s%(k)s%(k)s" % {"k": "x"*20000})]', "MAX_STR_LEN"),
    ],
)
def test_repetition_and_formatting_are_refused_before_they_are_built(text, budget):
    refused(PYTHONIC, text, budget)


def test_sharing_cannot_hide_growth():
    # a few kilobytes of objects, but a billion items once rendered
    refused(PYTHONIC, "[f(a=[[[0]*1000]*1000]*1000)]", "MAX_VALUE_SIZE")


def test_many_large_values_add_up_to_the_total_budget():
    args = ", ".join(f"a{i}='{'x' * 1000}'*45" for i in range(12))  # 45,000 characters each
    refused(PYTHONIC, f"[f({args})]", "MAX_TOTAL_SIZE")


def test_floats_must_be_finite():
    refused(PYTHONIC, "[f(a=1e999)]", "MAX_FLOAT_ABS")
    refused(PYTHONIC, "[f(a=1e308 * 10)]", "MAX_FLOAT_ABS")
    refused(PYTHONIC, "[f(a=1e999j)]", "MAX_FLOAT_ABS")


def test_huge_integer_literals_are_refused():
    # hexadecimal escapes Python's decimal digit limit, so the parser itself accepts it
    refused(PYTHONIC, "[f(a=0x" + "f" * 10_000 + ")]", "MAX_INT_BITS")
    refused(PYTHONIC, "[f(a=g(0x" + "f" * 10_000 + "))]", "MAX_INT_BITS")  # also inside a call read as text
    # a decimal literal past Python's limit is a syntax error, not a crash
    parsed = timed_parse(PYTHONIC, "[f(a=" + "9" * 5_000 + ")]")
    assert parsed.error and not parsed.calls


def test_deep_nesting_is_refused():
    refused(PYTHONIC, "[f(a=" + "-" * (limits.MAX_DEPTH + 1) + "1)]", "MAX_DEPTH")
    refused(PYTHONIC, "[f(a=" + "[" * 150 + "]" * 150 + ")]", "MAX_DEPTH")
    refused(PYTHONIC, "[f(a=" + "1+" * 500 + "1)]", "MAX_DEPTH")
    refused(PYTHONIC, "[f(a=" + "g(" * 150 + ")" * 150 + ")]", "MAX_DEPTH")  # read as text
    refused(PYTHONIC, "[f(a=x" + "[0]" * 500 + ")]", "MAX_DEPTH")
    # nesting past Python's own parser (RecursionError, MemoryError in ast.parse) is a parse error
    for text in ("[f(a=" + "-" * 40_000 + "1)]", "[f(a=" + "1+" * 20_000 + "1)]", "[f(a=" + "[" * 10_000 + ")]"):
        parsed = timed_parse(PYTHONIC, text)
        assert parsed.error and not parsed.calls


def test_answer_length_is_capped():
    text = "[f(a='" + "x" * limits.MAX_ANSWER_CHARS + "')]"
    refused(PYTHONIC, text, "MAX_ANSWER_CHARS")
    refused(JSON, '<tool_call>{"name": "f", "arguments": {"a": "' + "x" * limits.MAX_ANSWER_CHARS + '"}}', "MAX_ANSWER_CHARS")
    # prose without anything call-like is no call, whatever its length
    assert timed_parse(PYTHONIC, "word " * limits.MAX_ANSWER_CHARS) == Parsed()


def test_lenient_search_is_linear_in_the_answer():
    # every "[a(" scans to the end of the answer: quadratic before, minutes at this length
    refused(PYTHONIC, "[a(" * 16_000, "MAX_WORK_CHARS")
    refused(PYTHONIC, "I'm " + "[f(a=1) " * 6_000, "MAX_WORK_CHARS")


def test_node_budget(monkeypatch):
    monkeypatch.setattr(limits, "MAX_NODES", 100)
    refused(PYTHONIC, "[f(a=[" + "1, " * 200 + "])]", "MAX_NODES")
    refused(JSON, '<tool_call>{"name": "f", "arguments": {"a": [' + "1, " * 200 + "1]}}", "MAX_NODES")


@pytest.mark.parametrize(
    "text",
    [
        "```" + "a" * 40_000 + "(",  # an unclosed fence: the fence pattern backtracked quadratically
        "[a" + " " * 40_000 + ", b()]",  # a long run of spaces after a name: the same in the name pattern
        "[a(1) + b(2)]",  # an expression read as arguments: an AttributeError before
    ],
)
def test_lenient_reader_fails_fast_and_cleanly(text):
    parsed = timed_parse(PYTHONIC, text)
    assert parsed.error and not parsed.calls


# ---- what stays readable ---------------------------------------------------------------------


def test_values_up_to_the_budgets_are_read():
    calls = timed_parse(STRICT, f"[f(a=2**{limits.MAX_INT_BITS - 1}, b=-(2**{limits.MAX_INT_BITS - 1}))]").calls
    assert calls[0].arguments["a"].bit_length() == limits.MAX_INT_BITS
    assert len(timed_parse(STRICT, f'[f(a="x"*{limits.MAX_STR_LEN})]').calls[0].arguments["a"]) == limits.MAX_STR_LEN
    assert len(timed_parse(STRICT, f"[f(a=[0]*{limits.MAX_ITEMS})]").calls[0].arguments["a"]) == limits.MAX_ITEMS
    assert timed_parse(STRICT, "[f(a=9**64, b=1 << 64, c='%05.1f|%s' % (2.5, 'x'), d={'k': 1} | {'j': 2})]").calls == [
        ToolCall("f", {"a": 9**64, "b": 1 << 64, "c": "002.5|x", "d": {"k": 1, "j": 2}})
    ]
    refused(STRICT, f"[f(a=2**{limits.MAX_INT_BITS})]", "MAX_INT_BITS")
    refused(STRICT, f'[f(a="x"*{limits.MAX_STR_LEN + 1})]', "MAX_STR_LEN")
    refused(STRICT, f"[f(a=[0]*{limits.MAX_ITEMS + 1})]", "MAX_ITEMS")


def test_largest_integers_render_whatever_the_int_to_str_limit():
    # MAX_INT_BITS stays under the lowest limit Python accepts (640 digits)
    assert len(str(2**limits.MAX_INT_BITS)) < sys.int_info.str_digits_check_threshold
    calls = PYTHONIC.parse(f"[f(a=2**{limits.MAX_INT_BITS - 1}, b=[{2**limits.MAX_INT_BITS - 1}])]").calls
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(sys.int_info.str_digits_check_threshold)
    try:
        assert PYTHONIC.parse(to_pythonic(calls)).calls == calls
        assert JSON.parse(to_json_tags(calls)).calls == calls
    finally:
        sys.set_int_max_str_digits(old)


def test_a_long_real_answer_is_read():
    calls = [
        ToolCall(f"tool_{i}", {"query": "q" * 200, "ids": list(range(50)), "opts": {"deep": [{"x": [1.5, None]}]}})
        for i in range(50)
    ]
    for parser in (PYTHONIC, JSON):
        text = "Let me call these:\n" + parser.render(calls) + "\nDone."
        assert len(text) > 20_000
        assert timed_parse(parser, text).calls == calls


# ---- the JSON <tool_call> parser ----------------------------------------------------------------


def tag(arguments: str) -> str:
    return '<tool_call>{"name": "f", "arguments": ' + arguments + "}</tool_call>"


@pytest.mark.parametrize(
    "text,budget",
    [
        (tag('{"a": ' + "1" * 5_000 + "}"), "MAX_INT_BITS"),  # a ValueError escaped the parser before
        (tag('{"a": ' + "1" * 400 + "}"), "MAX_INT_BITS"),  # refused by its digits, unconverted
        (tag('{"a": ' + str(2**limits.MAX_INT_BITS) + "}"), "MAX_INT_BITS"),  # as many digits as allowed, too big
        (tag('{"a": ' + "[" * 5_000 + "}"), "MAX_DEPTH"),  # a RecursionError escaped the parser before
        (tag('{"a": ' + "[" * 100 + "]" * 100 + "}"), "MAX_DEPTH"),
        (tag('{"a": NaN}'), "MAX_FLOAT_ABS"),
        (tag('{"a": -Infinity}'), "MAX_FLOAT_ABS"),
        (tag('{"a": 1e999}'), "MAX_FLOAT_ABS"),
        (tag(json.dumps(json.dumps({"a": 10**400}))), "MAX_INT_BITS"),  # arguments as a JSON string
        (tag('{"a": [' + ", ".join(["0"] * (limits.MAX_ITEMS + 1)) + "]}"), "MAX_ITEMS"),
    ],
)
def test_json_budgets(text, budget):
    refused(JSON, text, budget)


def test_json_long_fenced_body_fails_fast():
    # the fence pattern backtracked quadratically on this (minutes before)
    parsed = timed_parse(JSON, "<tool_call>```" + " \n" * 20_000 + "y")
    assert parsed.error and not parsed.calls
    fenced = '<tool_call>```json\n{"name": "f", "arguments": {"a": 1}}\n```</tool_call>'
    assert timed_parse(JSON, fenced).calls == [ToolCall("f", {"a": 1})]


# ---- fuzz ------------------------------------------------------------------------------------

LEAVES = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.integers(0, 2**3000).map(str),  # up to 904 digits: past MAX_INT_BITS, under Python's limit
    st.integers(1, 6_000).map(lambda n: "9" * n),  # past Python's int-to-str limit too
    st.integers(1, 3_000).map(lambda n: "0x" + "f" * n),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["1e999", "1.5", "True", "None", "x", "...", "b'ab'", "2j", "'%s%d'", "'%*d'", "'%(k)s'"]),
    st.sampled_from(["64", "999", "10**9", "2**62", "[0]", "'ab'", "(1,)"]),  # repeated, these grow fast
    st.text(max_size=10).map(repr),
    st.integers(0, 60_000).map(lambda n: repr("s" * n)),
)
OPERATORS = ["**", "*", "<<", "+", "-", "%", "//", "|", ">>"]


def _extend(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(OPERATORS), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.lists(children, min_size=2, max_size=6).map(" ** ".join),  # power towers, right-associative
        st.lists(children, min_size=2, max_size=6).map(" * ".join),
        st.tuples(children, st.sampled_from(["1000", "99999", "10**9"])).map(lambda t: f"({t[0]} * {t[1]})"),
        children.map(lambda c: f"(-{c})"),
        st.lists(children, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(children, max_size=3).map(lambda xs: "(" + "".join(x + ", " for x in xs) + ")"),
        st.lists(st.tuples(children, children), max_size=3).map(lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"),
        st.tuples(children, st.integers(1, 400)).map(lambda t: "[" * t[1] + t[0] + "]" * t[1]),
        st.tuples(children, st.integers(1, 3_000)).map(lambda t: "-" * t[1] + t[0]),
        children.map(lambda c: f"g({c})"),
        children.map(lambda c: f"g(k={c})"),
    )


EXPRESSIONS = st.recursive(LEAVES, _extend, max_leaves=12)
WRAPPERS = ["[f(a={})]", "f(a={})", "Sure: [f(a={})] done", "```python\n[f(a={}), g(b=1)]\n```", "[Spaced Name(a={})]"]
FUZZ = settings(
    max_examples=300,
    deadline=timedelta(seconds=BOUND_S),
    database=None,  # nothing written to the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


@FUZZ
@given(expression=EXPRESSIONS, wrapper=st.sampled_from(WRAPPERS), lenient=st.booleans())
def test_fuzz_pythonic_never_raises_and_stays_fast(expression, wrapper, lenient):
    parsed = timed_parse(PythonicParser(lenient=lenient), wrapper.format(expression))
    assert isinstance(parsed, Parsed)
    assert parsed.error is None or parsed.calls == []
    repr(parsed.calls)  # whatever was read renders, integers included
    event(outcome(parsed))


JSON_LEAVES = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.integers(1, 6_000).map(lambda n: "9" * n),
    st.sampled_from(["1e999", "-1e400", "NaN", "Infinity", "1.5", "true", "null", '"s"', '"\\ud800"']),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda c: st.one_of(
        st.lists(c, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(c, max_size=3).map(lambda xs: "{" + ", ".join(f'"k{i}": {x}' for i, x in enumerate(xs)) + "}"),
        st.tuples(c, st.integers(1, 3_000)).map(lambda t: "[" * t[1] + t[0] + "]" * t[1]),
        c.map(lambda x: json.dumps('{"a": ' + x + "}")),  # arguments as a JSON string
    ),
    max_leaves=10,
)


@settings(FUZZ, max_examples=150)
@given(value=JSON_VALUES, fenced=st.booleans())
def test_fuzz_json_never_raises_and_stays_fast(value, fenced):
    body = '{"name": "f", "arguments": ' + value + "}"
    parsed = timed_parse(JSON, "<tool_call>" + (f"```json\n{body}\n```" if fenced else body) + "</tool_call>")
    assert parsed.error is None or parsed.calls == []
    repr(parsed.calls)
    event(outcome(parsed))
