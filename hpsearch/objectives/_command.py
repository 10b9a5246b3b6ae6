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
group), killed when the trial ends early and when this process ends, SIGKILL included (see
:mod:`hpsearch.objectives._command_process`).
Output is saved to ``stdout.log`` and ``stderr.log`` in the trial's folder when the sweep gives
one. Nested parameter groups are passed with dotted names (``--optimizer.lr=0.01``), not
as W&B's nested dicts. The program gets ``HPSEARCH_CHECKPOINT_DIR`` (a folder kept across retries of
the same params) to save and resume its state.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hpsearch.config import Option, Schema, SweepConfig, parse_duration
from hpsearch.errors import ConfigError, did_you_mean
from hpsearch.objectives._base import Objective
from hpsearch.objectives._command_args import (
    ARG_MACROS,
    DEFAULT_COMMAND,
    MACROS,
    expand_command,
    format_args,
    plain,
)
from hpsearch.objectives._command_process import (
    cuda_visible,
    open_logs,
    read_metrics_file,
    run_program,
    stat,
)
from hpsearch.trial import Trial

__all__ = ["MACROS", "CommandObjective", "expand_command", "format_args"]


class CommandObjective(Objective):
    """Run a command per trial and read its metrics.

    Example:
        >>> from hpsearch import load_space
        >>> space = load_space({"parameters": {"x": {"type": "float", "low": 0, "high": 1}},
        ...     "objective": {"type": "command", "command": ["${interpreter}", "-c",
        ...         "import sys; print(sys.argv[1].split('=')[1])", "${args}"]}})
        >>> CommandObjective(space.objective, space)({"x": 0.25})
        0.25
    """

    name = "command"
    schema = Schema(
        {
            "command": Option("any", help="a list of arguments, or one string"),
            "program": Option("str", help="the program (W&B's program:)"),
            "interpreter": Option("str", help="replaces ${interpreter}"),
            "cwd": Option("str", help="working folder (relative to the space file)"),
            "env": Option("mapping", help="extra environment variables"),
            "metrics_file": Option("str", help="a file the program writes its metrics to"),
            "timeout": Option("duration", help="kill the program after this long"),
        }
    )

    @classmethod
    def check(cls, config: SweepConfig) -> None:
        super().check(config)
        block: Mapping[str, Any] = config.objective or {}
        if "command" not in block and "program" not in block:
            raise ConfigError("missing: give command (a list) or program", path="objective.command")

    def __init__(
        self, spec: Mapping[str, Any], config: SweepConfig, *, base_dir: str | None = None
    ) -> None:
        # better whole: each option of the block read and checked in the order the docs list them
        super().__init__(spec, config, base_dir=base_dir)
        self.metric_names = config.metric_names
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

    def __call__(
        self, params: Mapping[str, Any], trial: Trial | None = None
    ) -> dict[str, Any] | float:
        trial = trial or Trial(params=params)
        with tempfile.TemporaryDirectory(prefix=f"hpsearch-trial{trial.number}-") as tmp:
            return self._run(dict(params), trial, Path(tmp))

    def _environment(self, trial: Trial, params_json: str, metrics_env: Path) -> dict[str, str]:
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            **self.env,
            "HPSEARCH_TRIAL_NUMBER": str(trial.number),
            "HPSEARCH_PARAMS": params_json,
            "HPSEARCH_METRICS_FILE": str(metrics_env),
        }
        if trial.directory is not None:
            env["HPSEARCH_TRIAL_DIR"] = str(trial.directory)
        if trial.checkpoint_dir is not None:
            env["HPSEARCH_CHECKPOINT_DIR"] = str(trial.checkpoint_dir)
        device = getattr(trial, "device", None)
        if device:
            env["HPSEARCH_DEVICE"] = str(device)
            visible = cuda_visible(str(device), os.environ)
            if visible is not None and "CUDA_VISIBLE_DEVICES" not in self.env:
                env["CUDA_VISIBLE_DEVICES"] = visible
        return env

    def _run(self, params: dict[str, Any], trial: Trial, tmp: Path) -> dict[str, Any] | float:
        params_json = json.dumps({k: plain(v) for k, v in params.items()}, default=str)
        params_file = tmp / "params.json"
        params_file.write_text(params_json)
        metrics_env = tmp / "metrics.json"
        metrics_env.touch()
        env = self._environment(trial, params_json, metrics_env)
        argv = self.argv(params, args_json_file=str(params_file), environ=env)
        user_metrics = self._metrics_path(trial.number)
        before = stat(user_metrics)
        with contextlib.ExitStack() as stack:
            logs = open_logs(trial.directory, stack)
            done = run_program(
                argv,
                env=env,
                cwd=self.cwd,
                trial=trial,
                primary=self.metric_names[0],
                timeout=self.timeout,
                logs=logs,
            )
        last, returncode, tail = done.last, done.returncode, done.tail
        if done.timed_out:
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
        result = read_metrics_file(metrics_env)
        written = stat(user_metrics) not in (None, before)
        if result is None and user_metrics is not None and written:
            result = read_metrics_file(user_metrics)
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
