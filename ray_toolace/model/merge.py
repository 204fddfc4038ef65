"""A round's LoRA adapter merged into a whole model folder, for engines that run on CPU.

vLLM's CPU build applies LoRA adapters with generic kernels that made probing and evaluation
several times slower than the same model merged (measured on the default model: a round's
evaluation took well over twice as long as the base model's). So when engines run on CPU, a
round's adapter is merged once into `<adapter>-merged-<digest>` (fp32, tokenizer and chat
template included) and that folder is probed, evaluated and served instead; on GPUs the adapter
is applied unmerged with LoRARequest, as before. Local folders only: an adapter on S3 stays
unmerged.

The folder's name carries a digest of the adapter's files and of its base model
(model/identity.py), so an adapter retrained in place gets a new merged folder instead of
reusing the merge of the old weights. The base is the one the adapter names, unless the caller
gives it (the endpoint merges onto the base it serves: an adapter copied from another machine
names that machine's folder).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from ray_toolace import storage
from ray_toolace.core.fingerprint import digest
from ray_toolace.model.identity import folder_digest, model_identity
from ray_toolace.train.model import adapter_base, tokenizer_path

log = logging.getLogger("ray_toolace.model")


def merged_path(adapter_dir: str, base: str | None = None) -> str:
    """`<adapter>-merged-<digest of the adapter's content and its base model's>`."""
    key = digest({"adapter": folder_digest(adapter_dir), "base": model_identity(base or adapter_base(adapter_dir))})
    return f"{adapter_dir.rstrip('/')}-merged-{key[:12]}"


def merge_adapter(adapter_dir: str, base: str | None = None) -> str | None:
    """The merged folder of a local adapter, written once (atomically); None for S3 adapters.
    `base`: the model to merge onto; None: the one the adapter names."""
    if storage.is_s3(adapter_dir):
        return None
    named = adapter_base(adapter_dir)
    if named is None:
        raise ValueError(f"{adapter_dir} is not a peft adapter folder")
    base = base or named
    out = Path(merged_path(adapter_dir, base))
    if (out / "config.json").is_file():
        return str(out)
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    start = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    model = PeftModel.from_pretrained(model, adapter_dir).merge_and_unload()
    with storage.publish_dir(out, lambda o: (o / "config.json").is_file()) as tmp:
        model.save_pretrained(tmp)
        tokenizer = tokenizer_path(adapter_dir)
        AutoTokenizer.from_pretrained(base if tokenizer == named else tokenizer).save_pretrained(tmp)
    log.info("merged %s into %s in %.1f s", adapter_dir, out, time.perf_counter() - start)
    return str(out)
