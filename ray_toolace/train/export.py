"""The Hugging Face folder a round produces, from the sharded model at the end of training.

    export_model(model, base, cfg.train, out_dir, tokenizer, is_writer=rank == 0)   # on every rank

Every rank takes part in gathering the full state dict (an FSDP collective); only the writer
saves. Full fine-tuning gives a whole model folder (config, safetensors, generation config,
tokenizer) that transformers and vLLM load as they load the base; LoRA gives a peft adapter
folder (adapter_config.json, adapter_model.safetensors) whose `base_model_name_or_path` names
the base, for `PeftModel.from_pretrained` and vLLM's `LoRARequest`.
"""

from __future__ import annotations

from ray_toolace.train.model import adapter_base, load_model

EXPORT_DIR = "export"


def gather_state(model, lora: bool) -> dict:
    """The full (unsharded) state dict on rank 0, on CPU; {} elsewhere. LoRA: adapter weights only."""
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

    options = StateDictOptions(full_state_dict=True, cpu_offload=True, ignore_frozen_params=lora)
    return get_model_state_dict(model, options=options)


def _saved_dtype(base: str):
    import torch
    from transformers import AutoConfig

    dtype = getattr(AutoConfig.from_pretrained(adapter_base(base) or base), "dtype", None)
    # train in fp32 master weights, but hand back a model as large as the one that came in
    return dtype if dtype in (torch.bfloat16, torch.float16) else None


def export_model(model, base: str, cfg, out_dir: str, tokenizer, is_writer: bool) -> None:
    lora = cfg.method == "lora"
    state = gather_state(model, lora)
    if not is_writer:
        return
    # a fresh, unsharded copy of the same architecture takes the trained weights, so what is
    # saved is exactly what transformers' and peft's own save/load code expects
    holder = load_model(base, cfg, trainable=False)
    missing, unexpected = holder.load_state_dict(state, strict=False)
    if unexpected:
        raise RuntimeError(f"export: weights the model does not have: {unexpected[:5]}")
    if lora:
        trained = [n for n, p in holder.named_parameters() if p.requires_grad]
        lost = [n for n in trained if n not in state]
    else:
        tied = {n for n, _ in holder.named_parameters(remove_duplicate=False)} - {n for n, _ in holder.named_parameters()}
        lost = [n for n in missing if n not in tied]
    if lost:
        raise RuntimeError(f"export: trained weights missing from the gathered state: {lost[:5]}")
    if lora:
        holder.save_pretrained(out_dir)
        return
    dtype = _saved_dtype(base)
    if dtype is not None:
        holder.to(dtype)
    holder.config.use_cache = True  # training switched it off; generation wants it
    holder.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
