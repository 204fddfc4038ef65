"""The synthetic sample generator: pool coverage, determinism, category mix, derivable gold
answers that pass the project's own checker, round trips through the row formats, the split,
and the bundled files. Run: `python -m pytest -q tests/unit/test_generator.py`.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ray_toolace.core.answers import gold_calls
from ray_toolace.core.checker import check
from ray_toolace.core.formats import openai_chat, read_rows, toolace, write_jsonl
from ray_toolace.data.generator import (
    CATEGORY_SHARES,
    MULTI_TURN_SHARE,
    POOL,
    apportion,
    generate,
    split_heldout,
    write_bundled,
)
from ray_toolace.data.generator.schema import check_spec
from ray_toolace.data.generator.values import miles_to_km, number_to_words, pounds_to_kg
from ray_toolace.data.generator.vocab import VOCAB

BUNDLED = Path(__file__).resolve().parents[2] / "ray_toolace" / "data" / "bundled"
N_BUNDLED, N_HELDOUT = 3300, 300


@pytest.fixture(scope="module")
def samples():
    """The run the bundled files come from: 3300 samples, seed 0."""
    return generate(N_BUNDLED, seed=0)


# ---- the pool --------------------------------------------------------------------------


def _all_params(props):
    for name, schema in props.items():
        yield name, schema
        if schema.get("type") == "object":
            yield from _all_params(schema["properties"])


def test_pool_size_and_domains():
    assert len(POOL) >= 150
    assert len({spec.domain for spec in POOL}) >= 15
    names = [spec.name for spec in POOL]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*", n) for n in names)


def test_pool_covers_every_parameter_kind():
    seen = Counter()
    for spec in POOL:
        schema = spec.schema()
        assert schema["description"] and schema["parameters"]["type"] == "object"
        required = set(schema["parameters"]["required"])
        for name, p in schema["parameters"]["properties"].items():
            seen["required" if name in required else "optional"] += 1
            seen["default"] += "default" in p
        for _, p in _all_params(schema["parameters"]["properties"]):
            assert p["description"]
            kind = "enum" if "enum" in p else p["type"]
            seen[kind] += 1
            if p["type"] == "array":
                assert p["items"]["type"]
            if p["type"] == "object":
                assert p["properties"] and isinstance(p["required"], list)
    for kind in (
        "string",
        "integer",
        "number",
        "boolean",
        "enum",
        "array",
        "object",
        "required",
        "optional",
        "default",
    ):
        assert seen[kind] >= 5, f"too few {kind} parameters: {seen[kind]}"


def test_every_spec_is_sound():
    problems = [p for spec in POOL for p in check_spec(spec)]
    assert problems == []


def test_vocabulary_values_survive_list_joining():
    # parallel requests list values as "a, b and c"; a comma or "and" inside one would split it
    for slot, values in VOCAB.items():
        for value in values:
            assert "," not in value and " and " not in f" {value.lower()} ", (slot, value)


def _bfcl_function_names() -> set[str]:
    spec = importlib.util.find_spec("bfcl_eval")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("bfcl-eval is not installed")
    data = os.path.join(spec.submodule_search_locations[0], "data")
    names = set()
    files = glob.glob(os.path.join(data, "BFCL_v4_*.json")) + glob.glob(
        os.path.join(data, "multi_turn_func_doc", "*.json")
    )
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # the one file that is a single JSON document, not lines, has no functions
                functions = row.get("function", [row]) if isinstance(row, dict) else []
                names.update(fn["name"] for fn in functions if isinstance(fn, dict) and "name" in fn)
    assert len(names) > 1000, "BFCL data files not found or not read"
    return names


def test_no_tool_shares_a_name_with_a_bfcl_function():
    bfcl = {n.lower() for n in _bfcl_function_names()}
    clashes = [spec.name for spec in POOL if spec.name.lower() in bfcl]
    assert clashes == []


# ---- the conversions ---------------------------------------------------------------------


def test_conversions():
    assert number_to_words(25) == "twenty-five"
    assert number_to_words(1450) == "one thousand four hundred fifty"
    assert miles_to_km(10) == 16.1
    assert pounds_to_kg(150) == 68.0


# ---- generated samples -------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_samples():
    def rows(samples):
        return [json.dumps(s.to_row(), sort_keys=True) for s in samples]

    first, again, other = generate(300, 7), generate(300, 7), generate(300, 8)
    assert rows(first) == rows(again)
    assert not set(rows(first)) & set(rows(other))
    assert [s.id for s in first[:2]] == ["gen-7-0", "gen-7-1"]


def test_category_mix_and_multi_turn_share(samples):
    train, _ = split_heldout(samples, N_HELDOUT / N_BUNDLED, seed=0)
    for part in (samples, train):  # the whole run, and the 3000 training samples
        counts = Counter(s.category for s in part)
        for category, share in CATEGORY_SHARES.items():
            assert abs(counts[category] / len(part) - share) <= 0.05, (category, counts[category])
        multi = sum(any(m["role"] == "tool" for m in s.messages) for s in part)
        assert abs(multi / len(part) - MULTI_TURN_SHARE) <= 0.05
    assert len(train) == 3000
    assert len({s.id for s in samples}) == N_BUNDLED and {s.source for s in samples} == {"generated"}


def test_sample_shapes(samples):
    for s in samples:
        assert s.messages[-1]["role"] == "user"
        names = [t["name"] for t in s.tools]
        assert len(names) == len(set(names))
        calls = gold_calls(s.ground_truth)
        if s.category == "simple":
            assert len(names) == 1 and len(calls) == 1
        elif s.category == "multiple":
            assert 2 <= len(names) <= 5 and len(calls) == 1
        elif s.category == "parallel":
            assert len(names) == 1 and 2 <= len(calls) <= 4
        elif s.category == "parallel_multiple":
            assert len({c.name for c in calls}) >= 2 and len(calls) >= 2
        else:
            assert s.category == "irrelevance" and s.ground_truth == []
        for m in s.messages:
            if m["role"] == "assistant" and m.get("tool_calls"):
                for tc in m["tool_calls"]:
                    assert tc["function"]["name"] in names
                    json.loads(tc["function"]["arguments"])
            if m["role"] == "tool":
                json.loads(m["content"])


def test_every_gold_answer_passes_the_checker(samples):
    failures = []
    for s in samples:
        verdict = check(s.tools, gold_calls(s.ground_truth), s.ground_truth, s.category)
        if not verdict.valid:
            failures.append((s.id, verdict.error_type, verdict.message))
    assert failures == []


def _enum_values(tools):
    values = set()
    for t in tools:
        for _, p in _all_params(t["parameters"]["properties"]):
            values.update(p.get("enum", []))
    return values


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"\d{2}:\d{2}$")
_RELATIVE = re.compile(r"\b(tomorrow|yesterday|days? ago|from today|this coming|in \w+ days)\b")


def test_gold_strings_are_in_the_conversation(samples):
    """Every free string of a gold call is spoken verbatim (by the user or a tool result);
    enum values, dates and times are the converted ones."""
    for s in samples:
        said = " ".join(m["content"] or "" for m in s.messages if m["role"] in ("user", "tool"))
        enums = _enum_values(s.tools)
        for call in gold_calls(s.ground_truth):
            atoms = []
            for value in call.arguments.values():
                atoms += (
                    value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
                )
            for atom in atoms:
                if isinstance(atom, str) and atom not in enums and not _ISO_DATE.match(atom) and not _TIME.match(atom):
                    assert atom in said, (s.id, atom)


def test_relative_dates_come_with_todays_date(samples):
    for s in samples:
        user_text = " ".join(m["content"] for m in s.messages if m["role"] == "user")
        if _RELATIVE.search(user_text):
            stated = " ".join(m["content"] for m in s.messages[:2] if m["role"] in ("system", "user"))
            assert re.search(r"Today's date is|Current date:|today is [A-Z]", stated), s.id


# ---- round trips through the lead's row formats ------------------------------------------


def _without_call_ids(messages):
    # ToolACE rows hold calls as bracket text: the ids linking calls to results do not survive
    out = []
    for m in messages:
        m = {k: v for k, v in m.items() if k != "tool_call_id"}
        if m.get("tool_calls"):
            m["tool_calls"] = [{k: v for k, v in tc.items() if k != "id"} for tc in m["tool_calls"]]
        out.append(m)
    return out


@pytest.mark.parametrize("fmt", ["openai", "toolace"])
def test_written_rows_read_back_as_the_same_samples(samples, fmt):
    writer = {"openai": openai_chat.write_row, "toolace": toolace.write_row}[fmt]
    subset = samples[:600]
    result = read_rows([json.dumps(writer(s), ensure_ascii=False) for s in subset])
    assert result.rejects == []
    by_id = {r.id: r for r in result.samples}
    for s in subset:
        back = by_id[s.id]
        assert (back.category, back.tools, back.ground_truth) == (s.category, s.tools, s.ground_truth)
        if fmt == "openai":
            assert back.messages == s.messages and back.source == s.source
        else:
            assert _without_call_ids(back.messages) == _without_call_ids(s.messages)
    # the readers also make a sample of each history turn that called tools; nothing else
    history_calls = sum(1 for s in subset for m in s.messages if m["role"] == "assistant" and m.get("tool_calls"))
    assert len(result.samples) == len(subset) + history_calls


# ---- the split and the bundled files -----------------------------------------------------


def test_split_heldout_is_deterministic_disjoint_and_stratified(samples):
    train, held = split_heldout(samples, 0.1, seed=3)
    again_train, again_held = split_heldout(samples, 0.1, seed=3)
    assert [s.id for s in held] == [s.id for s in again_held] and len(train) == len(again_train)
    assert len(held) == 330 and len(train) == N_BUNDLED - 330
    assert not {s.id for s in train} & {s.id for s in held}
    for category, share in CATEGORY_SHARES.items():
        assert abs(sum(s.category == category for s in held) - 330 * share) <= 1
    assert [s.id for s in split_heldout(samples, 0.1, seed=4)[1]] != [s.id for s in held]
    assert apportion(3300, {"a": 300.0, "b": 3000.0}) == {"a": 300, "b": 3000}


def test_write_bundled_writes_both_splits(tmp_path):
    paths = write_bundled(tmp_path, n=110, seed=1, heldout=10)
    train, held = _rows(paths["train"]), _rows(paths["heldout"])
    assert (len(train), len(held)) == (100, 10)
    assert not {r["id"] for r in train} & {r["id"] for r in held}


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _conversation_key(row):
    # same tools and same turns (system text aside) = the same problem
    turns = [m for m in row["messages"] if m["role"] != "system"][:-1]
    return json.dumps([sorted(t["function"]["name"] for t in row["tools"]), turns], sort_keys=True)


def test_bundled_files_are_the_seed_0_run(samples, tmp_path):
    """The shipped files are exactly what `write_bundled(dir)` writes (its defaults)."""
    if not (BUNDLED / "train.jsonl").exists():
        pytest.skip("bundled files not written yet")
    train, held = split_heldout(samples, N_HELDOUT / N_BUNDLED, seed=0)
    for name, part in (("train", train), ("heldout", held)):
        write_jsonl(part, tmp_path / f"{name}.jsonl", fmt="openai")
        assert (tmp_path / f"{name}.jsonl").read_bytes() == (BUNDLED / f"{name}.jsonl").read_bytes(), name
    train_rows, held_rows = _rows(BUNDLED / "train.jsonl"), _rows(BUNDLED / "heldout.jsonl")
    assert len(train_rows) == 3000 and len(held_rows) == 300
    assert not {r["id"] for r in train_rows} & {r["id"] for r in held_rows}
    assert not {_conversation_key(r) for r in train_rows} & {_conversation_key(r) for r in held_rows}


def test_generator_imports_nothing_heavy():
    code = (
        "import sys, ray_toolace.data.generator\n"
        "print(','.join(h for h in ('ray', 'torch', 'vllm', 'transformers', 'numpy') if h in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
