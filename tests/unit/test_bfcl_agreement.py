"""The strict checker agrees with BFCL's own decoder and AST checker on BFCL's data.

Every case of `ray_toolace.data.bfcl_cases` (about 33,000 raw answers over BFCL's ~3,500 Python
samples: right answers in many spellings and wrong ones of every kind) is judged twice: by
`check_text(..., strict=True)` and by BFCL's code read from the installed bfcl-eval wheel
(tests/reference/bfcl_oracle.py). Validity must be equal case by case, and error types must
map onto BFCL's. The few places where BFCL's decoder is plainly wrong are asserted as known
differences at the end. Skipped when bfcl-eval is not installed.

    python -m pytest -q tests/unit/test_bfcl_agreement.py
"""

from __future__ import annotations

import importlib.util
import warnings
from collections import Counter

import pytest

from ray_toolace.core.checker import check_text
from ray_toolace.core.parsers import get_parser
from ray_toolace.data import bfcl_cases
from ray_toolace.data.bfcl_cases import build_cases, expected_valid, kind_of

pytestmark = pytest.mark.skipif(importlib.util.find_spec("bfcl_eval") is None, reason="bfcl-eval is not installed")

PER_CALL = {"wrong_func_name", "missing_required", "unexpected_param", "type_error", "value_error", "missing_param"}


def ours_for(bfcl_type: str) -> set[str | None]:
    """The error types of ours that may stand for one of BFCL's."""
    if not bfcl_type:
        return {None}
    if bfcl_type == "irrelevance_error:decoder_success":
        return {"irrelevance_call"}
    if bfcl_type == "relevance_error:decoder_failed":
        return {"no_call"}
    if bfcl_type == "ast_decoder:decoder_failed":
        return {"parse_error", "no_call"}  # no_call: prose with nothing call-like in it
    if bfcl_type == "parallel_function_checker_no_order:cannot_find_match":
        return PER_CALL  # ours names why the closest call failed
    if bfcl_type.endswith(":wrong_count"):
        return {"wrong_count", "no_call"}  # no_call: an empty list
    family, _, detail = bfcl_type.partition(":")
    if family in ("type_error", "value_error"):
        return {family}
    return {"missing_param" if detail == "missing_optional" else detail}


@pytest.fixture(scope="module")
def samples():
    from ray_toolace.core.formats.bfcl import read_categories

    result = read_categories()
    assert not result.rejects
    return result.samples


@pytest.fixture(scope="module")
def judged(samples):
    """(row, kind, BFCL valid, BFCL error type, our verdict) for every case."""
    from tests.reference.bfcl_oracle import bfcl_verdict

    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # invalid escapes in strings, read by both
        for row in build_cases(samples, seed=0):
            args = (row["functions"], row["output"], row["ground_truth"], row["category"])
            valid, error_type = bfcl_verdict(*args)
            verdict, _ = check_text(*args, strict=True)
            out.append((row, kind_of(row["id"]), valid, error_type, verdict))
    return out


def test_case_set_covers_every_kind_and_category(samples, judged):
    kinds = Counter(kind for _, kind, *_ in judged)
    every = {*bfcl_cases.RIGHT_KINDS, *bfcl_cases.WRONG_KINDS, *bfcl_cases.CALL_KINDS, *bfcl_cases.NO_CALL_KINDS}
    assert not every - set(kinds), f"kinds never produced: {sorted(every - set(kinds))}"
    assert set(kinds) <= every
    assert 30_000 <= len(judged) <= 36_000
    assert {row["category"] for row, *_ in judged} == {s.category for s in samples}
    assert len({row["id"] for row, *_ in judged}) == len(judged)
    # both verdicts are well represented
    assert Counter(valid for _, _, valid, _, _ in judged).most_common()[-1][1] > 10_000


def test_cases_are_deterministic(samples):
    few = samples[::50]
    assert build_cases(few, seed=0) == build_cases(few, seed=0)
    assert build_cases(few, seed=0) != build_cases(few, seed=1)


def test_validity_agrees_with_bfcl_on_every_case(judged):
    differ = [
        (row["id"], row["output"][:200], bfcl_type, v.error_type)
        for row, _, valid, bfcl_type, v in judged
        if v.valid != valid
    ]
    assert not differ, f"{len(differ)} disagreements, first ones: {differ[:10]}"


def test_error_types_map_onto_bfcl(judged):
    pairs = Counter((bfcl_type, v.error_type) for _, _, _, bfcl_type, v in judged)
    unmapped = {pair: n for pair, n in pairs.items() if pair[1] not in ours_for(pair[0])}
    assert not unmapped, f"error types that do not correspond: {unmapped}"
    for row, _, _, bfcl_type, v in judged:
        if bfcl_type == "ast_decoder:decoder_failed" and v.error_type == "no_call":
            assert "(" not in row["output"], row["id"]
        if bfcl_type.endswith(":wrong_count") and v.error_type == "no_call":
            assert row["output"].strip("`\n ").replace(" ", "") == "[]", row["id"]
    # every family of BFCL's errors shows up, so the mapping above was exercised
    families = {
        t.split(":")[-1] if t.startswith(("simple", "multiple", "parallel")) else t.split(":")[0] for t, _ in pairs
    }
    assert {"wrong_func_name", "missing_required", "unexpected_param", "missing_optional", "wrong_count",
            "cannot_find_match", "type_error", "value_error", "ast_decoder", "irrelevance_error",
            "relevance_error"} <= families  # fmt: skip


def test_kinds_mean_what_they_say(judged):
    """BFCL rejects every wrong kind; it accepts right kinds except on a handful of golds it
    cannot accept as written (a required parameter with no allowed value, a parameter the
    schema lacks, greedy matching of parallel calls that another order would pass)."""
    accepted_wrong = [row["id"] for row, kind, ok, _, _ in judged if ok and not expected_valid(kind, row["category"])]
    assert not accepted_wrong, accepted_wrong[:10]
    rejected_right = [row["id"] for row, kind, ok, _, _ in judged if not ok and expected_valid(kind, row["category"])]
    right_cases = sum(expected_valid(kind, row["category"]) for row, kind, *_ in judged)
    assert len(rejected_right) <= 0.002 * right_cases, rejected_right
    assert len({case_id.split("::")[0] for case_id in rejected_right}) <= 8, rejected_right


# ---- where BFCL's decoder is plainly wrong, ours differs on purpose -----------------------------

TOOLS = [
    {
        "name": "f",
        "parameters": {
            "type": "dict",
            "properties": {"a": {"type": "integer"}, "b": {"type": "boolean"}},
            "required": ["a"],
        },
    }
]
GOLD = [{"f": {"a": [5], "b": ["", False]}}]
KNOWN_DIFFERENCES = [
    # (answer, category, BFCL valid, ours valid)
    ("[f(a=+5)]", "simple", False, True),  # BFCL reads a unary plus as a minus: -5
    ("[f(a=-(-5))]", "simple", False, True),  # BFCL reads only a literal after a sign
    ("[f(a=-(-5))]", "irrelevance", True, False),  # ...so for BFCL that call is no call
    ("[f(a=5, b=not True)]", "irrelevance", False, True),  # BFCL negates `not True` into 0
    ("[x[0].f(a=5)]", "simple", True, False),  # BFCL drops what is not a name from the callee
    ("[f(a=5, **extra)]", "irrelevance", False, True),  # BFCL keeps ** as a parameter named None
    ("[f(a=2**2000)]", "irrelevance", False, True),  # ours refuses values past its budgets (9**9**9 would hang)
]


@pytest.mark.parametrize("answer,category,bfcl_ok,ours_ok", KNOWN_DIFFERENCES)
def test_known_differences_from_bfcl(answer, category, bfcl_ok, ours_ok):
    from tests.reference.bfcl_oracle import bfcl_verdict

    gold = GOLD if category == "simple" else []
    assert bfcl_verdict(TOOLS, answer, gold, category)[0] is bfcl_ok
    assert check_text(TOOLS, answer, gold, category, strict=True)[0].valid is ours_ok


def test_unary_plus_is_read_as_plus_not_as_bfcl_reads_it():
    from tests.reference.bfcl_oracle import bfcl_decode

    assert bfcl_decode("[f(a=+5)]") == [{"f": {"a": -5}}]
    assert get_parser("pythonic", strict=True).parse("[f(a=+5)]").calls[0].arguments == {"a": 5}


def test_strict_mode_reads_no_spaced_names_as_bfcl():
    from tests.reference.bfcl_oracle import bfcl_verdict

    schema = {"type": "dict", "properties": {"country": {"type": "string"}}, "required": []}
    tools = [{"name": "Market Trends API", "parameters": schema}]
    answer = '[Market Trends API(country="us")]'
    gold = [{"Market Trends API": {"country": ["us"]}}]
    assert get_parser("pythonic", strict=False).parse(answer).calls[0].name == "Market Trends API"
    assert check_text(tools, answer, gold, "simple", strict=True)[0].error_type == "parse_error"
    assert check_text(tools, answer, gold, "simple", strict=False)[0].valid
    assert bfcl_verdict(tools, answer, gold, "simple") == (False, "ast_decoder:decoder_failed")
    # for an irrelevance sample both take it as no call
    assert check_text(tools, answer, [], "irrelevance", strict=True)[0].valid
    assert bfcl_verdict(tools, answer, [], "irrelevance")[0]


@pytest.mark.parametrize("answer", ["[f(a={[1]: 2})]", "[f(a={{}: 2})]", "[f(a=1 << 2)]", "[f(a=6 | 1)]"])
def test_values_bfcl_reads_or_rejects_are_read_or_rejected_alike(answer):
    from tests.reference.bfcl_oracle import bfcl_verdict

    for category, gold in (("simple", GOLD), ("irrelevance", [])):
        ours = check_text(TOOLS, answer, gold, category, strict=True)[0]
        assert ours.valid == bfcl_verdict(TOOLS, answer, gold, category)[0], (category, ours)
