"""BFCL v4's groups and overall (core/bfcl_score.py) equal bfcl-eval's own leaderboard figures.

bfcl-eval's aggregation is `generate_leaderboard_csv` in `bfcl_eval/eval_checker/
eval_runner_helper.py`: from a table of model -> category -> {accuracy, total_count} it builds
every group with `calculate_unweighted_accuracy`, `calculate_weighted_accuracy` and
`calculate_percentage_weighted_accuracy`, filling in categories not run with
`get_category_score` (accuracy 0, their full size as count, shown "N/A"), and hands each CSV's
rows to `write_score_csv_file`. The module cannot be imported here (it imports the model
registry, which imports provider SDKs that are not installed), so its source is parsed with
`ast` and executed in a namespace of its own, with these stand-ins: a model registry that
knows every model name, no numpy or pandas (used only for latency figures and the wandb upload,
neither reached), and `write_score_csv_file` replaced by one that keeps each table's header and
rows before they are sorted and turned into percent strings. Everything else is bfcl-eval's
code as installed, `load_dataset_entry` included (cached), so category sizes come from its
data files.

Each random case is one "model" of the table, with some categories run (random sizes and
accuracies) and others left out, whole groups included. bfcl-eval is run twice on the table:
as it is, where a cell is "N/A" exactly when a category below it was not run; and with
`get_category_score` wrapped so that no cell says "N/A", which shows the number bfcl-eval
carries for every cell (categories not run as 0). Every cell of every CSV is compared with
the matching category or group here.

    python -m pytest -q tests/unit/test_bfcl_score.py
"""

from __future__ import annotations

import ast
import builtins
import functools
import importlib.util
import math
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ray_toolace.core.bfcl_score import (
    CATEGORIES,
    GROUPS,
    NOT_RUN,
    OVERALL_WEIGHTS,
    PARTIAL,
    RUN,
    SIZES,
    SUBGROUPS,
    bfcl_v4,
    format_v4_table,
)
from ray_toolace.core.scoring import CategoryScore

HAS_BFCL = importlib.util.find_spec("bfcl_eval") is not None
needs_bfcl = pytest.mark.skipif(not HAS_BFCL, reason="bfcl-eval is not installed")

# module-level imports of eval_runner_helper.py that are left out (stand-ins below)
_LEFT_OUT = {"numpy", "pandas", "bfcl_eval.constants.model_config"}


class _Absent:
    """numpy / pandas stand-in: any use fails loudly."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str):
        raise AssertionError(f"bfcl-eval used {self._name}.{attr}, which this test does not provide")


class _AnyModel(dict):
    """MODEL_CONFIG_MAPPING stand-in: every model is known, shown under its own name, with no price."""

    def __missing__(self, key: str) -> SimpleNamespace:
        return SimpleNamespace(display_name=key, url="", org="", license="", input_price=None, output_price=None)


def _load_helper() -> dict[str, Any]:
    spec = importlib.util.find_spec("bfcl_eval")
    path = Path(list(spec.submodule_search_locations)[0]) / "eval_checker" / "eval_runner_helper.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    body = []
    for node in tree.body:
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module] if isinstance(node, ast.ImportFrom) else []
        if set(names) & _LEFT_OUT:
            continue
        body.append(node)
    namespace: dict[str, Any] = {
        "__builtins__": builtins,
        "__name__": "bfcl_leaderboard_reference",
        "np": _Absent("numpy"),
        "pd": _Absent("pandas"),
        "MODEL_CONFIG_MAPPING": _AnyModel(),
    }
    exec(compile(ast.Module(body=body, type_ignores=[]), str(path), "exec"), namespace)
    for name in ("generate_leaderboard_csv", "get_category_score", "calculate_unweighted_accuracy",
                 "calculate_weighted_accuracy", "calculate_percentage_weighted_accuracy", "load_dataset_entry"):
        assert callable(namespace.get(name)), f"{path} no longer defines {name}"
    # each category's file is read once for the whole test, not once per model and category
    namespace["load_dataset_entry"] = functools.lru_cache(maxsize=None)(namespace["load_dataset_entry"])
    return namespace


@pytest.fixture(scope="module")
def bfcl():
    return _load_helper()


def bfcl_tables(ns: dict[str, Any], table: dict[str, dict[str, dict]], show_na: bool = True) -> dict[str, dict[str, dict[str, Any]]]:
    """bfcl-eval's CSV tables for a leaderboard table: CSV file name -> model -> column -> cell."""
    captured: dict[str, dict[str, dict[str, Any]]] = {}

    def keep(data, file_path, header, sort_column_index, no_conversion_numeric_column_index=()):
        model = header.index("Model")
        captured[Path(file_path).name] = {row[model]: dict(zip(header, row)) for row in data}

    run = dict(ns)  # the second run's stand-ins do not leak into the first's namespace
    run["write_score_csv_file"] = keep
    if not show_na:
        original = ns["get_category_score"]

        def never_na(score_dict, test_category):
            score = original(score_dict, test_category)
            return {**score, "display_accuracy": score["accuracy"]}

        run["get_category_score"] = never_na
    # the functions look their helpers up in the namespace they were defined in
    generate = type(ns["generate_leaderboard_csv"])(ns["generate_leaderboard_csv"].__code__, run)
    fresh = {m: {c: dict(v) for c, v in cats.items()} for m, cats in table.items()}  # bfcl-eval writes into it
    generate(fresh, Path("unused"))
    return captured


# CSV file -> column -> our part (a group or subgroup key, or a BFCL category name)
COLUMNS: dict[str, dict[str, str]] = {
    "data_overall.csv": {
        "Overall Acc": "overall", "Non-Live AST Acc": "non_live", "Non-Live Simple AST": "non_live_simple",
        "Non-Live Multiple AST": "multiple", "Non-Live Parallel AST": "parallel", "Non-Live Parallel Multiple AST": "parallel_multiple",
        "Live Acc": "live", "Live Simple AST": "live_simple", "Live Multiple AST": "live_multiple",
        "Live Parallel AST": "live_parallel", "Live Parallel Multiple AST": "live_parallel_multiple",
        "Multi Turn Acc": "multi_turn", "Multi Turn Base": "multi_turn_base", "Multi Turn Miss Func": "multi_turn_miss_func",
        "Multi Turn Miss Param": "multi_turn_miss_param", "Multi Turn Long Context": "multi_turn_long_context",
        "Web Search Acc": "web_search", "Web Search Base": "web_search_base", "Web Search No Snippet": "web_search_no_snippet",
        "Memory Acc": "memory", "Memory KV": "memory_kv", "Memory Vector": "memory_vector",
        "Memory Recursive Summarization": "memory_rec_sum",
        "Relevance Detection": "relevance_detection", "Irrelevance Detection": "irrelevance_detection",
    },
    "data_non_live.csv": {
        "Non-Live Overall Acc": "non_live", "AST Summary": "non_live", "Simple AST": "non_live_simple",
        "Python Simple AST": "simple_python", "Java Simple AST": "simple_java", "JavaScript Simple AST": "simple_javascript",
        "Multiple AST": "multiple", "Parallel AST": "parallel", "Parallel Multiple AST": "parallel_multiple",
        "Irrelevance Detection": "irrelevance",
    },
    "data_live.csv": {
        "Live Overall Acc": "live", "AST Summary": "live", "Python Simple AST": "live_simple",
        "Python Multiple AST": "live_multiple", "Python Parallel AST": "live_parallel",
        "Python Parallel Multiple AST": "live_parallel_multiple", "Irrelevance Detection": "live_irrelevance",
        "Relevance Detection": "live_relevance",
    },
    "data_multi_turn.csv": {
        "Multi Turn Overall Acc": "multi_turn", "Base": "multi_turn_base", "Miss Func": "multi_turn_miss_func",
        "Miss Param": "multi_turn_miss_param", "Long Context": "multi_turn_long_context",
    },
    "data_agentic.csv": {
        "Agentic Overall Acc": "agentic", "Web Search Summary": "web_search", "Web Search Base": "web_search_base",
        "Web Search No Snippet": "web_search_no_snippet", "Memory Summary": "memory", "Memory KV": "memory_kv",
        "Memory Vector": "memory_vector", "Memory Recursive Summarization": "memory_rec_sum",
    },
}
# columns bfcl-eval computes with display_na_if_category_missing=False: a number even when
# categories below them were not run
NEVER_NA = {
    ("data_overall.csv", "Overall Acc"), ("data_overall.csv", "Live Acc"), ("data_overall.csv", "Multi Turn Acc"),
    ("data_non_live.csv", "Non-Live Overall Acc"), ("data_live.csv", "Live Overall Acc"),
    ("data_multi_turn.csv", "Multi Turn Overall Acc"), ("data_agentic.csv", "Agentic Overall Acc"),
}
_ALL_PARTS = set(CATEGORIES) | set(GROUPS) | set(SUBGROUPS) | {"overall"}


def _ours(name: str) -> str:
    return "simple" if name == "simple_python" else name  # this project's name of simple_python


def random_cases(seed: int = 0, count: int = 16) -> list[dict[str, tuple[int, int]]]:
    """Per-category (correct, total) with BFCL's names: some categories and whole groups missing."""
    rng = random.Random(seed)
    groups = [["simple_python", "simple_java", "simple_javascript", "multiple", "parallel", "parallel_multiple"],
              ["live_simple", "live_multiple", "live_parallel", "live_parallel_multiple"],
              ["irrelevance", "live_irrelevance", "live_relevance"],
              [c for c in CATEGORIES if c.startswith("multi_turn")],
              [c for c in CATEGORIES if c.startswith(("web_search", "memory"))]]
    python_only = ("simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance", "live_simple",
                   "live_multiple", "live_parallel", "live_parallel_multiple", "live_irrelevance", "live_relevance")
    cases: list[dict[str, tuple[int, int]]] = [
        {c: (SIZES[c] // 2, SIZES[c]) for c in CATEGORIES},                     # everything, full size
        {c: (i % 4, 4) for i, c in enumerate(python_only)},                       # what this project runs
        {"simple_python": (1, 4), "irrelevance": (1, 2)},                          # almost nothing
        {"live_multiple": (0, 3), "live_parallel": (3, 3)},                        # live in part, all right / all wrong
        {"live_simple": (2, 5), "live_multiple": (7, 9), "live_parallel_multiple": (1, 2)},  # a missing size weighs in
        {},                                                                        # nothing at all
    ]
    while len(cases) < count:
        case = {}
        for group in groups:
            p_group = rng.choice([0.0, 0.5, 1.0])  # the whole group out, in part, or in
            for c in group:
                if rng.random() < p_group:
                    total = rng.choice([1, 2, 5, rng.randint(1, 60), SIZES[c]])
                    case[c] = (rng.randint(0, total), total)
        cases.append(case)
    return cases


def _leaderboard(cases: list[dict[str, tuple[int, int]]]) -> dict[str, dict[str, dict]]:
    # no underscores in model names: bfcl-eval turns them into slashes
    return {f"case{i}": {c: {"accuracy": k / n, "total_count": n} for c, (k, n) in case.items()} for i, case in enumerate(cases)}


@needs_bfcl
def test_groups_and_overall_equal_bfcl_eval(bfcl):
    cases = random_cases()
    table = _leaderboard(cases)
    shown = bfcl_tables(bfcl, table)
    carried = bfcl_tables(bfcl, table, show_na=False)
    assert set(shown) >= set(COLUMNS)
    checked = set()
    for i, case in enumerate(cases):
        model = f"case{i}"
        ours = bfcl_v4({_ours(c): v for c, v in case.items()})
        for csv, columns in COLUMNS.items():
            for column, key in columns.items():
                part = ours.part(key)
                value = carried[csv][model][column]
                assert value == pytest.approx(part.accuracy, abs=1e-12), (model, csv, column, case)
                cell = shown[csv][model][column]
                if (csv, column) in NEVER_NA:
                    assert cell == pytest.approx(part.accuracy, abs=1e-12), (model, csv, column)
                else:
                    # "N/A" exactly where something below was not run; otherwise the same number
                    assert (cell == "N/A") == bool(part.not_run), (model, csv, column, cell, part.not_run)
                    if cell != "N/A":
                        assert cell == pytest.approx(part.accuracy, abs=1e-12)
                checked.add(key)
    assert checked == _ALL_PARTS  # every category and group met a BFCL column


@needs_bfcl
def test_sizes_of_categories_not_run_are_bfcl_evals(bfcl):
    for c in CATEGORIES:
        assert bfcl["get_category_score"]({}, c)["total_count"] == SIZES[c], c


@needs_bfcl
def test_overall_weights_and_categories_are_bfcl_evals(bfcl):
    # a category left out on one side would be silently 0 on the other
    spec = importlib.util.find_spec("bfcl_eval")
    from bfcl_eval.constants.category_mapping import ALL_SCORING_CATEGORIES

    assert spec is not None and sorted(ALL_SCORING_CATEGORIES) == sorted(CATEGORIES)
    one = {c: (1, 1) for c in CATEGORIES}
    for group, weight in OVERALL_WEIGHTS.items():
        # only this group's categories right: the overall is its weight
        only = {c: (1, 1) if c in bfcl_v4(one).part(group).weights else (0, 1) for c in CATEGORIES}
        overall = bfcl_tables(bfcl, _leaderboard([only]), show_na=False)["data_overall.csv"]["case0"]["Overall Acc"]
        assert overall == pytest.approx(weight / 100) == pytest.approx(bfcl_v4(only).overall.accuracy)


def test_not_run_is_marked_and_counts_as_zero():
    s = bfcl_v4([CategoryScore("simple", 3, 4), CategoryScore("irrelevance", 1, 2), CategoryScore("tool_chat", 1, 1)])
    assert s.ignored == ("tool_chat",)
    assert s.categories["simple_python"].status == RUN and s.part("simple").accuracy == 0.75
    assert s.categories["simple_java"].status == NOT_RUN and s.categories["simple_java"].accuracy == 0
    simple = s.part("non_live_simple")
    assert simple.status == PARTIAL and simple.not_run == ("simple_java", "simple_javascript")
    assert simple.accuracy == pytest.approx(0.25) and simple.n == 4 and simple.count == 4 + 100 + 50
    assert s.part("non_live").accuracy == pytest.approx(0.25 / 4)
    assert s.part("irrelevance_detection").accuracy == pytest.approx(0.25)
    assert s.groups["multi_turn"].status == NOT_RUN and s.groups["agentic"].n == 0
    assert s.overall.accuracy == pytest.approx(0.1 * 0.25 / 4 + 0.1 * 0.25)
    assert s.overall.status == PARTIAL and s.overall.n == 6
    assert "live_relevance" not in s.overall.weights  # relevance is reported, not scored
    # a category with no samples is not run
    assert bfcl_v4({"multiple": (0, 0)}).categories["multiple"].status == NOT_RUN
    with pytest.raises(ValueError, match="twice"):
        bfcl_v4({"simple": (1, 2), "simple_python": (1, 2)})
    with pytest.raises(ValueError, match="correct <= total"):
        bfcl_v4({"multiple": (3, 2)})


def test_standard_error_is_that_of_the_weighted_sum():
    s = bfcl_v4({"simple": (30, 40), "multiple": (10, 20), "live_simple": (5, 10), "live_multiple": (3, 30),
                 "irrelevance": (8, 10)})

    def var(k, n):
        p = k / n
        return p * (1 - p) / n

    non_live = s.part("non_live")
    assert non_live.weights["simple_python"] == pytest.approx(1 / 12) and non_live.weights["multiple"] == pytest.approx(1 / 4)
    assert non_live.se == pytest.approx(math.sqrt(var(30, 40) / 144 + var(10, 20) / 16))
    live = s.part("live")  # live_parallel(_multiple) not run: their full sizes weigh in, at 0
    total = 10 + 30 + SIZES["live_parallel"] + SIZES["live_parallel_multiple"]
    assert live.accuracy == pytest.approx((5 + 3) / total)
    assert live.se == pytest.approx(math.sqrt((10 / total) ** 2 * var(5, 10) + (30 / total) ** 2 * var(3, 30)))
    w = s.overall.weights
    assert w["simple_python"] == pytest.approx(0.1 / 12) and w["irrelevance"] == pytest.approx(0.05)
    assert sum(w.values()) == pytest.approx(1.0)
    assert s.overall.se == pytest.approx(math.sqrt(sum(w[c] ** 2 * s.categories[c].se ** 2 for c in w)))


def test_table_marks_what_was_not_run():
    table = format_v4_table(bfcl_v4({"simple": (1, 4), "irrelevance": (1, 2)}))
    lines = table.splitlines()
    assert lines[0].split() == ["group", "weight", "accuracy", "±", "se", "n", "not", "run"]
    assert lines[1].split()[:6] == ["Overall", "Acc", "100%", "2.71%", "1.78", "6"]
    assert lines[3].split()[:7] == ["Non-Live", "Simple", "AST", "8.33%", "7.22", "4", "partial:"]
    assert lines[3].endswith("simple_java, simple_javascript")
    assert lines[4].split() == ["Live", "Acc", "10%", "N/A", "0", "not", "run", "(counts", "as", "0)"]
    assert lines[-2].startswith("(Overall = 10% non-live") and lines[-1].startswith("(Categories not run count as 0")
    # the same table from the JSON form
    assert format_v4_table(bfcl_v4({"simple": (1, 4), "irrelevance": (1, 2)}).to_dict()) == table
