"""One rank of the training core alone, the target of `torch.multiprocessing` in
test_train_core.py. It lives apart from the test module because a spawned child imports the
target's module afresh, and there `from conftest import ...` may find tests/conftest.py first."""

from __future__ import annotations


def _rank(rank: int, world: int, port: int, train_cfg: dict, base: str, records: list, out: str) -> None:
    import torch
    import torch.distributed as dist

    from ray_toolace.config import TrainConfig
    from ray_toolace.train.core import train

    torch.set_num_threads(1)  # as in a Ray Train worker with one CPU: the same kernels, the same sums
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        train(TrainConfig.model_validate(train_cfg), base, records, out)
    finally:
        dist.destroy_process_group()
