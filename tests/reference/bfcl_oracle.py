"""BFCL's own prompting decoder, AST checker and per-entry evaluation, read from the installed wheel.

`bfcl_verdict(functions, output, ground_truth, category) -> (valid, error_type)` judges one raw
model answer the way `bfcl_eval/eval_checker/eval_runner.py` judges an entry of a prompting
(non function-calling) model on a Python category: `_evaluate_single_ast_entry` (decode ->
`is_function_calling_format_output` -> `ast_checker`) for simple / multiple / parallel
categories, `_evaluate_single_relevance_entry` for irrelevance and relevance. `error_type` is
BFCL's own string (e.g. `simple_function_checker:missing_required`), "" when valid.

bfcl_eval's modules cannot be imported here (they import provider SDKs that are not installed),
so the functions are taken from the wheel's source files with `ast` at run time and executed in
one namespace, with stand-ins for the few names they need. Nothing of BFCL's code lives in this
repository: a different bfcl-eval version is tested as it is.

Used by tests/unit/test_bfcl_agreement.py and benchmarks/bench_check.py; by hand, from the
repository root:

    python -c "from tests.reference.bfcl_oracle import bfcl_decode; print(bfcl_decode('[f(a=+5)]'))"
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import importlib.util
import operator
import re
from enum import Enum
from pathlib import Path
from types import SimpleNamespace
from typing import Any

# What each wheel file contributes; None takes every top-level function and constant.
_SOURCES: dict[str, tuple[str, ...] | None] = {
    "constants/enums.py": ("Language", "ReturnFormat"),
    "utils.py": ("is_function_calling_format_output", "is_empty_output", "is_relevance_or_irrelevance"),
    "model_handler/utils.py": ("default_decode_ast_prompting", "ast_parse", "resolve_ast_call", "resolve_ast_by_type"),
    "eval_checker/ast_eval/ast_checker.py": None,
    "eval_checker/eval_runner.py": ("_evaluate_single_ast_entry", "_evaluate_single_relevance_entry"),
}
MODEL_NAME = "prompting-model"


class _AnyModelConfig(dict):
    """MODEL_CONFIG_MAPPING stand-in: every model keeps dots in function names, as prompting models do."""

    def __missing__(self, key: str) -> SimpleNamespace:
        return SimpleNamespace(underscore_to_dot=False)


def wheel_root() -> Path:
    spec = importlib.util.find_spec("bfcl_eval")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("bfcl-eval is not installed: pip install --no-deps bfcl-eval==2026.3.23")
    return Path(list(spec.submodule_search_locations)[0])


def _top_level(tree: ast.Module, names: tuple[str, ...] | None, path: Path) -> list[ast.stmt]:
    picked, found = [], set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            node_names = {node.name}
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            node_names = {t.id for t in targets if isinstance(t, ast.Name)}
        else:
            continue  # imports and module-level statements: the namespace provides what is needed
        if names is None or node_names & set(names):
            picked.append(node)
            found |= node_names
    missing = [n for n in names or () if n not in found]
    if missing:
        raise ImportError(f"{path} no longer defines {', '.join(missing)}")
    return picked


@functools.lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    """BFCL's functions, executed from the wheel's source into one namespace."""
    root = wheel_root()
    namespace: dict[str, Any] = {
        "__builtins__": builtins,
        "__name__": "bfcl_reference",
        "re": re,
        "ast": ast,
        "builtins": builtins,
        "copy": copy,
        "operator": operator,
        "Enum": Enum,
        "MODEL_CONFIG_MAPPING": _AnyModelConfig(),
        # only annotations refer to these; Java/JavaScript branches are never reached
        "BaseHandler": object,
        "Union": Any,
    }
    for relative, names in _SOURCES.items():
        path = root / relative
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        module = ast.Module(body=_top_level(tree, names, path), type_ignores=[])
        exec(compile(module, str(path), "exec"), namespace)
    return namespace


class _PromptingHandler:
    """The handler of a prompting model: its `decode_ast` is BFCL's default prompting decoder."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self._decode = namespace["default_decode_ast_prompting"]

    def decode_ast(self, result, language, has_tool_call_tag):
        return self._decode(result, language, has_tool_call_tag)


@functools.lru_cache(maxsize=1)
def _handler() -> _PromptingHandler:
    return _PromptingHandler(load())


def bfcl_category(category: str) -> str:
    # the project calls BFCL's "simple_python" file "simple"; BFCL's checker tests substrings only
    return "simple_python" if category == "simple" else category


def bfcl_decode(output: str) -> list[dict[str, Any]]:
    """BFCL's prompting decoder on one raw answer; raises whatever BFCL raises."""
    ns = load()
    return ns["default_decode_ast_prompting"](output, ns["ReturnFormat"].PYTHON, False)


def bfcl_verdict(
    functions: list[dict[str, Any]],
    output: str,
    ground_truth: list[dict[str, Any]],
    category: str,
    entry_id: str = "entry",
) -> tuple[bool, str]:
    """(valid, BFCL error type or "") for one raw answer, through eval_runner's per-entry flow."""
    ns = load()
    handler = _handler()
    category = bfcl_category(category)
    prompt_entry = {"id": entry_id, "function": functions}
    if ns["is_relevance_or_irrelevance"](category):
        result = ns["_evaluate_single_relevance_entry"](handler, entry_id, output, prompt_entry, MODEL_NAME, category)
    else:
        result = ns["_evaluate_single_ast_entry"](
            handler,
            entry_id,
            output,
            ground_truth,
            prompt_entry,
            MODEL_NAME,
            category,
            language=ns["Language"].PYTHON,
            return_format=ns["ReturnFormat"].PYTHON,
            has_tool_call_tag=False,
        )
    return bool(result["valid"]), result.get("error_type", "") if not result["valid"] else ""
