"""Loading the model a round trains, wrapping it for LoRA, and sharding it with FSDP2.

    model = load_model(path, cfg.train)          # fp32 master weights, on CPU
    shard_model(model, bf16=False)               # fully_shard each decoder layer, then the root

`path` is a Hugging Face model folder, or a LoRA adapter folder from an earlier round: a
LoRA round then keeps training that adapter (so every round's adapter applies to the same
original base, as vLLM's LoRARequest expects), and a full round merges it first.
"""

from __future__ import annotations

import json
from pathlib import Path


def adapter_base(path: str) -> str | None:
    """The base model of a peft adapter folder, or None when `path` is a whole model."""
    config = Path(path) / "adapter_config.json"
    if not config.is_file():
        return None
    return json.loads(config.read_text())["base_model_name_or_path"]


def tokenizer_path(path: str) -> str:
    base = adapter_base(path)
    if base and not (Path(path) / "tokenizer_config.json").is_file():
        return base
    return path


def lora_config(cfg):
    from peft import LoraConfig

    # "all-linear": every linear layer of the decoder (attention and MLP), never the output
    # head, as ToolACE-8B was trained (docs/method.md §6)
    return LoraConfig(
        r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
        target_modules="all-linear", task_type="CAUSAL_LM",
    )


def load_model(path: str, cfg, trainable: bool = True):
    """The model to train (or, with trainable=False, to hold exported weights), in fp32."""
    import torch
    from transformers import AutoModelForCausalLM

    base = adapter_base(path)
    model = AutoModelForCausalLM.from_pretrained(base or path, dtype=torch.float32)
    # the KV cache is useless in training, and while present transformers skips the
    # block-diagonal mask that keeps packed sequences apart
    model.config.use_cache = False
    if trainable and cfg.grad_checkpointing:
        # non-reentrant: works with frozen inputs (LoRA) and with FSDP2's hooks
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if base is not None:
        from peft import PeftModel

        if cfg.method == "lora":
            return PeftModel.from_pretrained(model, path, is_trainable=trainable)
        model = PeftModel.from_pretrained(model, path).merge_and_unload()
    if cfg.method == "lora":
        from peft import get_peft_model

        return get_peft_model(model, lora_config(cfg))
    return model


def decoder_layers(model) -> list:
    """The repeated blocks to shard one by one (transformers names them in _no_split_modules)."""
    names: set[str] = set()
    for module in model.modules():
        names.update(getattr(module, "_no_split_modules", None) or [])
    layers = [m for m in model.modules() if type(m).__name__ in names]
    if not layers:
        raise ValueError(f"found no decoder layers ({sorted(names)}) to shard in {type(model).__name__}")
    return layers


def shard_model(model, bf16: bool):
    """FSDP2: each decoder layer is its own unit (its weights are gathered only while it runs),
    then the root takes the rest (embeddings, final norm, head; tied weights stay one tensor).
    With `bf16` (on GPU) compute in bf16 with fp32 master weights and fp32 gradient reduction;
    on CPU the step uses autocast instead (see step.py)."""
    import torch
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

    kwargs = {}
    if bf16:
        kwargs["mp_policy"] = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32)
    for layer in decoder_layers(model):
        fully_shard(layer, **kwargs)
    fully_shard(model, **kwargs)
    return model


def output_head(model):
    """The transformers output projection (inside peft's wrappers, if any)."""
    head = model.get_output_embeddings()
    if head is None:
        raise ValueError(f"{type(model).__name__} has no output head")
    return head


class TargetOnlyHead:
    """Restricts the output head to the positions that have a target.

    Only answer tokens carry loss, often a tenth of a sequence or less, while the head
    (hidden x vocabulary) is the largest matrix product of a small model: computing logits for
    prompt and padding positions would be most of the work and most of the memory. A
    forward pre-hook on the head selects the rows before the product, so parameter names,
    tied weights and FSDP's hooks stay exactly as they are.
    """

    def __init__(self, model):
        self.mask = None  # (batch, seq) bool: positions whose next token is a target
        output_head(model).register_forward_pre_hook(self._select)

    def _select(self, module, args):
        if self.mask is None:
            return None
        hidden = args[0]
        return (hidden[self.mask].unsqueeze(0),) + tuple(args[1:])
