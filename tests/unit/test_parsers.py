"""The conformance suite every answer parser passes, then format-specific cases."""

import pytest

from ray_toolace.core.parsers import get_parser
from ray_toolace.core.types import ToolCall

PARSERS = [get_parser("pythonic"), get_parser("json")]

ONE = [ToolCall("get_weather", {"city": "Paris", "days": 3})]
PARALLEL = [
    ToolCall("get_weather", {"city": "Paris", "unit": "celsius"}),
    ToolCall("math.hypot", {"x": 3, "y": -4.5}),
]
NESTED = [
    ToolCall(
        "book",
        {
            "guests": [{"name": 'O"Brien', "age": 41}, {"name": "Zoë", "age": None}],
            "note": "brackets ] [ ) ( and quotes ' \" and a back\\slash\nnewline",
            "flags": {"vip": True, "tags": ["a", "b,c"]},
            "empty": [],
        },
    )
]


@pytest.fixture(params=PARSERS, ids=lambda p: p.name)
def parser(request):
    return request.param


def test_no_call(parser):
    parsed = parser.parse("I am sorry, none of these functions can check the weather on Mars.")
    assert parsed.calls == [] and parsed.error is None and not parsed.has_calls


@pytest.mark.parametrize("calls", [ONE, PARALLEL, NESTED], ids=["one", "parallel", "nested"])
def test_round_trip(parser, calls):
    parsed = parser.parse(parser.render(calls))
    assert parsed.error is None
    assert parsed.calls == calls


def test_text_around_the_call(parser):
    text = "Sure! Here is what I will do:\n" + parser.render(PARALLEL) + "\nLet me know if that helps."
    assert parser.parse(text).calls == PARALLEL


@pytest.mark.parametrize(
    "name,text",
    [
        ("pythonic", "[get_weather(city='Paris', days=]"),
        ("json", '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"</tool_call>'),
    ],
)
def test_malformed_call_is_an_error_not_a_crash(name, text):
    parsed = get_parser(name).parse(text)
    assert parsed.error and parsed.calls == []


# ---- pythonic specifics ----


def test_pythonic_names_with_spaces_and_dots():
    text = '[Market Trends API(trend_type="MARKET_INDEXES", country="us"), finance.stock-quote v2(symbol="AAPL")]'
    calls = get_parser("pythonic").parse(text).calls
    assert calls == [
        ToolCall("Market Trends API", {"trend_type": "MARKET_INDEXES", "country": "us"}),
        ToolCall("finance.stock-quote v2", {"symbol": "AAPL"}),
    ]


def test_pythonic_strict_follows_bfcl_decoder():
    strict = get_parser("pythonic", strict=True)
    # BFCL adds missing brackets and strips backticks, newlines and spaces at the ends
    assert strict.parse("get_weather(city='Paris')").calls == [ToolCall("get_weather", {"city": "Paris"})]
    assert strict.parse("`[f(a=1)]`\n").calls == [ToolCall("f", {"a": 1})]
    # but it does not look inside prose or read spaced names
    assert strict.parse("Sure: [f(a=1)] done").error is not None
    assert strict.parse("[Market Trends API(country='us')]").error is not None


def test_pythonic_lenient_reads_code_fences():
    text = "```python\n[f(a=1, b=[1, 2])]\n```"
    assert get_parser("pythonic").parse(text).calls == [ToolCall("f", {"a": 1, "b": [1, 2]})]


def test_pythonic_values_are_read_not_evaluated():
    calls = get_parser("pythonic").parse("[f(a=x, b=-3, c=2**10, d=g(1), e=h(k=1), t=(1, 2))]").calls
    assert calls == [ToolCall("f", {"a": "x", "b": -3, "c": 1024, "d": "g(1)", "e": {"h": {"k": 1}}, "t": (1, 2)})]
    # nothing is executed: a call to __import__ is just text
    assert get_parser("pythonic").parse("[f(a=__import__('os').getcwd())]").calls[0].arguments == {
        "a": "__import__('os').getcwd()"
    }


def test_pythonic_empty_list_is_no_call():
    parsed = get_parser("pythonic", strict=True).parse("[]")
    assert parsed.calls == [] and parsed.error is None


def test_pythonic_huge_exponent_is_refused():
    assert get_parser("pythonic").parse("[f(a=10**100000)]").error is not None


# ---- json specifics ----


def test_json_list_in_one_tag_and_string_arguments():
    text = '<tool_call>[{"name": "a", "arguments": "{\\"x\\": 1}"}, {"name": "b", "parameters": {}}]</tool_call>'
    assert get_parser("json").parse(text).calls == [ToolCall("a", {"x": 1}), ToolCall("b", {})]


def test_json_unclosed_last_tag_is_tolerated():
    assert get_parser("json").parse('<tool_call>{"name": "a", "arguments": {}}').calls == [ToolCall("a", {})]


def test_json_missing_name_is_an_error():
    assert "name" in get_parser("json").parse('<tool_call>{"arguments": {}}</tool_call>').error


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown answer format"):
        get_parser("xml")
