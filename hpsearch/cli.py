"""The ``hpsearch`` command line: thin; each command maps to one public Python function.

Exit codes: 0 success, 1 when every trial failed, 2 for bad input or a damaged study (one line,
no traceback), 3 when another driver is running the sweep, 130 when interrupted (the sweep
stays resumable).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import yaml

from hpsearch import api, cluster
from hpsearch._version import __version__
from hpsearch.ensemble import retrain_ensemble
from hpsearch.errors import (
    ConfigError,
    EngineStartError,
    ObjectiveError,
    StudyDamagedError,
    SweepLockedError,
)
from hpsearch.report import write_report
from hpsearch.storage import SweepDirectory, SweepResult, best_as, open_sweep, summary_frame
from hpsearch.sweep import describe_config, print_summary, retrain

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (exit 2), like every other refusal."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hpsearch", description="Hyperparameter search from one space file.")
    parser.add_argument("--version", action="version", version=f"hpsearch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a space file and summarize it")
    p.add_argument("file")

    p = sub.add_parser("convert", help="print the native equivalent of a (W&B) space file")
    p.add_argument("file")
    p.add_argument("--format", choices=("yaml", "json"), default="yaml")

    for name, help_text, target in (
        ("run", "run a sweep (continues it when its directory already holds one)", "file"),
        ("resume", "continue the sweep stored in a directory", "dir"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument(target)
        p.add_argument("--trials", type=int, help="trial budget (overrides the file)")
        p.add_argument("--timeout", help="time budget, e.g. 90, 30m, 2h")
        p.add_argument("--strategy", help="grid, random, sobol, tpe, gp, skopt, nsga2 or bayes")
        p.add_argument("--seed", type=int)
        p.add_argument("--workers", type=int, help="trials at once (processes or Ray actors)")
        if name == "run":
            p.add_argument("--out", help="sweep directory (default runs/<name>)")
        p.add_argument("--executor", choices=("local", "ray", "tune"))
        p.add_argument(
            "--address", help="Ray cluster address (default: RAY_ADDRESS or a local Ray instance)"
        )
        p.add_argument("--storage", help="Optuna storage URL instead of the journal file")
        p.add_argument("--quiet", action="store_true", help="no progress output")
        p.add_argument("--no-report", action="store_true", help="skip report.html")

    p = sub.add_parser("best", help="print the best config of a sweep")
    p.add_argument("dir")
    p.add_argument("--format", choices=("yaml", "json"), default="yaml")

    p = sub.add_parser("trials", help="print a sweep's trial table")
    p.add_argument("dir")
    p.add_argument("--top", type=int, help="only the K best complete trials")

    p = sub.add_parser("report", help="write an HTML report of one or several sweeps")
    p.add_argument("dirs", nargs="+")
    p.add_argument(
        "-o",
        "--output",
        default=None,
        help="output file (default: DIR/report.html for one sweep, report.html for several)",
    )
    p.add_argument("--images", action="store_true", help="also write static images (kaleido)")

    _add_model_commands(sub)
    _cluster_parsers(sub)
    return parser


def _add_model_commands(sub: Any) -> None:
    """``repair``, ``retrain`` and ``ensemble``: what is made from a finished sweep."""
    p = sub.add_parser(
        "repair", help="rewrite a damaged study journal, keeping every readable trial"
    )
    p.add_argument("dir")

    p = sub.add_parser(
        "retrain",
        help="train the final model of a torch sweep with its best config (--ensemble: the "
        "members of its ensemble, torch or scikit-learn)",
    )
    p.add_argument("dir")
    p.add_argument("--out", help="where to save the model (default DIR/final)")
    p.add_argument(
        "--ensemble",
        action="store_true",
        help="train the members of DIR/ensemble.yaml instead (default --out DIR/final_ensemble)",
    )

    p = sub.add_parser(
        "ensemble", help="build an ensemble from a sweep's stored out-of-fold predictions"
    )
    p.add_argument("dir")
    p.add_argument(
        "--size",
        type=int,
        help="greedy rounds (default 25), or how many best trials average (5) or stack (10) use",
    )
    p.add_argument("--method", choices=("greedy", "average", "stack"), default="greedy")
    p.add_argument("--seed", type=int, default=0, help="seed of the nested estimate's splits")


# -- sweeps on a Ray cluster (hpsearch.cluster) -------------------------------------------------
_ADDRESS_HELP = (
    "the Ray dashboard's HTTP address, e.g. http://HEAD:8265 (not the GCS port 6379; "
    "default: RAY_API_SERVER_ADDRESS)"
)


def _cluster_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "submit", help="start a sweep on a Ray cluster as a job; prints the job id and returns"
    )
    p.add_argument("file")
    p.add_argument("--address", help=_ADDRESS_HELP)
    p.add_argument(
        "--storage",
        help="where the cluster keeps the sweep: a directory on the head node (default "
        "~/hpsearch-sweeps; the sweep is DIR/NAME) or an Optuna database URL",
    )
    p.add_argument("--name", help="the sweep's name (default: the file's); resubmitting continues")
    p.add_argument(
        "--working-dir", help="directory shipped to the cluster (default: the file's directory)"
    )
    p.add_argument("--trials", type=int, help="trial budget (overrides the file)")
    p.add_argument("--timeout", help="time budget, e.g. 90, 30m, 2h")
    p.add_argument("--strategy", help="grid, random, sobol, tpe, gp, skopt, nsga2 or bayes")
    p.add_argument("--seed", type=int)
    p.add_argument("--workers", type=int, help="trials at once (default: all the cluster fits)")
    p = sub.add_parser("status", help="state and progress of submitted sweeps")
    p.add_argument("job", nargs="?", help="one job id (default: every submitted sweep)")
    p.add_argument("--address", help=_ADDRESS_HELP)
    p = sub.add_parser("logs", help="a submitted sweep's log")
    p.add_argument("job")
    p.add_argument("--address", help=_ADDRESS_HELP)
    p.add_argument("--follow", "-f", action="store_true", help="keep printing until it ends")
    p = sub.add_parser("stop", help="stop a submitted sweep (it stays resumable)")
    p.add_argument("job")
    p.add_argument("--address", help=_ADDRESS_HELP)
    p = sub.add_parser(
        "fetch", help="copy a submitted sweep's study, trials.csv, best.yaml and report here"
    )
    p.add_argument("job")
    p.add_argument("dir")
    p.add_argument("--address", help=_ADDRESS_HELP)
    p.add_argument("--no-report", action="store_true", help="skip writing report.html")


def _submit(args: argparse.Namespace) -> int:
    job = cluster.submit(
        args.file,
        address=args.address,
        storage=args.storage,
        name=args.name,
        working_dir=args.working_dir,
        trials=args.trials,
        timeout=args.timeout,
        strategy=args.strategy,
        seed=args.seed,
        workers=args.workers,
    )
    print(job)
    return 0


def _status(args: argparse.Namespace) -> int:
    found = cluster.status(args.job, address=args.address)
    for entry in found:
        print(entry.describe())
        if args.job and entry.message:
            print(f"  {entry.message}")
    if not found:
        print("no sweeps submitted to this cluster")
    return 0


def _logs(args: argparse.Namespace) -> int:
    cluster.logs(args.job, address=args.address, follow=args.follow)
    return 0


def _stop(args: argparse.Namespace) -> int:
    print(cluster.stop(args.job, address=args.address).describe())
    return 0


def _fetch(args: argparse.Namespace) -> int:
    files = cluster.fetch(args.job, args.dir, address=args.address, report=not args.no_report)
    print(f"fetched {len(files)} files into {args.dir}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hpsearch`` console script."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # a usage error (one line, exit 2), --help or --version
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return int(_COMMANDS[args.command](args) or 0)
    except (ConfigError, ObjectiveError, StudyDamagedError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SweepLockedError as exc:
        print(f"busy: {exc}", file=sys.stderr)
        return 3
    except EngineStartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "\ninterrupted: the sweep is saved; continue it with `hpsearch resume DIR`",
            file=sys.stderr,
        )
        return 130
    except BrokenPipeError:
        return 0


def _validate(args: argparse.Namespace) -> int:
    print(describe_config(api.load_space(args.file)))
    return 0


def _convert(args: argparse.Namespace) -> int:
    config = api.load_space(args.file)
    if args.format == "json":
        print(json.dumps(config.to_dict(), indent=2))
    else:
        print(yaml.safe_dump(config.to_dict(), sort_keys=False, allow_unicode=True), end="")
    return 0


def _sweep_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "trials": args.trials,
        "timeout": args.timeout,
        "strategy": args.strategy,
        "seed": args.seed,
        "workers": args.workers,
        "executor": args.executor,
        "address": args.address,
        "storage": args.storage,
        "progress": "quiet" if args.quiet else None,
        "report": not args.no_report,
    }


def _run(args: argparse.Namespace) -> int:
    result = api.run(args.file, out=args.out, **_sweep_kwargs(args))
    return _finish(result, quiet=args.quiet)


def _resume(args: argparse.Namespace) -> int:
    result = api.resume(args.dir, **_sweep_kwargs(args))
    return _finish(result, quiet=args.quiet)


def _finish(result: SweepResult, *, quiet: bool) -> int:
    if not quiet:
        print_summary(result)
    if (
        len(result.trials)
        and result.n_complete == 0
        and not (result.trials["state"] == "PRUNED").any()
    ):
        sweep = SweepDirectory(result.directory or ".")
        print(
            f"error: every trial failed; see {sweep.trials_file} and {sweep.logs_dir}",
            file=sys.stderr,
        )
        return 1
    return 0


def _best(args: argparse.Namespace) -> int:
    print(best_as(args.dir, args.format), end="")
    return 0


def _trials(args: argparse.Namespace) -> int:
    import pandas as pd

    sweep = SweepDirectory(args.dir)
    if args.top is not None and args.top < 1:
        raise ConfigError(f"--top must be a positive number of trials, got {args.top}")
    if not sweep.trials_file.exists():
        raise ConfigError(f"no trials.csv in {args.dir}", file=str(sweep.trials_file))
    table = pd.read_csv(sweep.trials_file)
    if args.top is not None:
        table = summary_frame(table, sweep.read_config().metrics, top=args.top)
    with pd.option_context(
        "display.max_rows", None, "display.max_columns", None, "display.width", 200
    ):
        print(table.to_string(index=False))
    return 0


def _report(args: argparse.Namespace) -> int:
    results = [open_sweep(d) for d in args.dirs]
    if args.output:
        output = Path(args.output)
    elif len(args.dirs) == 1:
        output = SweepDirectory(args.dirs[0]).report_file
    else:
        output = Path("report.html")
    if args.images and importlib.util.find_spec("kaleido") is None:
        raise ConfigError("--images needs kaleido to draw static images: pip install kaleido")
    if output.is_dir():
        raise ConfigError(f"-o {output} is a directory; give the report file, e.g. {output}/x.html")
    try:
        path = write_report(results, output, images=args.images)
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror or exc}") from None
    print(f"wrote {path}")
    return 0


def _repair(args: argparse.Namespace) -> int:
    print(api.repair(args.dir).summary())
    return 0


def _retrain(args: argparse.Namespace) -> int:
    if args.ensemble:
        print(f"saved {retrain_ensemble(args.dir, out=args.out)}")
        return 0
    path = retrain(args.dir, out=args.out)
    print(f"saved {path}")
    return 0


def _ensemble(args: argparse.Namespace) -> int:
    result = api.build_ensemble(args.dir, size=args.size, method=args.method, seed=args.seed)
    print(result.summary())
    print(f"wrote {SweepDirectory(result.directory).ensemble_file}")
    return 0


_COMMANDS = {
    "validate": _validate,
    "convert": _convert,
    "run": _run,
    "resume": _resume,
    "best": _best,
    "trials": _trials,
    "report": _report,
    "repair": _repair,
    "retrain": _retrain,
    "submit": _submit,
    "status": _status,
    "logs": _logs,
    "stop": _stop,
    "fetch": _fetch,
    "ensemble": _ensemble,
}

if __name__ == "__main__":
    sys.exit(main())
