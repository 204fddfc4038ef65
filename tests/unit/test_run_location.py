"""A relative run_dir under `ray job submit`: placed below a stable root, or refused."""

from __future__ import annotations

import pytest

from ray_toolace.core.run_location import RunDirError, in_ray_code_copy, resolve_run_dir
from ray_toolace.submit import SubmitError, check_config

RAY_COPY = "/tmp/ray/session_2026/runtime_resources/working_dir_files/_ray_pkg_0123abcd"


def test_absolute_and_s3_run_dirs_are_kept_everywhere():
    for run_dir in ("/data/runs/x", "s3://bucket/runs/x"):
        assert resolve_run_dir(run_dir, RAY_COPY, None) == run_dir
        assert resolve_run_dir(run_dir, RAY_COPY, "/elsewhere") == run_dir


def test_a_relative_run_dir_goes_below_the_root():
    assert resolve_run_dir("runs/x", RAY_COPY, "/data") == "/data/runs/x"
    assert resolve_run_dir("./runs/x", "/home/u/project", "/data/") == "/data/runs/x"
    assert resolve_run_dir("runs/x", RAY_COPY, "s3://bucket/root/") == "s3://bucket/root/runs/x"
    with pytest.raises(RunDirError, match="leaves runs_root"):
        resolve_run_dir("../x", RAY_COPY, "/data")
    with pytest.raises(RunDirError, match="absolute"):
        resolve_run_dir("runs/x", RAY_COPY, "relative/root")


def test_a_relative_run_dir_in_rays_code_copy_is_refused_and_elsewhere_kept():
    assert in_ray_code_copy(RAY_COPY) and not in_ray_code_copy("/home/u/project")
    with pytest.raises(RunDirError) as e:
        resolve_run_dir("runs/x", RAY_COPY, None)
    assert "RAY_TOOLACE_RUNS_ROOT" in str(e.value) and "absolute" in str(e.value) and RAY_COPY in str(e.value)
    assert resolve_run_dir("runs/x", "/home/u/project", None) == "runs/x"


def test_submit_refuses_a_relative_run_dir_before_uploading_anything():
    with pytest.raises(SubmitError, match="is relative"):
        check_config("probe", "configs/probe.yaml", [], environ={})
    check_config("probe", "configs/probe.yaml", [], environ={"RAY_TOOLACE_RUNS_ROOT": "/data"})
    check_config("probe", "configs/probe.yaml", ["run_dir=s3://bucket/r"], environ={})


def test_a_job_that_keeps_only_its_logs_is_not_refused():
    """The serve job deploys and exits: its relative run_dir (logs only) may stay in Ray's copy."""
    assert resolve_run_dir("runs/x", RAY_COPY, None, keeps_outputs=False) == "runs/x"
    assert resolve_run_dir("runs/x", RAY_COPY, "/data", keeps_outputs=False) == "/data/runs/x"
    check_config("serve", "configs/serve.yaml", [], environ={})
    with pytest.raises(SubmitError, match="is relative"):
        check_config("iterate", "configs/serve.yaml", [], environ={})
