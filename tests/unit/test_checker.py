"""The checker's rules (docs/method.md §2), one error type at a time, on small hand-made samples."""

import pytest

from ray_toolace.core.checker import check, check_text, normalize_string
from ray_toolace.core.types import ToolCall

WEATHER = {
    "name": "get_weather",
    "parameters": {
        "type": "dict",
        "properties": {
            "city": {"type": "string"},
            "days": {"type": "integer"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "threshold": {"type": "float"},
            "hours": {"type": "array", "items": {"type": "integer"}},
            "filters": {"type": "dict", "properties": {"rain": {"type": "boolean"}}},
        },
        "required": ["city"],
    },
}
HYPOT = {"name": "math.hypot", "parameters": {"type": "dict", "properties": {"x": {"type": "float"}, "y": {"type": "float"}}, "required": ["x", "y"]}}
TOOLS = [WEATHER, HYPOT]
GOLD = [{"get_weather": {"city": ["Paris", "Paris, France"], "days": [3], "unit": ["", "celsius"], "threshold": [0.5, ""]}}]


def verdict(args, gold=GOLD, category="simple", name="get_weather"):
    return check(TOOLS, [ToolCall(name, args)], gold, category)


def test_right_answer():
    assert verdict({"city": "Paris", "days": 3}).valid
    assert verdict({"city": "paris,  france", "days": 3, "unit": "Celsius"}).valid  # normalised strings


def test_error_types():
    assert verdict({"city": "Paris", "days": 3}, name="get_forecast").error_type == "wrong_func_name"
    assert verdict({"days": 3}).error_type == "missing_required"
    assert verdict({"city": "Paris", "days": 3, "mood": "happy"}).error_type == "unexpected_param"
    assert verdict({"city": "Paris", "days": "3"}).error_type == "type_error"
    assert verdict({"city": "Paris", "days": 4}).error_type == "value_error"
    assert verdict({"city": "Paris"}).error_type == "missing_param"  # days is needed by the gold


def test_int_accepted_for_float_but_bool_is_not_int():
    assert verdict({"city": "Paris", "days": 3, "threshold": 1}, gold=[{"get_weather": {"city": ["Paris"], "days": [3], "threshold": [1.0]}}]).valid
    assert verdict({"city": "Paris", "days": True}).error_type == "type_error"


def test_arrays_and_dicts_element_wise():
    gold = [{"get_weather": {"city": ["Paris"], "hours": [[9, 12]], "filters": [{"rain": [True]}]}}]
    assert verdict({"city": "Paris", "hours": [9, 12], "filters": {"rain": True}}, gold=gold).valid
    assert verdict({"city": "Paris", "hours": [12, 9], "filters": {"rain": True}}, gold=gold).error_type == "value_error"
    assert verdict({"city": "Paris", "hours": [9, "12"], "filters": {"rain": True}}, gold=gold).error_type == "type_error"
    assert verdict({"city": "Paris", "hours": [9, 12], "filters": {"rain": False}}, gold=gold).error_type == "value_error"


def test_counts_and_no_call():
    assert check(TOOLS, [], GOLD, "simple").error_type == "no_call"
    two = [ToolCall("get_weather", {"city": "Paris", "days": 3})] * 2
    assert check(TOOLS, two, GOLD, "simple").error_type == "wrong_count"
    assert check(TOOLS, two, GOLD, "multiple").error_type == "wrong_count"


def test_parallel_any_order():
    gold = [{"math.hypot": {"x": [3.0], "y": [4.0]}}, {"get_weather": {"city": ["Paris"]}}]
    calls = [ToolCall("get_weather", {"city": "Paris"}), ToolCall("math.hypot", {"x": 3, "y": 4})]
    assert check(TOOLS, calls, gold, "parallel_multiple").valid
    calls[1] = ToolCall("math.hypot", {"x": 3, "y": 5})
    assert check(TOOLS, calls, gold, "parallel_multiple").error_type == "value_error"


def test_irrelevance_and_relevance():
    assert check(TOOLS, [], [], "irrelevance").valid
    assert check(TOOLS, [ToolCall("get_weather", {"city": "x"})], [], "live_irrelevance").error_type == "irrelevance_call"
    assert check(TOOLS, [ToolCall("get_weather", {})], [], "live_relevance").valid
    assert check(TOOLS, [], [], "live_relevance").error_type == "no_call"


def test_check_text_parse_outcomes():
    assert check_text(TOOLS, "[get_weather(city='Paris', days=3)]", GOLD, "simple")[0].valid
    assert check_text(TOOLS, "get_weather(city='Paris', days=3)", GOLD, "simple")[0].valid  # bare call
    assert check_text(TOOLS, "[get_weather(city='Paris', days=]", GOLD, "simple")[0].error_type == "parse_error"
    assert check_text(TOOLS, "It will be sunny.", GOLD, "simple")[0].error_type == "no_call"
    # a malformed attempt in an irrelevance sample is no call, as in BFCL
    assert check_text(TOOLS, "[get_weather(city=]", [], "irrelevance")[0].valid


def test_gold_naming_an_unknown_tool_is_a_bad_sample():
    assert verdict({"a": 1}, gold=[{"nope": {"a": [1]}}], name="nope").error_type == "bad_sample"


@pytest.mark.parametrize("a,b", [("April 1, 2024", "april 1 2024"), ("New-York", "new york"), ("it's", 'it"s')])
def test_normalize_string(a, b):
    assert normalize_string(a) == normalize_string(b)
