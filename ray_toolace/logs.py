"""Where a job's output goes: progress and results on the console, everyone's own logs in files.

    log_dir = setup(cfg.run_dir)       # once, before Ray starts (jobs/_args.py does it)
    connect_ray()                      # ray.init, then worker output is routed as below

The console (the terminal, or the job log `ray job submit` follows) gets:
- what the project prints (tables, the run report, the endpoint's answers);
- the project's own log records (loggers under `ray_toolace`), and errors of any logger;
- the progress lines Ray workers print with a project tag (`[probe] ...`, `[train] ...`),
  once each (Ray Train hands a worker's print to both of its streams);
- every uncaught traceback, and a fatal error's stack (faulthandler);
- `console_error(text)`: this process's stderr is driver.log, so a message for the person
  goes there (or to stdout, or through a `ray_toolace` logger), never to `sys.stderr`.

Files, under `<run_dir>/logs/` (a local run directory; for s3:// run directories, a local
folder under the system's temporary directory, printed at start):
- `driver.log`: everything this process writes to its stderr (file descriptor 2 is pointed
  here): Ray's, Ray Data's, Serve's and Ray Train's own loggers, the C++ core worker's log
  lines, Python warnings, progress bars, plus every log record of the project;
- `workers.log`: every line Ray forwards from its workers, from every node (vLLM engines,
  Ray Train workers, Serve replicas, Ray Data tasks), each prefixed with the worker it came from.

Ray's own session logs stay in Ray's session folder (printed once Ray is up). Worker lines are
routed by replacing the handler Ray's driver uses to print them (`ray._private.ray_logging`,
pinned Ray version); where that hook is missing, workers' output is not forwarded at all
(`log_to_driver=False`) and a warning says the progress lines are lost.

The routing decisions (which worker lines reach the console, how each is written to the file)
are pure functions below; the rest is wiring.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import re
import sys
import tempfile
import time
import traceback
from collections import OrderedDict
from typing import Any, Callable, TextIO

from ray_toolace.core.secrets import redact_argv

# a worker line that starts with one of the project's tags is progress meant for a person
PROGRESS = re.compile(r"^\[(probe|train)\] ")
FILES = {"driver": "driver.log", "workers": "workers.log"}
_RAY_PRINT_HANDLER = "ray_print_logs"  # the name Ray's driver registers its printer under

log = logging.getLogger("ray_toolace.logs")


def log_dir_for(run_dir: str, now: float | None = None) -> str:
    """`<run_dir>/logs` for a local run directory; a local folder for an s3:// one (log files
    are appended line by line, which object stores cannot do)."""
    if run_dir.startswith("s3://"):
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", run_dir[len("s3://"):]).strip("_")
        return os.path.join(tempfile.gettempdir(), "ray_toolace-logs", f"{name}-{stamp}")
    return os.path.join(os.path.abspath(run_dir), "logs")


def is_progress(line: str) -> bool:
    return bool(PROGRESS.match(line))


def worker_prefix(data: dict[str, Any]) -> str:
    """`(ProbeWorker pid=123, 10.0.0.2)`: which worker a forwarded line came from."""
    who = data.get("actor_name") or data.get("task_name") or "worker"
    where = f", {data['ip']}" if data.get("ip") and data.get("ip") != data.get("localhost") else ""
    stream = " stderr" if data.get("is_err") else ""
    return f"({who} pid={data.get('pid')}{where}{stream})"


class WorkerLines:
    """Decides, for each batch of lines Ray forwards from one worker, what goes to the file and
    what to the console. A progress line already echoed from the same worker is not echoed again
    (Ray Train writes a worker's print to its stdout and to its stderr)."""

    def __init__(self, remember: int = 256):
        self._echoed: OrderedDict[tuple[Any, str], None] = OrderedDict()
        self._remember = remember

    def route(self, data: dict[str, Any]) -> tuple[list[str], list[str]]:
        """(lines for workers.log, lines for the console) of one forwarded batch."""
        if data.get("pid") == "autoscaler":
            return [], []  # its status every few seconds; kept in Ray's session logs (monitor.*)
        prefix = worker_prefix(data)
        to_file, to_console = [], []
        for line in data.get("lines") or []:
            to_file.append(f"{prefix} {line}")
            if is_progress(line):
                key = (data.get("pid"), line)
                if key in self._echoed:
                    continue
                self._echoed[key] = None
                if len(self._echoed) > self._remember:
                    self._echoed.popitem(last=False)
                to_console.append(line)
        return to_file, to_console


class ConsoleFormatter(logging.Formatter):
    """`12:03:04 message`; the level is named only from WARNING up."""

    def __init__(self) -> None:
        super().__init__(datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        text = f"{self.formatTime(record, self.datefmt)} "
        if record.levelno >= logging.WARNING:
            text += f"{record.levelname}: "
        text += record.getMessage()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class ConsoleFilter(logging.Filter):
    """The project's records from INFO up, anyone's errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        ours = record.name == "ray_toolace" or record.name.startswith("ray_toolace.")
        return record.levelno >= (logging.INFO if ours else logging.ERROR)


class _State:
    log_dir: str | None = None
    console: TextIO | None = None  # the original stdout
    console_err: TextIO | None = None  # a copy of the original stderr
    workers: TextIO | None = None


_state = _State()


def console_line(text: str) -> None:
    """One line on the console, timed like the log records."""
    out = _state.console or sys.stdout
    out.write(f"{time.strftime('%H:%M:%S')} {text}\n")
    out.flush()


def console_error(text: str) -> None:
    """A message for the person on the console's stderr (this process's own stderr is driver.log
    once `setup` ran)."""
    out = _state.console_err or sys.stderr
    out.write(text + "\n")
    out.flush()


def setup(run_dir: str, announce: bool = True) -> str:
    """Point this process's stderr at `driver.log`, the project's records at the console, set
    quiet defaults for the libraries (each can be overridden from the environment); returns
    the log folder. Call once, before Ray starts; a second call returns the same folder."""
    if _state.log_dir is not None:
        return _state.log_dir
    log_dir = log_dir_for(run_dir)
    os.makedirs(log_dir, exist_ok=True)
    # progress bars: Ray Data logs one every few seconds when stdout is not a terminal, and
    # Hugging Face's bars (weights loading, shard writing) fill log files with carriage returns
    os.environ.setdefault("RAY_DATA_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

    sys.stdout.flush()
    sys.stderr.flush()
    console_err = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    driver = open(os.path.join(log_dir, FILES["driver"]), "a", buffering=1, encoding="utf-8", errors="replace")
    driver.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} pid {os.getpid()}: {' '.join(redact_argv(sys.argv))}\n")  # no key in a log
    # fd level, so that C++ logs, child processes and handlers holding the old sys.stderr land
    # there too; sys.stderr still wraps fd 2 and follows
    os.dup2(driver.fileno(), 2)
    driver.close()  # fd 2 keeps the file open
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, even piped
    _state.log_dir, _state.console, _state.console_err = log_dir, sys.stdout, console_err

    root = logging.getLogger()
    root.setLevel(logging.INFO)
    to_file = logging.StreamHandler(sys.stderr)
    to_file.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    to_console = logging.StreamHandler(sys.stdout)
    to_console.setFormatter(ConsoleFormatter())
    to_console.addFilter(ConsoleFilter())
    root.addHandler(to_file)
    root.addHandler(to_console)
    logging.captureWarnings(True)  # warnings become records: in driver.log, not on the console

    sys.excepthook = _excepthook
    faulthandler.enable(file=console_err)  # a crash's stack where a person sees it
    if announce:
        console_line(f"logs: {log_dir}/ ({FILES['driver']}: this process with Ray's, Ray Data's, Serve's and "
                     f"Ray Train's own logs; {FILES['workers']}: every Ray worker, vLLM engines included)")
    return log_dir


def _excepthook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
    """An uncaught exception: its traceback on the console and in driver.log."""
    text = "".join(traceback.format_exception(kind, value, tb))
    sys.stderr.write(text)
    if _state.console is not None:
        _state.console.flush()
    out = _state.console_err or sys.__stderr__
    out.write(text)
    if _state.log_dir:
        out.write(f"(logs: {_state.log_dir}/)\n")
    out.flush()


def _printer(routing: WorkerLines, file: TextIO, echo: Callable[[str], None]) -> Callable[[dict[str, Any]], None]:
    def handle(data: dict[str, Any]) -> None:
        to_file, to_console = routing.route(data)
        if to_file:
            file.write("\n".join(to_file) + "\n")
            file.flush()
        for line in to_console:
            echo(line)

    return handle


def connect_ray(address: str | None = None, **init_kwargs: Any) -> None:
    """`ray.init` (unless already connected), then workers' output is routed as the module
    docstring says. Without `setup` first, Ray prints as it always does."""
    import ray

    dispatcher = _dispatcher() if _state.log_dir else None
    if not ray.is_initialized():
        if _state.log_dir and dispatcher is None:
            init_kwargs.setdefault("log_to_driver", False)
        # INFO: Ray's own records only reach driver.log once setup ran
        init_kwargs.setdefault("logging_level", logging.INFO if _state.log_dir else logging.WARNING)
        ray.init(address=address, **init_kwargs)
    if _state.log_dir is None:
        return
    if dispatcher is None:
        log.warning("this Ray has no hook for worker output: it stays in Ray's session logs and "
                    "workers' progress lines are not shown")
    elif _state.workers is None:
        _state.workers = open(os.path.join(_state.log_dir, FILES["workers"]), "a", buffering=1,
                              encoding="utf-8", errors="replace")
        _state.workers.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} driver pid {os.getpid()}\n")
        dispatcher.remove_handler(_RAY_PRINT_HANDLER)
        dispatcher.add_handler("ray_toolace", _printer(WorkerLines(), _state.workers, console_line))
    session = _session_logs()
    if session:
        console_line(f"Ray's session logs: {session}")


def _dispatcher() -> Any:
    try:
        from ray._private.ray_logging import global_worker_stdstream_dispatcher
    except ImportError:
        return None
    if not all(hasattr(global_worker_stdstream_dispatcher, m) for m in ("add_handler", "remove_handler")):
        return None
    return global_worker_stdstream_dispatcher


def _session_logs() -> str | None:
    try:
        import ray

        node = ray._private.worker._global_node
        return node.get_logs_dir_path() if node is not None else None
    except AttributeError:
        return None
