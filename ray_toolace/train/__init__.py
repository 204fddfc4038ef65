"""The per-worker training code: tokenizing with the loss mask, batching (packed or padded), the
FSDP2 train loop with checkpoints, and the export of the final Hugging Face folder.

The Ray wiring lives in `ray_toolace.stages.train_round`; this package holds torch code and no
decisions about samples (those are made in `ray_toolace.core`).
"""
