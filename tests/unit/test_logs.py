"""What reaches the console and what goes to the log files (ray_toolace/logs.py)."""

import logging
import os
import subprocess
import sys
import textwrap

from ray_toolace.logs import ConsoleFilter, ConsoleFormatter, WorkerLines, is_progress, log_dir_for, worker_prefix


def _batch(lines, pid=11, is_err=False, actor="MapWorker(MapBatches(ProbeWorker))", ip="127.0.0.1"):
    return {"lines": lines, "pid": pid, "is_err": is_err, "actor_name": actor, "task_name": "", "ip": ip,
            "localhost": "127.0.0.1"}


def test_only_tagged_worker_lines_reach_the_console_and_every_line_the_file():
    routing = WorkerLines()
    to_file, to_console = routing.route(_batch([
        "(EngineCore pid=12) INFO 12-01 21:24:38 [core.py:133] Initializing a V1 LLM engine",
        "[probe] 6 samples x 1 answers: 462 tokens in 24.8 s (19 tok/s)",
        "Traceback (most recent call last):",
        "  [probe] inside a line is not a tag",
    ]))
    assert to_console == ["[probe] 6 samples x 1 answers: 462 tokens in 24.8 s (19 tok/s)"]
    assert len(to_file) == 4
    assert all(line.startswith("(MapWorker(MapBatches(ProbeWorker)) pid=11) ") for line in to_file)


def test_a_progress_line_seen_on_both_streams_is_echoed_once():
    # Ray Train hands a worker's print to its stdout and to its stderr
    routing = WorkerLines()
    line = "[train] step 1/2 loss 2.1173 lr 3.00e-04 real tok/s 58 (with padding 58)"
    assert routing.route(_batch([line], pid=5, actor="RayTrainWorker"))[1] == [line]
    again_file, again_console = routing.route(_batch([line], pid=5, is_err=True, actor="RayTrainWorker"))
    assert again_console == [] and again_file == [f"(RayTrainWorker pid=5 stderr) {line}"]
    # the same words from another worker are another line
    assert routing.route(_batch([line], pid=6, actor="RayTrainWorker"))[1] == [line]


def test_the_autoscalers_status_is_left_to_rays_session_logs():
    status = {"lines": ["======== Autoscaler status ========", "[probe] not a worker's line"], "pid": "autoscaler",
              "is_err": False, "ip": "127.0.0.1", "localhost": "127.0.0.1"}
    assert WorkerLines().route(status) == ([], [])


def test_the_echo_memory_is_bounded():
    routing = WorkerLines(remember=2)
    for i in range(3):
        routing.route(_batch([f"[probe] batch {i}"]))
    # the oldest line was forgotten, so it would be echoed again; the newest is still known
    assert routing.route(_batch(["[probe] batch 0"]))[1] == ["[probe] batch 0"]
    assert routing.route(_batch(["[probe] batch 2"]))[1] == []


def test_progress_tags_and_worker_prefixes():
    assert is_progress("[train] 5 sequences") and is_progress("[probe] 4 samples")
    assert not is_progress("[trainer] x") and not is_progress("INFO [probe] x") and not is_progress("[probe]x")
    assert worker_prefix({"pid": 3, "task_name": "FlatMap(_parse_file)", "ip": "10.0.0.2", "localhost": "10.0.0.1"}) \
        == "(FlatMap(_parse_file) pid=3, 10.0.0.2)"
    assert worker_prefix({"pid": "raylet"}) == "(worker pid=raylet)"


def test_log_folder_for_local_and_s3_run_directories(tmp_path):
    assert log_dir_for(str(tmp_path / "run")) == str(tmp_path / "run" / "logs")
    assert log_dir_for("runs/demo") == os.path.join(os.path.abspath("runs/demo"), "logs")
    remote = log_dir_for("s3://bucket/runs/r1", now=0)
    assert not remote.startswith("s3://") and os.path.basename(remote).startswith("bucket_runs_r1-")


def _record(name: str, level: int) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, "msg %s", ("x",), None)


def test_console_keeps_the_projects_records_and_everyones_errors():
    keep = ConsoleFilter().filter
    assert keep(_record("ray_toolace.probe", logging.INFO)) and keep(_record("ray_toolace", logging.WARNING))
    assert not keep(_record("ray_toolace.probe", logging.DEBUG))
    assert not keep(_record("ray.data", logging.WARNING)) and not keep(_record("matplotlib.category", logging.INFO))
    assert not keep(_record("ray_toolacex", logging.INFO))
    assert keep(_record("ray.train", logging.ERROR))
    fmt = ConsoleFormatter()
    assert fmt.format(_record("ray_toolace.probe", logging.INFO))[8:] == " msg x"
    assert fmt.format(_record("ray_toolace.probe", logging.WARNING))[8:] == " WARNING: msg x"


def test_setup_sends_stderr_to_the_file_and_keeps_results_and_tracebacks_on_the_console(tmp_path):
    script = textwrap.dedent(f"""
        import logging, os, sys, warnings
        from ray_toolace.logs import setup, console_error
        setup({str(tmp_path / "run")!r})
        print("a result for the person")
        logging.getLogger("ray_toolace.probe").info("shard 0 written")
        logging.getLogger("ray.data").warning("a library's own warning")
        logging.getLogger("matplotlib.font_manager").info("generated new fontManager")
        warnings.warn("a deprecation")
        sys.stderr.write("python stderr\\n")
        os.write(2, b"C-level stderr\\n")
        console_error("deploy failed: no answer")
        raise RuntimeError("a real failure")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    console = proc.stdout + proc.stderr
    log_dir = tmp_path / "run" / "logs"
    driver = (log_dir / "driver.log").read_text()
    assert proc.stdout.splitlines()[0].endswith(f"logs: {log_dir}/ (driver.log: this process with Ray's, Ray Data's, "
                                                "Serve's and Ray Train's own logs; workers.log: every Ray worker, "
                                                "vLLM engines included)")
    assert "a result for the person" in proc.stdout and "shard 0 written" in proc.stdout
    for hidden in ("a library's own warning", "fontManager", "a deprecation", "python stderr", "C-level stderr"):
        assert hidden not in console and hidden in driver
    assert "deploy failed: no answer" in proc.stderr
    # the traceback where a person sees it, and in the file
    assert "RuntimeError: a real failure" in proc.stderr and "Traceback (most recent call last)" in proc.stderr
    assert f"(logs: {log_dir}/)" in proc.stderr
    assert "RuntimeError: a real failure" in driver
    assert "shard 0 written" in driver  # the project's records are in the file too
