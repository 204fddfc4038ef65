"""Probe (or evaluate) a model: k answers per sample with vLLM in Ray actors, each checked.

    python jobs/probe.py --config configs/probe.yaml [sampling.k=8 ...]
    ray job submit --working-dir . -- python jobs/probe.py --config configs/probe.yaml
    python jobs/probe.py --config configs/eval.yaml     # k=1, greedy, on the evaluation sets
"""

from _args import parse

from ray_toolace.stages.probe import run_probe

if __name__ == "__main__":
    run_probe(parse(__doc__.splitlines()[0]))
