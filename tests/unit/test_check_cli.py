"""`ray-toolace check` end to end, as a subprocess: output lines, bad-line reports, table, exit status.

    python -m pytest -q tests/unit/test_check_cli.py
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

TOOL = {
    "name": "get_weather",
    "parameters": {
        "type": "dict",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city"],
    },
}
GOLD = [{"get_weather": {"city": ["Paris"], "days": ["", 3]}}]


def row(row_id, output, category="simple", gold=GOLD, drop=(), **overrides):
    data = {"id": row_id, "category": category, "functions": [TOOL], "ground_truth": gold, "output": output}
    data.update(overrides)
    return json.dumps({k: v for k, v in data.items() if k not in drop})


GOOD = [
    (row("right", '[get_weather(city="paris", days=3)]'), True, None),
    (row("wrong_value", '[get_weather(city="Rome")]'), False, "value_error"),
    (row("prose", "It is sunny in Paris."), False, "no_call"),
    (row("irrelevant_ok", "No tool fits.", category="irrelevance", gold=[]), True, None),
    (row("irrelevant_call", '[get_weather(city="Paris")]', category="irrelevance", gold=[]), False, "irrelevance_call"),
    (row("broken", '[get_weather(city="Paris"'), False, "parse_error"),
]
BAD = [
    ('{"id": "not json", ', "not valid JSON"),
    ('["a", "list"]', "not a JSON object"),
    (row("no_output", "", drop=("output",)), "missing field(s): output"),
    (row("functions_text", "[]", functions="get_weather"), "'functions' must be a list"),
    (row("truth_dict", "[]", ground_truth={"get_weather": {}}), "'ground_truth' must be a list"),
    (row("output_number", 42), "'output' must be the model's raw text"),
    (row("no_category", "[]", category=""), "'category' must be a non-empty string"),
    # well-formed fields, but a gold the checker cannot read: reported, not a crash
    (row("gold_of_wrong_shape", '[get_weather(city="Paris")]', ground_truth=[5]), ""),
]


def run_check(lines: list[str], tmp_path, via_stdin: bool = False) -> subprocess.CompletedProcess:
    text = "\n".join(lines) + "\n"
    command = [sys.executable, "-m", "ray_toolace.cli", "check", "--input"]
    if via_stdin:
        return subprocess.run(command + ["-"], input=text, capture_output=True, text=True, timeout=60)
    path = tmp_path / "outputs.jsonl"
    path.write_text(text, encoding="utf-8")
    return subprocess.run(command + [str(path)], capture_output=True, text=True, timeout=60)


def test_good_lines_give_verdicts_in_order_and_exit_0(tmp_path):
    proc = run_check([line for line, _, _ in GOOD], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(o["id"], o["valid"], o["error_type"]) for o in out] == [
        (json.loads(line)["id"], valid, error) for line, valid, error in GOOD
    ]
    # the per-category table: simple 1 of 4 right, irrelevance 1 of 2, each with its standard
    # error sqrt(p(1-p)/n); last the unweighted mean of the two, se sqrt(se1^2 + se2^2) / 2
    table = proc.stderr.splitlines()
    assert table[0].split() == ["category", "correct", "total", "accuracy", "±", "se"]
    assert table[1].split() == ["irrelevance", "1", "2", "50.00%", "35.36"]
    assert table[2].split() == ["simple", "1", "4", "25.00%", "21.65"]
    assert table[3].split() == ["mean", "of", "categories", "(unweighted)", "2", "6", "37.50%", "20.73"]
    assert "one standard error" in table[4] and "not BFCL's official overall" in table[4]
    # then BFCL v4's groups: simple_python 25% is a third of Non-Live Simple AST (Java and
    # JavaScript not run count as 0), a quarter of that is Non-Live AST; irrelevance 50% is half
    # of Irrelevance Detection (live_irrelevance not run); overall 10% of each of the two
    assert table[5] == "" and table[6].startswith("BFCL v4")
    v4 = {line[:22].strip(): line[22:].split() for line in table[8:18]}
    assert v4["Overall Acc"][:4] == ["100%", "2.71%", "1.78", "6"]
    assert v4["Non-Live AST Acc"][:4] == ["10%", "2.08%", "1.80", "4"]
    assert v4["Non-Live Simple AST"][:3] == ["8.33%", "7.22", "4"]
    assert table[10].endswith("not run (as 0): simple_java, simple_javascript")
    assert v4["Irrelevance Detection"][:4] == ["10%", "25.00%", "17.68", "2"] and table[12].endswith("live_irrelevance")
    assert v4["Live Acc"] == ["10%", "N/A", "0", "not", "run", "(counts", "as", "0)"]
    assert v4["Multi Turn Acc"][1] == v4["Agentic Overall Acc"][1] == v4["Relevance Detection"][1] == "N/A"
    assert "line" not in proc.stderr


def test_no_bfcl_table_without_bfcl_categories(tmp_path):
    proc = run_check([row("a", '[get_weather(city="Paris")]', category="tool_chat")], tmp_path)
    assert proc.returncode == 0 and "BFCL v4" not in proc.stderr and "mean of categories (unweighted)" in proc.stderr


@pytest.mark.parametrize("via_stdin", [False, True])
def test_bad_lines_are_named_kept_in_place_and_exit_2(tmp_path, via_stdin):
    # bad lines interleaved with good ones: line n of the input is line n of the output
    lines, expected = [], []
    for (good, valid, error), (bad, reason) in zip(GOOD + GOOD[:2], BAD):
        lines += [good, bad]
        expected += [(json.loads(good)["id"], valid, error, None), (None, False, "bad_input", reason)]
    proc = run_check(lines, tmp_path, via_stdin)
    assert proc.returncode == 2
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == len(lines)
    for line_no, (o, (row_id, valid, error, reason)) in enumerate(zip(out, expected), 1):
        assert (o["valid"], o["error_type"]) == (valid, error), (line_no, o)
        if reason is None:
            assert o["id"] == row_id
            assert f"line {line_no}:" not in proc.stderr
        else:
            assert o["line"] == line_no
            reported = [e for e in proc.stderr.splitlines() if e.startswith(f"line {line_no}:")]
            assert len(reported) == 1 and reason in reported[0], (line_no, proc.stderr)
            assert reported[0].split(":", 1)[1].strip(), "a reason is given"
    # a bad line that still parses as an object keeps its id in the output
    assert out[5]["id"] == "no_output"
    assert f"{len(BAD)} malformed line(s)" in proc.stderr
    assert any(line.startswith("mean of categories (unweighted)") for line in proc.stderr.splitlines())


def test_missing_input_file_is_an_error(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "ray_toolace.cli", "check", "--input", str(tmp_path / "absent.jsonl")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "absent.jsonl" in proc.stderr and proc.stdout == ""
