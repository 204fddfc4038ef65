"""BFCL's own harness and scorer against the endpoint, as a BFCL user runs them.

    ray-toolace bfcl generate --model smollm2-135m:round-1 --categories simple_python,multi_turn_base --limit 20
    ray-toolace bfcl evaluate --model ray-toolace-FC --test-category simple_python,multi_turn_base --partial-eval

`generate` runs bfcl-eval's FC handler for OpenAI-compatible servers (`OpenAICompletionsHandler`)
against `$OPENAI_BASE_URL` (the endpoint's /v1), entry by entry, and files each answer with the
handler's own writer, so the files land where `bfcl evaluate` reads them:

    <root>/result/ray-toolace-FC/non_live/BFCL_v4_simple_python_result.json
    <root>/result/ray-toolace-FC/multi_turn/BFCL_v4_multi_turn_base_result.json

(`<root>`: `--root`, else $BFCL_PROJECT_ROOT, else ./bfcl; bfcl-eval itself would write inside its
installed package). An entry whose request fails is filed as `bfcl generate` files it, an error
string that scores as wrong; an entry already filed is skipped, so an interrupted run goes on
where it stopped. It needs the `bfcl-harness` extra only.

`evaluate` is bfcl-eval's own CLI (`bfcl evaluate`) with the result folders' names added to its
model registry: bfcl scores only result folders named after a registered model, and has no
other way to add one. `ray-toolace-FC` (and any `--registry-name` of generate) is scored as
the handler produced it: function-calling
mode, and tool names whose dots the handler turned into underscores (`math.factorial` is sent
as `math_factorial`) mapped back (`underscore_to_dot`). Scoring needs the whole of bfcl-eval
(its evaluator imports every provider's SDK), best in an environment of its own; no request is
made, yet the handler it builds wants an OPENAI_API_KEY, so one is set when none is. Scores go
to `<root>/score/ray-toolace-FC/<group>/BFCL_v4_<category>_score.json` (first line: accuracy,
correct and total counts; then one line per failed entry with its error) and
`<root>/score/data_*.csv`. `--partial-eval` scores the entries present (a `--limit` run);
the CSVs' overall columns then count the categories not run as 0, so read the per-category
figures, or drop the limit for a leaderboard-comparable run.

Only this module's functions import bfcl-eval, and only when they run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

REGISTRY_NAME = "ray-toolace-FC"  # bfcl maps a folder name back with "_" -> "/": no underscore
ROOT_ENV = "BFCL_PROJECT_ROOT"


def project_root(root: str | None = None) -> Path:
    """Where results and scores go; exported for bfcl-eval, which reads it when imported."""
    path = Path(root or os.environ.get(ROOT_ENV) or "bfcl").resolve()
    os.environ[ROOT_ENV] = str(path)
    return path


def check_registry_name(name: str) -> None:
    if "_" in name:
        raise ValueError(f"registry name {name!r} must not contain '_' (bfcl reads folder names back with '_' -> '/')")


def make_handler(model: str, registry_name: str = REGISTRY_NAME, temperature: float = 0.001):
    """bfcl-eval's FC handler for OpenAI-compatible servers, asking for the served id `model`."""
    from bfcl_eval.model_handler.api_inference.openai_completion import OpenAICompletionsHandler

    check_registry_name(registry_name)
    return OpenAICompletionsHandler(model_name=model, temperature=temperature, registry_name=registry_name, is_fc_model=True)


def result_file(root: Path, handler: Any, category: str) -> Path:
    """The file bfcl evaluate reads for `category` (the one the handler's writer fills)."""
    from bfcl_eval.utils import get_directory_structure_by_category, get_file_name_by_category

    return (Path(root) / "result" / handler.registry_dir_name / get_directory_structure_by_category(category)
            / get_file_name_by_category(category, is_result_file=True))


def filed_ids(path: Path) -> set[str]:
    from bfcl_eval.utils import load_file

    return {e["id"] for e in load_file(path)} if path.exists() else set()


def unsupported(category: str) -> str | None:
    """Why `generate` does not run a category, or None."""
    from bfcl_eval.utils import is_agentic, is_format_sensitivity

    if is_agentic(category):
        return "agentic categories need bfcl's memory and web-search set-up"
    if is_format_sensitivity(category):
        return "format_sensitivity is for prompt-mode models only (bfcl skips it for FC models)"
    return None


def generate(model: str, categories: list[str], root: Path, limit: int | None = None,
             registry_name: str = REGISTRY_NAME, temperature: float = 0.001, overwrite: bool = False,
             say: Callable[[str], None] = print, handler: Any = None) -> dict[str, Path]:
    """Answer the entries of `categories` (names or bfcl groups) through $OPENAI_BASE_URL; the
    result file of each category run. `limit`: the first N entries of each. `handler`: one made
    by make_handler (tests give its client another transport)."""
    import traceback

    from bfcl_eval.utils import load_dataset_entry, parse_test_category_argument

    os.environ.setdefault("OPENAI_API_KEY", "none")  # the SDK refuses to start without one
    handler = handler or make_handler(model, registry_name, temperature)
    files = {}
    for category in parse_test_category_argument(categories):
        why = unsupported(category)
        if why:
            say(f"{category}: skipped, {why}")
            continue
        entries = load_dataset_entry(category)[:limit]
        path = result_file(root, handler, category)
        done = set() if overwrite else filed_ids(path)
        todo = [e for e in entries if e["id"] not in done]
        say(f"{category}: {len(todo)} to run, {len(entries) - len(todo)} already in {path}")
        for i, entry in enumerate(todo, 1):
            try:
                result, metadata = handler.inference(entry, include_input_log=False, exclude_state_log=True)
            except Exception as e:  # filed as bfcl generate files it: scored as wrong
                result, metadata = f"Error during inference: {e}", {"traceback": traceback.format_exc()}
                say(f"  {entry['id']}: {type(e).__name__}: {str(e)[:200]}")
            handler.write({"id": entry["id"], "result": result, **metadata}, result_dir=Path(root) / "result", update_mode=True)
            say(f"  [{i}/{len(todo)}] {entry['id']}")
        files[category] = path
    return files


def register(names: tuple[str, ...] | list[str]) -> None:
    """Add result folder names to bfcl-eval's model registry, scored as `generate` answered."""
    from bfcl_eval.constants.model_config import MODEL_CONFIG_MAPPING, ModelConfig
    from bfcl_eval.model_handler.api_inference.openai_completion import OpenAICompletionsHandler

    for name in names:
        check_registry_name(name)
        MODEL_CONFIG_MAPPING.setdefault(name, ModelConfig(
            model_name=name, display_name=f"{name} (ray_toolace endpoint)", url="", org="ray_toolace",
            license="", model_handler=OpenAICompletionsHandler, is_fc_model=True, underscore_to_dot=True,
        ))


def result_names(root: Path, registered: Iterable[str]) -> list[str]:
    """The result folders under `<root>/result` that name no `registered` model: ours (a
    folder of a registered model keeps its own entry; one with "_" is no name of ours)."""
    known = set(registered)
    folders = sorted(p.name for p in (Path(root) / "result").glob("*") if p.is_dir())
    return [n for n in folders if "_" not in n and n not in known]


def evaluate(bfcl_args: list[str], root: Path) -> int:
    """bfcl-eval's own CLI on `bfcl_args` (e.g. ["evaluate", "--model", ...]) with ray-toolace-FC
    and every result folder of `generate --registry-name` registered; call project_root first
    (bfcl reads it when imported)."""
    os.environ.setdefault("OPENAI_API_KEY", "none")  # no request is made; the handler wants a key
    from bfcl_eval.constants.model_config import MODEL_CONFIG_MAPPING

    register([REGISTRY_NAME, *result_names(root, MODEL_CONFIG_MAPPING)])
    from bfcl_eval.__main__ import cli

    saved = sys.argv
    sys.argv = ["bfcl", *bfcl_args]
    try:
        cli()
    except SystemExit as e:  # typer ends with SystemExit, 0 on success
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        sys.argv = saved
    return 0
