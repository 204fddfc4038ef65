"""Models: the embedded default (SmolLM2-135M-Instruct from a PyPI GGUF) and tiny test models.

    resolve_model("smollm2-135m")   -> folder of the default model, converted once and cached
    prepare_default_model()         -> the same folder, explicitly (`ray-toolace model prepare`)
    build_tiny_model(out_dir)       -> a random two-layer Llama with a ChatML tool template

Importing this package is cheap: torch and transformers load only when a function runs.
"""

from ray_toolace.model.prepare import default_model_dir, prepare_default_model
from ray_toolace.model.resolve import DEFAULT_MODEL, resolve_model
from ray_toolace.model.tiny import build_tiny_model

__all__ = ["DEFAULT_MODEL", "build_tiny_model", "default_model_dir", "prepare_default_model", "resolve_model"]
