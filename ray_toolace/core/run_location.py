"""Where a relative run_dir goes: below a stable root, or refused inside a Ray job's code copy.

    resolve_run_dir("runs/x", cwd, runs_root="/data/runs")   # "/data/runs/runs/x"
    resolve_run_dir("runs/x", cwd, runs_root=None)           # "runs/x", refused in Ray's copy

`ray job submit --working-dir .` runs the driver in Ray's unpacked copy of the project
(`.../runtime_resources/working_dir_files/_ray_pkg_<hash>/`), a new folder for every upload
and garbage-collected with it: a relative run_dir there would restart the run on every
re-submission and lose its outputs. So a relative run_dir is taken below `runs_root` (config
`runs_root`, else env RAY_TOOLACE_RUNS_ROOT) when one is given; without one it is refused in
such a copy, and elsewhere taken as before, relative to the working directory. Absolute paths
and s3:// URIs are used as they are. A job that keeps nothing under run_dir but its own logs
(`keeps_outputs=False`: the serve job deploys and exits; nothing resumes from there) is not
refused: its logs stay in the copy. Pure: the caller passes the working directory and root.
"""

from __future__ import annotations

import posixpath

RUNS_ROOT_ENV = "RAY_TOOLACE_RUNS_ROOT"
_RAY_COPY_MARKERS = ("/runtime_resources/working_dir_files/", "/_ray_pkg_")


class RunDirError(ValueError):
    """A run_dir that cannot be placed; the message says what to give instead."""


def in_ray_code_copy(cwd: str) -> bool:
    path = cwd.rstrip("/") + "/"
    return any(marker in path for marker in _RAY_COPY_MARKERS)


def _absolute(path: str) -> bool:
    return path.startswith(("/", "s3://", "~"))


def resolve_run_dir(run_dir: str, cwd: str, runs_root: str | None, keeps_outputs: bool = True) -> str:
    if _absolute(run_dir):
        return run_dir
    if runs_root:
        if not _absolute(runs_root):
            raise RunDirError(f"runs_root {runs_root!r} must be an absolute path or an s3:// URI")
        rel = posixpath.normpath(run_dir)
        if rel.startswith(".."):
            raise RunDirError(f"run_dir {run_dir!r} leaves runs_root {runs_root!r}: give it as an absolute path")
        if runs_root.startswith("s3://"):
            return runs_root.rstrip("/") + "/" + rel
        return posixpath.join(posixpath.normpath(runs_root), rel)
    if keeps_outputs and in_ray_code_copy(cwd):
        raise RunDirError(
            f"run_dir {run_dir!r} is relative and this job runs in Ray's copy of the working directory "
            f"({cwd}), which every upload replaces and Ray deletes: a re-submitted run would start over "
            f"and its outputs would be lost. Give an absolute run_dir or an s3:// URI, or set "
            f"{RUNS_ROOT_ENV} (or runs_root in the config) to a folder every node sees."
        )
    return run_dir  # relative to the working directory, as given
