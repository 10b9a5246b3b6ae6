"""The ``command`` objective: run any program per trial, the way a W&B sweep agent does.

The block gives ``command:`` (a list, or a string split with :func:`shlex.split`) and/or
``program:``. With a program and no command, the command is W&B's default
``${env} ${interpreter} ${program} ${args}``. A command element that is exactly one of these macros
is replaced, as W&B's agent does:

============================  ===================================================================
``${env}``                    ``/usr/bin/env``
``${interpreter}``            this Python (``sys.executable``); ``interpreter:`` overrides it
``${program}``                the ``program:`` value
``${args}``                   ``--name=value`` per param
``${args_no_hyphens}``        ``name=value`` per param
``${args_no_boolean_flags}``  ``--name=value``; a boolean is ``--name`` when true, omitted if not
``${args_no_equals}``         ``--name value`` (two arguments) per param
``${args_json}``              one argument: the params as a JSON object
``${args_json_file}``         the path of a JSON file holding the params
============================  ===================================================================

Values are formatted as W&B's agent formats them (``f"{name}={value}"``, i.e. Python's ``str``:
``0.01``, ``[32, 32]``, ``True``, strings as is); ``${args_json}`` uses JSON. ``${envvar:NAME}``
inside an element becomes the environment variable ``NAME``. A command with no ``${args...}`` macro
gets ``${args}`` appended, so the params always reach the program.

The program gets ``HPSEARCH_TRIAL_NUMBER``, ``HPSEARCH_PARAMS`` (JSON), ``HPSEARCH_METRICS_FILE``
(an empty per-trial file), ``PYTHONUNBUFFERED=1`` and the block's ``env:``; it runs in ``cwd:``
(relative to the space file's folder). Metrics come from, in order: ``HPSEARCH_METRICS_FILE`` when
the program wrote it, the ``metrics_file:`` path when the program wrote it during this trial, else
the last stdout line that parses as a JSON object (a dict of metrics) or a bare number (the single
metric). Lines like ``{"step": 3, "<metric>": 0.81}`` are reported as intermediate values while the
program runs; when the driver's pruner says stop, the program's process group is terminated and the
trial raises ``optuna.TrialPruned``.

A non-zero exit raises ``RuntimeError`` with the exit code and the last stderr lines; ``timeout:``
kills the process group and raises ``TimeoutError``. Every program runs in its own session (process
group), killed when the trial ends early, when the program exits (what it left running), when this
process exits or gets SIGTERM, and when this process dies, even by SIGKILL (a guard process
kills the group; on Linux the program also gets the parent-death signal). Output is saved to
``stdout.log`` and ``stderr.log`` in the trial's folder when the sweep gives one. Nested parameter
groups are passed with dotted names (``--optimizer.lr=0.01``), not as W&B's nested dicts.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import json
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hpsearch._lifetime import guard_group
from hpsearch.errors import ConfigError, did_you_mean

__all__ = ["MACROS", "CommandObjective", "expand_command", "format_args"]

DEFAULT_COMMAND = ("${env}", "${interpreter}", "${program}", "${args}")
ARG_MACROS = (
    "args",
    "args_no_hyphens",
    "args_no_boolean_flags",
    "args_no_equals",
    "args_json",
    "args_json_file",
)
MACROS = ("env", "interpreter", "program", *ARG_MACROS)
_ENVVAR = re.compile(r"\$\{envvar:(.*?)\}")
_STOP_GRACE_S = 2.0
_TAIL_LINES = 20

_LIVE_GROUPS: set[int] = set()
_LIVE_LOCK = threading.Lock()
_CLEANUP = {"atexit": False, "sigterm": False}


# -- argument formatting ----------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """numpy scalars to Python, tuples to lists (so values print as W&B prints them)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy":
        return item()
    return value


def format_args(
    params: Mapping[str, Any], *, args_json_file: str | None = None
) -> dict[str, list[str]]:
    """The argument lists each ``${args...}`` macro expands to, as W&B's agent builds them.

    Example:
        >>> format_args({"lr": 0.01, "net": [32, 32], "amp": False})["args"]
        ['--lr=0.01', '--net=[32, 32]', '--amp=False']
        >>> format_args({"lr": 0.01, "amp": False, "fast": True})["args_no_boolean_flags"]
        ['--lr=0.01', '--fast']
    """
    plain = {str(k): _plain(v) for k, v in params.items()}
    out: dict[str, list[str]] = {m: [] for m in ARG_MACROS}
    for name, value in plain.items():
        flag = f"{name}={value}"
        out["args"].append(f"--{flag}")
        out["args_no_hyphens"].append(flag)
        out["args_no_equals"] += [f"--{name}", str(value)]
        if isinstance(value, bool):
            if value:
                out["args_no_boolean_flags"].append(f"--{name}")
        else:
            out["args_no_boolean_flags"].append(f"--{flag}")
    out["args_json"] = [json.dumps(plain, default=str)]
    out["args_json_file"] = [args_json_file] if args_json_file else []
    return out


def expand_command(
    command: Sequence[Any],
    params: Mapping[str, Any],
    *,
    program: str | None = None,
    interpreter: str | None = None,
    args_json_file: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """Replace W&B macros in ``command`` for one trial's ``params``.

    Example:
        >>> expand_command(["${env}", "python3", "${program}", "${args_no_hyphens}"],
        ...                {"lr": 0.1, "layers": 2}, program="train.py")
        ['/usr/bin/env', 'python3', 'train.py', 'lr=0.1', 'layers=2']
    """
    environ = os.environ if environ is None else environ
    values: dict[str, list[str]] = {
        "env": ["/usr/bin/env"],
        "interpreter": [interpreter or sys.executable],
        "program": [program] if program is not None else [],
        **format_args(params, args_json_file=args_json_file),
    }
    argv: list[str] = []
    for raw in command:
        element = _ENVVAR.sub(lambda m: environ.get(m.group(1), m.group(1)), str(raw))
        if element.startswith("${") and element.endswith("}") and element[2:-1] in values:
            argv += values[element[2:-1]]
        else:
            argv.append(element)
    return argv


# -- process groups ---------------------------------------------------------------------------
def _kill_live_groups(sig: int = signal.SIGKILL) -> None:
    with _LIVE_LOCK:
        groups = list(_LIVE_GROUPS)
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)


def _on_sigterm(signum: int, frame: Any) -> None:
    _kill_live_groups()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_cleanup() -> None:
    """Kill live command groups at exit, and on SIGTERM when nobody else handles SIGTERM (the
    handler can only be set from the main thread: a call from another thread sets it later)."""
    if not _CLEANUP["atexit"]:
        _CLEANUP["atexit"] = True
        atexit.register(_kill_live_groups)
    if _CLEANUP["sigterm"] or threading.current_thread() is not threading.main_thread():
        return
    _CLEANUP["sigterm"] = True
    with contextlib.suppress(ValueError, OSError):
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)


def _die_with_parent_hook() -> Any:
    """A ``preexec_fn`` asking Linux to SIGKILL the child when this process dies (or ``None``).

    libc is loaded here, in the parent: the child only makes the call between fork and exec.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def hook() -> None:  # pragma: no cover - runs in the child before exec
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    return hook


def _stop_group(proc: subprocess.Popen[str], grace: float = _STOP_GRACE_S) -> None:
    """SIGTERM the process group, SIGKILL it after ``grace`` seconds."""
    pgid = proc.pid
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
        try:
            proc.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError, PermissionError):  # stragglers
        os.killpg(pgid, signal.SIGKILL)


# -- metrics ----------------------------------------------------------------------------------
def _parse_metrics(text: str) -> dict[str, Any] | float | None:
    """A JSON object or a bare number, or ``None``."""
    text = text.strip()
    if not text or text[0] not in "{-+.0123456789NI":
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, dict):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _read_metrics_file(path: Path) -> dict[str, Any] | float | None:
    text = path.read_text(errors="replace")
    if not text.strip():
        return None
    whole = _parse_metrics(text)
    if whole is not None:
        return whole
    for line in reversed(text.splitlines()):
        value = _parse_metrics(line)
        if value is not None:
            return value
    raise RuntimeError(f"metrics file {path} holds no JSON object or number")


def _cuda_visible(device: str | None, environ: Mapping[str, str]) -> str | None:
    if not device or not device.startswith("cuda:"):
        return None
    index = device.split(":", 1)[1]
    visible = [v for v in environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if v.strip()]
    if visible and index.isdigit() and int(index) < len(visible):
        return visible[int(index)]
    return index


class CommandObjective:
    """Run a command per trial and read its metrics.

    Example:
        >>> from hpsearch import load_space
        >>> space = load_space({"parameters": {"x": {"type": "float", "low": 0, "high": 1}},
        ...     "objective": {"type": "command", "command": ["${interpreter}", "-c",
        ...         "import sys; print(sys.argv[1].split('=')[1])", "${args}"]}})
        >>> CommandObjective(space.objective, space)({"x": 0.25})
        0.25
    """

    def __init__(self, spec: Mapping[str, Any], space: Any, *, base_dir: str | None = None) -> None:
        self.spec = dict(spec)
        self.space = space
        self.metric_names = [m.name for m in space.metrics]
        program = spec.get("program")
        if program is not None and not isinstance(program, str):
            raise ConfigError(f"must be a path string, got {program!r}", path="objective.program")
        self.program = program
        command = spec.get("command")
        if command is None:
            if program is None:
                raise ConfigError(
                    "missing: give command (a list) or program", path="objective.command"
                )
            command = list(DEFAULT_COMMAND)
        elif isinstance(command, str):
            try:
                command = shlex.split(command)
            except ValueError as exc:
                raise ConfigError(
                    f"cannot split the command: {exc}", path="objective.command"
                ) from None
        if (
            not isinstance(command, list)
            or not command
            or any(isinstance(c, (list, dict)) or c is None for c in command)
        ):
            raise ConfigError(
                f"must be a non-empty list of strings or one string, got {command!r:.80}",
                path="objective.command",
            )
        command = [str(c) for c in command]
        for i, element in enumerate(command):
            if (
                element.startswith("${")
                and element.endswith("}")
                and not element.startswith("${envvar:")
            ):
                name = element[2:-1]
                if name not in MACROS:
                    raise ConfigError(
                        f"unknown macro {element}{did_you_mean(name, MACROS)}; "
                        f"allowed: {', '.join('${' + m + '}' for m in MACROS)}",
                        path=f"objective.command[{i}]",
                    )
                if name == "program" and program is None:
                    raise ConfigError(
                        "${program} needs a 'program:' key", path=f"objective.command[{i}]"
                    )
        if not any(c[2:-1] in ARG_MACROS for c in command if c.startswith("${")):
            command.append("${args}")
        self.command = command
        interpreter = spec.get("interpreter")
        if interpreter is not None and not isinstance(interpreter, str):
            raise ConfigError(
                f"must be a string, got {interpreter!r}", path="objective.interpreter"
            )
        self.interpreter = interpreter or sys.executable
        env = spec.get("env") or {}
        if not isinstance(env, Mapping):
            raise ConfigError(
                f"must be a mapping of variable names to values, got {env!r:.80}",
                path="objective.env",
            )
        self.env = {str(k): "" if v is None else str(v) for k, v in env.items()}
        self.cwd = self._cwd(spec.get("cwd"), base_dir)
        metrics_file = spec.get("metrics_file")
        if metrics_file is not None and not isinstance(metrics_file, str):
            raise ConfigError(
                f"must be a path string, got {metrics_file!r}", path="objective.metrics_file"
            )
        self.metrics_file = metrics_file
        self.timeout: float | None = None
        if spec.get("timeout") is not None:
            from hpsearch.space._loader import parse_duration

            self.timeout = parse_duration(spec["timeout"], "objective.timeout")

    @staticmethod
    def _cwd(cwd: Any, base_dir: str | None) -> str | None:
        if cwd is None:
            return base_dir
        if not isinstance(cwd, str):
            raise ConfigError(f"must be a path string, got {cwd!r}", path="objective.cwd")
        path = Path(cwd)
        if not path.is_absolute() and base_dir:
            path = Path(base_dir) / path
        if not path.is_dir():
            raise ConfigError(f"folder not found: {path}", path="objective.cwd")
        return str(path)

    def argv(
        self,
        params: Mapping[str, Any],
        *,
        args_json_file: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> list[str]:
        """The command line for ``params``."""
        return expand_command(
            self.command,
            params,
            program=self.program,
            interpreter=self.interpreter,
            args_json_file=args_json_file,
            environ=environ,
        )

    def _metrics_path(self, number: int) -> Path | None:
        if self.metrics_file is None:
            return None
        path = Path(self.metrics_file.replace("{number}", str(number)))
        if not path.is_absolute() and self.cwd:
            path = Path(self.cwd) / path
        return path

    def __call__(self, params: Mapping[str, Any], trial: Any = None) -> dict[str, Any] | float:
        if trial is None:
            from hpsearch.execution import TrialContext, TrialJob

            trial = TrialContext(TrialJob(number=0, params=dict(params)))
        with tempfile.TemporaryDirectory(prefix=f"hpsearch-trial{trial.number}-") as tmp:
            return self._run(dict(params), trial, Path(tmp))

    def _environment(self, trial: Any, params_json: str, metrics_env: Path) -> dict[str, str]:
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            **self.env,
            "HPSEARCH_TRIAL_NUMBER": str(trial.number),
            "HPSEARCH_PARAMS": params_json,
            "HPSEARCH_METRICS_FILE": str(metrics_env),
        }
        if getattr(trial, "out_dir", None):
            env["HPSEARCH_TRIAL_DIR"] = str(trial.out_dir)
        device = getattr(trial, "device", None)
        if device:
            env["HPSEARCH_DEVICE"] = str(device)
            visible = _cuda_visible(str(device), os.environ)
            if visible is not None and "CUDA_VISIBLE_DEVICES" not in self.env:
                env["CUDA_VISIBLE_DEVICES"] = visible
        return env

    def _run(self, params: dict[str, Any], trial: Any, tmp: Path) -> dict[str, Any] | float:
        params_json = json.dumps({k: _plain(v) for k, v in params.items()}, default=str)
        params_file = tmp / "params.json"
        params_file.write_text(params_json)
        metrics_env = tmp / "metrics.json"
        metrics_env.touch()
        env = self._environment(trial, params_json, metrics_env)
        argv = self.argv(params, args_json_file=str(params_file), environ=env)
        user_metrics = self._metrics_path(trial.number)
        before = _stat(user_metrics)
        with contextlib.ExitStack() as stack:
            logs = _open_logs(getattr(trial, "out_dir", None), stack)
            last, returncode, tail, timed_out = self._execute(argv, env, trial, logs)
        if timed_out:
            raise TimeoutError(
                f"command timed out after {self.timeout:g}s{': ' + tail if tail else ''}"
            )
        if returncode != 0:
            how = (
                f"was killed by signal {signal.Signals(-returncode).name}"
                if returncode < 0
                else f"exited with code {returncode}"
            )
            raise RuntimeError(f"command {how}{': ' + tail if tail else ' (no stderr output)'}")
        result = _read_metrics_file(metrics_env)
        written = _stat(user_metrics) not in (None, before)
        if result is None and user_metrics is not None and written:
            result = _read_metrics_file(user_metrics)
        if result is None:
            result = last
        if result is None:
            raise RuntimeError(
                "command printed no JSON metrics on stdout and wrote no metrics "
                'file (print a line like {"' + self.metric_names[0] + '": 0.5})'
            )
        if isinstance(result, dict) and "step" in result and "step" not in self.metric_names:
            result = {k: v for k, v in result.items() if k != "step"}
        return result

    def _execute(
        self, argv: list[str], env: dict[str, str], trial: Any, logs: tuple[Any, Any]
    ) -> tuple[dict[str, Any] | float | None, int, str, bool]:
        """Run ``argv``, streaming stdout; return (last JSON, exit code, stderr tail, timed out).

        Raises ``TrialPruned`` when the driver's pruner stops the trial.
        """
        from optuna import TrialPruned

        _install_cleanup()
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=self.cwd,
                env=env,
                text=True,
                errors="replace",
                bufsize=1,
                start_new_session=True,
                preexec_fn=_die_with_parent_hook(),
            )
        except OSError as exc:
            raise RuntimeError(f"cannot run {argv[0]!r}: {exc}") from None
        with _LIVE_LOCK:
            _LIVE_GROUPS.add(proc.pid)
        guard = guard_group(proc.pid)  # the group dies with this process, however it ends
        stderr_tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
        threads = [
            threading.Thread(target=_drain, args=(proc.stderr, stderr_tail, logs[1]), daemon=True),
            threading.Thread(target=_reap, args=(proc,), daemon=True),
        ]
        for thread in threads:
            thread.start()
        timed_out = threading.Event()
        timer = None
        if self.timeout is not None:
            timer = threading.Timer(self.timeout, lambda: (timed_out.set(), _stop_group(proc)))
            timer.daemon = True
            timer.start()
        last: dict[str, Any] | float | None = None
        primary = self.metric_names[0]
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if logs[0] is not None:
                    logs[0].write(line)
                value = _parse_metrics(line)
                if value is None:
                    continue
                last = value
                if isinstance(value, dict) and "step" in value and primary in value:
                    step, score = value["step"], value[primary]
                    if not _is_number(step) or not _is_number(score):
                        continue
                    trial.report(float(score), int(step))
                    if trial.should_prune():
                        _stop_group(proc)
                        raise TrialPruned(f"pruned at step {int(step)}")
            returncode = proc.wait()
        finally:
            if timer is not None:
                timer.cancel()
            if proc.poll() is None:
                _stop_group(proc, grace=0.5)
            guard.release()
            threads[0].join(timeout=5)
            with _LIVE_LOCK:
                _LIVE_GROUPS.discard(proc.pid)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
        tail = " | ".join(line for line in stderr_tail if line.strip())[-600:]
        return last, returncode, tail, timed_out.is_set()


def _open_logs(out_dir: str | None, stack: contextlib.ExitStack) -> tuple[Any, Any]:
    """``stdout.log`` and ``stderr.log`` in the trial's folder, or ``(None, None)``."""
    if not out_dir:
        return None, None
    try:
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        return (
            stack.enter_context(open(folder / "stdout.log", "w", errors="replace")),
            stack.enter_context(open(folder / "stderr.log", "w", errors="replace")),
        )
    except OSError:
        return None, None


def _drain(stream: Any, tail: collections.deque[str], log: Any) -> None:
    try:
        for line in stream:
            tail.append(line.rstrip("\n"))
            if log is not None:
                log.write(line)
    except (OSError, ValueError):
        pass


def _reap(proc: subprocess.Popen[str]) -> None:
    """Wait for the program, then kill what it left running in its group (which would otherwise
    hold stdout open and keep the trial waiting)."""
    proc.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _stat(path: Path | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
