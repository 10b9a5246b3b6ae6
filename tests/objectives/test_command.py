"""The command objective: W&B macros as W&B expands them, metrics from stdout or a file, streamed
intermediate values with pruning, failures, timeouts, and process-group cleanup."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from hpsearch import load_space
from hpsearch.errors import ConfigError
from hpsearch.execution import TrialJob, run_trial
from hpsearch.objectives import build_objective
from hpsearch.objectives._command import CommandObjective
from hpsearch.trial import Trial, TrialPruned
from tests.conftest import require_corpus

from .objective_helpers import RecordingChannel

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import json, os, subprocess, sys, time
    record = {"argv0": sys.argv[0], "argv": sys.argv[1:], "cwd": os.getcwd(),
              "env": {k: os.environ.get(k) for k in ("HPSEARCH_TRIAL_NUMBER", "HPSEARCH_PARAMS",
                                                     "MY_FLAG", "PYTHONUNBUFFERED")}}
    for arg in sys.argv[1:]:
        if arg.endswith("params.json") and os.path.exists(arg):
            with open(arg) as f:
                record["json_file"] = json.load(f)
    if os.environ.get("RECORD"):
        with open(os.environ["RECORD"], "w") as f:
            json.dump(record, f)
    mode = os.environ.get("MODE", "print")
    if mode == "print":
        print("epoch 1 done")
        print(json.dumps({"loss": 0.25, "acc": 0.9}))
        print("bye")
    elif mode == "number":
        print("training...")
        print("0.125")
    elif mode == "metrics_env":
        with open(os.environ["HPSEARCH_METRICS_FILE"], "w") as f:
            json.dump({"loss": 0.5, "from_file": 1}, f)
        print(json.dumps({"loss": 9.0}))
    elif mode == "metrics_path":
        os.makedirs("out", exist_ok=True)
        with open("out/metrics.json", "w") as f:
            json.dump({"loss": 0.75}, f)
    elif mode == "stream":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        with open(os.environ["PIDS"], "w") as f:
            f.write(f"{os.getpid()} {child.pid}")
        for step in range(int(os.environ.get("STEPS", "100"))):
            print(json.dumps({"step": step, "loss": 1.0 / (step + 1)}), flush=True)
            time.sleep(0.05)
        child.kill()
        with open(os.environ["DONE"], "w") as f:
            f.write("done")
    elif mode == "fail":
        print("loading data", file=sys.stderr)
        print("ValueError: bad lr 0.5", file=sys.stderr)
        sys.exit(3)
    elif mode == "hang":
        if os.environ.get("PIDS"):
            with open(os.environ["PIDS"], "w") as f:
                f.write(str(os.getpid()))
        time.sleep(60)
    elif mode == "daemon":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(20)"])
        with open(os.environ["PIDS"], "w") as f:
            f.write(f"{os.getpid()} {child.pid}")
        print(json.dumps({"loss": 0.5}))
        print("to stderr", file=sys.stderr)
    elif mode == "silent":
        print("no metrics here")
""")

PARAMS = {"lr": 0.01, "layers": [32, 32], "opt": "adam", "amp": False, "fast": True, "wd": 1e-05}


@pytest.fixture
def script(tmp_path) -> Path:
    path = tmp_path / "train.py"
    path.write_text(SCRIPT)
    return path


def make(tmp_path, *, metric="loss", params=None, base_dir=None, **block) -> CommandObjective:
    parameters = params or {"x": {"type": "float", "low": 0, "high": 1}}
    block.setdefault("env", {})
    block["env"] = {"RECORD": str(tmp_path / "record.json"), **block["env"]}
    space = load_space(
        {
            "parameters": parameters,
            "metric": {"name": metric, "goal": "minimize"},
            "objective": {"type": "command", **block},
        }
    )
    return CommandObjective(space.objective, space, base_dir=base_dir)


def record(tmp_path) -> dict:
    return json.loads((tmp_path / "record.json").read_text())


MACRO_SPACE = {
    "lr": {"type": "float", "low": 1e-4, "high": 1, "log": True},
    "layers": {"type": "categorical", "choices": [[32, 32], [64]]},
    "opt": {"type": "categorical", "choices": ["adam", "sgd"]},
    "amp": {"type": "categorical", "choices": [True, False]},
    "fast": {"type": "categorical", "choices": [True, False]},
    "wd": {"type": "float", "low": 1e-6, "high": 1e-2, "log": True},
}


@pytest.mark.parametrize(
    ("macro", "expected"),
    [
        (
            "${args}",
            [
                "--lr=0.01",
                "--layers=[32, 32]",
                "--opt=adam",
                "--amp=False",
                "--fast=True",
                "--wd=1e-05",
            ],
        ),
        (
            "${args_no_hyphens}",
            ["lr=0.01", "layers=[32, 32]", "opt=adam", "amp=False", "fast=True", "wd=1e-05"],
        ),
        (
            "${args_no_boolean_flags}",
            ["--lr=0.01", "--layers=[32, 32]", "--opt=adam", "--fast", "--wd=1e-05"],
        ),
        (
            "${args_no_equals}",
            [
                "--lr",
                "0.01",
                "--layers",
                "[32, 32]",
                "--opt",
                "adam",
                "--amp",
                "False",
                "--fast",
                "True",
                "--wd",
                "1e-05",
            ],
        ),
        (
            "${args_json}",
            [
                '{"lr": 0.01, "layers": [32, 32], "opt": "adam", "amp": false, '
                '"fast": true, "wd": 1e-05}'
            ],
        ),
    ],
)
def test_each_args_macro_expands_as_wandb_does(tmp_path, script, macro, expected):
    objective = make(tmp_path, params=MACRO_SPACE, command=["${interpreter}", str(script), macro])
    assert objective(PARAMS) == {"loss": 0.25, "acc": 0.9}
    assert record(tmp_path)["argv"] == expected


def test_args_json_file_holds_the_params(tmp_path, script):
    objective = make(
        tmp_path,
        params=MACRO_SPACE,
        command=["${interpreter}", str(script), "--config", "${args_json_file}"],
    )
    objective(PARAMS)
    got = record(tmp_path)
    assert got["argv"][0] == "--config" and got["argv"][1].endswith("params.json")
    assert got["json_file"] == PARAMS
    assert not Path(got["argv"][1]).exists()  # a per-trial temp file, removed afterwards


def test_program_alone_runs_the_wandb_default_command(tmp_path, script):
    objective = make(tmp_path, program=str(script))
    assert objective.argv({"x": 0.5}) == ["/usr/bin/env", sys.executable, str(script), "--x=0.5"]
    assert objective({"x": 0.5})["loss"] == 0.25
    got = record(tmp_path)
    assert got["argv0"] == str(script) and got["argv"] == ["--x=0.5"]


def test_interpreter_env_and_program_macros_and_a_string_command(tmp_path, script):
    objective = make(
        tmp_path,
        program=str(script),
        interpreter="python3",
        command="${env} ${interpreter} ${program} --fixed 'a b' ${args_no_hyphens}",
    )
    assert objective.argv({"x": 0.5}) == [
        "/usr/bin/env",
        "python3",
        str(script),
        "--fixed",
        "a b",
        "x=0.5",
    ]
    objective({"x": 0.5})
    assert record(tmp_path)["argv"] == ["--fixed", "a b", "x=0.5"]


def test_a_command_without_args_macro_gets_the_args_appended(tmp_path, script):
    objective = make(tmp_path, command=[sys.executable, str(script), "--epochs", 3])
    objective({"x": 0.5})
    assert record(tmp_path)["argv"] == ["--epochs", "3", "--x=0.5"]


def test_envvar_macro_reads_the_environment(tmp_path, script, monkeypatch):
    monkeypatch.setenv("HPSEARCH_TEST_DATA", "/data/set")
    objective = make(
        tmp_path,
        command=[sys.executable, str(script), "--data=${envvar:HPSEARCH_TEST_DATA}", "${args}"],
    )
    objective({"x": 0.5})
    assert record(tmp_path)["argv"] == ["--data=/data/set", "--x=0.5"]


def test_environment_and_working_folder(tmp_path, script):
    (tmp_path / "work").mkdir()
    objective = make(
        tmp_path,
        command=[sys.executable, str(script)],
        cwd="work",
        env={"MY_FLAG": 7},
        base_dir=str(tmp_path),
    )
    objective({"x": 0.5}, Trial(5, {"x": 0.5}))
    got = record(tmp_path)
    assert Path(got["cwd"]) == tmp_path / "work"
    assert got["env"]["HPSEARCH_TRIAL_NUMBER"] == "5"
    assert json.loads(got["env"]["HPSEARCH_PARAMS"]) == {"x": 0.5}
    assert got["env"]["MY_FLAG"] == "7" and got["env"]["PYTHONUNBUFFERED"] == "1"


def test_a_bare_number_on_stdout_is_the_metric(tmp_path, script):
    objective = make(tmp_path, command=[sys.executable, str(script)], env={"MODE": "number"})
    assert objective({"x": 0.5}) == 0.125
    outcome = run_trial(objective, TrialJob(0, {"x": 0.5}), metric_names=["loss"])
    assert outcome.state == "COMPLETE" and outcome.metrics == {"loss": 0.125}


def test_the_metrics_file_from_the_environment_wins_over_stdout(tmp_path, script):
    objective = make(tmp_path, command=[sys.executable, str(script)], env={"MODE": "metrics_env"})
    assert objective({"x": 0.5}) == {"loss": 0.5, "from_file": 1}


def test_a_metrics_file_path_in_the_block(tmp_path, script):
    objective = make(
        tmp_path,
        command=[sys.executable, str(script)],
        cwd=str(tmp_path),
        metrics_file="out/metrics.json",
        env={"MODE": "metrics_path"},
    )
    assert objective({"x": 0.5}) == {"loss": 0.75}
    # a stale file from an earlier trial is not read again
    silent = make(
        tmp_path,
        command=[sys.executable, str(script)],
        cwd=str(tmp_path),
        metrics_file="out/metrics.json",
        env={"MODE": "silent"},
    )
    with pytest.raises(RuntimeError, match="printed no JSON metrics"):
        silent({"x": 0.5})


def test_streamed_steps_are_reported_and_the_last_one_is_the_result(tmp_path, script):
    objective = make(
        tmp_path,
        command=[sys.executable, str(script)],
        env={
            "MODE": "stream",
            "STEPS": 3,
            "PIDS": str(tmp_path / "pids"),
            "DONE": str(tmp_path / "done"),
        },
    )
    channel = RecordingChannel()
    result = objective({"x": 0.5}, Trial(0, {"x": 0.5}, channel=channel))
    assert result == {"loss": pytest.approx(1 / 3)}
    assert channel.reports == [(0, 1.0), (1, 0.5), (2, pytest.approx(1 / 3))]


def _gone(pid: int) -> bool:
    """True when ``pid`` has exited (absent, or a zombie nobody reaped yet)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "State:\tZ" in status


def _wait_until(predicate, limit: float = 10.0) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_pruning_a_streaming_command_kills_its_whole_process_group(tmp_path, script):
    pids, done = tmp_path / "pids", tmp_path / "done"
    objective = make(
        tmp_path,
        command=[sys.executable, str(script)],
        env={"MODE": "stream", "PIDS": str(pids), "DONE": str(done)},
    )
    channel = RecordingChannel(prune_at=3)
    with pytest.raises(TrialPruned, match="pruned at step 3"):
        objective({"x": 0.5}, Trial(0, {"x": 0.5}, channel=channel))
    assert [step for step, _ in channel.reports] == [0, 1, 2, 3]
    child, grandchild = map(int, pids.read_text().split())
    assert _wait_until(lambda: _gone(child) and _gone(grandchild))
    assert not done.exists()


def test_what_the_program_leaves_running_is_killed_and_output_is_logged(tmp_path, script):
    pids = tmp_path / "pids"
    objective = make(
        tmp_path, command=[sys.executable, str(script)], env={"MODE": "daemon", "PIDS": str(pids)}
    )
    trial_dir = tmp_path / "trials" / "4"
    result = objective({"x": 0.5}, Trial(4, {"x": 0.5}, directory=str(trial_dir)))
    assert result == {"loss": 0.5}
    _, grandchild = map(int, pids.read_text().split())
    assert _wait_until(lambda: _gone(grandchild))
    assert (trial_dir / "stdout.log").read_text() == '{"loss": 0.5}\n'
    assert (trial_dir / "stderr.log").read_text() == "to stderr\n"


def test_a_non_zero_exit_raises_with_the_stderr_tail(tmp_path, script):
    objective = make(tmp_path, command=[sys.executable, str(script)], env={"MODE": "fail"})
    with pytest.raises(
        RuntimeError,
        match=r"command exited with code 3: loading data \| "
        r"ValueError: bad lr 0.5",
    ):
        objective({"x": 0.5})
    outcome = run_trial(objective, TrialJob(0, {"x": 0.5}), metric_names=["loss"])
    assert outcome.state == "FAILED"
    assert "exited with code 3" in outcome.error and "bad lr 0.5" in outcome.error


def test_no_metrics_fails_the_trial(tmp_path, script):
    objective = make(tmp_path, command=[sys.executable, str(script)], env={"MODE": "silent"})
    outcome = run_trial(objective, TrialJob(0, {"x": 0.5}), metric_names=["loss"])
    assert outcome.state == "FAILED" and "printed no JSON metrics" in outcome.error


def test_a_command_past_its_timeout_is_killed(tmp_path, script):
    pids = tmp_path / "pids"
    objective = make(
        tmp_path,
        command=[sys.executable, str(script)],
        timeout=1,
        env={"MODE": "hang", "PIDS": str(pids)},
    )
    with pytest.raises(TimeoutError, match="command timed out after 1s"):
        objective({"x": 0.5})
    assert _gone(int(pids.read_text()))


def test_a_missing_program_fails_the_trial(tmp_path):
    objective = make(tmp_path, command=[str(tmp_path / "no-such-program")])
    with pytest.raises(RuntimeError, match=r"cannot run .*no-such-program"):
        objective({"x": 0.5})


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_the_command_dies_with_its_worker(tmp_path, script, sig):
    """SIGKILL of the worker: the command dies (Linux parent-death signal) and its guard kills
    the rest of its process group; SIGTERM: the worker's handler kills the whole group."""
    pids = tmp_path / "pids"
    worker = tmp_path / "worker.py"
    worker.write_text(
        textwrap.dedent(f"""
        from hpsearch import load_space
        from hpsearch.objectives._command import CommandObjective
        space = load_space({{"parameters": {{"x": {{"type": "float", "low": 0, "high": 1}}}},
            "objective": {{"type": "command", "command": [{sys.executable!r}, {str(script)!r}],
                          "env": {{"MODE": "stream", "STEPS": "100000", "PIDS": {str(pids)!r},
                                  "DONE": {str(tmp_path / "done")!r}}}}}}})
        CommandObjective(space.objective, space)({{"x": 0.5}})
    """)
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(worker)], env=env, stdout=subprocess.DEVNULL)
    try:
        assert _wait_until(lambda: pids.exists() and len(pids.read_text().split()) == 2, 30)
        child, grandchild = map(int, pids.read_text().split())
        assert not _gone(child) and not _gone(grandchild)
        proc.send_signal(sig)
        proc.wait(10)
        assert _wait_until(lambda: _gone(child))
        assert _wait_until(lambda: _gone(grandchild))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if pids.exists():
            for pid in map(int, pids.read_text().split()):
                if not _gone(pid):
                    os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize(
    ("block", "match"),
    [
        (
            {"command": ["python", "${arg}"]},
            r"objective.command\[1\]: unknown macro \$\{arg\} "
            r"\(did you mean 'args'\?\)",
        ),
        (
            {"command": ["${program}", "${args}"]},
            r"objective.command\[0\]: \$\{program\} needs "
            r"a 'program:' key",
        ),
        ({"command": [["a"]]}, r"objective.command: must be a non-empty list of strings"),
        ({"command": "python 'unclosed"}, r"objective.command: cannot split the command"),
        ({"program": "x.py", "cwd": "no/such/dir"}, r"objective.cwd: folder not found"),
        ({"program": "x.py", "env": ["A=1"]}, r"objective.env: must be a mapping"),
        ({"program": "x.py", "timeout": "soon"}, r"objective.timeout: must be a duration"),
    ],
)
def test_bad_command_blocks_are_config_errors(tmp_path, block, match):
    with pytest.raises(ConfigError, match=match):  # at load time, or when the objective is built
        space = load_space(
            {
                "parameters": {"x": {"type": "float", "low": 0, "high": 1}},
                "objective": {"type": "command", **block},
            }
        )
        build_objective(space.objective, space, base_dir=str(tmp_path))


def test_a_corpus_wandb_sweep_runs_through_the_command_objective(tmp_path, script):
    path = require_corpus() / "desy-ml__rl-vs-bo__sweep.yaml"
    sweep = yaml.safe_load(path.read_text())
    point = {name: spec["values"][0] for name, spec in sweep["parameters"].items()}
    space = load_space(
        {
            "parameters": {
                name: {"type": "categorical", "choices": spec["values"]}
                for name, spec in sweep["parameters"].items()
            },
            "metric": sweep["metric"],
            "objective": {
                "type": "command",
                "command": sweep["command"],
                "program": str(script),
                "env": {"RECORD": str(tmp_path / "record.json")},
            },
        }
    )
    objective = CommandObjective(space.objective, space)
    assert objective.argv(point)[:3] == ["/usr/bin/env", "python3", str(script)]
    script.write_text(SCRIPT.replace('{"loss": 0.25, "acc": 0.9}', '{"rollout/ep_rew_mean": -1.5}'))
    outcome = run_trial(objective, TrialJob(0, point), metric_names=["rollout/ep_rew_mean"])
    assert outcome.state == "COMPLETE", outcome.error
    assert outcome.metrics == {"rollout/ep_rew_mean": -1.5}
    assert record(tmp_path)["argv"] == [
        "--learning_rate=0.01",
        "--learning_starts=50",
        "--batch_size=50",
        "--tau=0.05",
        "--gamma=0.8",
        "--policy_delay=1",
        "--target_policy_noise=0.05",
        "--target_noise_clip=0.1",
        "--action_noise_scale=0.1",
        "--net_arch=[32, 32]",
    ]
