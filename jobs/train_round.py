"""Train one round (SFT on a corpus of records) with Ray Train: FSDP2, full or LoRA, resumable.

    python jobs/train_round.py --config configs/train.yaml [train.corpus=runs/x/corpus.jsonl train.round=1 ...]
    ray job submit --working-dir . -- python jobs/train_round.py --config configs/train.yaml

Submitting the same round again after it was killed resumes from its latest checkpoint.
"""

from _args import parse

from ray_toolace.stages.train_round import train_round_from_config

if __name__ == "__main__":
    train_round_from_config(parse(__doc__.splitlines()[0]))
