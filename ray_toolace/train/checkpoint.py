"""Checkpoints of a sharded training run: model and optimizer state plus the run's progress.

    save_checkpoint(model, optimizer, state, directory, write_state=rank == 0)   # on every rank
    state = read_state(directory); load_checkpoint(model, optimizer, directory)

torch.distributed.checkpoint writes one file per rank and a metadata file into `directory`
(a folder every rank can reach); rank 0 adds `trainer_state.json` (step, loss history, token
counts). A checkpoint holds what training changes: with LoRA only the adapter weights and their
optimizer state, since the frozen base is reloaded from the base model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STATE_FILE = "trainer_state.json"


def checkpoint_name(step: int) -> str:
    return f"step-{step:06d}"


def new_state() -> dict[str, Any]:
    return {"step": 0, "history": [], "real_tokens": 0, "slot_tokens": 0, "train_seconds": 0.0}


def read_state(directory: str) -> dict[str, Any]:
    return json.loads(Path(directory, STATE_FILE).read_text())


def save_checkpoint(model, optimizer, state: dict[str, Any], directory: str, write_state: bool) -> None:
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_state_dict

    options = StateDictOptions(ignore_frozen_params=True)  # LoRA: the base never changes
    msd, osd = get_state_dict(model, optimizer, options=options)
    dcp.save({"model": msd, "optim": osd}, checkpoint_id=directory)
    if write_state:
        # written after the collective save returned: a folder with a state file is complete
        Path(directory, STATE_FILE).write_text(json.dumps(state))


def load_checkpoint(model, optimizer, directory: str) -> None:
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_state_dict, set_state_dict

    # frozen weights were not saved (they are the base's, loaded already): not strict about them
    options = StateDictOptions(ignore_frozen_params=True, strict=False)
    msd, osd = get_state_dict(model, optimizer, options=options)
    state = {"model": msd, "optim": osd}
    dcp.load(state, checkpoint_id=directory)
    set_state_dict(model, optimizer, model_state_dict=state["model"], optim_state_dict=state["optim"], options=options)
