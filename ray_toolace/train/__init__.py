"""The per-worker training code: tokenizing with the loss mask, batching (packed or padded), the
training core (FSDP2, LoRA or full, bf16, checkpoints; no Ray), and the export of the final
Hugging Face folder.

    core.py        Training / train(): one rank's run in a torch.distributed process group
    step.py        one optimizer step, the learning-rate schedule, the micro-batch plan
    checkpoint.py  sharded checkpoints (torch.distributed.checkpoint) and the run's progress
    loop.py        Ray Train's worker function: the core with Ray Train's context and reports

The Ray wiring lives in `ray_toolace.stages.train_round`; this package holds torch code and no
decisions about samples (those are made in `ray_toolace.core`).
"""
