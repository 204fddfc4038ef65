"""The whole ToolACE-R loop: probe -> select -> corpus -> train -> evaluate, round after round.

    python jobs/iterate.py --config configs/iterate.yaml [iterate.max_rounds=2 ...]
    ray job submit --working-dir . -- python jobs/iterate.py --config configs/iterate.yaml

Re-submitting with the same run_dir resumes: finished stages are skipped.
"""

from _args import parse

from ray_toolace.stages.iterate import run_iterate

if __name__ == "__main__":
    run_iterate(parse(__doc__.splitlines()[0]))
